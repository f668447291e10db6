import ArgumentParser
import Raster
import RSSegModels

/// The polygon options of `predict`, `refer` and `polygonize`: the format, and which regions
/// become features in what shape. Checked in `validate()`.
struct PolygonOutputOptions: ParsableArguments {
  @Option(help: "Write <stem>_polygons.<ext>, one feature per connected region (class_id, class_name, area) in the scene's CRS.")
  var vector: VectorFormat?

  @Option(help: "With --vector: drop regions smaller than this area, in the CRS's units² (m² for UTM).")
  var minArea: Double?

  @Option(help: "With --vector: simplify each polygon with this tolerance in CRS units, keeping it valid (topology-preserving).")
  var simplify: Double?

  func validate() throws {
    if vector == nil, let flag = minArea != nil ? "--min-area" : simplify != nil ? "--simplify" : nil {
      throw ValidationError("\(flag) needs --vector gpkg|geojson|shp")
    }
    if let minArea, !(minArea.isFinite && minArea >= 0) { throw ValidationError("--min-area must be a finite area ≥ 0, not \(minArea)") }
    if let simplify, !(simplify.isFinite && simplify > 0) { throw ValidationError("--simplify must be a finite tolerance > 0, not \(simplify)") }
  }

  /// The polygons `--vector` asks for (nil without it), `ignoring` classes given by name or
  /// 0-based index.
  /// - Throws: `CommandFailure` naming a class the model does not have.
  func polygons(ignoring ignored: [String] = [], of classes: SegmentationClasses) throws -> PolygonOptions? {
    guard let vector else { return nil }
    let indices = try ignored.map { name in
      if let index = classes.names.firstIndex(of: name) ?? Int(name), classes.names.indices.contains(index) { return index }
      throw CommandFailure("--ignore-class \(name): no such class (the model's: \(classes.names.joined(separator: ", ")))")
    }
    return PolygonOptions(format: vector, ignoredClasses: Set(indices), minimumArea: minArea ?? 0, simplifyTolerance: simplify)
  }
}

extension VectorFormat: ExpressibleByArgument {}
