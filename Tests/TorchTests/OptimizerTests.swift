import XCTest
@testable import Torch

final class OptimizerTests: XCTestCase {
  /// AdamW written out in Double for a constant gradient.
  private func manualAdamW(p0: [Double], grads: [[Double]], lr: Double, b1: Double, b2: Double, eps: Double, wd: Double) -> [Double] {
    var p = p0, m = p0.map { _ in 0.0 }, v = m
    for (t, g) in grads.enumerated() {
      let step = Double(t + 1)
      for i in p.indices {
        p[i] *= 1 - lr * wd
        m[i] = b1 * m[i] + (1 - b1) * g[i]
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
        let denom = (v[i] / (1 - pow(b2, step))).squareRoot() + eps
        p[i] -= lr / (1 - pow(b1, step)) * m[i] / denom
      }
    }
    return p
  }

  private let gradSequence: [[Double]] = [[0.5, -1], [0.2, 0.3], [-0.4, 0.1], [1, 1], [0.05, -0.6]]

  private func runAdamW(fused: Bool?, amsgrad: Bool = false, steps: Int) throws -> [Float] {
    let p = try Tensor([1, -2] as [Float]).requiresGrad(true)
    let opt = try AdamW([p], lr: 0.1, weightDecay: 0.01, amsgrad: amsgrad, fused: fused)
    for g in gradSequence.prefix(steps) {
      try p.setGrad(try Tensor(g.map(Float.init)))
      try opt.step()
    }
    return try p.scalars()
  }

  func testAdamWFirstStepByHand() throws {
    // Step 1: m̂ = g and v̂ = g², so p ← p·(1 − lr·λ) − lr·sign(g).
    for fused in [true, false] {
      let p = try runAdamW(fused: fused, steps: 1)
      XCTAssertEqual(p[0], 0.999 - 0.1, accuracy: 1e-6)
      XCTAssertEqual(p[1], -2 * 0.999 + 0.1, accuracy: 1e-6)
    }
  }

  func testAdamWMatchesFormula() throws {
    let expected = manualAdamW(p0: [1, -2], grads: gradSequence, lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.01)
    for fused in [true, false] {
      let p = try runAdamW(fused: fused, steps: 5)
      XCTAssertEqual(Double(p[0]), expected[0], accuracy: 1e-5, "fused \(fused)")
      XCTAssertEqual(Double(p[1]), expected[1], accuracy: 1e-5, "fused \(fused)")
    }
    // With a constant gradient v never shrinks, so amsgrad changes nothing.
    let constant = try Tensor([1, -2] as [Float]).requiresGrad(true)
    let plain = try Tensor([1, -2] as [Float]).requiresGrad(true)
    let a = try AdamW([constant], lr: 0.1, amsgrad: true), b = try AdamW([plain], lr: 0.1)
    for _ in 0..<3 {
      try constant.setGrad(try Tensor([0.5, -1] as [Float]))
      try plain.setGrad(try Tensor([0.5, -1] as [Float]))
      try a.step()
      try b.step()
    }
    XCTAssertEqual(try constant.scalars(as: Float.self), try plain.scalars(as: Float.self))
  }

  func testSGDMomentumNesterovWeightDecayByHand() throws {
    func run(_ make: (Tensor) throws -> SGD, steps: Int) throws -> Float {
      let p = try Tensor([1] as [Float]).requiresGrad(true)
      let opt = try make(p)
      for _ in 0..<steps {
        try p.setGrad(try Tensor([1] as [Float]))
        try opt.step()
      }
      return try p.float()
    }
    // b = 1, p = 0.9; then b = 0.9 + 1, p = 0.9 − 0.19.
    XCTAssertEqual(try run({ try SGD([$0], lr: 0.1, momentum: 0.9) }, steps: 2), 0.71, accuracy: 1e-6)
    // Nesterov: g + μb = 1.9 → p = 0.81; then b = 1.9, g + μb = 2.71 → p = 0.539.
    XCTAssertEqual(try run({ try SGD([$0], lr: 0.1, momentum: 0.9, nesterov: true) }, steps: 2), 0.539, accuracy: 1e-6)
    // Dampening 0.5: b = 1, p = 0.9; b = 0.9 + 0.5 = 1.4, p = 0.76.
    XCTAssertEqual(try run({ try SGD([$0], lr: 0.1, momentum: 0.9, dampening: 0.5) }, steps: 2), 0.76, accuracy: 1e-6)
    // Weight decay: g = 1 + 0.1·1 → p = 1 − 0.11.
    XCTAssertEqual(try run({ try SGD([$0], lr: 0.1, weightDecay: 0.1) }, steps: 1), 0.89, accuracy: 1e-6)
    XCTAssertThrowsError(try SGD([try Tensor.zeros([1])], lr: 0.1, nesterov: true))
  }

  func testParamGroupsAndZeroGrad() throws {
    let a = try Tensor([1] as [Float]).requiresGrad(true), b = try Tensor([1] as [Float]).requiresGrad(true)
    let opt = try SGD(groups: [ParamGroup([a]), ParamGroup([b], lr: 1)], lr: 0.1)
    XCTAssertEqual(opt.paramGroups.map(\.lr), [0.1, 1])
    try a.setGrad(try Tensor([1] as [Float]))
    try b.setGrad(try Tensor([1] as [Float]))
    try opt.step()
    XCTAssertEqual(try a.float(), 0.9, accuracy: 1e-7)
    XCTAssertEqual(try b.float(), 0, accuracy: 1e-7)
    try opt.zeroGrad()
    XCTAssertNil(a.grad)
    try opt.step()
    XCTAssertEqual(try a.float(), 0.9, accuracy: 1e-7, "parameters without gradients stay")
    XCTAssertThrowsError(try SGD(groups: [ParamGroup([a], options: ["betas": 1])], lr: 0.1))
    XCTAssertThrowsError(try SGD(groups: [ParamGroup([a]), ParamGroup([a])], lr: 0.1))
  }

  func testLookaheadBySGDByHand() throws {
    let p = try Tensor([0] as [Float]).requiresGrad(true)
    let opt = try Lookahead(try SGD([p], lr: 0.1), k: 2, alpha: 0.5)
    var trace: [Float] = []
    for _ in 0..<5 {
      try p.setGrad(try Tensor([1] as [Float]))
      try opt.step()
      trace.append(try p.float())
    }
    // Synchronisations after steps 1, 3, 5: slow starts at −0.1, then −0.1 + 0.5·(−0.3 + 0.1)
    // = −0.2, then −0.2 + 0.5·(−0.4 + 0.2) = −0.3.
    let expected: [Float] = [-0.1, -0.2, -0.2, -0.3, -0.3]
    for (g, e) in zip(trace, expected) { XCTAssertEqual(g, e, accuracy: 1e-6) }
  }

  func testLookaheadAdamWMatchesFormula() throws {
    let p = try Tensor([1, -2] as [Float]).requiresGrad(true)
    let opt = try Lookahead(try AdamW([p], lr: 0.1, weightDecay: 0.01), k: 2, alpha: 0.5)
    // Hand computation: AdamW in Double with the fast weights reset at steps 1, 3, 5.
    var fast = [1.0, -2.0], slow: [Double]? = nil, m = [0.0, 0.0], v = [0.0, 0.0]
    for (t, g) in gradSequence.enumerated() {
      let step = Double(t + 1)
      for i in 0..<2 {
        fast[i] *= 1 - 0.1 * 0.01
        m[i] = 0.9 * m[i] + 0.1 * g[i]
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
        fast[i] -= 0.1 / (1 - pow(0.9, step)) * m[i] / ((v[i] / (1 - pow(0.999, step))).squareRoot() + 1e-8)
      }
      if t % 2 == 0 {
        var s = slow ?? fast
        for i in 0..<2 { s[i] += 0.5 * (fast[i] - s[i]) }
        slow = s
        fast = s
      }
      try p.setGrad(try Tensor(g.map(Float.init)))
      try opt.step()
      let got = try p.scalars(as: Float.self)
      XCTAssertEqual(Double(got[0]), fast[0], accuracy: 1e-5, "step \(t + 1)")
      XCTAssertEqual(Double(got[1]), fast[1], accuracy: 1e-5, "step \(t + 1)")
    }
  }

  func testStateRestoreContinuesIdentically() throws {
    func makeModel() throws -> Linear {
      Torch.manualSeed(5)
      return try Linear(3, 2)
    }
    func makeOptimizer(_ m: Linear) throws -> Lookahead {
      try Lookahead(try AdamW(groups: [ParamGroup([m.weight]), ParamGroup([m.bias!], options: ["weight_decay": 0])], lr: 0.01), k: 3)
    }
    func train(_ m: Linear, _ opt: Lookahead, _ scheduler: LRScheduler, steps: Range<Int>) throws {
      for s in steps {
        let x = try Tensor(testValues(4 * 3, seed: UInt64(s + 100)), shape: [4, 3])
        let loss = try Functional.crossEntropy(try m(x), target: try Tensor([0, 1, 1, 0] as [Int64]))
        try opt.zeroGrad()
        try loss.backward()
        try opt.step()
        scheduler.step()
      }
    }
    let a = try makeModel()
    let optA = try makeOptimizer(a)
    let schedA = LRScheduler(optA, schedule: CosineAnnealing(tMax: 10, etaMin: 1e-4))
    try train(a, optA, schedA, steps: 0..<4)
    // Through a safetensors file: tensors plus string metadata (optimiser and scheduler).
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("optim-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: file) }
    let state = try optA.stateDict()
    try SafeTensors.write(state.tensors.map { ($0.key, $0.value) }, metadata: state.metadata.merging(schedA.stateDict()) { a, _ in a }, to: file)
    let reread = try SafeTensors.read(file)
    let saved = OptimizerState(tensors: Dictionary(uniqueKeysWithValues: try reread.tensors()), metadata: reread.metadata)
    let savedSchedule = reread.metadata
    let savedModel = try a.stateDict().mapValues { try $0.clone() }
    XCTAssertEqual(saved.metadata["optimizer"], "AdamW")
    XCTAssertNotNil(saved.tensors["state.0.exp_avg"])
    XCTAssertNotNil(saved.tensors["slow_state.1.slow_param"])

    let b = try makeModel()
    try b.loadStateDict(savedModel)
    let optB = try makeOptimizer(b)
    let schedB = LRScheduler(optB, schedule: CosineAnnealing(tMax: 10, etaMin: 1e-4))
    try optB.loadStateDict(saved)
    try schedB.loadStateDict(savedSchedule)
    XCTAssertEqual(optB.paramGroups.map(\.lr), optA.paramGroups.map(\.lr))

    try train(a, optA, schedA, steps: 4..<9)
    try train(b, optB, schedB, steps: 4..<9)
    XCTAssertEqual(try a.weight.scalars(as: Float.self), try b.weight.scalars(as: Float.self))
    XCTAssertEqual(try a.bias!.scalars(as: Float.self), try b.bias!.scalars(as: Float.self))

    var wrong = saved
    wrong.metadata["optimizer"] = "SGD"
    XCTAssertThrowsError(try optB.loadStateDict(wrong))
  }

  func testGradientClipping() throws {
    let a = try Tensor.zeros([2]).requiresGrad(true), b = try Tensor.zeros([1]).requiresGrad(true)
    let c = try Tensor.zeros([1]).requiresGrad(true)
    try a.setGrad(try Tensor([3, 4] as [Float]))
    try b.setGrad(try Tensor([12] as [Float]))
    let total = try Optim.clipGradNorm([a, b, c], maxNorm: 6.5)
    XCTAssertEqual(try total.float(), 13, accuracy: 1e-5)
    let coef = Float(6.5 / (13 + 1e-6))
    try assertClose(a.grad!, [3 * coef, 4 * coef])
    try assertClose(b.grad!, [12 * coef])
    // Below the limit nothing changes.
    XCTAssertEqual(try Optim.clipGradNorm([a, b], maxNorm: 100).float(), 6.5, accuracy: 1e-4)
    try assertClose(b.grad!, [12 * coef])
    try Optim.clipGradValue([a, b], clipValue: 2)
    try assertClose(a.grad!, [1.5, 2].map { min($0, 2) })
    try assertClose(b.grad!, [2])
  }
}
