/// A device as a user names it (`--device`, the `device` config key): `auto` or one device.
public enum DeviceChoice: Equatable, Hashable, Sendable, CustomStringConvertible {
  /// `cuda:LOCAL_RANK` when a CUDA device is present, else the CPU.
  case auto
  case device(Device)

  /// Parses "auto", "cpu", "cuda", "cuda:N" or "audit".
  public init(parsing text: String) throws {
    self = text == "auto" ? .auto : .device(try Device(parsing: text))
  }

  public var description: String {
    switch self {
    case .auto: return "auto"
    case .device(let d): return d.description
    }
  }

  /// The device this choice means here: `auto` picks `cuda:localRank` (one GPU per process in a
  /// multi-process run) when this build and machine have CUDA devices, else the CPU.
  /// - Throws: `TorchError.invalidArgument` with one line to show when CUDA is asked for and
  ///   the build has no CUDA, the machine shows no device, or the index is out of range.
  public func resolve(localRank: Int = 0) throws -> Device {
    switch self {
    case .auto:
      // A CUDA libtorch built without the CUDA runtime headers sees the GPUs but lacks the
      // queries training needs (memory statistics): it stays on the CPU.
      let count = Torch.builtWithCUDA ? Torch.cudaDeviceCount : 0
      return count > 0 ? .cuda(localRank % count) : .cpu
    case .device(.cuda(let index)):
      guard Torch.builtWithCUDA else {
        throw TorchError.invalidArgument(
          Torch.cudaDeviceCount > 0
            ? "this rsseg was built against a CUDA libtorch but without the CUDA runtime headers; rebuild with CUDA_HOME set, "
              + "or with nvidia-cuda-crt and nvidia-cuda-cccl installed beside the torch wheel (README, Install)"
            : "this rsseg was built against a CPU libtorch; build with LIBTORCH=… (a CUDA libtorch) for CUDA")
      }
      let count = Torch.cudaDeviceCount
      guard count > 0 else {
        throw TorchError.invalidArgument("no CUDA device is visible to this process (check the driver and CUDA_VISIBLE_DEVICES)")
      }
      guard index < count else {
        throw TorchError.invalidArgument("cuda:\(index) was asked for, but this machine shows \(count) CUDA device\(count == 1 ? "" : "s") (cuda:0…cuda:\(count - 1))")
      }
      return .cuda(index)
    case .device(let device):
      return device
    }
  }
}

extension DeviceChoice: Codable {
  public init(from decoder: Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    do { try self.init(parsing: text) } catch let error as TorchError {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
    }
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
