import XCTest
@testable import Torch

private final class Pair: Module {
  let first: Linear
  @ModuleInfo(key: "second_norm") var second: BatchNorm2d

  init(features: Int) throws {
    first = try Linear(3, features)
    _second = ModuleInfo(wrappedValue: try BatchNorm2d(features), key: "second_norm")
    super.init()
  }
}

final class StateDictTests: XCTestCase {
  func testRoundTripCopiesIntoExistingTensors() throws {
    let source = try Pair(features: 2), target = try Pair(features: 2)
    try Torch.withNoGrad { _ = try source.second.runningMean!.add_(0.5) }
    let weight = target.first.weight
    let report = try target.loadStateDict(try source.stateDict())
    XCTAssertTrue(report.isClean)
    XCTAssertTrue(target.first.weight === weight, "parameters keep their identity")
    XCTAssertTrue(weight.requiresGrad)
    for (key, tensor) in try source.orderedStateDict() {
      let loaded = try target.stateDict()[key]!
      XCTAssertEqual(try loaded.scalars(as: Double.self), try tensor.scalars(as: Double.self), key)
    }
    // The copy is independent of the source.
    try Torch.withNoGrad { _ = try source.first.weight.mul_(0) }
    XCTAssertNotEqual(try target.first.weight.scalars(as: Float.self), [Float](repeating: 0, count: 6))
  }

  func testStrictListsEveryProblemAndCopiesNothing() throws {
    let model = try Pair(features: 2)
    var dict = try Pair(features: 2).stateDict()
    dict["first.bias"] = nil
    dict["second_norm.running_var"] = nil
    dict["extra.weight"] = try Tensor.zeros([1])
    dict["first.weight"] = try Tensor.zeros([2, 4])
    let before = try model.second.weight!.scalars(as: Float.self)
    let beforeMean = try model.second.runningMean!.scalars(as: Float.self)
    dict["second_norm.running_mean"] = try Tensor.full([2], 7)
    XCTAssertThrowsError(try model.loadStateDict(dict)) { error in
      guard let e = error as? StateDictError else { return XCTFail("\(error)") }
      XCTAssertEqual(e.report.missing, ["first.bias", "second_norm.running_var"])
      XCTAssertEqual(e.report.unexpected, ["extra.weight"])
      XCTAssertEqual(e.report.shapeMismatches, [.init(key: "first.weight", expected: [2, 3], found: [2, 4])])
      let text = "\(e)"
      for key in ["first.bias", "second_norm.running_var", "extra.weight", "first.weight"] {
        XCTAssertTrue(text.contains(key), text)
      }
    }
    XCTAssertEqual(try model.second.weight!.scalars(as: Float.self), before)
    XCTAssertEqual(try model.second.runningMean!.scalars(as: Float.self), beforeMean, "strict failure copies nothing")

    let report = try model.loadStateDict(dict, strict: false)
    XCTAssertEqual(report.missing.count, 2)
    XCTAssertEqual(report.unexpected.count, 1)
    XCTAssertEqual(report.shapeMismatches.count, 1)
    XCTAssertEqual(try model.second.runningMean!.scalars(as: Float.self), [7, 7], "non-strict copies what matches")
  }

  func testLoadingAChildFromAPrefixedCheckpoint() throws {
    let source = try Pair(features: 2), target = try Pair(features: 2)
    var checkpoint: [String: Tensor] = [:]
    for (key, tensor) in try source.stateDict() { checkpoint["net.\(key)"] = tensor }
    XCTAssertThrowsError(try target.first.loadStateDict(checkpoint.withPrefix("net.")), "the other child's keys are unexpected")
    try target.first.loadStateDict(checkpoint.withPrefix("net.first."))
    XCTAssertEqual(try target.first.weight.scalars(as: Float.self), try source.first.weight.scalars(as: Float.self))
    try target.loadStateDict(checkpoint.withPrefix("net."))
  }
}
