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
        dubai-referring: derives a referring dataset in the RRSIS-D layout from the Dubai aerial sample's masks \
        (--src samples/dubai_aerial): objects are connected regions of one class of at least --min-area of the image, \
        expressions come from templates over class, size, position and relations and are kept only when they pick \
        out exactly one object; images resized to --size (default 192); train = tiles 1-5 less their last image, \
        val = those, test = tile 6. Also writes OUT/dubai-referring.json (counts, the every-pixel-of-the-class baseline).
        """)

    enum DatasetName: String, ExpressibleByArgument, CaseIterable {
      case loveda, vaihingen, potsdam
      case syntheticReferring = "synthetic-referring"
      case dubaiReferring = "dubai-referring"
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

    @Option(help: "synthetic-referring: image side in pixels (at least 32; default 96). dubai-referring: the side images are resized to (a multiple of 32; default 192).")
    var size: Int?

    @Option(help: "dubai-referring: the smallest object, as a fraction of the image.")
    var minArea = 0.005

    @Option(help: "dubai-referring: at most this many expressions per object.")
    var maxSentences = 8

    @Flag(help: "dubai-referring: a control set, the same objects each with the one sentence \"the <class>\".")
    var classOnly = false

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
      guard patchSize >= 16 else { throw ValidationError("--patch-size must be at least 16") }
      if dataset == .syntheticReferring {
        guard images >= 3, (size ?? 96) >= 32 else { throw ValidationError("--images must be at least 3 and --size at least 32") }
        return
      }
      guard src != nil else { throw ValidationError("--src is required for \(dataset.rawValue)") }
      if dataset == .dubaiReferring {
        let side = size ?? 192
        guard side >= 32, side % 32 == 0 else { throw ValidationError("--size must be a multiple of 32, at least 32") }
        guard minArea > 0, minArea < 1 else { throw ValidationError("--min-area must be between 0 and 1") }
        guard maxSentences >= 1 else { throw ValidationError("--max-sentences must be at least 1") }
        return
      }
      guard let split else { return }
      let allowed = dataset == .loveda ? ["train", "val", "test"] : ["train", "test"]
      guard allowed.contains(split) else {
        throw ValidationError("--split for \(dataset.rawValue) is one of \(allowed.joined(separator: ", "))")
      }
    }

    func run() throws {
      if dataset == .syntheticReferring {
        let summary = try SyntheticReferringDataset.write(.init(images: images, size: size ?? 96, seed: seed), to: URL(fileURLWithPath: out))
        print("wrote \(out) (RRSIS-D layout)\n\(summary.text)")
        return
      }
      if dataset == .dubaiReferring {
        do {
          let summary = try DubaiReferringDataset.write(
            source: URL(fileURLWithPath: src!), to: URL(fileURLWithPath: out),
            options: .init(size: size ?? 192, minArea: minArea, maxSentences: maxSentences, seed: seed, classOnly: classOnly))
          print("wrote \(out) (RRSIS-D layout)\n\(summary.text)\nexamples (test):")
          for example in summary.examples { print("  \(example)") }
        } catch let error as DataError {
          FileHandle.standardError.write(Data("error: \(error)\n".utf8))
          throw ExitCode.failure
        }
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
        case .syntheticReferring, .dubaiReferring:
          return  // written above
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
