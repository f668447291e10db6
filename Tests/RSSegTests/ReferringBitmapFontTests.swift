import Raster
import XCTest
@testable import RSSeg
@testable import RSSegModels

final class ReferringBitmapFontTests: XCTestCase {
  /// Glyphs as rows of # and . (the font's data read back).
  private func rows(_ c: Character) -> [String] {
    (0..<BitmapFont.glyphHeight).map { y in
      String((0..<BitmapFont.glyphWidth).map { BitmapFont.isSet(c, x: $0, y: y) ? "#" : "." })
    }
  }

  func testGlyphs() {
    XCTAssertEqual(rows("H"), ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"])
    XCTAssertEqual(rows("1"), [".#...", "##...", ".#...", ".#...", ".#...", ".#...", "###.."].map { "." + $0.dropLast() })
    XCTAssertEqual(rows("T"), ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."])
    XCTAssertEqual(rows(" "), Array(repeating: ".....", count: 7))
    XCTAssertEqual(rows("é"), rows("?"), "non-ASCII draws as ?")
    // Every printable character has a glyph distinct from every other.
    let glyphs = (32...126).map { rows(Character(Unicode.Scalar(UInt8($0)))) }
    XCTAssertEqual(Set(glyphs.map { $0.joined() }).count, 95)
  }

  func testDrawScalesAndClips() {
    var image = RasterBuffer<UInt8>(width: 16, height: 10, bands: 3, filledWith: 0)
    BitmapFont.draw("I", into: &image, x: -1, y: 1, scale: 2, color: [255, 128, 0])
    // "I" = columns 1..3 top and bottom bars, column 2 stem; at scale 2 from x = -1.
    let lit = (0..<10).map { y in String((0..<16).map { image[0, y, $0] == 255 ? "#" : "." }) }
    XCTAssertEqual(lit[0], "................")
    XCTAssertEqual(lit[1], ".######.........")
    XCTAssertEqual(lit[3], "...##...........")
    XCTAssertEqual(lit[9], "...##...........")
    XCTAssertEqual(image[1, 1, 1], 128)
    XCTAssertEqual(image[2, 1, 1], 0)
  }

  func testWrapAndCaption() {
    XCTAssertEqual(BitmapFont.width(of: "abc"), 17)
    XCTAssertEqual(BitmapFont.wrap("the white car next to the road", maxWidth: 59), ["the white", "car next", "to the", "road"])
    XCTAssertEqual(BitmapFont.wrap("storagetanks", maxWidth: 29), ["stora", "getan", "ks"])
    var image = RasterBuffer<UInt8>(width: 40, height: 30, bands: 3, filledWith: 90)
    BitmapFont.caption("a tank", on: &image)
    XCTAssertEqual(image[0, 29, 0], 90, "below the caption band untouched")
    XCTAssertEqual(image[0, 0, 39], 30, "caption band darkened")
    XCTAssertTrue((0..<11).contains { y in (0..<40).contains { image[0, y, $0] == 255 } }, "text drawn")
  }
}
