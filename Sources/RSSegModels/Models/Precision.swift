import Torch

/// The arithmetic a model runs in: float32 throughout, or float32 weights under bfloat16
/// autocast (PyTorch AMP's `torch.autocast(dtype=torch.bfloat16)`), or `auto`: bf16 where the
/// CPU computes bfloat16 natively (AVX512-BF16, AMX) and fp32 where it would only emulate it.
public enum Precision: String, Codable, CaseIterable, Sendable {
  case auto, fp32, bf16

  /// fp32 or bf16: what `auto` means on this machine.
  public var resolved: Precision {
    self == .auto ? (Torch.cpuHasBF16 ? .bf16 : .fp32) : self
  }

  /// Runs `body` under this precision's autocast on `device`.
  public func run<R>(on device: Device = .cpu, _ body: () throws -> R) throws -> R {
    try Torch.withAutocast(dtype: .bfloat16, device: device, enabled: resolved == .bf16, body)
  }
}
