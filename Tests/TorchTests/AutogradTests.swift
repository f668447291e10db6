import XCTest
@testable import Torch

final class AutogradTests: XCTestCase {
  struct Thrown: Error {}

  override func setUp() { Torch.manualSeed(7) }

  /// Central finite differences of the scalar `f` with respect to every element of `inputs`
  /// (float64), compared with `Torch.grad`.
  func assertGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], eps: Double = 1e-6, tolerance: Double = 1e-6, _ f: ([Tensor]) throws -> Tensor,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    for x in inputs { try x.requiresGrad(true) }
    let analytic = try Torch.grad(outputs: [f(inputs)], inputs: inputs)
    try Torch.withNoGrad {
      for (x, g) in zip(inputs, analytic) {
        XCTAssertEqual(g.shape, x.shape, file: file, line: line)
        let flat = try x.view([-1])
        let expected = try g.reshape([-1]).scalars(as: Double.self)
        for k in 0..<flat.count {
          let original = try flat[k].double()
          try flat.set(k, to: .float(original + eps))
          let plus = try f(inputs).double()
          try flat.set(k, to: .float(original - eps))
          let minus = try f(inputs).double()
          try flat.set(k, to: .float(original))
          let numeric = (plus - minus) / (2 * eps)
          XCTAssertEqual(expected[k], numeric, accuracy: tolerance * Swift.max(1, Swift.abs(numeric)), "element \(k)", file: file, line: line)
        }
      }
    }
  }

  /// A scalar function of three tensors touching many differentiable ops.
  func composite(_ t: [Tensor]) throws -> Tensor {
    let (a, b, c) = (t[0], t[1], t[2])  // [3, 4], [4, 5], [2, 5]
    let m = try a.matmul(b)  // [3, 5]
    let e = try Tensor.einsum("ij,kj->ik", m, c)  // [3, 2]
    let picked = try m.gather(dim: 1, index: Tensor([0, 4, 2, 2, 1, 3] as [Int64], shape: [3, 2]))
    let leaky = try Tensor.where(m.gt(0), m, m * 0.1)
    let strided = try leaky[.all, .stride(0..<5, by: 2)].sum(dim: 1)  // [3]
    let lse = try e.logsumexp(dim: 1)
    let rowNorms = try a.norm(dims: [1])
    let variance = try b.var(dim: 0)
    let products = try (c.tanh() + 2).prod(dim: 1)
    let columnMax = try m.amax(dim: 0)
    let spread = try m.cumsum(dim: 1).std()
    let bmm = try a.unsqueeze(0).bmm(b.unsqueeze(0)).sigmoid().mean()
    let clamped = try m.clamp(min: -1, max: 1).sum()
    var total = try (picked * e).sum() + strided.mean() + lse.sum()
    total = try total + rowNorms.sum() * 0.1 + variance.sum() + products.sum()
    total = try total + columnMax.sum() + spread + bmm + clamped
    return total
  }

  func testCompositeGradientMatchesFiniteDifferences() throws {
    let inputs = try [[3, 4], [4, 5], [2, 5]].map { try Tensor.randn($0, dtype: .float64) }
    try assertGradientsMatchFiniteDifferences(inputs, composite)
  }

  func testIndexingAndScatterGradientsMatchFiniteDifferences() throws {
    let x = try Tensor.randn([4, 3], dtype: .float64)
    let index = try Tensor([2, 0, 3] as [Int64])
    try assertGradientsMatchFiniteDifferences([x]) { t in
      let x = t[0]
      let rows = try x[index]  // advanced indexing
      let selected = try x.indexSelect(dim: 0, index: index)
      let scattered = try Tensor.zeros([5, 3], dtype: .float64).scatterAdd(dim: 0, index: index.unsqueeze(1).expand([3, 3]), src: rows)
      let masked = try x.maskedFill(x.lt(-0.5), 0)
      let topValues = try x.topk(2, dim: 1).values
      let (maxValues, _) = try x.max(dim: 0)
      let viewed = try x[1..., .newAxis, 1]
      var y = try (rows * selected).sum() + scattered.pow(2).sum() + masked.exp().sum()
      y = try y + topValues.sum() + maxValues.sum() + viewed.square().sum()
      y = try y + x.flip([0]).roll(1, dim: 1).triu().sum() + x.lerp(x.square(), weight: 0.3).sum()
      return try y + x.addcdiv(x, x.square() + 1, value: 0.5).sum()
    }
  }

  func testCreateGraphSecondDerivative() throws {
    // y = Σ x³: dy/dx = 3x², d²y/dx² (via Σ dy/dx) = 6x.
    let x = try Tensor([1, -2, 0.5] as [Double]).requiresGrad(true)
    let y = try x.pow(3).sum()
    let dx = try Torch.grad(of: y, withRespectTo: x, createGraph: true)
    XCTAssertEqual(try dx.scalars(as: Double.self), [3, 12, 0.75])
    XCTAssertTrue(dx.requiresGrad)
    let d2x = try Torch.grad(of: dx.sum(), withRespectTo: x)
    XCTAssertEqual(try d2x.scalars(as: Double.self), [6, -12, 3])

    // Hessian-vector product of the composite function against finite differences of its gradient.
    let inputs = try [[3, 4], [4, 5], [2, 5]].map { try Tensor.randn($0, dtype: .float64).requiresGrad(true) }
    let v = try Tensor.randn([3, 4], dtype: .float64)
    let g = try Torch.grad(outputs: [composite(inputs)], inputs: [inputs[0]], createGraph: true)[0]
    let hv = try Torch.grad(of: (g * v).sum(), withRespectTo: inputs[0])
    let eps = 1e-5
    func gradientAt(_ shift: Double) throws -> Tensor {
      let moved = try Torch.withNoGrad { try (inputs[0] + v * shift).detach() }
      try moved.requiresGrad(true)
      return try Torch.grad(outputs: [composite([moved, inputs[1], inputs[2]])], inputs: [moved])[0]
    }
    let numeric = try (gradientAt(eps) - gradientAt(-eps)) / (2 * eps)
    XCTAssertLessThan(try (hv - numeric).abs().max().double(), 1e-5)
  }

  func testBackwardRetainGraphAndAccumulation() throws {
    let w = try Tensor([2, 3] as [Double]).requiresGrad(true)
    XCTAssertTrue(w.isLeaf)
    let hidden = try w * w
    XCTAssertFalse(hidden.isLeaf)
    XCTAssertEqual(hidden.gradFnName, "MulBackward0")
    XCTAssertNil(w.gradFnName)
    try hidden.retainGrad()
    XCTAssertTrue(hidden.retainsGrad)
    let loss = try hidden.sum()
    try loss.backward(retainGraph: true)
    XCTAssertEqual(try w.grad?.scalars(as: Double.self), [4, 6])
    XCTAssertEqual(try hidden.grad?.scalars(as: Double.self), [1, 1])
    try loss.backward()  // the retained graph allows a second pass; gradients accumulate
    XCTAssertEqual(try w.grad?.scalars(as: Double.self), [8, 12])
    XCTAssertThrowsError(try loss.backward()) { error in
      guard case TorchError.libtorch(_, let message) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(message.contains("second time"), message)
    }
    try w.setGrad(nil)
    XCTAssertNil(w.grad)
  }

  func testGradWithUnusedInputs() throws {
    let a = try Tensor([1, 2] as [Double]).requiresGrad(true)
    let unused = try Tensor([5] as [Double]).requiresGrad(true)
    let y = try (a * 3).sum()
    XCTAssertThrowsError(try Torch.grad(outputs: [y], inputs: [a, unused], retainGraph: true))
    let grads = try Torch.grad(outputs: [y], inputs: [a, unused], materializeGrads: true)
    XCTAssertEqual(try grads[0].scalars(as: Double.self), [3, 3])
    XCTAssertEqual(try grads[1].scalars(as: Double.self), [0])
    XCTAssertNil(a.grad, "autograd.grad leaves .grad alone")
    // Explicit grad_outputs for a non-scalar output.
    let z = try a * a
    let weighted = try Torch.grad(outputs: [z], inputs: [a], gradOutputs: [Tensor([1, 10] as [Double])])
    XCTAssertEqual(try weighted[0].scalars(as: Double.self), [2, 40])
    XCTAssertThrowsError(try Torch.grad(outputs: [a * a], inputs: [a]), "non-scalar output needs gradOutputs")
  }

  func testDetach() throws {
    let w = try Tensor([1, 2] as [Double]).requiresGrad(true)
    let y = try w * 2
    XCTAssertFalse(try y.detach().requiresGrad)
    try y.detach_()
    XCTAssertFalse(y.requiresGrad)
    XCTAssertTrue(y.isLeaf)
    XCTAssertNil(y.gradFnName)
  }

  func testNoGradAndInferenceModeScopesNestAndRestore() throws {
    let w = try Tensor([1] as [Float]).requiresGrad(true)
    XCTAssertTrue(Torch.isGradEnabled)
    XCTAssertFalse(Torch.isInferenceMode)
    try Torch.withNoGrad {
      XCTAssertFalse(Torch.isGradEnabled)
      XCTAssertFalse(try (w * 2).requiresGrad)
      try Torch.withGrad { XCTAssertTrue(try (w * 2).requiresGrad) }
    }
    let inside = try Torch.withInferenceMode {
      XCTAssertTrue(Torch.isInferenceMode)
      XCTAssertFalse(Torch.isGradEnabled)
      try Torch.withInferenceMode(false) {
        XCTAssertFalse(Torch.isInferenceMode)
        XCTAssertTrue(Torch.isGradEnabled)
      }
      XCTAssertTrue(Torch.isInferenceMode, "the inner scope restores the outer one")
      return try w * 2
    }
    XCTAssertTrue(inside.isInference)
    XCTAssertFalse(inside.requiresGrad)
    XCTAssertFalse(Torch.isInferenceMode)
    XCTAssertTrue(Torch.isGradEnabled)
    XCTAssertThrowsError(try Torch.withInferenceMode { throw Thrown() })
    XCTAssertFalse(Torch.isInferenceMode, "restored after a throw")
    XCTAssertThrowsError(try Torch.withNoGrad { throw Thrown() })
    XCTAssertTrue(Torch.isGradEnabled, "restored after a throw")
  }

  func testAutocastScopes() throws {
    let a = try Tensor.randn([4, 4])
    XCTAssertFalse(Torch.isAutocastEnabled())
    let outerDType = Torch.autocastDType(.cpu)
    try Torch.withAutocast(dtype: .float16, device: .cpu) {
      XCTAssertEqual(Torch.autocastDType(.cpu), .float16)
      XCTAssertEqual(try a.matmul(a).dtype, .float16)
    }
    XCTAssertEqual(Torch.autocastDType(.cpu), outerDType, "the dtype is restored")
    try Torch.withAutocast(dtype: .bfloat16, device: .cpu) {
      XCTAssertTrue(Torch.isAutocastEnabled(.cpu))
      XCTAssertEqual(try a.matmul(a).dtype, .bfloat16)
      XCTAssertEqual(try (a + a).dtype, .float32, "element-wise ops are not autocast")
      try Torch.withAutocast(device: .cpu, enabled: false) {
        XCTAssertFalse(Torch.isAutocastEnabled(.cpu))
        XCTAssertEqual(try a.matmul(a).dtype, .float32)
      }
      XCTAssertTrue(Torch.isAutocastEnabled(.cpu), "the inner scope restores the outer one")
    }
    XCTAssertFalse(Torch.isAutocastEnabled())
    XCTAssertEqual(try a.matmul(a).dtype, .float32)
    XCTAssertThrowsError(try Torch.withAutocast { throw Thrown() })
    XCTAssertFalse(Torch.isAutocastEnabled(), "restored after a throw")
    XCTAssertThrowsError(try Torch.withAutocast(dtype: .int64) {}) { error in
      guard case TorchError.libtorch(let op, let message) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(op, "autocast")
      XCTAssertTrue(message.contains("float16 or bfloat16"), message)
    }
  }

  func testWithoutAutocast() throws {
    let a = try Tensor.randn([4, 4])
    XCTAssertEqual(try Torch.withoutAutocast { try a.matmul(a) }.dtype, .float32, "no scope to leave")
    try Torch.withAutocast(dtype: .float16, device: .cpu) {
      XCTAssertEqual(try Torch.withoutAutocast(on: .audit) { try a.matmul(a) }.dtype, .float32, "other devices: the CPU's")
      XCTAssertTrue(Torch.isAutocastEnabled(.cpu))
      XCTAssertEqual(Torch.autocastDType(.cpu), .float16, "the dtype is kept")
      XCTAssertEqual(try a.matmul(a).dtype, .float16)
    }
  }
}
