/// A training run that cannot go on.
public enum TrainingError: Error, CustomStringConvertible {
  case config(path: String, String)
  case nonFiniteLoss(step: Int, epoch: Int, terms: String, lastCheckpoint: String?)
  case resume(path: String, String)

  public var description: String {
    switch self {
    case .config(let path, let message): return "\(path): \(message)"
    case .nonFiniteLoss(let step, let epoch, let terms, let last):
      return "the loss is not finite at step \(step) (epoch \(epoch)): \(terms); stopped. "
        + (last.map { "The last good checkpoint is \($0)." } ?? "No checkpoint was written yet.")
    case .resume(let path, let message): return "cannot resume from \(path): \(message)"
    }
  }
}
