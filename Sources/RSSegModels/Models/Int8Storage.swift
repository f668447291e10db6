import Torch

/// Int8 storage of a model file's large weight tensors, for shipping small files: each row (an
/// output channel, or one word of an embedding table) is stored as int8 with its own float32 scale
/// (the row's largest magnitude / 127) under `<key>.scale` — a quarter of float32's bytes, with a
/// rounding error of at most half a step of that row. `ModelFile.read` turns them back into float32,
/// so models never see the storage.
enum Int8Storage {
  static let scaleSuffix = ".scale"
  /// Tensors with fewer elements (biases, norms, relative-position tables) cost little and stay float.
  static let minimumElements = 4096

  /// `tensor` under `key` as stored: an int8 tensor and its row scales for a large floating-point
  /// tensor of two or more dimensions, otherwise unchanged.
  static func encode(_ key: String, _ tensor: Tensor) throws -> [(String, Tensor)] {
    let shape = tensor.shape
    guard tensor.dtype.isFloatingPoint, shape.count >= 2, shape.reduce(1, *) >= minimumElements else { return [(key, tensor)] }
    let rows = try tensor.to(.float32).reshape([shape[0], -1])
    // Float32 scales (4 bytes a row): float16 would flush the scales of tiny rows to zero.
    let scale = try (rows.abs().amax(dim: 1, keepDim: true) / 127).clamp(min: 1e-30)
    let stored = try (rows / scale).round().clamp(min: -127, max: 127).to(.int8)
    return [(key, try stored.reshape(shape)), (key + scaleSuffix, try scale.reshape([shape[0]]))]
  }

  /// `tensors` with every int8 tensor that has a `.scale` companion turned back into float32 and
  /// the companions removed; `path` names the file in errors.
  static func decode(_ tensors: [String: Tensor], path: String) throws -> [String: Tensor] {
    var decoded = tensors
    for (scaleKey, scale) in tensors where scaleKey.hasSuffix(scaleSuffix) {
      let key = String(scaleKey.dropLast(scaleSuffix.count))
      guard let stored = tensors[key], stored.dtype == .int8 else { continue }
      let rows = stored.shape.first ?? 0
      guard scale.shape == [rows] else {
        throw ModelFileError.tensor(
          path: path, key: scaleKey, "int8 row scales of shape \(scale.shape) for a tensor of \(rows) rows")
      }
      let broadcast = [rows] + Array(repeating: 1, count: stored.shape.count - 1)
      decoded[key] = try stored.to(.float32) * scale.to(.float32).reshape(broadcast)
      decoded[scaleKey] = nil
    }
    return decoded
  }
}
