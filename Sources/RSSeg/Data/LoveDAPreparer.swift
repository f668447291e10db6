import Foundation
import Raster
import RSSegModels

/// `rsseg prepare loveda`: converts `masks_png` (0 no-data, 1...7) into `masks_png_convert`
/// (0...6, ignore 7) and links the images, keeping the official layout. Every image and mask is
/// checked (readable, 3 bands, sizes match, known values). Finished samples are skipped, so an
/// interrupted run resumes.
public enum LoveDAPreparer {
  public static func run(_ options: PrepareOptions, splits: [LoveDA.Split] = LoveDA.Split.allCases) throws -> PrepareReport {
    try options.checkOutput()
    // Every requested split must be present in the source.
    let work = try splits.flatMap { split in
      try LoveDA.Domain.allCases.flatMap { domain in
        try LoveDA.pairs(root: options.source, split: split, domain: domain, maskFolder: LoveDA.rawMaskFolder)
          .map { (split, domain, $0) }
      }
    }
    let raw = SegmentationDataset(samples: [], classes: .loveDA, encoding: .loveDAValues)
    let progress = ProgressBar(total: work.count, label: "loveda", unit: "img", enabled: options.showProgress)
    defer { progress.finish() }
    let reports = ConcurrentResults<PrepareReport>(count: work.count)
    DispatchQueue.concurrentPerform(iterations: work.count) { i in
      guard !reports.failed else { return }  // stop soon after the first error
      let (split, domain, sample) = work[i]
      var report = PrepareReport()
      reports.set(i) {
        try report.sample(skipBad: options.skipBad) { report in
          try prepare(sample, split: split, domain: domain, using: raw, options: options, report: &report)
        }
        return report
      }
      progress.advance()
    }
    var total = PrepareReport()
    for r in try reports.values() { total.merge(r) }
    return total
  }

  static func prepare(
    _ sample: SegmentationSample, split: LoveDA.Split, domain: LoveDA.Domain, using raw: SegmentationDataset,
    options: PrepareOptions, report: inout PrepareReport
  ) throws {
    let relative = "\(split.rawValue)/\(domain.rawValue)"
    let folder = options.output.appendingPathComponent(relative)
    let imageLink = folder.appendingPathComponent(LoveDA.imageFolder).appendingPathComponent(sample.name + ".png")
    let mask = folder.appendingPathComponent(LoveDA.preparedMaskFolder).appendingPathComponent(sample.name + ".png")
    let fm = FileManager.default
    if fm.fileExists(atPath: imageLink.path) && (!split.hasMasks || fm.fileExists(atPath: mask.path)) {
      report.alreadyDone += 1
      return
    }
    let image = try raw.openImage(sample.imagePath)
    _ = try reading(sample.imagePath) { try image.read(UInt8.self, window: PixelWindow(x: 0, y: image.height - 1, width: image.width, height: 1)) }
    if let maskPath = sample.maskPath {
      let (labels, unknown) = try raw.decodeMask(
        maskPath, width: image.width, height: image.height, imagePath: sample.imagePath, unknownAsIgnore: options.unknownAsIgnore)
      report.unknownLabels += unknown.map { (maskPath, $0) }
      try makeFolder(mask.deletingLastPathComponent())
      try writing(mask.path) {
        try PNGWriter.write(RasterBuffer(width: image.width, height: image.height, bands: 1, values: labels), to: mask.path)
      }
      report.written["\(relative)/\(LoveDA.preparedMaskFolder)", default: 0] += 1
    }
    // The image link comes last: its presence marks the sample as finished.
    try makeFolder(imageLink.deletingLastPathComponent())
    try linkAtomically(imageLink, to: URL(fileURLWithPath: sample.imagePath))
    report.written["\(relative)/\(LoveDA.imageFolder)", default: 0] += 1
  }
}
