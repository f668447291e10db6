import Foundation
import XCTest

@testable import RSSeg

final class BertTests: XCTestCase {
  func testConfigOfMiniLMFolder() throws {
    let config = try BertConfig(contentsOf: TextTestPaths.minilm.appendingPathComponent("config.json"))
    XCTAssertEqual(config.hiddenSize, 384)
    XCTAssertEqual(config.numHiddenLayers, 6)
    XCTAssertEqual(config.numAttentionHeads, 12)
    XCTAssertEqual(config.headSize, 32)
    XCTAssertEqual(config.intermediateSize, 1536)
    XCTAssertEqual(config.layerNormEps, 1e-12)
    XCTAssertEqual(config.hiddenAct, .gelu)
    XCTAssertEqual(config.vocabSize, 30522)
  }

  func testConfigDefaultsAreBertBase() throws {
    let config = try BertConfig(json: [:])
    XCTAssertEqual(config, .base)
    XCTAssertEqual([config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize],
                   [768, 12, 12, 3072])
  }

  func testConfigErrorsNameTheProblem() {
    let cases: [([String: Any], String)] = [
      (["hidden_act": "swish"], "unsupported config: hidden_act \"swish\""),
      (["position_embedding_type": "relative_key"], "unsupported config: position_embedding_type"),
      (["model_type": "roberta"], "unsupported config: model_type \"roberta\""),
      (["is_decoder": true], "unsupported config: is_decoder"),
      (["hidden_size": 100, "num_attention_heads": 12], "hidden_size 100 is not a multiple of num_attention_heads 12"),
      (["hidden_size": "768"], "hidden_size must be an integer"),
      (["num_hidden_layers": 2.5], "num_hidden_layers must be an integer"),
      (["num_hidden_layers": true], "num_hidden_layers must be an integer"),
      (["vocab_size": 0], "vocab_size must be at least 1"),
      (["layer_norm_eps": "tiny"], "layer_norm_eps must be a number"),
    ]
    for (json, message) in cases {
      XCTAssertThrowsError(try BertConfig(json: json, source: "x/config.json"), "\(json)") { error in
        XCTAssertTrue("\(error)".hasPrefix("x/config.json: "), "\(error)")
        XCTAssertTrue("\(error)".contains(message), "\(error) lacks \(message)")
      }
    }
  }
}
