/// Where this process sits in a multi-process run, from the environment variables that
/// `rsseg launch` (and PyTorch's torchrun) set: `RANK`, `WORLD_SIZE`, `LOCAL_RANK`,
/// `MASTER_ADDR`, `MASTER_PORT`.
public struct DistributedEnvironment: Sendable, Equatable {
  public var rank: Int
  public var worldSize: Int
  /// The rank among the processes of this machine (the GPU to use).
  public var localRank: Int
  public var masterAddress: String
  public var masterPort: Int

  public init(rank: Int, worldSize: Int, localRank: Int, masterAddress: String, masterPort: Int) {
    self.rank = rank
    self.worldSize = worldSize
    self.localRank = localRank
    self.masterAddress = masterAddress
    self.masterPort = masterPort
  }

  /// The run `environment` describes, or nil when `WORLD_SIZE` is not set (a single process).
  /// - Throws: `TorchError.invalidArgument` naming the variable that is missing or malformed.
  public static func from(_ environment: [String: String]) throws -> DistributedEnvironment? {
    guard let sizeText = environment["WORLD_SIZE"] else { return nil }
    func integer(_ name: String, _ text: String?, _ valid: ClosedRange<Int>) throws -> Int {
      guard let text else { throw TorchError.invalidArgument("WORLD_SIZE is set but \(name) is not") }
      guard let value = Int(text), valid.contains(value) else {
        throw TorchError.invalidArgument("\(name)=\(text) is not an integer in \(valid.lowerBound)...\(valid.upperBound)")
      }
      return value
    }
    let size = try integer("WORLD_SIZE", sizeText, 1...65536)
    let rank = try integer("RANK", environment["RANK"], 0...(size - 1))
    let localRank = try integer("LOCAL_RANK", environment["LOCAL_RANK"] ?? "0", 0...(size - 1))
    let port = try integer("MASTER_PORT", environment["MASTER_PORT"], 1...65535)
    guard let address = environment["MASTER_ADDR"], !address.isEmpty else {
      throw TorchError.invalidArgument("WORLD_SIZE is set but MASTER_ADDR is not")
    }
    return DistributedEnvironment(rank: rank, worldSize: size, localRank: localRank, masterAddress: address, masterPort: port)
  }
}
