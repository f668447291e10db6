import Foundation
import RSSegModels

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
