import Foundation
import Raster
import RSSegModels
import Torch

/// Scene inference as `rsseg predict` runs it (`SlidingWindowPredictor` into a
/// `PredictionWriter` writing the class map and its preview) over a large scene made of copies
/// of a small one (`VirtualRaster`, so no large file is needed): Mpx/s and peak memory at each
/// precision, beside the floor the windows' products set at the device's matrix-product peak.
public enum PredictBenchmark {
  /// A model to time.
  public struct Subject {
    public let name: String
    public let model: BiCoRSeg
    public let normalization: Normalization
    public let classes: SegmentationClasses

    public init(name: String, model: BiCoRSeg, normalization: Normalization, classes: SegmentationClasses) {
      self.name = name
      self.model = model
      self.normalization = normalization
      self.classes = classes
    }
  }

  public struct Options: Sendable {
    /// The scene's side in pixels.
    public var size = 2048
    public var tile = 1024
    public var overlap = 256
    public var batch = 1
    public var threads = 2
    public var precisions: [Precision] = [.fp32, .bf16]
    public var device = Device.cpu

    public init() {}
  }

  public struct Result: Encodable, Sendable {
    public let model: String
    public let scene: String
    public let tile: Int
    public let overlap: Int
    public let batch: Int
    public let threads: Int
    public let precision: String
    public let device: String
    public let cpu: String
    public let windows: Int
    public let seconds: Double
    public let megapixelsPerSecond: Double
    public let peakRSSMB: Double
    public let peakGPUMB: Double?
    /// The products of all windows (tile² forward passes).
    public let gflops: Double
    public let matmulPeak: MatmulPeak.Result
    public let roofline: ModelBenchmark.Roofline

    enum CodingKeys: String, CodingKey {
      case model, scene, tile, overlap, batch, threads, precision, device, cpu, windows, seconds, gflops, roofline
      case megapixelsPerSecond = "mpx_per_s", peakRSSMB = "peak_rss_mb", peakGPUMB = "peak_gpu_mb", matmulPeak = "matmul_peak_gflops"
    }
  }

  /// Times `subject` over a `size`² scene of copies of `bands` (0-based) of `source`, once per
  /// precision, handing each result to `report` as it is measured. Work files go in a
  /// temporary folder, removed at the end.
  public static func run(_ subject: Subject, source: String, bands: [Int], options: Options, report: (Result) throws -> Void) throws {
    guard options.size > 0, options.tile > 0, options.tile % subject.model.sizeMultiple == 0, options.overlap >= 0,
      options.overlap < options.tile, options.threads >= 1
    else {
      throw InferenceError.invalidArgument(
        "bench predict: the size must be positive, the tile a multiple of \(subject.model.sizeMultiple), the overlap below it "
          + "(got size \(options.size), tile \(options.tile), overlap \(options.overlap))")
    }
    Torch.threads = options.threads
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-bench-predict-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let scene = try mosaic(of: source, bands: bands, size: options.size, in: folder)
    let gpu = ModelBenchmark.GPUClock(device: options.device)
    try subject.model.to(options.device)
    subject.model.eval()
    let windowFLOPs = Double(
      try Torch.countFLOPs {
        try Torch.withInferenceMode { _ = try subject.model.logits(Tensor.zeros([1, bands.count, options.tile, options.tile], device: options.device)) }
      })
    let peak = try MatmulPeak.measure(on: options.device, synchronize: gpu.synchronize)
    for precision in options.precisions {
      let resolved = precision.resolved(on: options.device)
      var windowOptions = SlidingWindowOptions(tile: options.tile, overlap: options.overlap, batch: options.batch, precision: resolved)
      windowOptions.device = options.device
      let predictor = try SlidingWindowPredictor(model: subject.model, normalization: subject.normalization, options: windowOptions)
      let reader = try SceneReader(dataset: try RasterDataset(path: scene), bands: Array(0..<bands.count))
      var writeOptions = PredictionOptions()
      writeOptions.force = true
      try PeakMemory.reset()
      try gpu.resetPeak()
      var windows = 0
      let start = Date()
      let writer = try PredictionWriter(
        scene: reader, classes: subject.classes, directory: folder.path, stem: "scene-\(resolved.rawValue)", options: writeOptions)
      try predictor.predict(reader, progress: { windows += $0 }, emit: writer.write)
      try writer.finish()
      try gpu.synchronize()
      let seconds = Date().timeIntervalSince(start)
      let flops = windowFLOPs * Double(windows)
      let megapixels = Double(options.size * options.size) / 1e6
      try report(
        Result(
          model: subject.name, scene: "\(options.size)x\(options.size)", tile: options.tile, overlap: options.overlap, batch: options.batch,
          threads: options.threads, precision: resolved.rawValue, device: options.device.description, cpu: Torch.cpuCapability,
          windows: windows, seconds: seconds, megapixelsPerSecond: megapixels / seconds, peakRSSMB: try PeakMemory.megabytes(),
          peakGPUMB: try gpu.peakMegabytes(), gflops: flops / 1e9, matmulPeak: peak,
          roofline: ModelBenchmark.Roofline(
            flops: flops, peakGFLOPs: resolved == .fp32 ? peak.fp32 : peak.bf16, seconds: seconds)))
    }
  }

  /// A `size`² VRT of copies of `source`'s `bands` in a grid, in `folder`.
  static func mosaic(of source: String, bands: [Int], size: Int, in folder: URL) throws -> String {
    let tile = try RasterDataset(path: source)
    var pieces: [VirtualRaster.Piece] = []
    for y in stride(from: 0, to: size, by: tile.height) {
      for x in stride(from: 0, to: size, by: tile.width) { pieces.append(VirtualRaster.Piece(path: source, x: x, y: y)) }
    }
    let path = folder.appendingPathComponent("mosaic.vrt").path
    try VirtualRaster.write(pieces, width: size, height: size, bands: bands, to: path)
    return path
  }
}
