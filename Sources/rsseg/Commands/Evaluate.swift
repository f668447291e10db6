import ArgumentParser
import AtomicFiles
import Foundation
import RSSeg
import RSSegModels
import Torch

extension RSSegCommand {
  /// `rsseg evaluate`: scores a model file on a dataset's evaluation split (spec §5).
  struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Evaluate a model file on a dataset's evaluation split: metrics JSON, Markdown table, confusion matrix PNG.",
      discussion: """
        Splits: Vaihingen/Potsdam prepared test patches, LoveDA Val, Dubai tile 6. Writes metrics.json (with the \
        confusion matrix), metrics.md and confusion.png (row-normalised percentages, labelled) to --out.
        Referring datasets (rrsisd, refsegrs; a referring model file): every sentence of every object of --split, \
        scored at --image-size; metrics.json and metrics.md hold oIoU, mIoU and P@0.5…0.9 in percent; \
        --save-masks writes masks/<object>_s<sentence>.png, --overlays overlays/<object>_s<sentence>.png with the sentence.
        """)

    @Option(help: "The rsseg model file (.safetensors).")
    var model: String

    @Option(help: "The dataset folder.")
    var data: String

    @Option(help: "vaihingen, potsdam, loveda, dubai; or rrsisd, refsegrs (referring).")
    var dataset: String

    @Option(help: "Test-time augmentation: none, lr (flips) or d4 (the dataset's reference set).")
    var tta = TestTimeAugmentation.Mode.none

    @Option(help: "Output folder.")
    var out = "eval"

    @Option(help: "Also write predicted masks to <out>/masks: index (class values, palette) or color (RGB).")
    var saveMasks: EvaluationOutputs.MaskStyle?

    @Option(help: "LoveDA only: also predict the Test split and zip the submission PNGs to this file.")
    var lovedaSubmission: String?

    @Option(help: "Images per forward pass (images must share a size).")
    var batchSize = 1

    @Option(help: "Evaluate only the first N images (0 = all).")
    var limit = 0

    @Option(help: "libtorch intra-op threads (0 = default).")
    var threads = 0

    @Option(help: "Arithmetic: fp32, bf16 or fp16 (autocast), or auto (bf16 where the device has native bf16, else fp32).")
    var precision = Precision.fp32

    @OptionGroup var device: DeviceOptions

    @Option(help: "Referring only: the split (val or test).")
    var split = "test"

    @Option(help: "Referring only: side of the square samples are resized to and scored at.")
    var imageSize = 480

    @Flag(help: "Referring only: also write overlays/<object>_s<sentence>.png, the prediction with the sentence on it.")
    var overlays = false

    func validate() throws {
      guard (try? SegmentationBenchmark(named: dataset)) != nil || ReferringBenchmark(rawValue: dataset.lowercased()) != nil else {
        throw ValidationError("unknown dataset '\(dataset)' (vaihingen, potsdam, loveda, dubai; rrsisd, refsegrs)")
      }
      if lovedaSubmission != nil, dataset.lowercased() != SegmentationBenchmark.loveda.rawValue {
        throw ValidationError("--loveda-submission needs --dataset loveda")
      }
    }

    func run() throws {
      if threads > 0 { Torch.threads = threads }
      try MemoryPolicy.forRepeatedModelRuns()
      if let benchmark = ReferringBenchmark(rawValue: dataset.lowercased()) { return try runReferring(benchmark) }
      let kind = try SegmentationBenchmark(named: dataset)
      let device = try device.resolved()
      let (network, description) = try BiCoRSeg.load(modelFile: model)
      try network.to(device)
      network.eval()
      guard description.classes.count == kind.classes.count else {
        throw CommandFailure("\(model) predicts \(description.classes.count) classes, \(kind.rawValue) has \(kind.classes.count)")
      }
      var evaluator = SegmentationEvaluator(classes: kind.classes, normalization: description.normalization)
      evaluator.tta = kind.augmentation(tta)
      evaluator.batchSize = batchSize
      evaluator.maxImages = limit
      evaluator.progress = true
      evaluator.device = device
      let folder = URL(fileURLWithPath: out)
      let masks = folder.appendingPathComponent("masks")
      try FileManager.default.createDirectory(at: saveMasks == nil ? folder : masks, withIntermediateDirectories: true)
      let forward: (Tensor) throws -> Tensor = { x in try precision.run(on: device) { try network(x) } }
      let evaluationSet = try kind.evaluationSet(root: URL(fileURLWithPath: data))
      let matrix = try evaluator.run(forward, on: evaluationSet) { sample, prediction, width, height in
        guard let style = saveMasks else { return }
        try EvaluationOutputs.writeMask(
          prediction, width: width, height: height, classes: kind.classes, style: style,
          to: masks.appendingPathComponent(sample.name + ".png").path)
      }
      let images = limit > 0 ? min(limit, evaluationSet.count) : evaluationSet.count
      let report = EvaluationReport(
        dataset: kind.rawValue, images: images, matrix: matrix, classes: kind.classes, excluding: kind.excludedFromMeans, tta: tta.rawValue)
      try AtomicFile.write(try report.json().utf8, to: folder.appendingPathComponent("metrics.json").path)
      let table = report.markdown(classNames: kind.classes.names)
      try AtomicFile.write(table.utf8, to: folder.appendingPathComponent("metrics.md").path)
      let title = "\(kind.rawValue) - \(URL(fileURLWithPath: model).lastPathComponent) - \(kind.evaluationSplitName) (\(images) images)"
      try EvaluationOutputs.writeConfusionImage(
        matrix, classNames: kind.classes.names, title: title, to: folder.appendingPathComponent("confusion.png").path)
      print(table)
      if let lovedaSubmission {
        var submission = try EvaluationOutputs.LoveDASubmission()
        let testSet = try LoveDA.dataset(root: URL(fileURLWithPath: data), split: .test, prepared: false)
        _ = try evaluator.run(forward, on: testSet) { sample, prediction, width, height in
          try submission.add(
            imageName: URL(fileURLWithPath: sample.imagePath).lastPathComponent, prediction: prediction, width: width, height: height)
        }
        try submission.write(to: lovedaSubmission)
        print("wrote \(lovedaSubmission) (\(limit > 0 ? min(limit, testSet.count) : testSet.count) test images)")
      }
    }
  }
}

extension EvaluationOutputs.MaskStyle: ExpressibleByArgument {}
