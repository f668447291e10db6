import Torch

/// The arithmetic a model runs in, as PyTorch AMP: float32 throughout, or float32 weights under
/// bfloat16 or float16 autocast (`torch.autocast(device_type, dtype)`), or `auto`: bf16 where
/// the device computes bfloat16 natively (CPUs with AVX512-BF16 or AMX, GPUs of compute
/// capability 8.0 and up) and fp32 elsewhere. Training in fp16 also needs loss scaling
/// (`GradScaler`), which the trainer adds.
public enum Precision: String, Codable, CaseIterable, Sendable {
  case auto, fp32, bf16, fp16

  /// fp32, bf16 or fp16: what `auto` means on `device`.
  public func resolved(on device: Device = .cpu) -> Precision {
    guard self == .auto else { return self }
    switch device {
    case .cpu: return Torch.cpuHasBF16 ? .bf16 : .fp32
    case .cuda(let index): return Torch.cudaDevices.first { $0.index == index }?.nativeBF16 == true ? .bf16 : .fp32
    default: return .fp32
    }
  }

  /// The autocast dtype, nil for fp32.
  var autocastDType: DType? {
    switch self {
    case .bf16: return .bfloat16
    case .fp16: return .float16
    case .auto, .fp32: return nil
    }
  }

  /// Runs `body` under this precision's autocast on `device`.
  public func run<R>(on device: Device = .cpu, _ body: () throws -> R) throws -> R {
    guard let dtype = resolved(on: device).autocastDType else { return try body() }
    return try Torch.withAutocast(dtype: dtype, device: device, body)
  }
}
