import XCTest
@testable import Torch

final class CheckpointingTests: XCTestCase {
  struct Failure: Error, CustomStringConvertible {
    var description: String { "the body gave up" }
  }

  override func setUp() { Torch.manualSeed(5) }

  /// Under autocast, the recomputation in backward casts the weights again; those casts must not
  /// outlive it: after an optimiser-style update the next forward casts the new weights.
  func testRecomputationLeavesNoCastWeightsBehind() throws {
    let layer = try Linear(8, 8)
    let x = try Tensor.randn([4, 8]).requiresGrad(true)  // so that backward recomputes
    let forward = { try Torch.withAutocast(dtype: .bfloat16) { try Torch.checkpoint([x]) { [try layer($0[0])] }[0] } }
    try forward().to(.float32).sum().backward()
    try Torch.withNoGrad { try layer.weight.add_(1.0) }
    let after = try forward()
    let fresh = try Torch.withAutocast(dtype: .bfloat16) { try layer(x) }
    XCTAssertEqual(try (after.to(.float32) - fresh.to(.float32)).abs().max().double(), 0, "stale bf16 weights")
  }

  /// Gradients of a function with a parameter and dropout inside, with and without
  /// checkpointing, from the same random state.
  func testGradientsEqualThoseWithoutCheckpointing() throws {
    let layer = try Linear(6, 6)
    let body: ([Tensor]) throws -> [Tensor] = { t in
      let hidden = try Functional.dropout(try layer(t[0]).gelu(), p: 0.5, training: true) * t[1]
      return [try hidden.tanh(), try hidden.sum(dim: 1)]
    }
    let a = try Tensor.randn([5, 6]).requiresGrad(true)
    let b = try Tensor.randn([5, 6]).requiresGrad(true)
    var grads: [[Tensor]] = []
    for checkpointed in [true, false] {
      for p in try layer.parameters() { try p.setGrad(nil) }
      try a.setGrad(nil)
      try b.setGrad(nil)
      Torch.manualSeed(9)
      let out = checkpointed ? try Torch.checkpoint([a, b], body) : try body([a, b])
      XCTAssertTrue(out[0].requiresGrad)
      try ((out[0] * 2).sum() + out[1].square().sum()).backward()
      grads.append([a.grad!, b.grad!, layer.weight.grad!, layer.bias!.grad!])
    }
    for (x, y) in zip(grads[0], grads[1]) {
      XCTAssertLessThanOrEqual(try (x - y).abs().max().double(), 1e-6)
    }
    // The dropout mask really differs between seeds, so equal gradients mean a replayed mask.
    Torch.manualSeed(10)
    let other = try body([a, b])[0]
    Torch.manualSeed(9)
    XCTAssertGreaterThan(try (other - body([a, b])[0]).abs().max().double(), 0)
  }

  func testRunsOnceWithoutARecordedGraph() throws {
    var calls = 0
    let x = try Tensor.randn([3]).requiresGrad(true)
    let out = try Torch.withNoGrad {
      try Torch.checkpoint([x]) { t in
        calls += 1
        return [try t[0] * 3]
      }
    }
    XCTAssertEqual(calls, 1)
    XCTAssertFalse(out[0].requiresGrad)
  }

  /// With no input that needs a gradient the body runs plainly, so its parameters still get theirs.
  func testParametersGetGradientsWhenNoInputRequiresThem() throws {
    let layer = try Linear(4, 2)
    let x = try Tensor.randn([3, 4])
    var calls = 0
    let out = try Torch.checkpoint([x]) { t in
      calls += 1
      return [try layer(t[0])]
    }
    try out[0].sum().backward()
    XCTAssertEqual(calls, 1)
    XCTAssertNotNil(layer.weight.grad)
  }

  func testRecomputesOnceInBackward() throws {
    var calls = 0
    let x = try Tensor.randn([4]).requiresGrad(true)
    let out = try Torch.checkpoint([x]) { t in
      calls += 1
      return [try t[0].exp()]
    }
    XCTAssertEqual(calls, 1)
    try out[0].sum().backward()
    XCTAssertEqual(calls, 2)
    XCTAssertLessThanOrEqual(try (x.grad! - x.exp()).abs().max().double(), 1e-6)
  }

  func testErrorsNameTheBodysFailure() throws {
    let x = try Tensor.randn([2]).requiresGrad(true)
    XCTAssertThrowsError(try Torch.checkpoint([x]) { _ in throw Failure() }) {
      XCTAssertTrue("\($0)".contains("the body gave up"), "\($0)")
    }
    // Failing only in the recomputation surfaces from backward.
    var calls = 0
    let out = try Torch.checkpoint([x]) { t in
      calls += 1
      if calls > 1 { throw Failure() }
      return [try t[0] * 2]
    }
    XCTAssertThrowsError(try out[0].sum().backward()) {
      XCTAssertTrue("\($0)".contains("the body gave up"), "\($0)")
    }
  }

  /// The body (and what it captures) is released with the graph that holds it.
  func testReleasesTheBodyWithTheGraph() throws {
    final class Captured {}
    weak var weakCaptured: Captured?
    let x = try Tensor.randn([2]).requiresGrad(true)
    var out: [Tensor]? = try {
      let captured = Captured()
      weakCaptured = captured
      return try Torch.checkpoint([x]) { t in
        _ = captured
        return [try t[0] * 2]
      }
    }()
    XCTAssertNotNil(weakCaptured)
    XCTAssertNotNil(out)
    out = nil
    XCTAssertNil(weakCaptured)
  }

  /// The body runs with `recomputing` false first, true in backward.
  func testBodyIsToldWhenItRecomputes() throws {
    var runs: [Bool] = []
    let x = try Tensor.randn([3]).requiresGrad(true)
    let out = try Torch.checkpoint([x]) { t, recomputing in
      runs.append(recomputing)
      return [try t[0] * 2]
    }
    try out[0].sum().backward()
    XCTAssertEqual(runs, [false, true])
  }

  /// `Linear.backwardOnly` gives the layer's gradients (fp32, and bf16 under autocast with the
  /// layer's dtype), and its values when no graph is recorded.
  func testBackwardOnlyLinearGivesTheLayersGradients() throws {
    let layer = try Linear(12, 5)
    let x = try Tensor.randn([2, 7, 12]).requiresGrad(true)
    let g = try Tensor.randn([2, 7, 5])
    for autocast in [false, true] {
      func gradients(_ forward: (Tensor) throws -> Tensor) throws -> (dtype: DType, grads: [Tensor]) {
        for t in [x, layer.weight, layer.bias!] { try t.setGrad(nil) }
        let y = try autocast ? Torch.withAutocast(dtype: .bfloat16) { try forward(x) } : forward(x)
        XCTAssertEqual(y.shape, [2, 7, 5])
        try (y.to(.float32) * g).sum().backward()
        return (y.dtype, [x.grad!, layer.weight.grad!, layer.bias!.grad!])
      }
      let plain = try gradients { try layer($0) }
      let graphOnly = try gradients { try layer.backwardOnly($0) }
      XCTAssertEqual(graphOnly.dtype, plain.dtype)
      for (a, b) in zip(plain.grads, graphOnly.grads) {
        XCTAssertEqual(b.dtype, .float32)
        XCTAssertLessThanOrEqual(try (a - b).abs().max().double(), autocast ? 2e-2 : 1e-5, "autocast \(autocast)")
      }
    }
    let values = try Torch.withNoGrad { try layer.backwardOnly(x) }
    XCTAssertEqual(try (values - Torch.withNoGrad { try layer(x) }).abs().max().double(), 0)
  }
}
