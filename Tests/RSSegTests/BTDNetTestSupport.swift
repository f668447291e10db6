import Torch
import XCTest
@testable import RSSeg
@testable import RSSegModels

/// Asserts that every parameter of `module` received a non-zero gradient.
func assertGradientsReachEveryParameter(_ module: Module, file: StaticString = #filePath, line: UInt = #line) throws {
  let parameters = try module.namedParameters()
  XCTAssertFalse(parameters.isEmpty, file: file, line: line)
  for (key, p) in parameters {
    guard let grad = p.grad else {
      XCTFail("no gradient for \(key)", file: file, line: line)
      continue
    }
    XCTAssertGreaterThan(try grad.abs().sum().double(), 0, "zero gradient for \(key)", file: file, line: line)
  }
}

func assertClose(_ a: Tensor, _ b: Tensor, atol: Double = 1e-6, file: StaticString = #filePath, line: UInt = #line) throws {
  XCTAssertEqual(a.shape, b.shape, file: file, line: line)
  let diff = try (a.to(.float64) - b.to(.float64)).abs().max().double()
  XCTAssertLessThanOrEqual(diff, atol, file: file, line: line)
}
