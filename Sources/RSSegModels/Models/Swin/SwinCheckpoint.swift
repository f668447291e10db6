import Torch

/// What loading official Swin weights into a backbone did.
public struct SwinLoadReport: Sendable, Equatable, CustomStringConvertible {
  /// Model keys copied from the file.
  public var loaded: [String]
  /// Model keys the file does not have; they keep their initial values (stage norms, fusion).
  public var fresh: [String]
  /// File keys the backbone does not use (the classifier `head.*`, the final `norm.*`, the
  /// classification model's `attn_mask` buffers).
  public var ignored: [String]
  /// Keys present in both with different shapes that could not be adapted (e.g. the
  /// `relative_position_index` of another window size, which is rebuilt anyway); they start
  /// fresh.
  public var mismatched: [LoadReport.ShapeMismatch]
  /// Relative position bias tables of another window size, resized bicubically to this
  /// model's window (as the official segmentation loader does) and loaded.
  public var resized: [String] = []

  public var description: String {
    func list(_ keys: [String]) -> String {
      keys.count <= 6 ? keys.joined(separator: ", ") : keys.prefix(6).joined(separator: ", ") + ", …"
    }
    var parts = ["loaded \(loaded.count) tensors"]
    if !resized.isEmpty { parts.append("\(resized.count) position bias tables resized to this window") }
    if !fresh.isEmpty { parts.append("\(fresh.count) start fresh (\(list(fresh)))") }
    if !ignored.isEmpty { parts.append("ignored \(ignored.count) (\(list(ignored)))") }
    for m in mismatched { parts.append("\(m.key) has shape \(m.found) in the file, \(m.expected) in the model; starts fresh") }
    return parts.joined(separator: "; ")
  }
}

/// Official Swin classification checkpoints (github.com/microsoft/Swin-Transformer, e.g.
/// `swin_base_patch4_window12_384_22k.pth`: a dict whose `model` entry is the state dict).
public enum SwinCheckpoint {
  /// The backbone state dict of a checkpoint's tensors: the `model.` entries without that
  /// prefix when there are any, otherwise every tensor as is.
  public static func backboneWeights(_ tensors: [String: Tensor]) -> [String: Tensor] {
    let nested = tensors.withPrefix("model.")
    return nested.isEmpty ? tensors : nested
  }

  /// Loads official Swin weights into `backbone` (a `SwinTransformer` or LAVT's multi-modal
  /// Swin) non-strictly: every key present with the right shape is copied; the report lists
  /// what was loaded, what starts fresh and what the file holds that the backbone does not use.
  ///
  /// - Throws: `ModelConfigError` when nothing at all matches (not a Swin checkpoint, or one
  ///   of another width).
  @discardableResult
  public static func load(_ tensors: [String: Tensor], into backbone: Module) throws -> SwinLoadReport {
    var weights = backboneWeights(tensors)
    let resized = try resizeBiasTables(&weights, for: backbone)
    let report = try backbone.loadStateDict(weights, strict: false)
    let mismatched = Set(report.shapeMismatches.map(\.key))
    let missing = Set(report.missing)
    let loaded = try backbone.orderedStateDict().map(\.key).filter { !missing.contains($0) && !mismatched.contains($0) }
    guard !loaded.isEmpty else {
      throw ModelConfigError.invalid(
        "the weights share no tensor with this Swin backbone (\(weights.count) tensors, e.g. \(weights.keys.sorted().prefix(3)))")
    }
    return SwinLoadReport(
      loaded: loaded, fresh: report.missing, ignored: report.unexpected, mismatched: report.shapeMismatches,
      resized: resized)
  }

  /// Resizes every `relative_position_bias_table` of `weights` whose window differs from the
  /// model's (same head count) as mmcv_custom/checkpoint.py of the official segmentation code:
  /// the `[(2w−1)², heads]` table viewed as `heads` square maps, bicubic (align_corners false).
  /// Returns the resized keys.
  static func resizeBiasTables(_ weights: inout [String: Tensor], for backbone: Module) throws -> [String] {
    let own = Dictionary(uniqueKeysWithValues: try backbone.orderedStateDict().map { ($0.key, $0.tensor.shape) })
    var resized: [String] = []
    for (key, table) in weights where key.hasSuffix("relative_position_bias_table") {
      guard let shape = own[key], table.rank == 2, shape.count == 2, table.shape[1] == shape[1], table.shape[0] != shape[0]
      else { continue }
      let (from, to) = (Int(Double(table.shape[0]).squareRoot()), Int(Double(shape[0]).squareRoot()))
      guard from * from == table.shape[0], to * to == shape[0] else { continue }
      let heads = shape[1]
      let maps = try table.to(.float32).permute([1, 0]).reshape([1, heads, from, from])
      weights[key] = try Functional.interpolate(maps, size: [to, to], mode: .bicubic).reshape([heads, to * to]).permute([1, 0])
      resized.append(key)
    }
    return resized.sorted()
  }

  /// Loads the checkpoint at `path` (`.pth` or `.safetensors`) as `load(_:into:)`.
  @discardableResult
  public static func load(path: String, into backbone: Module) throws -> SwinLoadReport {
    try load(WeightFiles.stateDict(at: path), into: backbone)
  }
}
