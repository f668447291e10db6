/// Plain pickle files (dataset annotations such as RefCOCO-style `refs(unc).p`), read by the
/// same allow-list machine as checkpoints: plain data comes out, nothing is ever called, objects
/// of unknown classes become `.unknownObject`, and code-execution globals are rejected.
public enum Pickle {
  /// The object a plain pickle file holds (no persistent ids: not a torch.save file).
  /// - Throws: `TorchError.io` naming the file and the problem.
  public static func read(_ path: String) throws -> CheckpointValue {
    let file = try MappedFile(path: path)
    var machine = Unpickler(file.bytes, source: path)
    return try machine.load { try CheckpointValue($0, source: path) }
  }
}
