import Foundation
import XCTest
@testable import Torch

final class SchedulerTests: XCTestCase {
  func testCosineAnnealingClosedForm() {
    let s = CosineAnnealing(tMax: 45, etaMin: 1e-6)
    XCTAssertEqual(s.lr(at: 0, base: 1e-4), 1e-4, accuracy: 1e-15)
    XCTAssertEqual(s.lr(at: 45, base: 1e-4), 1e-6, accuracy: 1e-15)
    XCTAssertEqual(s.lr(at: 15, base: 1e-4), 1e-6 + (1e-4 - 1e-6) * 0.75, accuracy: 1e-15, "cos(π/3) = 1/2")
    for t in 0...45 {
      XCTAssertEqual(s.lr(at: t, base: 1e-4), 1e-6 + (1e-4 - 1e-6) * (1 + cos(Double.pi * Double(t) / 45)) / 2, accuracy: 1e-15)
    }
  }

  func testPolynomialDecay() {
    let s = PolynomialDecay(totalSteps: 100, power: 0.9)
    XCTAssertEqual(s.lr(at: 0, base: 5e-5), 5e-5)
    XCTAssertEqual(s.lr(at: 50, base: 5e-5), 5e-5 * pow(0.5, 0.9), accuracy: 1e-15)
    XCTAssertEqual(s.lr(at: 100, base: 5e-5), 0)
    XCTAssertEqual(s.lr(at: 150, base: 5e-5), 0, "stays at the end value")
    XCTAssertEqual(PolynomialDecay(totalSteps: 10, power: 1, minLR: 1).lr(at: 5, base: 3), 2)
  }

  func testLinearWarmupThenCosine() {
    let s = LinearWarmup(warmupSteps: 4, startFactor: 0.2, then: CosineAnnealing(tMax: 10))
    XCTAssertEqual(s.lr(at: 0, base: 1), 0.2, accuracy: 1e-15)
    XCTAssertEqual(s.lr(at: 2, base: 1), 0.6, accuracy: 1e-15)
    XCTAssertEqual(s.lr(at: 4, base: 1), 1, accuracy: 1e-15, "the next schedule starts at its step 0")
    XCTAssertEqual(s.lr(at: 9, base: 1), (1 + cos(Double.pi / 2)) / 2, accuracy: 1e-15)
    XCTAssertEqual(LinearWarmup(warmupSteps: 2, startFactor: 0.5).lr(at: 7, base: 3), 3)
  }

  func testSchedulerDrivesGroupsAndRestores() throws {
    let p = try Tensor.zeros([1]).requiresGrad(true), q = try Tensor.zeros([1]).requiresGrad(true)
    let opt = try SGD(groups: [ParamGroup([p], lr: 1), ParamGroup([q], lr: 0.1)], lr: 1)
    let schedule = PolynomialDecay(totalSteps: 10, power: 2)
    let scheduler = LRScheduler(opt, schedule: schedule)
    XCTAssertEqual(scheduler.currentLRs, [1, 0.1])
    for _ in 0..<3 { scheduler.step() }
    XCTAssertEqual(scheduler.currentLRs[0], 0.49, accuracy: 1e-12)
    XCTAssertEqual(scheduler.currentLRs[1], 0.049, accuracy: 1e-12)

    let saved = scheduler.stateDict()
    let other = try SGD(groups: [ParamGroup([p], lr: 1), ParamGroup([q], lr: 0.1)], lr: 1)
    let restored = LRScheduler(other, schedule: schedule)
    try restored.loadStateDict(saved)
    XCTAssertEqual(restored.stepCount, 3)
    XCTAssertEqual(restored.currentLRs, scheduler.currentLRs)
    restored.step()
    scheduler.step()
    XCTAssertEqual(restored.currentLRs, scheduler.currentLRs)
    XCTAssertThrowsError(try restored.loadStateDict([:]))
  }
}
