// Loading a state dict into a module: strict by default, every problem reported at once.

/// What `loadStateDict` found: keys the module expects but the dict lacks, keys the dict has
/// but the module does not, and keys whose shapes differ.
public struct LoadReport: Sendable, Equatable, CustomStringConvertible {
  public struct ShapeMismatch: Sendable, Equatable {
    public let key: String
    public let expected: [Int]
    public let found: [Int]
  }

  public var missing: [String] = []
  public var unexpected: [String] = []
  public var shapeMismatches: [ShapeMismatch] = []

  /// True when every key matched with the right shape.
  public var isClean: Bool { missing.isEmpty && unexpected.isEmpty && shapeMismatches.isEmpty }

  public var description: String {
    var lines: [String] = []
    if !missing.isEmpty { lines.append("missing keys: \(missing.joined(separator: ", "))") }
    if !unexpected.isEmpty { lines.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
    for m in shapeMismatches {
      lines.append("shape mismatch for \(m.key): module has \(m.expected), state dict has \(m.found)")
    }
    return lines.isEmpty ? "all keys matched" : lines.joined(separator: "\n")
  }
}

/// A strict load failed; nothing was copied. `report` lists every problem.
public struct StateDictError: Error, CustomStringConvertible {
  public let module: String
  public let report: LoadReport

  public var description: String { "loading the state dict of \(module) failed:\n\(report)" }
}

extension Module {
  /// `load_state_dict(stateDict, strict)`: copies each tensor into the module's existing
  /// parameter or buffer (under no-grad, converting dtype and device), so optimisers holding
  /// those tensors stay valid.
  ///
  /// - Parameter strict: when true (the default) any missing, unexpected or shape-mismatched
  ///   key throws `StateDictError` listing all of them, before anything is copied. When false,
  ///   every key that matches in name and shape is copied and the report is returned.
  /// - Throws: `StateDictError` (strict), `TorchError` on duplicate module keys or a failed copy.
  @discardableResult
  public func loadStateDict(_ stateDict: [String: Tensor], strict: Bool = true) throws -> LoadReport {
    let own = try orderedStateDict()
    var report = LoadReport()
    var matched: [(target: Tensor, source: Tensor)] = []
    for (key, target) in own {
      guard let source = stateDict[key] else {
        report.missing.append(key)
        continue
      }
      if source.shape != target.shape {
        report.shapeMismatches.append(.init(key: key, expected: target.shape, found: source.shape))
      } else {
        matched.append((target, source))
      }
    }
    let known = Set(own.map(\.key))
    report.unexpected = stateDict.keys.filter { !known.contains($0) }.sorted()
    if strict && !report.isClean {
      throw StateDictError(module: String(describing: type(of: self)), report: report)
    }
    try Torch.withNoGrad {
      for (target, source) in matched { try target.copy_(source) }
    }
    return report
  }
}

extension Dictionary where Key == String, Value == Tensor {
  /// The entries whose keys start with `prefix`, with the prefix removed: loads part of a
  /// checkpoint into a child (`model.backbone.loadStateDict(dict.withPrefix("backbone."))`) or
  /// strips a wrapper's prefix (`dict.withPrefix("net.")`).
  public func withPrefix(_ prefix: String) -> [String: Tensor] {
    var out: [String: Tensor] = [:]
    for (key, tensor) in self where key.hasPrefix(prefix) { out[String(key.dropFirst(prefix.count))] = tensor }
    return out
  }
}
