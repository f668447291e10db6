import Foundation
import RSSegModels
import Torch

/// Times a model on a device: evaluation latency at batch 1 (fp32, and bf16 under autocast), one
/// full training step at batch 2 (forward, every loss term, backward, optimiser step), and the
/// peak resident memory of each phase. Models: a BiCoR-Seg preset, or a referring model (LAVT,
/// BTDNet) with Swin and BERT shapes from its configuration.
///
/// Weights are freshly initialised (timings do not depend on their values); inputs are random
/// (referring sentences: 20 random tokens). Each latency is the median of `repeats` runs after
/// one warm-up run, as wall-clock and process CPU seconds (`{"wall": …, "cpu": …}`); on a GPU each
/// run ends by waiting for the device, and the caching allocator's peaks are reported too.
///
/// Each time comes with its roofline: the model's matrix-product and convolution FLOPs (counted
/// by libtorch's profiler on one batch-1 forward; a training step is taken as 3× the forward per
/// image) over the device's measured matrix-product peak in that precision (`MatmulPeak`), and
/// the fraction of that floor the run reached.
public enum ModelBenchmark {
  /// What is timed.
  public enum Subject: Sendable {
    /// BiCoR-Seg as the preset builds it, trained as the reference (AdamW in Lookahead).
    case bicor(BiCoRSegPreset)
    /// The preset's ConvNeXt encoder alone (torchvision's `convnext_*().features`), trained with
    /// AdamW on the mean square of its last stage: the part that torchvision's model can time on
    /// the same machine, so the rest of BiCoR-Seg's cost is the full model's time less this one.
    case encoder(BiCoRSegPreset)
    /// A referring model: BERT with `bert`'s shape (random weights) and the LAVT network of
    /// `lavt`, trained as LAVT (AdamW in the official groups, cross-entropy plus BTDNet's terms).
    case referring(name: String, lavt: LAVTConfig, bert: BertConfig)

    public var name: String {
      switch self {
      case .bicor(let preset): return preset.name
      case .encoder(let preset): return "\(preset.name)-encoder"
      case .referring(let name, _, _): return name
      }
    }

    /// The referring subjects by name: "lavt" (the paper's LAVT: Swin-B window 12 + bert-base)
    /// and "btdnet" (the same with BSC, T-BTD and D-MOLS on).
    public static func referring(named name: String) throws -> Subject {
      var lavt = LAVTConfig.paper()
      switch name.lowercased() {
      case "lavt": break
      case "btdnet": (lavt.bsc, lavt.twinDecoder, lavt.dmols) = (true, true, true)
      default: throw ModelConfigError.invalid("unknown referring benchmark model '\(name)' (known: lavt, btdnet)")
      }
      return .referring(name: name.lowercased(), lavt: lavt, bert: BertConfig())
    }
  }

  public struct Options: Sendable {
    public var subject: Subject
    public var size: Int
    public var threads: Int
    public var repeats: Int
    public var skipTrain: Bool
    /// Leave out the bf16 evaluation (slow where bf16 is emulated).
    public var skipBF16 = false
    /// Convolution weights and inputs in channels-last (NHWC) memory format.
    public var channelsLast: Bool
    public var trainBatch = 2
    /// The training step's arithmetic: fp32, or bf16 autocast around forward and loss (fp16 would
    /// need a loss scaler: `rsseg train` has one).
    public var trainPrecision = Precision.fp32
    /// Where the model, its inputs and the optimiser state live.
    public var device = Device.cpu
    /// Referring models: recompute the Swin blocks in backward, as `rsseg train` does by default.
    public var checkpointSwin = true
    /// Run AdamW's update inside backward, freeing each gradient once applied
    /// (`AdamW.backwardStep`); not for BiCoR-Seg, whose Lookahead steps after every gradient.
    public var optimizerInBackward = false
    /// Profile one evaluation and one training step by op and report this many ops of each (0: none).
    public var profileTop = 0
    /// Tell profiled ops apart by their input shapes too (`Torch.profileOps(byShapes:)`).
    public var profileShapes = false

    public init(subject: Subject, size: Int, threads: Int, repeats: Int = 3, skipTrain: Bool = false, channelsLast: Bool = false) {
      self.subject = subject
      self.size = size
      self.threads = threads
      self.repeats = repeats
      self.skipTrain = skipTrain
      self.channelsLast = channelsLast
    }

    public init(preset: BiCoRSegPreset, size: Int, threads: Int, repeats: Int = 3, skipTrain: Bool = false, channelsLast: Bool = false) {
      self.init(subject: .bicor(preset), size: size, threads: threads, repeats: repeats, skipTrain: skipTrain, channelsLast: channelsLast)
    }
  }

  public struct Result: Encodable, Sendable {
    public let preset: String
    public let size: Int
    public let threads: Int
    public let repeats: Int
    public let channelsLast: Bool
    public let device: String
    /// libtorch's CPU kernel level and bf16 features (bf16 is emulated without AVX512-BF16/AMX).
    public let cpu: String
    public let evalFP32: Timing
    public let evalBF16: Timing?
    /// Peak resident memory while building the model and running the evaluation passes.
    public let evalPeakRSSMB: Double
    public let trainBatch: Int?
    public let trainPrecision: String?
    /// Whether AdamW's update ran inside backward (nil without training steps).
    public let optimizerInBackward: Bool?
    public let trainStep: Timing?
    /// Peak resident memory during the training steps (the high-water mark is reset before them;
    /// it still counts the model and whatever the allocator kept from evaluation).
    public let trainPeakRSSMB: Double?
    /// The CUDA caching allocator's peak allocated bytes during evaluation and during training
    /// (reset in between); nil off CUDA.
    public let evalPeakGPUMB: Double?
    public let trainPeakGPUMB: Double?
    /// FLOPs of one batch-1 forward (products and convolutions), in billions.
    public let forwardGFLOPs: Double
    public let matmulPeak: MatmulPeak.Result
    public let evalFP32Roofline: Roofline
    public let evalBF16Roofline: Roofline?
    public let trainRoofline: Roofline?
    /// The ops with the most self time in one evaluation (fp32, bf16) and one training step (`profileTop`).
    public let evalProfile: [OpTime]?
    public let evalBF16Profile: [OpTime]?
    public let trainProfile: [OpTime]?

    enum CodingKeys: String, CodingKey {
      case preset, size, threads, repeats, cpu, device
      case channelsLast = "channels_last"
      case evalFP32 = "eval_fp32_s"
      case evalBF16 = "eval_bf16_s"
      case evalPeakRSSMB = "eval_peak_rss_mb"
      case trainBatch = "train_batch"
      case trainPrecision = "train_precision"
      case optimizerInBackward = "optimizer_in_backward"
      case trainStep = "train_step_s"
      case trainPeakRSSMB = "train_peak_rss_mb"
      case evalPeakGPUMB = "eval_peak_gpu_mb"
      case trainPeakGPUMB = "train_peak_gpu_mb"
      case forwardGFLOPs = "forward_gflops"
      case matmulPeak = "matmul_peak_gflops"
      case evalFP32Roofline = "eval_fp32_roofline"
      case evalBF16Roofline = "eval_bf16_roofline"
      case trainRoofline = "train_roofline"
      case evalProfile = "eval_profile"
      case evalBF16Profile = "eval_bf16_profile"
      case trainProfile = "train_profile"
    }
  }

  /// The least time `flops` take at the device's measured peak, and how much of it a run reached.
  public struct Roofline: Encodable, Sendable {
    public let floorSeconds: Double
    /// floor / measured: 1 is the peak.
    public let fraction: Double

    init(flops: Double, peakGFLOPs: Double, seconds: Double) {
      floorSeconds = flops / (peakGFLOPs * 1e9)
      fraction = floorSeconds / max(seconds, 1e-12)
    }

    enum CodingKeys: String, CodingKey {
      case floorSeconds = "floor_s", fraction
    }
  }

  public static func run(_ options: Options) throws -> Result {
    guard options.size >= 32, options.size % 32 == 0, options.repeats >= 1, options.threads >= 1, options.trainBatch >= 1 else {
      throw ModelConfigError.invalid(
        "bench model: size must be a positive multiple of 32, repeats and threads at least 1 "
          + "(got size \(options.size), repeats \(options.repeats), threads \(options.threads))")
    }
    let trainPrecision = options.trainPrecision.resolved(on: options.device)
    if options.optimizerInBackward, case .bicor = options.subject {
      throw ModelConfigError.invalid("bench model: BiCoR-Seg trains with Lookahead around AdamW, which cannot run inside backward")
    }
    guard trainPrecision != .fp16 else {
      throw ModelConfigError.invalid("bench model: training steps run in fp32 or bf16 (fp16 needs the loss scaler of rsseg train)")
    }
    Torch.threads = options.threads
    Torch.manualSeed(0)
    let runner = try Runner(options)
    try runner.model.to(options.device)
    if options.channelsLast { try useChannelsLast(runner.model) }

    let gpu = GPUClock(device: options.device)
    try gpu.resetPeak()
    runner.model.eval()
    let forwardFLOPs = Double(try Torch.countFLOPs { try Torch.withInferenceMode { try runner.evaluate() } })
    let fp32 = try median(options.repeats, gpu) {
      try Torch.withInferenceMode { try runner.evaluate() }
    }
    // One more run of `body` by op, its `profileTop` ops with the most self time; nil when not asked for.
    func profile(_ body: () throws -> Void) throws -> [OpTime]? {
      options.profileTop > 0 ? Array(try Torch.profileOps(byShapes: options.profileShapes, body).prefix(options.profileTop)) : nil
    }
    let evalProfile = try profile { try Torch.withInferenceMode { try runner.evaluate() } }
    let evaluateBF16 = { try Torch.withAutocast(dtype: .bfloat16, device: options.device) { try runner.evaluate() } }
    // Timed as a scene's windows run (SlidingWindowPredictor): each weight cast to bf16 once.
    let (bf16, evalBF16Profile) = try Torch.withRepeatedInference {
      (options.skipBF16 ? nil : try median(options.repeats, gpu, evaluateBF16), options.skipBF16 ? nil : try profile(evaluateBF16))
    }
    let evalPeak = try PeakMemory.megabytes()
    let evalPeakGPU = try gpu.peakMegabytes()

    var trainSeconds: Timing?
    var trainPeak: Double?
    var trainPeakGPU: Double?
    var trainProfile: [OpTime]?
    if !options.skipTrain {
      try PeakMemory.reset()
      try gpu.resetPeak()
      runner.model.train()
      let step = try runner.trainStep()
      trainSeconds = try median(options.repeats, gpu, step)
      trainPeak = try PeakMemory.megabytes()
      trainPeakGPU = try gpu.peakMegabytes()
      trainProfile = try profile(step)
    }
    let peak = try MatmulPeak.measure(on: options.device, synchronize: gpu.synchronize)
    let trainPeakGFLOPs = trainPrecision == .bf16 ? peak.bf16 : peak.fp32
    return Result(
      preset: options.subject.name, size: options.size, threads: options.threads, repeats: options.repeats,
      channelsLast: options.channelsLast, device: options.device.description, cpu: Torch.cpuCapability, evalFP32: fp32, evalBF16: bf16,
      evalPeakRSSMB: evalPeak, trainBatch: options.skipTrain ? nil : options.trainBatch,
      trainPrecision: options.skipTrain ? nil : trainPrecision.rawValue,
      optimizerInBackward: options.skipTrain ? nil : options.optimizerInBackward, trainStep: trainSeconds,
      trainPeakRSSMB: trainPeak, evalPeakGPUMB: evalPeakGPU, trainPeakGPUMB: trainPeakGPU,
      forwardGFLOPs: forwardFLOPs / 1e9, matmulPeak: peak,
      evalFP32Roofline: Roofline(flops: forwardFLOPs, peakGFLOPs: peak.fp32, seconds: fp32.wall),
      evalBF16Roofline: bf16.map { Roofline(flops: forwardFLOPs, peakGFLOPs: peak.bf16, seconds: $0.wall) },
      trainRoofline: trainSeconds.map {
        Roofline(flops: 3 * forwardFLOPs * Double(options.trainBatch), peakGFLOPs: trainPeakGFLOPs, seconds: $0.wall)
      }, evalProfile: evalProfile, evalBF16Profile: evalBF16Profile, trainProfile: trainProfile)
  }

  /// What a timing needs from a CUDA device: CUDA runs asynchronously, so a run is over only once
  /// the device has finished its queue. Does nothing off CUDA.
  struct GPUClock {
    let index: Int?

    init(device: Device) {
      if case .cuda(let i) = device { index = i } else { index = nil }
    }

    func synchronize() throws { if let index { try Torch.synchronizeCUDA(index) } }
    func resetPeak() throws { if let index { try Torch.resetPeakCUDAMemory(index) } }
    func peakMegabytes() throws -> Double? {
      guard let index else { return nil }
      return Double(try Torch.cudaMemory(index).peakAllocatedBytes) / 1_048_576
    }
  }

  /// A built model with its batch-1 evaluation and the set-up of its training step.
  private struct Runner {
    let model: Module
    let evaluate: () throws -> Void
    /// Builds the optimiser and the batch, and returns one training step.
    let trainStep: () throws -> () throws -> Void

    init(_ options: Options) throws {
      let size = options.size
      let batch = options.trainBatch
      let channelsLast = options.channelsLast
      let device = options.device
      let precision = options.trainPrecision
      let inBackward = options.optimizerInBackward
      switch options.subject {
      case .bicor(let preset):
        let model = try BiCoRSeg(preset.model)
        let image = try input(batch: 1, size: size, channelsLast: channelsLast, device: device)
        self.model = model
        evaluate = { _ = try model(image) }
        trainStep = {
          // As the reference trains (spec §3): AdamW in Lookahead.
          let defaults = preset.training
          let optimizer = try Lookahead(
            AdamW(try model.parameters(), lr: defaults.lr, weightDecay: defaults.weightDecay),
            k: defaults.lookaheadK, alpha: defaults.lookaheadAlpha)
          let loss = BiCoRSegLoss(ignoreIndex: preset.model.ignoreIndex)
          let images = try input(batch: batch, size: size, channelsLast: channelsLast, device: device)
          let labels = try Tensor.randint(0, preset.model.classes, [batch, size, size], device: device)
          return {
            try optimizer.zeroGrad()
            try precision.run(on: device) { try loss(model.forward(images), labels).total }.backward()
            try optimizer.step()
          }
        }
      case .encoder(let preset):
        let model = try ConvNeXtFeatures(preset.model.encoder)
        let image = try input(batch: 1, size: size, channelsLast: channelsLast, device: device)
        self.model = model
        evaluate = { _ = try model(image) }
        trainStep = {
          let optimizer = try AdamW(try model.parameters(), lr: preset.training.lr, weightDecay: preset.training.weightDecay)
          let images = try input(batch: batch, size: size, channelsLast: channelsLast, device: device)
          return {
            try optimizer.update(inBackward: inBackward) {
              try precision.run(on: device) { try model(images).last!.to(.float32).square().mean() }
            }
          }
        }
      case .referring(_, let lavt, let bert):
        let model = try ReferringSegmenter(lavt, bert: bert)
        model.backbone.useCheckpoint = options.checkpointSwin
        let image = try input(batch: 1, size: size, channelsLast: channelsLast, device: device)
        let (ids, mask) = try sentences(batch: 1, vocabulary: bert.vocabSize, device: device)
        self.model = model
        evaluate = { _ = try model(image, tokenIDs: ids, tokenMask: mask) }
        trainStep = {
          // As LAVT trains (spec §2): AdamW in the official groups, lr 5e-5, weight decay 0.01.
          let optimizer = try AdamW(groups: model.optimizerGroups(lr: 5e-5), lr: 5e-5, weightDecay: 0.01)
          let loss = LAVTLoss(classWeights: lavt.classWeights)
          let images = try input(batch: batch, size: size, channelsLast: channelsLast, device: device)
          let (ids, mask) = try sentences(batch: batch, vocabulary: bert.vocabSize, device: device)
          let targets = try Tensor.randint(0, 2, [batch, size, size], device: device)
          return {
            try optimizer.update(inBackward: inBackward) {
              try precision.run(on: device) {
                let (logits, extra) = try model.btdnetTrainingOutput(images, tokenIDs: ids, tokenMask: mask, targets: targets)
                return try extra.reduce(loss(logits, targets)) { try $0 + $1.value }
              }
            }
          }
        }
      }
    }
  }

  /// 20 tokens per sentence: [CLS], 18 random word ids, [SEP] (BERT uncased's ids).
  private static func sentences(batch: Int, vocabulary: Int, device: Device) throws -> (ids: Tensor, mask: Tensor) {
    let words = try Tensor.randint(1000, min(vocabulary, 30000), [batch, 18], device: device)
    let ids = try Tensor.cat(
      [Tensor.full([batch, 1], 101, dtype: .int64, device: device), words, Tensor.full([batch, 1], 102, dtype: .int64, device: device)], dim: 1)
    return (ids, try Tensor.onesLike(ids))
  }

  private static func input(batch: Int, size: Int, channelsLast: Bool, device: Device) throws -> Tensor {
    let x = try Tensor.randn([batch, 3, size, size], device: device)
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
  private static func median(_ repeats: Int, _ gpu: GPUClock, _ body: () throws -> Void) throws -> Timing {
    try body()
    try gpu.synchronize()
    let clock = ContinuousClock()
    var walls: [Double] = []
    var cpus: [Double] = []
    for _ in 0..<repeats {
      let cpuStart = processCPUSeconds()
      let elapsed = try clock.measure {
        try body()
        try gpu.synchronize()
      }
      cpus.append(processCPUSeconds() - cpuStart)
      walls.append(elapsed.seconds)
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

private extension AdamW {
  /// One training update from `loss`'s gradients: backward then `step()`, or both in one pass.
  func update(inBackward: Bool, _ loss: () throws -> Tensor) throws {
    if inBackward { return try backwardStep(try loss()) }
    try zeroGrad()
    try loss().backward()
    try step()
  }
}
