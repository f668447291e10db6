import Torch
import XCTest

/// `GradScaler` as torch.amp.GradScaler behaves: scaled losses, unscaled gradients, skipped
/// steps on overflow with back-off, growth after a run of clean steps, and its state.
final class GradScalerTests: XCTestCase {
  private func parameter(_ values: [Float]) throws -> Tensor { try Tensor(values, shape: [values.count]).requiresGrad(true) }

  func testCleanStepsUnscaleStepAndGrow() throws {
    let w = try parameter([1, 2])
    let optimizer = try SGD([w], lr: 0.5)
    let scaler = try GradScaler(initialScale: 8, growthInterval: 2)
    try scaler.scaled((w * w).sum()).backward()
    XCTAssertEqual(try w.grad!.scalars(as: Float.self), [16, 32], "the loss was scaled by 8")
    try scaler.unscale([w])
    XCTAssertEqual(try w.grad!.scalars(as: Float.self), [2, 4])
    XCTAssertFalse(scaler.foundNonFinite)
    XCTAssertTrue(try scaler.step(optimizer))
    XCTAssertEqual(try w.scalars(as: Float.self), [0, 0])
    XCTAssertEqual(scaler.scale, 8)
    XCTAssertEqual(scaler.growthTracker, 1)
    try optimizer.zeroGrad()
    try scaler.scaled((w * w).sum()).backward()
    try scaler.unscale([w])
    try scaler.step(optimizer)
    XCTAssertEqual(scaler.scale, 16, "two clean steps in a row double the scale")
    XCTAssertEqual(scaler.growthTracker, 0)
  }

  func testOverflowSkipsTheStepAndBacksOff() throws {
    let w = try parameter([1, 2])
    let optimizer = try SGD([w], lr: 0.5)
    let scaler = try GradScaler(initialScale: 1024, growthInterval: 2)
    try (w * Float.infinity).sum().backward()
    try scaler.unscale([w])
    XCTAssertTrue(scaler.foundNonFinite)
    XCTAssertFalse(try scaler.step(optimizer))
    XCTAssertEqual(try w.scalars(as: Float.self), [1, 2], "the parameters are untouched")
    XCTAssertEqual(scaler.scale, 512)
    XCTAssertEqual(scaler.skippedSteps, 1)
    try w.setGrad(try Tensor([Float.nan, 0], shape: [2]))
    try scaler.unscale([w])
    XCTAssertTrue(scaler.foundNonFinite, "NaN counts as an overflow")
  }

  func testStateRoundTripsWithPyTorchsKeys() throws {
    let scaler = try GradScaler(initialScale: 4, growthInterval: 3)
    let w = try parameter([1])
    try scaler.scaled((w * 2).sum()).backward()
    try scaler.unscale([w])
    try scaler.step(try SGD([w], lr: 0.1))
    let state = scaler.stateDict()
    XCTAssertEqual(Set(state.keys), ["scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"])
    let restored = try GradScaler(growthInterval: 3)
    try restored.loadStateDict(state)
    XCTAssertEqual(restored.scale, 4)
    XCTAssertEqual(restored.growthTracker, 1)
    XCTAssertThrowsError(try restored.loadStateDict(["scale": "-1", "_growth_tracker": "0"]))
    XCTAssertThrowsError(try GradScaler(backoffFactor: 1.5))
  }
}
