import Foundation
import Raster
import XCTest

/// Referring segmentation end to end through the binary: generate an RRSIS-D-format dataset,
/// train a tiny LAVT (MiniLM text encoder) for a few steps, stop, resume, evaluate.
final class ReferringCommandsTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-refcli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  private static let minilm = ProcessInfo.processInfo.environment["RSSEG_MINILM"].map { URL(fileURLWithPath: $0) }
    ?? packageRoot.appendingPathComponent(".deps/minilm")

  /// The Dubai referring set through the binary, and the bundled referring model answering a
  /// sentence on one of its test images; `compact` shrinks that model further and it still loads.
  func testDubaiReferringSetAndTheBundledModel() throws {
    let prepared = try runRSSeg([
      "prepare", "dubai-referring", "--src", packageRoot.appendingPathComponent("samples/dubai_aerial").path, "--out", path("data"),
    ])
    XCTAssertEqual(prepared.status, 0, prepared.err)
    XCTAssertTrue(prepared.out.contains("test: 9 images, 50 objects, 291 expressions"), prepared.out)
    let model = packageRoot.appendingPathComponent("samples/models/dubai-referring.safetensors").path
    let refer = try runRSSeg([
      "refer", "--model", model, "--tile", "192", "--overlap", "0", "--quiet", "--text", "the water body next to the road",
      path("data/images/rrsisd/JPEGImages/tile6_image_part_001.png"), "--out", path("refer"),
    ])
    XCTAssertEqual(refer.status, 0, refer.err)
    for name in ["tile6_image_part_001_text1.tif", "tile6_image_part_001_text1_overlay.png"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: path("refer/\(name)")), name)
    }
    let compacted = try runRSSeg(["compact", "--model", model, "--out", path("small.safetensors"), "--keep-tokens", "3000"])
    XCTAssertEqual(compacted.status, 0, compacted.err)
    XCTAssertTrue(compacted.out.contains("of 8947 word pieces"), compacted.out)
    let missing = try runRSSeg(["prepare", "dubai-referring", "--out", path("x")])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertTrue(missing.err.contains("--src is required"), missing.err)
  }

  func testPrepareTrainResumeEvaluate() throws {
    let prepared = try runRSSeg(["prepare", "synthetic-referring", "--out", path("data"), "--images", "12", "--size", "48", "--seed", "2"])
    XCTAssertEqual(prepared.status, 0, prepared.err)
    XCTAssertTrue(prepared.out.contains("train: 8 images"), prepared.out)
    // The shipped config for generated data, made tiny: 48 px, two epochs, a small test split.
    let shipped = packageRoot.appendingPathComponent("configs/synthetic-referring.yaml").path
    let settings = [
      "data=\(path("data"))", "bert=\(Self.minilm.path)", "image_size=48", "epochs=2", "batch_size=4", "val_batch=4",
      "workers=1", "threads=1", "progress=false",
    ]
    let first = try runRSSeg(["train", "--config", shipped, "--out", path("run"), "--set", "max_steps=2"] + settings.flatMap { ["--set", $0] })
    XCTAssertEqual(first.status, 0, first.err)
    XCTAssertTrue(first.out.contains("stopped at step 2"), first.out)
    let second = try runRSSeg(["train", "--resume", path("run")])
    XCTAssertEqual(second.status, 0, second.err)
    XCTAssertTrue(second.out.contains("resumed"), second.out)
    XCTAssertTrue(second.out.contains("finished 2 epochs"), second.out)
    let epochs = try String(contentsOfFile: path("run/epochs.csv"), encoding: .utf8)
    XCTAssertTrue(epochs.contains("val_oIoU"), epochs)
    let steps = try String(contentsOfFile: path("run/steps.csv"), encoding: .utf8).split(separator: "\n")
    XCTAssertTrue(steps[0].hasPrefix("step,epoch,lr,total,ce"), String(steps[0]))

    let last = try String(contentsOfFile: path("run/checkpoints/last"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let model = path("run/checkpoints/\(last)/model.safetensors")
    let evaluated = try runRSSeg([
      "evaluate", "--model", model, "--dataset", "rrsisd", "--data", path("data"), "--split", "test", "--image-size", "48", "--out", path("eval"),
      "--save-masks", "index", "--overlays",
    ])
    XCTAssertEqual(evaluated.status, 0, evaluated.err)
    XCTAssertTrue(evaluated.out.contains("| oIoU | mIoU | P@0.5 | P@0.6 | P@0.7 | P@0.8 | P@0.9 |"), evaluated.out)
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("eval/metrics.json")))) as! [String: Any]
    for key in ["oIoU", "mIoU", "P@0.5", "P@0.6", "P@0.7", "P@0.8", "P@0.9"] {
      let value = try XCTUnwrap(report[key] as? Double, key)
      XCTAssertTrue((0...100).contains(value), "\(key) \(value)")
    }
    XCTAssertEqual(report["split"] as? String, "test")
    let samples = try XCTUnwrap(report["samples"] as? Int)
    XCTAssertGreaterThan(samples, 0)
    let masks = try FileManager.default.contentsOfDirectory(atPath: path("eval/masks")).filter { $0.hasSuffix(".png") }
    let overlays = try FileManager.default.contentsOfDirectory(atPath: path("eval/overlays")).filter { $0.hasSuffix(".png") }
    XCTAssertEqual(masks.count, samples)
    XCTAssertEqual(overlays.count, samples)
    let mask = try RasterDataset(path: path("eval/masks/\(masks.sorted()[0])"))
    XCTAssertEqual([mask.width, mask.height, mask.bandCount], [48, 48, 1])
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("eval/metrics.md")))
  }

  func testEvaluateRefSegRSWithAFreshModel() throws {
    let tiny = #"{"swin": {"embed_dim": 16, "depths": [1, 1, 1, 1], "num_heads": [1, 2, 4, 8], "window_size": 4}, "lang_dim": 384}"#
    try tiny.write(to: folder.appendingPathComponent("tiny.json"), atomically: true, encoding: .utf8)
    let created = try runRSSeg([
      "init", "--architecture", "lavt", "--bert", Self.minilm.path, "--lavt-config", path("tiny.json"), "-o", path("m.safetensors"),
    ])
    XCTAssertEqual(created.status, 0, created.err)
    let data = sharedFolder.appendingPathComponent("parity/rrsis_formats/RefSegRS").path
    let evaluated = try runRSSeg([
      "evaluate", "--model", path("m.safetensors"), "--dataset", "refsegrs", "--data", data, "--split", "test", "--image-size", "64",
      "--save-masks", "color", "--out", path("eval"),
    ])
    XCTAssertEqual(evaluated.status, 0, evaluated.err)
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("eval/metrics.json")))) as! [String: Any]
    XCTAssertEqual(report["samples"] as? Int, 2)  // two lines in output_phrase_test.txt
    XCTAssertEqual(report["dataset"] as? String, "refsegrs")
    let masks = try FileManager.default.contentsOfDirectory(atPath: path("eval/masks")).sorted()
    XCTAssertEqual(masks.count, 2)
    let mask = try RasterDataset(path: path("eval/masks/\(masks[0])"))
    XCTAssertEqual([mask.width, mask.height, mask.bandCount], [64, 64, 3])
    let wrong = try runRSSeg(["evaluate", "--model", path("m.safetensors"), "--dataset", "refsegrs", "--data", data, "--split", "train"])
    XCTAssertNotEqual(wrong.status, 0)
    XCTAssertTrue(wrong.err.contains("--split is val or test"), wrong.err)
  }
}
