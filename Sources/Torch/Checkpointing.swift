import CTorch
import Foundation

extension Torch {
  /// Activation checkpointing (`torch.utils.checkpoint`): runs `body` on `inputs` without
  /// keeping its intermediate tensors for backward, and runs it again during backward to get
  /// them. Memory for `body`'s activations is traded for a second forward pass of it.
  ///
  /// The recomputation sees the same random-number state (dropout masks) and autocast state as
  /// the first run. Parameters used inside `body` receive their gradients as usual. When no
  /// graph is recorded, or no input requires grad, `body` simply runs once.
  ///
  /// `body` must compute its outputs from `inputs` and parameters only (not from other tensors
  /// that need gradients), and be deterministic apart from random draws.
  public static func checkpoint(_ inputs: [Tensor], _ body: @escaping ([Tensor]) throws -> [Tensor]) throws -> [Tensor] {
    try checkpoint(inputs) { inputs, _ in try body(inputs) }
  }

  /// `checkpoint(_:_:)` whose `body` is told which run it is in: `recomputing` is true in
  /// backward's run, where its outputs serve only as the roots of the recorded graph and their
  /// values are never read. A body may then skip computing its last operation's values (e.g.
  /// `Linear.backwardOnly`), as long as that operation's backward does not need them.
  public static func checkpoint(
    _ inputs: [Tensor], _ body: @escaping (_ inputs: [Tensor], _ recomputing: Bool) throws -> [Tensor]
  ) throws -> [Tensor] {
    let context = Unmanaged.passRetained(CheckpointBody(body)).toOpaque()
    let handles = inputs.map { Optional($0.handle) }
    return try handles.withUnsafeBufferPointer { list in
      try makeTensors("checkpoint") { out, count in
        rs_checkpoint(out, count, list.baseAddress, Int64(list.count), checkpointTrampoline, context, checkpointRelease)
      }
    }
  }
}

/// The Swift function behind one `Torch.checkpoint` call, kept alive by the autograd graph.
private final class CheckpointBody {
  let body: ([Tensor], Bool) throws -> [Tensor]
  init(_ body: @escaping ([Tensor], Bool) throws -> [Tensor]) { self.body = body }
}

private let checkpointTrampoline: rs_checkpoint_body = { context, inputs, count, recomputing, outputs, outputCount, error in
  let box = Unmanaged<CheckpointBody>.fromOpaque(context!).takeUnretainedValue()
  let tensors = (0..<Int(count)).map { Tensor(handle: inputs![$0]!) }
  do {
    let results = try box.body(tensors, recomputing != 0)
    let array = malloc(max(1, results.count) * MemoryLayout<rs_tensor?>.stride)!.assumingMemoryBound(to: rs_tensor?.self)
    for (k, result) in results.enumerated() {
      var alias: rs_tensor?
      guard rs_tensor_alias(&alias, result.handle) == 0 else {
        rs_tensor_array_free(array, Int64(k))
        error!.pointee = strdup(String(cString: rs_last_error()))
        return 1
      }
      array[k] = alias
    }
    outputs!.pointee = array
    outputCount!.pointee = Int64(results.count)
    return 0
  } catch let failure {
    error!.pointee = strdup("\(failure)")
    return 1
  }
}

private let checkpointRelease: rs_checkpoint_release = { context in
  Unmanaged<CheckpointBody>.fromOpaque(context!).release()
}
