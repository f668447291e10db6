import Foundation
import Raster
import RSSegModels

/// Scores predicted mask files against ground-truth masks matched by file stem. Ground truth is
/// read as class indices or in the dataset's colours (`SegmentationBenchmark.groundTruthEncoding`,
/// by the file's band count: the official ISPRS RGB labels too); predictions are
/// single-band class indices 0..<N (a palette is allowed) or RGB in the dataset's palette.
public enum MaskScoring {
  /// The confusion matrix over every ground-truth mask in `groundTruth` and the number of images.
  /// - Throws: `DataError` naming the file: a missing prediction, a size mismatch, unknown
  ///   values or colours, or an unreadable file.
  public static func score(kind: SegmentationBenchmark, predictions: URL, groundTruth: URL) throws -> (matrix: ConfusionMatrix, images: Int) {
    let classes = kind.classes
    let truths = try listFiles(in: groundTruth, extensions: ["png", "tif", "tiff"], what: "ground-truth masks")
    let predicted = try listFiles(in: predictions, extensions: ["png", "tif", "tiff"], what: "predicted masks")
    let byStem = Dictionary(predicted.map { (stem($0), $0) }, uniquingKeysWith: { a, _ in a })
    var palette: [RGB: UInt8] = [:]
    for (i, c) in classes.palette.enumerated() { palette[c] = UInt8(i) }
    var matrix = ConfusionMatrix(classes: classes.count)
    for truthURL in truths {
      guard let predURL = byStem[stem(truthURL)] else {
        throw DataError.layout(path: predictions.appendingPathComponent(stem(truthURL) + ".png").path,
                               problem: "no prediction for ground truth \(truthURL.path)")
      }
      let truthFile = try reading(truthURL.path) { try RasterDataset(path: truthURL.path, probeSiblings: false) }
      let truth = try reading(truthURL.path) { try kind.groundTruthEncoding(bands: truthFile.bandCount).decode(truthFile, ignore: classes.ignoreIndex).labels }
      let predFile = try reading(predURL.path) { try RasterDataset(path: predURL.path, probeSiblings: false) }
      guard predFile.width == truthFile.width, predFile.height == truthFile.height else {
        throw DataError.badSample(
          path: predURL.path,
          problem: "prediction is \(predFile.width)×\(predFile.height) but \(truthURL.path) is \(truthFile.width)×\(truthFile.height)")
      }
      let encoding: LabelEncoding = predFile.bandCount >= 3
        ? .colors(palette) : .values((0..<256).map { $0 < classes.count ? UInt8($0) : nil })
      let pred = try reading(predURL.path) { try encoding.decode(predFile, ignore: classes.ignoreIndex).labels }
      try matrix.add(truth: truth, predicted: pred)
    }
    return (matrix, truths.count)
  }
}
