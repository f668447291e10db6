import Foundation
import RSSegModels
import Torch

#if canImport(Glibc)
  import Glibc
#endif

/// A first-in, first-out queue of float32 tensors kept in an unlinked temporary file (in
/// `$TMPDIR`, else /tmp): what one pass over a scene hands to the next without holding it in
/// memory. The file disappears when the queue is released, also when the process is killed.
final class TensorSpill {
  private let descriptor: Int32
  private let directory: String
  private var writeOffset: off_t = 0
  private var readOffset: off_t = 0

  init() throws {
    directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array("\(directory)/.rsseg-spill-XXXXXX".utf8CString)
    descriptor = mkstemp(&template)
    guard descriptor >= 0 else { throw InferenceError.temporaryStorage("\(directory): cannot create a temporary file: \(Self.lastError)") }
    unlink(template)
  }

  deinit { close(descriptor) }

  /// Appends `tensor`'s values (converted to float32).
  func append(_ tensor: Tensor) throws {
    let values = try tensor.to(.float32).contiguous()
    try values.withUnsafeRawPointer { start in
      var done = 0
      let total = values.count * MemoryLayout<Float>.size
      while done < total {
        let n = pwrite(descriptor, start + done, total - done, writeOffset + off_t(done))
        guard n > 0 else { throw InferenceError.temporaryStorage("\(directory): cannot write a temporary file: \(Self.lastError)") }
        done += n
      }
      writeOffset += off_t(total)
    }
  }

  /// The oldest tensor not read yet, which must have `shape`; read straight into its memory.
  func next(shape: [Int]) throws -> Tensor {
    let tensor = try Tensor.empty(shape, dtype: .float32)
    let total = tensor.count * MemoryLayout<Float>.size
    try tensor.withUnsafeRawPointer { start in
      let destination = UnsafeMutableRawPointer(mutating: start)
      var done = 0
      while done < total {
        let n = pread(descriptor, destination + done, total - done, readOffset + off_t(done))
        guard n > 0 else { throw InferenceError.temporaryStorage("\(directory): cannot read back a temporary file: \(n == 0 ? "it is shorter than written" : Self.lastError)") }
        done += n
      }
    }
    readOffset += off_t(total)
    return tensor
  }

  private static var lastError: String { String(cString: strerror(errno)) }
}
