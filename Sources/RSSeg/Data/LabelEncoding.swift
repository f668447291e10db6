import Raster
import RSSegModels

/// How a dataset's mask files encode classes, and their decoding to class indices
/// (0..<N, ignore = N).
public enum LabelEncoding: Sendable, Equatable {
  /// Single-band masks; `table[v]` is the class of value v, nil for values that must not occur.
  case values([UInt8?])
  /// RGB masks (palette masks are expanded first); colours not listed must not occur.
  case colors([RGB: UInt8])

  /// ISPRS RGB labels: the six class colours, black boundary → ignore 6.
  public static let isprsColors: LabelEncoding = .colors([
    RGB(255, 255, 255): 0, RGB(0, 0, 255): 1, RGB(0, 255, 255): 2, RGB(0, 255, 0): 3, RGB(255, 255, 0): 4,
    RGB(255, 0, 0): 5, RGB(0, 0, 0): 6,
  ])

  /// LoveDA's masks_png: 0 = no-data → ignore 7, 1...7 → 0...6.
  public static let loveDAValues: LabelEncoding = .values((0..<256).map { (v: Int) -> UInt8? in v == 0 ? 7 : v <= 7 ? UInt8(v - 1) : nil })

  /// Dubai aerial colour masks; black → ignore 6.
  public static let dubaiAerialColors = palette(.dubaiAerial)

  /// RGB masks in `classes.palette`, black (when no class has it) the ignore value.
  public static func palette(_ classes: SegmentationClasses) -> LabelEncoding {
    var map: [RGB: UInt8] = [RGB(0, 0, 0): classes.ignoreIndex]
    for (i, c) in classes.palette.enumerated() { map[c] = UInt8(i) }
    return .colors(map)
  }

  /// Masks already holding class indices 0..<N and the ignore value N (prepared datasets).
  public static func indices(_ classes: SegmentationClasses) -> LabelEncoding {
    .values((0..<256).map { $0 <= Int(classes.ignoreIndex) ? UInt8($0) : nil })
  }

  /// Decodes a mask. Unknown values are listed in `unknown`; they become `ignore` when
  /// `unknownAsIgnore`, otherwise decoding throws `DataError.unknownLabels`.
  public func decode(_ mask: RasterDataset, ignore: UInt8, unknownAsIgnore: Bool = false) throws -> (labels: [UInt8], unknown: [UnknownLabel]) {
    let labels: [UInt8]
    var unknown: [UnknownLabel]
    switch self {
    case .values(let table):
      guard mask.bandCount == 1 else {
        throw DataError.badSample(path: mask.path, problem: "mask has \(mask.bandCount) bands, expected 1 (class values)")
      }
      (labels, unknown) = Self.mapValues(try mask.read(UInt8.self, bands: [0]).values, table: table, ignore: ignore)
    case .colors(let map):
      let rgb: RasterBuffer<UInt8>
      if mask.bandCount == 1, let palette = try mask.colorTable() {
        rgb = Self.expand(try mask.read(UInt8.self, bands: [0]), palette)
      } else if mask.bandCount >= 3 {
        rgb = try mask.read(UInt8.self, bands: [0, 1, 2])
      } else {
        throw DataError.badSample(path: mask.path, problem: "mask has \(mask.bandCount) band(s), expected RGB colours")
      }
      (labels, unknown) = Self.mapColors(rgb, map: map, ignore: ignore)
    }
    if !unknown.isEmpty && !unknownAsIgnore { throw DataError.unknownLabels(path: mask.path, labels: unknown) }
    return (labels, unknown)
  }

  private static func mapValues(_ values: [UInt8], table: [UInt8?], ignore: UInt8) -> ([UInt8], [UnknownLabel]) {
    let lut = table.map { $0 ?? 255 }
    let known = table.map { $0 != nil }
    var counts = [Int](repeating: 0, count: 256)
    var out = [UInt8](repeating: 0, count: values.count)
    for i in values.indices {
      let v = Int(values[i])
      out[i] = lut[v]
      if !known[v] {
        counts[v] += 1
        out[i] = ignore
      }
    }
    let unknown = counts.enumerated().filter { $0.element > 0 }.map { UnknownLabel(label: "\($0.offset)", pixels: $0.element) }
    return (out, unknown.sorted { $0.pixels > $1.pixels })
  }

  private static func mapColors(_ rgb: RasterBuffer<UInt8>, map: [RGB: UInt8], ignore: UInt8) -> ([UInt8], [UnknownLabel]) {
    let keys = map.keys.map(\.packed), classes = map.keys.map { map[$0]! }
    let n = rgb.pixelCount
    var out = [UInt8](repeating: ignore, count: n)
    var unknown: [UInt32: Int] = [:]
    var lastColor = UInt32.max, lastClass = ignore
    rgb.values.withUnsafeBufferPointer { v in
      for i in 0..<n {
        let c = UInt32(v[i]) << 16 | UInt32(v[n + i]) << 8 | UInt32(v[2 * n + i])
        if c != lastColor {
          lastColor = c
          lastClass = keys.firstIndex(of: c).map { classes[$0] } ?? 255
        }
        if lastClass == 255 { unknown[c, default: 0] += 1 } else { out[i] = lastClass }
      }
    }
    let listed = unknown.map { UnknownLabel(label: RGB(packed: $0.key).description, pixels: $0.value) }
    return (out, listed.sorted { ($0.pixels, $1.label) > ($1.pixels, $0.label) })
  }

  private static func expand(_ indices: RasterBuffer<UInt8>, _ palette: ColorTable) -> RasterBuffer<UInt8> {
    let n = indices.pixelCount
    var out = [UInt8](repeating: 0, count: 3 * n)
    for i in 0..<n {
      let v = Int(indices.values[i])
      guard v < palette.entries.count else { continue }
      let e = palette.entries[v]
      out[i] = e.red
      out[n + i] = e.green
      out[2 * n + i] = e.blue
    }
    return RasterBuffer(width: indices.width, height: indices.height, bands: 3, values: out)
  }
}
