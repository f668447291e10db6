import Torch

/// Reads the tensors of a weight file by name: `.safetensors`, or anything `torch.save` wrote
/// (`.pth`, `.pt`, `.ckpt`). A training checkpoint's `state_dict` entry is used when present.
enum WeightFiles {
  static func stateDict(at path: String) throws -> [String: Tensor] {
    let pairs: [(String, Tensor)]
    if path.hasSuffix(".safetensors") {
      pairs = try SafeTensors.read(path).tensors()
    } else {
      let checkpoint = try TorchCheckpoint.read(path)
      pairs = (checkpoint["state_dict"] ?? checkpoint).flatTensors()
    }
    var out: [String: Tensor] = [:]
    for (key, tensor) in pairs {
      guard out.updateValue(tensor, forKey: key) == nil else {
        throw TorchError.io(path: path, message: "the tensor name '\(key)' occurs twice")
      }
    }
    guard !out.isEmpty else { throw TorchError.io(path: path, message: "no tensors found") }
    return out
  }
}
