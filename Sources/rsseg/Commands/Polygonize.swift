import ArgumentParser
import Foundation
import Raster
import RSSeg
import RSSegModels

extension RSSegCommand {
  /// `rsseg polygonize`: the polygons of class maps written earlier (or by other tools).
  struct Polygonize: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write the regions of class maps as polygons (what predict --vector writes), without running a model.",
      discussion: """
        For each class map (band 1: class indices; its nodata value gives no features): <stem>_polygons.<ext> in --out, \
        one feature per connected region with class_id, class_name (from the model file) and area in the CRS's units².
        """)

    @Option(help: "The model file whose class names the class maps' values index.")
    var model: String

    @Argument(help: "Class maps (GeoTIFF, VRT, … anything GDAL reads).")
    var classMaps: [String]

    @Option(help: "The output folder.")
    var out: String

    @OptionGroup var polygons: PolygonOutputOptions

    @Option(help: "A class that gets no polygons (name or 0-based index); repeat for several.")
    var ignoreClass: [String] = []

    @Flag(help: "Overwrite existing outputs.")
    var force = false

    func validate() throws {
      guard polygons.vector != nil else { throw ValidationError("give the format: --vector gpkg|geojson|shp") }
      do { _ = try SceneRun.stems(classMaps) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
      let classes = try ModelFile.read(model).description.classes
      guard let options = try polygons.polygons(ignoring: ignoreClass, of: classes) else { return }
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      for (classMap, stem) in zip(classMaps, try SceneRun.stems(classMaps)) {
        let path = PredictionFiles.polygons(directory: out, stem: stem, format: options.format)
        if !force, FileManager.default.fileExists(atPath: path) { throw CommandFailure("\(path) exists (use --force to overwrite it)") }
        let start = Date()
        let count = try ClassPolygons.write(classRaster: classMap, classNames: classes.names, to: path, options: options)
        print(String(format: "%@: %d polygons in %.1f s → %@", classMap, count, Date().timeIntervalSince(start), path))
      }
    }
  }
}
