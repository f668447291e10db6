import XCTest
@testable import Torch

/// `AdamW.backwardStep`: the update inside backward equals backward then `step()`.
final class AdamWBackwardTests: XCTestCase {
  /// Two linear layers, the second recomputed in backward (activation checkpointing runs its
  /// own backward, where its parameters' gradients are accumulated), and one unused parameter.
  private final class Net {
    let first: Linear, second: Linear, unused: Tensor

    init() throws {
      Torch.manualSeed(11)
      first = try Linear(6, 8)
      second = try Linear(8, 3)
      unused = try Tensor.ones([2]).requiresGrad(true)
    }

    func loss(step: Int) throws -> Tensor {
      let x = try Tensor(testValues(5 * 6, seed: UInt64(step + 40)), shape: [5, 6])
      let h = try Torch.checkpoint([try first(x).gelu()]) { [try self.second($0[0])] }[0]
      return try Functional.crossEntropy(h, target: try Tensor([0, 1, 2, 1, 0] as [Int64]))
    }

    func optimizer(amsgrad: Bool = false, fused: Bool? = nil) throws -> AdamW {
      try AdamW(
        groups: [
          ParamGroup([first.weight, second.weight, unused]),
          ParamGroup([first.bias!, second.bias!], options: ["weight_decay": 0, "lr": 0.02]),
        ], lr: 0.05, weightDecay: 0.1, amsgrad: amsgrad, fused: fused)
    }

    var parameters: [Tensor] { [first.weight, first.bias!, second.weight, second.bias!, unused] }
  }

  func testBackwardStepEqualsBackwardThenStep() throws {
    for amsgrad in [false, true] {
      let plain = try Net(), fusedIn = try Net()
      let a = try plain.optimizer(amsgrad: amsgrad), b = try fusedIn.optimizer(amsgrad: amsgrad)
      for step in 0..<4 {
        for opt in [a, b] { opt.paramGroups[0].lr = 0.05 / Double(step + 1) }  // as a scheduler would
        try a.zeroGrad()
        try plain.loss(step: step).backward()
        try a.step()
        try b.backwardStep(try fusedIn.loss(step: step))
        XCTAssertTrue(fusedIn.parameters.allSatisfy { $0.grad == nil }, "every gradient freed in backward")
      }
      for (p, q) in zip(plain.parameters, fusedIn.parameters) {
        let x = try p.scalars(as: Float.self), y = try q.scalars(as: Float.self)
        XCTAssertEqual(x, y, "amsgrad \(amsgrad)")
      }
      XCTAssertNotEqual(try plain.first.weight.scalars(as: Float.self), try Net().first.weight.scalars(as: Float.self))
      XCTAssertEqual(try fusedIn.unused.scalars(as: Float.self), [1, 1], "a parameter without a gradient is not moved")
      // The state is the optimiser's own: stepping on with step() continues where backwardStep left off.
      XCTAssertEqual(try b.stateDict().tensors["state.0.step"]?.float(), 4)
    }
  }

  func testBackwardStepNeedsTheFusedKernel() throws {
    let net = try Net()
    XCTAssertThrowsError(try net.optimizer(fused: false).backwardStep(try net.loss(step: 0))) { error in
      XCTAssertTrue("\(error)".contains("fused"), "\(error)")
    }
  }
}
