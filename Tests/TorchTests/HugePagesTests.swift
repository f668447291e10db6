import Foundation
import XCTest
@testable import Torch

/// CTorch asks c10 to put tensors of 2 MB and more on transparent huge pages (huge_pages.cpp:
/// THP_MEM_ALLOC_ENABLE=1, set when the library loads, before libtorch's first allocation),
/// unless the user set the variable.
final class HugePagesTests: XCTestCase {
  func testRequestedBeforeTheFirstTensor() throws {
    let tensor = try Tensor.zeros([1 << 20])
    XCTAssertEqual(tensor.shape, [1 << 20])
    XCTAssertNotNil(ProcessInfo.processInfo.environment["THP_MEM_ALLOC_ENABLE"], "huge_pages.cpp's constructor did not run")
  }
}
