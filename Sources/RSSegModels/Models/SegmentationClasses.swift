/// The classes of a dataset: names, the ignore index (= number of classes) and the colours used
/// for RGB outputs (spec §5).
public struct SegmentationClasses: Sendable, Equatable {
  public var names: [String]
  public var palette: [RGB]

  public var count: Int { names.count }
  /// Labels with this value are ignored by losses and metrics.
  public var ignoreIndex: UInt8 { UInt8(names.count) }

  public init(names: [String], palette: [RGB]) {
    precondition(names.count == palette.count && names.count < 255, "SegmentationClasses: one colour per class")
    self.names = names
    self.palette = palette
  }

  /// ISPRS Vaihingen and Potsdam.
  public static let isprs = SegmentationClasses(
    names: ["ImSurf", "Building", "LowVeg", "Tree", "Car", "Clutter"],
    palette: [RGB(255, 255, 255), RGB(0, 0, 255), RGB(0, 255, 255), RGB(0, 255, 0), RGB(255, 204, 0), RGB(255, 0, 0)])

  public static let loveDA = SegmentationClasses(
    names: ["background", "building", "road", "water", "barren", "forest", "agricultural"],
    palette: [
      RGB(255, 255, 255), RGB(255, 0, 0), RGB(255, 255, 0), RGB(0, 0, 255), RGB(159, 129, 183), RGB(0, 255, 0),
      RGB(255, 195, 128),
    ])

  /// The Dubai aerial sample (shared/data/dubai_aerial/labels.json); colours are the mask colours.
  public static let dubaiAerial = SegmentationClasses(
    names: ["Building", "Land", "Road", "Vegetation", "Water", "Unlabeled"],
    palette: [RGB(60, 16, 152), RGB(132, 41, 246), RGB(110, 193, 228), RGB(254, 221, 58), RGB(226, 169, 41), RGB(155, 155, 155)])
}

/// An 8-bit colour.
public struct RGB: Sendable, Hashable, CustomStringConvertible {
  public var red: UInt8, green: UInt8, blue: UInt8
  public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
    self.red = red
    self.green = green
    self.blue = blue
  }
  public var packed: UInt32 { UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue) }
  public init(packed: UInt32) { self.init(UInt8(packed >> 16), UInt8((packed >> 8) & 255), UInt8(packed & 255)) }
  public var description: String { "(\(red),\(green),\(blue))" }
}
