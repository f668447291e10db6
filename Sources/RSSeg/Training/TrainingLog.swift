import Foundation
import RSSegModels

/// Appends rows to `<name>.csv` and `<name>.jsonl` in a run folder (appending on resume).
/// Columns are fixed by the first row written to a new file.
final class TrainingLog {
  private let csv: FileHandle
  private let jsonl: FileHandle
  private var columns: [String]?

  init(folder: URL, name: String) throws {
    let csvURL = folder.appendingPathComponent("\(name).csv"), jsonURL = folder.appendingPathComponent("\(name).jsonl")
    for url in [csvURL, jsonURL] where !FileManager.default.fileExists(atPath: url.path) {
      guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
        throw DataError.output(path: url.path, problem: "cannot create the log file")
      }
    }
    csv = try FileHandle(forWritingTo: csvURL)
    jsonl = try FileHandle(forWritingTo: jsonURL)
    if let header = try String(contentsOf: csvURL, encoding: .utf8).split(separator: "\n").first {
      columns = header.split(separator: ",").map(String.init)
    }
    csv.seekToEndOfFile()
    jsonl.seekToEndOfFile()
  }

  deinit {
    try? csv.close()
    try? jsonl.close()
  }

  /// One row; values are numbers (written with full precision) keyed by column.
  func append(_ row: [(String, Double)]) {
    if columns == nil {
      columns = row.map(\.0)
      csv.write(Data((columns!.joined(separator: ",") + "\n").utf8))
    }
    let values = Dictionary(row, uniquingKeysWith: { $1 })
    csv.write(Data((columns!.map { values[$0].map(Self.format) ?? "" }.joined(separator: ",") + "\n").utf8))
    let json = row.map { "\"\($0.0)\":\($0.1.isFinite ? Self.format($0.1) : "null")" }.joined(separator: ",")
    jsonl.write(Data(("{" + json + "}\n").utf8))
  }

  static func format(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
  }
}
