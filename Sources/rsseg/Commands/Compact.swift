import ArgumentParser
import Foundation
import RSSeg
import RSSegModels

extension RSSegCommand {
  /// `rsseg compact --model M --out SMALL.safetensors [--keep-tokens N] [--keep-sentences-of DIR] [--half] [--int8]`.
  struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a smaller copy of a referring (LAVT/BTDNet) model file.",
      discussion: """
        --keep-tokens N keeps the word pieces with ids below N (BERT's vocabulary is, after its specials \
        and single characters, roughly in order of frequency) and every single-character continuation \
        (##a, ##b, …), so any sentence still tokenises; rarer words split into more pieces. \
        --keep-sentences-of DIR also keeps every piece of every sentence of an RRSIS-D-layout dataset, whose \
        tokenisation (and so the model's answer) is then unchanged. --half stores float tensors as float16 \
        (loading converts them back to float32). --int8 stores every large weight tensor as int8 with a \
        float32 scale per row (its largest magnitude / 127): a quarter of float32's bytes. The result is loaded once, strictly, before the command ends.
        """)

    @Option(help: "The referring model file to shrink.")
    var model: String

    @Option(help: "Where to write the smaller model file.")
    var out: String

    @Option(help: "Keep the word pieces with ids below this (default: all).")
    var keepTokens: Int?

    @Option(help: "An RRSIS-D-layout dataset folder whose sentences' word pieces are all kept.")
    var keepSentencesOf: String?

    @Flag(help: "Store float tensors as float16.")
    var half = false

    @Flag(help: "Store large weight tensors as int8 with a scale per row.")
    var int8 = false

    func run() throws {
      var sentences: [String] = []
      if let folder = keepSentencesOf {
        for split in ReferringSplit.allCases {
          let dataset = try RRSISD.dataset(root: URL(fileURLWithPath: folder), split: split, options: .init(size: nil, checkImageSizes: false))
          sentences += dataset.objects.flatMap { $0.sentences.map(\.text) }
        }
      }
      let report = try ReferringSegmenter.compact(
        modelFile: model, to: out, .init(keepFirstTokens: keepTokens, sentences: sentences, half: half, int8: int8))
      let mb = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1e6) }
      print("\(out): \(mb(report.bytesAfter)) (was \(mb(report.bytesBefore))); vocabulary \(report.vocabularyAfter) of \(report.vocabularyBefore) word pieces")
      for (part, bytes) in report.parts.sorted(by: { $0.value > $1.value }) { print("  \(part): \(mb(bytes))") }
    }
  }
}
