import ArgumentParser

/// `--bands`: 1-based input bands in the model's channel order, as 0-based band numbers.
enum BandList {
  /// - Throws: `ValidationError` for anything but positive integers separated by commas.
  static func parse(_ text: String) throws -> [Int] {
    let parsed = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) >= 1 }) else {
      throw ValidationError("--bands takes 1-based band numbers separated by commas, not '\(text)'")
    }
    return parsed.map { $0! - 1 }
  }

  /// `text` parsed, or 0..<count without it, for a model that takes `count` bands.
  static func resolve(_ text: String?, count: Int) throws -> [Int] {
    guard let text else { return Array(0..<count) }
    let parsed = try parse(text)
    guard parsed.count == count else { throw CommandFailure("the model takes \(count) bands, --bands names \(parsed.count)") }
    return parsed
  }
}
