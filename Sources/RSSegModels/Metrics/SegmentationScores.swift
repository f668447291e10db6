/// Scores of a confusion matrix as in spec §5: per-class IoU, precision, recall, F1; OA over
/// all classes; mean IoU / mean F1 over the classes that count (ISPRS leaves Clutter out).
public struct SegmentationScores: Sendable, Equatable {
  public let classNames: [String]
  public let iou: [Double]
  public let precision: [Double]
  public let recall: [Double]
  public let f1: [Double]
  /// Overall accuracy: trace / total.
  public let overallAccuracy: Double
  public let meanIoU: Double
  public let meanF1: Double
  /// The classes the means are taken over.
  public let meanClasses: [Int]

  /// - Parameters:
  ///   - excluding: classes left out of mean IoU / mean F1 (OA still counts them).
  public init(_ matrix: ConfusionMatrix, classNames: [String]? = nil, excluding: Set<Int> = []) {
    let n = matrix.classes
    self.classNames = classNames ?? (0..<n).map { "class\($0)" }
    var iou = [Double](), precision = [Double](), recall = [Double](), f1 = [Double]()
    var trace: Int64 = 0
    for c in 0..<n {
      let tp = Double(matrix[c, c])
      trace += matrix[c, c]
      let predicted = Double((0..<n).reduce(Int64(0)) { $0 + matrix[$1, c] })
      let actual = Double((0..<n).reduce(Int64(0)) { $0 + matrix[c, $1] })
      let fp = predicted - tp
      let fn = actual - tp
      let p = predicted > 0 ? tp / predicted : 0
      let r = actual > 0 ? tp / actual : 0
      iou.append(tp + fp + fn > 0 ? tp / (tp + fp + fn) : 0)
      precision.append(p)
      recall.append(r)
      f1.append(p + r > 0 ? 2 * p * r / (p + r) : 0)
    }
    self.iou = iou
    self.precision = precision
    self.recall = recall
    self.f1 = f1
    let total = matrix.total
    overallAccuracy = total > 0 ? Double(trace) / Double(total) : 0
    meanClasses = (0..<n).filter { !excluding.contains($0) }
    let m = Double(max(meanClasses.count, 1))
    meanIoU = meanClasses.reduce(0) { $0 + iou[$1] } / m
    meanF1 = meanClasses.reduce(0) { $0 + f1[$1] } / m
  }
}
