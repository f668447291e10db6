import Foundation
import Raster

/// What `rsseg prepare` reads and writes.
public struct PrepareOptions: Sendable {
  public var source: URL
  public var output: URL
  /// Skip (and list) bad samples instead of stopping at the first.
  public var skipBad = false
  /// Map unknown label values/colours to ignore instead of treating the mask as bad.
  public var unknownAsIgnore = false
  /// Seed of the random crops of Vaihingen's car oversampling.
  public var seed: UInt64 = 0
  /// ISPRS patch size (the spec's 1024; smaller sizes scale the stride and crop rules).
  public var patchSize = 1024
  public var showProgress = true

  public init(source: URL, output: URL) {
    self.source = source.standardizedFileURL
    self.output = output.standardizedFileURL
  }

  /// Refuses an output folder equal to the source or inside it.
  func checkOutput() throws {
    let src = source.resolvingSymlinksInPath().path, out = output.resolvingSymlinksInPath().path
    if out == src || out.hasPrefix(src.hasSuffix("/") ? src : src + "/") {
      throw DataError.output(path: output.path, problem: "refusing to write into the source folder \(source.path)")
    }
  }
}

/// What a `prepare` run did.
public struct PrepareReport: Sendable {
  /// Files written per output folder (relative to the output root).
  public var written: [String: Int] = [:]
  /// Samples or tiles already finished by an earlier run.
  public var alreadyDone = 0
  /// Bad samples skipped (with `skipBad`): the error for each.
  public var bad: [DataError] = []
  /// Unknown label values or colours, with the file they were found in.
  public var unknownLabels: [(file: String, label: UnknownLabel)] = []

  public init() {}

  mutating func merge(_ other: PrepareReport) {
    for (k, v) in other.written { written[k, default: 0] += v }
    alreadyDone += other.alreadyDone
    bad += other.bad
    unknownLabels += other.unknownLabels
  }

  /// A human-readable summary.
  public var summary: String {
    var lines: [String] = []
    for (folder, n) in written.sorted(by: { $0.key < $1.key }) { lines.append("wrote \(n) files to \(folder)") }
    if written.isEmpty { lines.append("wrote nothing") }
    if alreadyDone > 0 { lines.append("\(alreadyDone) already prepared by an earlier run, skipped") }
    if !bad.isEmpty {
      lines.append("\(bad.count) bad sample(s) skipped:")
      lines += bad.map { "  \($0)" }
    }
    if !unknownLabels.isEmpty {
      var totals: [String: Int] = [:]
      for (_, l) in unknownLabels { totals[l.label, default: 0] += l.pixels }
      let files = Set(unknownLabels.map(\.file)).count
      lines.append("unknown label values/colours in \(files) file(s):")
      lines += totals.sorted { $0.value > $1.value }.map { "  \($0.key): \($0.value) px" }
    }
    return lines.joined(separator: "\n")
  }
}

extension PrepareReport {
  /// Runs `body` for one sample: with `skipBad`, a `DataError.badSample`/`unknownLabels` is
  /// recorded instead of thrown.
  mutating func sample(skipBad: Bool, _ body: (inout PrepareReport) throws -> Void) throws {
    do { try body(&self) } catch let error as DataError {
      if case .unknownLabels(let path, let labels) = error {
        unknownLabels += labels.map { (path, $0) }
      }
      switch error {
      case .badSample, .unknownLabels:
        guard skipBad else { throw error }
        bad.append(error)
      default: throw error
      }
    }
  }
}

/// Creates `folder` (and parents).
func makeFolder(_ folder: URL) throws {
  do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
    throw DataError.output(path: folder.path, problem: "cannot create folder: \(error.localizedDescription)")
  }
}

/// Writes a small text file atomically (temporary name, then rename).
func writeAtomically(_ text: String, to url: URL) throws {
  do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
    throw DataError.output(path: url.path, problem: "cannot write: \(error.localizedDescription)")
  }
}

/// A symbolic link at `link` to `target`, created under a temporary name and renamed into place.
func linkAtomically(_ link: URL, to target: URL) throws {
  let temporary = link.deletingLastPathComponent().appendingPathComponent(".\(link.lastPathComponent).partial-link")
  unlink(temporary.path)
  guard symlink(target.path, temporary.path) == 0, rename(temporary.path, link.path) == 0 else {
    let reason = String(cString: strerror(errno))
    unlink(temporary.path)
    throw DataError.output(path: link.path, problem: "cannot link to \(target.path): \(reason)")
  }
}

/// Raster failures while writing outputs become `DataError.output` (never a skippable bad sample).
func writing(_ path: String, _ body: () throws -> Void) throws {
  do { try body() } catch let error as RasterError { throw DataError.output(path: error.path, problem: "\(error)") }
}
