import Foundation
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class DataProgressBarTests: XCTestCase {
  func testLineShowsCountRateAndETA() {
    let bar = ProgressBar(total: 50, label: "tiles", unit: "tile", enabled: false)
    let line = bar.line(now: Date().addingTimeInterval(10))
    XCTAssertTrue(line.hasPrefix("tiles   0% ["), line)
    XCTAssertTrue(line.contains("] 0/50 0.0 tile/s ETA 0:00"), line)
    XCTAssertEqual(ProgressBar.clock(75), "1:15")
    XCTAssertEqual(ProgressBar.clock(3725), "1:02:05")
  }
}
