import Torch

/// The arithmetic a model runs in: float32 throughout, or float32 weights under bfloat16
/// autocast (PyTorch AMP's `torch.autocast(dtype=torch.bfloat16)`).
public enum Precision: String, Codable, CaseIterable, Sendable {
  case fp32, bf16

  /// Runs `body` under this precision's autocast on `device`.
  public func run<R>(on device: Device = .cpu, _ body: () throws -> R) throws -> R {
    try Torch.withAutocast(dtype: .bfloat16, device: device, enabled: self == .bf16, body)
  }
}
