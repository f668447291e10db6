import RSSegModels

/// The `segmentation` of a COCO annotation, as stored in `instances.json`.
public enum COCOSegmentation: Sendable, Equatable, Decodable {
  /// One or more polygons `[x0, y0, x1, y1, …]`; the object is their union.
  case polygons([[Double]])
  /// Uncompressed RLE `{"size": [h, w], "counts": [Int]}`.
  case rle(height: Int, width: Int, counts: [Int])
  /// Compressed RLE `{"size": [h, w], "counts": "string"}`.
  case compressedRLE(height: Int, width: Int, counts: String)

  /// Short name for messages and reports.
  public var kind: String {
    switch self {
    case .polygons(let p): return p.count == 1 ? "polygon" : "multi_polygon"
    case .rle: return "rle"
    case .compressedRLE: return "compressed_rle"
    }
  }

  private enum Keys: String, CodingKey { case size, counts }

  public init(from decoder: any Decoder) throws {
    if let polygons = try? [[Double]](from: decoder) {
      self = .polygons(polygons)
      return
    }
    let c = try decoder.container(keyedBy: Keys.self)
    let size = try c.decode([Int].self, forKey: .size)
    guard size.count == 2 else {
      throw DecodingError.dataCorruptedError(forKey: .size, in: c, debugDescription: "RLE size must be [height, width]")
    }
    if let counts = try? c.decode([Int].self, forKey: .counts) {
      self = .rle(height: size[0], width: size[1], counts: counts)
    } else {
      self = .compressedRLE(height: size[0], width: size[1], counts: try c.decode(String.self, forKey: .counts))
    }
  }

  /// The object's runs in an image `height` × `width` (pycocotools' `annToRLE`): polygons are
  /// rasterised and merged; an RLE must be of the image's size.
  /// - Throws: `DataError.badSample` naming `source` (the annotation file and annotation).
  public func rles(height: Int, width: Int, source: String) throws -> [COCORLE] {
    switch self {
    case .polygons(let polygons):
      guard !polygons.isEmpty else { throw DataError.badSample(path: source, problem: "segmentation has no polygon") }
      return try polygons.map { try COCORLE(height: height, width: width, polygon: $0, source: source) }
    case .rle(let h, let w, let counts):
      try Self.checkSize(h, w, height, width, source)
      return [try COCORLE(height: h, width: w, counts: counts, source: source)]
    case .compressedRLE(let h, let w, let counts):
      try Self.checkSize(h, w, height, width, source)
      return [try COCORLE(height: h, width: w, compressed: counts, source: source)]
    }
  }

  private static func checkSize(_ h: Int, _ w: Int, _ height: Int, _ width: Int, _ source: String) throws {
    guard h == height, w == width else {
      throw DataError.badSample(path: source, problem: "RLE size is \(h)×\(w) (h×w) but the image is \(height)×\(width)")
    }
  }
}
