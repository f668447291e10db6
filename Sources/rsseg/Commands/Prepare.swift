import ArgumentParser
import Foundation
import RSSeg
import RSSegModels

extension RSSegCommand {
  /// `rsseg prepare loveda|vaihingen|potsdam --src DIR --out DIR`, or
  /// `rsseg prepare synthetic-referring --out DIR` (a generated RRSIS-D-format dataset).
  struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Convert a dataset's labels and cut training/test patches.",
      discussion: """
        loveda: converts masks_png (0 no-data, 1-7) into masks_png_convert (0-6, ignore 7) and links the \
        images, keeping the Train/Val/Test × Urban/Rural layout.
        vaihingen, potsdam: converts RGB labels to class indices (ignore 6) and cuts 1024 px patches into \
        OUT/{train,test}/{images_1024,masks_1024} (test patches from the eroded labels).
        Finished outputs are skipped, so an interrupted run can be resumed.
        synthetic-referring: generates (no --src) a referring dataset in the RRSIS-D layout, coloured shapes \
        with sentences such as "the red square": OUT/images/rrsisd/JPEGImages/*.png, OUT/rrsisd/instances.json, \
        OUT/rrsisd/refs(unc).p; 70 % of the images train, 15 % val, 15 % test.
        """)

    enum DatasetName: String, ExpressibleByArgument, CaseIterable {
      case loveda, vaihingen, potsdam
      case syntheticReferring = "synthetic-referring"
    }

    @Argument(help: "Dataset: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset: DatasetName

    @Option(help: "Folder holding the dataset as released.")
    var src: String?

    @Option(help: "Folder to write into (not inside --src).")
    var out: String

    @Option(help: "Only this split: train or test (loveda also val). Default: all.")
    var split: String?

    @Flag(help: "List and skip bad samples instead of stopping at the first.")
    var skipBad = false

    @Flag(help: "Treat unknown label values or colours as ignore instead of as bad masks.")
    var unknownAsIgnore = false

    @Option(help: "ISPRS patch size in pixels.")
    var patchSize = 1024

    @Option(help: "Seed of the random crops (Vaihingen car oversampling) or of the synthetic scenes.")
    var seed: UInt64 = 0

    @Option(help: "synthetic-referring: number of images (at least 3).")
    var images = 200

    @Option(help: "synthetic-referring: image side in pixels (at least 32).")
    var size = 96

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
      guard patchSize >= 16 else { throw ValidationError("--patch-size must be at least 16") }
      if dataset == .syntheticReferring {
        guard images >= 3, size >= 32 else { throw ValidationError("--images must be at least 3 and --size at least 32") }
        return
      }
      guard src != nil else { throw ValidationError("--src is required for \(dataset.rawValue)") }
      guard let split else { return }
      let allowed = dataset == .loveda ? ["train", "val", "test"] : ["train", "test"]
      guard allowed.contains(split) else {
        throw ValidationError("--split for \(dataset.rawValue) is one of \(allowed.joined(separator: ", "))")
      }
    }

    func run() throws {
      if dataset == .syntheticReferring {
        let summary = try SyntheticReferringDataset.write(.init(images: images, size: size, seed: seed), to: URL(fileURLWithPath: out))
        print("wrote \(out) (RRSIS-D layout)\n\(summary.text)")
        return
      }
      var options = PrepareOptions(source: URL(fileURLWithPath: src!), output: URL(fileURLWithPath: out))
      options.skipBad = skipBad
      options.unknownAsIgnore = unknownAsIgnore
      options.seed = seed
      options.patchSize = patchSize
      options.showProgress = !quiet
      let report: PrepareReport
      do {
        switch dataset {
        case .loveda:
          let splits = split.map { s in LoveDA.Split.allCases.filter { $0.rawValue.lowercased() == s } } ?? LoveDA.Split.allCases
          report = try LoveDAPreparer.run(options, splits: splits)
        case .syntheticReferring:
          return  // generated above; nothing to convert
        case .vaihingen, .potsdam:
          let site: ISPRS.Site = dataset == .vaihingen ? .vaihingen : .potsdam
          let splits = split.map { s in ISPRS.Split.allCases.filter { $0.rawValue == s } } ?? ISPRS.Split.allCases
          report = try ISPRSPreparer.run(site, options, splits: splits)
        }
      } catch let error as DataError {
        let hint: String
        switch error {
        case .badSample, .unknownLabels: hint = skipBad ? "" : "\n(--skip-bad lists and skips bad samples)"
        default: hint = ""
        }
        FileHandle.standardError.write(Data("error: \(error)\(hint)\n".utf8))
        throw ExitCode.failure
      }
      print(report.summary)
    }
  }
}
