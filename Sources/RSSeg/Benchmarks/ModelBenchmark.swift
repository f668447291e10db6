import Foundation
import Torch

/// Times a BiCoR-Seg preset on the CPU: evaluation latency at batch 1 (fp32, and bf16 under
/// autocast), one full training step at batch 2 (forward, every loss term, backward, AdamW +
/// Lookahead step), and the peak resident memory of each phase.
///
/// Weights are freshly initialised (timings do not depend on their values); inputs are random.
/// Each latency is the median of `repeats` runs after one warm-up run, as wall-clock and process
/// CPU seconds (`{"wall": …, "cpu": …}`).
public enum ModelBenchmark {
  public struct Options: Sendable {
    public var preset: BiCoRSegPreset
    public var size: Int
    public var threads: Int
    public var repeats: Int
    public var skipTrain: Bool
    /// Leave out the bf16 evaluation (slow where bf16 is emulated).
    public var skipBF16 = false
    /// Convolution weights and inputs in channels-last (NHWC) memory format.
    public var channelsLast: Bool
    public var trainBatch = 2

    public init(preset: BiCoRSegPreset, size: Int, threads: Int, repeats: Int = 3, skipTrain: Bool = false, channelsLast: Bool = false) {
      self.preset = preset
      self.size = size
      self.threads = threads
      self.repeats = repeats
      self.skipTrain = skipTrain
      self.channelsLast = channelsLast
    }
  }

  public struct Result: Encodable, Sendable {
    public let preset: String
    public let size: Int
    public let threads: Int
    public let repeats: Int
    public let channelsLast: Bool
    /// libtorch's CPU kernel level and bf16 features (bf16 is emulated without AVX512-BF16/AMX).
    public let cpu: String
    public let evalFP32: Timing
    public let evalBF16: Timing?
    /// Peak resident memory while building the model and running the evaluation passes.
    public let evalPeakRSSMB: Double
    public let trainBatch: Int?
    public let trainStep: Timing?
    /// Peak resident memory during the training steps (the high-water mark is reset before them;
    /// it still counts the model and whatever the allocator kept from evaluation).
    public let trainPeakRSSMB: Double?

    enum CodingKeys: String, CodingKey {
      case preset, size, threads, repeats, cpu
      case channelsLast = "channels_last"
      case evalFP32 = "eval_fp32_s"
      case evalBF16 = "eval_bf16_s"
      case evalPeakRSSMB = "eval_peak_rss_mb"
      case trainBatch = "train_batch"
      case trainStep = "train_step_s"
      case trainPeakRSSMB = "train_peak_rss_mb"
    }
  }

  public static func run(_ options: Options) throws -> Result {
    guard options.size >= 32, options.size % 32 == 0, options.repeats >= 1, options.threads >= 1 else {
      throw ModelConfigError.invalid(
        "bench model: size must be a positive multiple of 32, repeats and threads at least 1 "
          + "(got size \(options.size), repeats \(options.repeats), threads \(options.threads))")
    }
    Torch.threads = options.threads
    Torch.manualSeed(0)
    let config = options.preset.model
    let model = try BiCoRSeg(config)
    if options.channelsLast { try useChannelsLast(model) }

    model.eval()
    let image = try input(batch: 1, size: options.size, channelsLast: options.channelsLast)
    let fp32 = try median(options.repeats) {
      _ = try Torch.withInferenceMode { try model(image) }
    }
    let bf16 = options.skipBF16 ? nil : try median(options.repeats) {
      _ = try Torch.withInferenceMode { try Torch.withAutocast(dtype: .bfloat16, device: .cpu) { try model(image) } }
    }
    let evalPeak = try PeakMemory.megabytes()

    var trainSeconds: Timing?
    var trainPeak: Double?
    if !options.skipTrain {
      try PeakMemory.reset()
      trainSeconds = try trainStep(model, options)
      trainPeak = try PeakMemory.megabytes()
    }
    return Result(
      preset: options.preset.name, size: options.size, threads: options.threads, repeats: options.repeats,
      channelsLast: options.channelsLast, cpu: Torch.cpuCapability, evalFP32: fp32, evalBF16: bf16,
      evalPeakRSSMB: evalPeak, trainBatch: options.skipTrain ? nil : options.trainBatch, trainStep: trainSeconds,
      trainPeakRSSMB: trainPeak)
  }

  /// Median seconds of one training step as the reference trains (spec §3): AdamW in Lookahead.
  private static func trainStep(_ model: BiCoRSeg, _ options: Options) throws -> Timing {
    let defaults = options.preset.training
    let config = options.preset.model
    model.train()
    let optimizer = try Lookahead(
      AdamW(try model.parameters(), lr: defaults.lr, weightDecay: defaults.weightDecay),
      k: defaults.lookaheadK, alpha: defaults.lookaheadAlpha)
    let loss = BiCoRSegLoss(ignoreIndex: config.ignoreIndex)
    let images = try input(batch: options.trainBatch, size: options.size, channelsLast: options.channelsLast)
    let labels = try Tensor.randint(0, config.classes, [options.trainBatch, options.size, options.size])
    return try median(options.repeats) {
      try optimizer.zeroGrad()
      let terms = try loss(model.forward(images), labels)
      try terms.total.backward()
      try optimizer.step()
    }
  }

  private static func input(batch: Int, size: Int, channelsLast: Bool) throws -> Tensor {
    let x = try Tensor.randn([batch, 3, size, size])
    return channelsLast ? try x.contiguous(channelsLast: true) : x
  }

  /// Stores every 4-D parameter (the convolution weights) channels-last, so convolutions keep
  /// NHWC activations.
  private static func useChannelsLast(_ model: Module) throws {
    for (_, p) in try model.namedParameters() where p.rank == 4 {
      try p.setData(p.contiguous(channelsLast: true))
    }
  }

  /// Wall-clock and process CPU seconds of one run.
  public struct Timing: Encodable, Sendable {
    public let wall: Double
    /// CPU time of every thread: on a machine shared with other work, `cpu / threads` is what
    /// the wall time would be with the cores to itself and perfect scaling.
    public let cpu: Double
  }

  /// Runs `body` once to warm up, then `repeats` times, and returns the median of each clock.
  private static func median(_ repeats: Int, _ body: () throws -> Void) throws -> Timing {
    try body()
    let clock = ContinuousClock()
    var walls: [Double] = []
    var cpus: [Double] = []
    for _ in 0..<repeats {
      let cpuStart = processCPUSeconds()
      let elapsed = try clock.measure(body)
      cpus.append(processCPUSeconds() - cpuStart)
      walls.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    return Timing(wall: middle(walls), cpu: middle(cpus))
  }

  private static func middle(_ values: [Double]) -> Double {
    let v = values.sorted()
    return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
  }

  private static func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
  }
}
