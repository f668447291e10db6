import Foundation
import Raster
import Torch
import XCTest

/// `rsseg score`, `rsseg train` (with resume) and `rsseg evaluate` end to end on tiny inputs.
final class TrainCommandsTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-traincli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  private func png(_ values: [UInt8], width: Int, _ name: String) throws {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try PNGWriter.write(RasterBuffer(width: width, height: values.count / width, bands: 1, values: values), to: url.path)
  }

  func testScoreWritesFractionsKeyedByClassName() throws {
    // LoveDA (7 classes, none excluded): truth 0 1 2 3 / 4 5 6 7(ignore), prediction right except 6 → 5.
    try png([0, 1, 2, 3, 4, 5, 6, 7], width: 4, "gt/x.png")
    try png([0, 1, 2, 3, 4, 5, 5, 0], width: 4, "pred/x.png")
    let result = try runRSSeg(["score", "--dataset", "loveda", "--pred", path("pred"), "--gt", path("gt"), "--json", path("s.json")])
    XCTAssertEqual(result.status, 0, result.err)
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("s.json"))) as! [String: Any]
    XCTAssertEqual(json["OA"] as! Double, 6.0 / 7, accuracy: 1e-12)
    let iou = json["IoU"] as! [String: Double], f1 = json["F1"] as! [String: Double]
    XCTAssertEqual(iou["forest"]!, 0.5, accuracy: 1e-12)
    XCTAssertEqual(iou["agricultural"]!, 0)
    XCTAssertEqual(f1["forest"]!, 2.0 / 3, accuracy: 1e-12)
    XCTAssertEqual(json["mIoU"] as! Double, (5 + 0.5) / 7, accuracy: 1e-12)
    XCTAssertEqual(json["mF1"] as! Double, (5 + 2.0 / 3) / 7, accuracy: 1e-12)
    let wrong = try runRSSeg(["score", "--dataset", "mars", "--pred", path("pred"), "--gt", path("gt")])
    XCTAssertTrue(wrong.err.contains("unknown dataset 'mars'"), wrong.err)
  }

  /// A prepared-Vaihingen layout of two 64×64 patches per split with learnable colours.
  private func writeDataset() throws {
    for split in ["train", "test"] {
      for n in 0..<2 {
        var image = RasterBuffer<UInt8>(width: 64, height: 64, bands: 3, filledWith: 0)
        var mask = [UInt8](repeating: 0, count: 64 * 64)
        for y in 0..<64 {
          for x in 0..<64 {
            let c = ((x / 16) + (y / 16) + n) % 5
            mask[y * 64 + x] = UInt8(c)
            for b in 0..<3 { image[b, y, x] = UInt8(40 * c + 30 * b) }
          }
        }
        let images = folder.appendingPathComponent("data/\(split)/images_1024")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try GeoTIFFWriter.write(image, to: images.appendingPathComponent("p\(n).tif").path)
        try png(mask, width: 64, "data/\(split)/masks_1024/p\(n).png")
      }
    }
  }

  func testTrainResumeThenEvaluate() throws {
    try writeDataset()
    let config = """
      dataset: vaihingen
      data: data
      encoder_dims: [8, 16, 24, 32]
      encoder_depths: [1, 1, 1, 1]
      embed_dim: 32
      epochs: 2
      batch_size: 1
      crop_size: 64
      lr: 1.0e-3
      workers: 1
      threads: 1
      progress: false
      """
    try config.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
    let first = try runRSSeg(["train", "--config", path("tiny.yaml"), "--set", "max_steps=3", "--out", path("run")])
    XCTAssertEqual(first.status, 0, first.err)
    XCTAssertTrue(first.err.contains("WARNING: no ImageNet weights"), first.err)
    XCTAssertTrue(first.out.contains("stopped at step 3"), first.out)
    let second = try runRSSeg(["train", "--resume", path("run"), "--set", "max_steps=0"])
    XCTAssertEqual(second.status, 0, second.err)
    XCTAssertTrue(second.out.contains("resumed"), second.out)
    XCTAssertTrue(second.out.contains("finished 2 epochs, 4 steps"), second.out)
    let steps = try String(contentsOfFile: path("run/steps.jsonl"), encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(steps.count, 4)
    XCTAssertTrue(steps[0].contains("\"total\":"), String(steps[0]))

    let last = try String(contentsOfFile: path("run/checkpoints/last"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let model = path("run/checkpoints/\(last)/model.safetensors")
    let evaluated = try runRSSeg([
      "evaluate", "--model", model, "--data", path("data"), "--dataset", "vaihingen", "--tta", "lr", "--out", path("eval"),
      "--save-masks", "color",
    ])
    XCTAssertEqual(evaluated.status, 0, evaluated.err)
    XCTAssertTrue(evaluated.out.contains("| OA | mIoU | mF1 |"), evaluated.out)
    for file in ["metrics.json", "metrics.md", "confusion.png", "masks/p0.png", "masks/p1.png"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: path("eval/\(file)")), file)
    }
    let mask = try RasterDataset(path: path("eval/masks/p0.png"))
    XCTAssertEqual([mask.width, mask.height, mask.bandCount], [64, 64, 3])
    // The written masks score to the same numbers as evaluate reported.
    let scored = try runRSSeg(["score", "--dataset", "vaihingen", "--pred", path("eval/masks"), "--gt", path("data/test/masks_1024")])
    XCTAssertEqual(scored.status, 0, scored.err)
    let a = try JSONSerialization.jsonObject(with: Data(scored.out.utf8)) as! [String: Any]
    let b = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("eval/metrics.json")))) as! [String: Any]
    XCTAssertEqual(a["mIoU"] as! Double, b["mIoU"] as! Double, accuracy: 1e-12)
  }
  /// The whole path with the device named: train (config key `device`), stop, resume
  /// (`--device`), evaluate and predict with `--device cpu`; CUDA on a CPU build fails cleanly.
  func testExplicitCPUDevicePipeline() throws {
    try writeDataset()
    let config = """
      dataset: vaihingen
      data: data
      encoder_dims: [8, 16, 24, 32]
      encoder_depths: [1, 1, 1, 1]
      embed_dim: 32
      epochs: 1
      batch_size: 1
      crop_size: 64
      workers: 1
      threads: 1
      progress: false
      device: cpu
      """
    try config.write(to: folder.appendingPathComponent("cpu.yaml"), atomically: true, encoding: .utf8)
    let first = try runRSSeg(["train", "--config", path("cpu.yaml"), "--set", "max_steps=1", "--out", path("run")])
    XCTAssertEqual(first.status, 0, first.err)
    XCTAssertTrue(first.out.contains("stopped at step 1"), first.out)
    let saved = try String(contentsOfFile: path("run/run-config.json"), encoding: .utf8)
    XCTAssertTrue(saved.contains("\"device\" : \"cpu\"") || saved.contains("\"device\":\"cpu\""), saved)
    let second = try runRSSeg(["train", "--resume", path("run"), "--device", "cpu"])
    XCTAssertEqual(second.status, 0, second.err)
    XCTAssertTrue(second.out.contains("finished 1 epochs, 2 steps"), second.out)
    let last = try String(contentsOfFile: path("run/checkpoints/last"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let model = path("run/checkpoints/\(last)/model.safetensors")
    let evaluated = try runRSSeg([
      "evaluate", "--model", model, "--data", path("data"), "--dataset", "vaihingen", "--out", path("eval"), "--device", "cpu",
    ])
    XCTAssertEqual(evaluated.status, 0, evaluated.err)
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("eval/metrics.json")))
    let image = path("data/test/images_1024/p0.tif")
    let predicted = try runRSSeg(["predict", "--model", model, "--device", "cpu", "--tile", "64", "--overlap", "16", "--quiet", image, "--out", path("pred")])
    XCTAssertEqual(predicted.status, 0, predicted.err)
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("pred/p0.tif")), predicted.out)

    let cuda = try runRSSeg(["predict", "--model", model, "--device", "cuda:0", "--quiet", image, "--out", path("gpu")])
    if !Torch.builtWithCUDA {
      XCTAssertEqual(cuda.status, 1, cuda.err)
      XCTAssertTrue(cuda.err.contains("built against a CPU libtorch; build with LIBTORCH="), cuda.err)
      XCTAssertEqual(cuda.err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, cuda.err)
      let training = try runRSSeg(["train", "--resume", path("run"), "--device", "cuda"])
      XCTAssertEqual(training.status, 1, training.err)
      XCTAssertTrue(training.err.contains("built against a CPU libtorch"), training.err)
    }
    let bad = try runRSSeg(["predict", "--model", model, "--device", "tpu", image, "--out", path("bad")])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.err.contains("--device"), bad.err)
  }

  /// LoveDA: metrics on Val and a submission zip of Test predictions named like the images.
  func testLoveDASubmission() throws {
    for (split, domain, name) in [("Val", "Urban", "10"), ("Val", "Rural", "20"), ("Test", "Urban", "30"), ("Test", "Rural", "40")] {
      var image = RasterBuffer<UInt8>(width: 48, height: 40, bands: 3, filledWith: 0)
      for y in 0..<40 { for x in 0..<48 { image[0, y, x] = UInt8(x * 5) } }
      let images = folder.appendingPathComponent("loveda/\(split)/\(domain)/images_png")
      try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
      try PNGWriter.write(image, to: images.appendingPathComponent("\(name).png").path)
      if split == "Val" { try png((0..<(48 * 40)).map { UInt8($0 % 8) }, width: 48, "loveda/Val/\(domain)/masks_png/\(name).png") }
    }
    let tiny = #"{"dims": [8, 16, 24, 32], "depths": [1, 1, 1, 1], "embed_dim": 32, "classes": 7, "layers": 1, "topk_ratio": 0.02, "min_pixels": 16, "has_fisher_loss": true}"#
    try tiny.write(to: folder.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
    let created = try runRSSeg(["init", "--preset", "loveda", "--config", path("tiny.json"), "-o", path("m.safetensors")])
    XCTAssertEqual(created.status, 0, created.err)
    let evaluated = try runRSSeg([
      "evaluate", "--model", path("m.safetensors"), "--data", path("loveda"), "--dataset", "loveda", "--tta", "d4",
      "--out", path("eval"), "--loveda-submission", path("sub.zip"),
    ])
    XCTAssertEqual(evaluated.status, 0, evaluated.err)
    XCTAssertTrue(evaluated.out.contains("wrote \(path("sub.zip")) (2 test images)"), evaluated.out)
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("eval/metrics.json")))) as! [String: Any]
    XCTAssertEqual(report["images"] as? Int, 2)
    XCTAssertEqual(report["tta"] as? String, "d4")
    let zip = try Data(contentsOf: URL(fileURLWithPath: path("sub.zip")))
    XCTAssertEqual(Array(zip.prefix(4)), [0x50, 0x4B, 0x03, 0x04])
    let text = String(decoding: zip, as: UTF8.self)
    XCTAssertTrue(text.contains("30.png") && text.contains("40.png"))
  }
}
