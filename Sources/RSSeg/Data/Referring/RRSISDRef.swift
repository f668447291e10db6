import Foundation
import Torch

/// The RRSIS-D annotation files of the generated referring sets (Dubai, synthetic).
enum RRSISDRef {
  /// One entry of the `refs(unc).p` pickle: one object (its annotation id doubles as the ref id)
  /// with its sentences, numbered from `firstSentenceID`; `tokens` are the sentence split at
  /// spaces, as in refer's pickles.
  static func entry(
    annotationID: Int, imageID: Int, categoryID: Int, split: String, fileName: String, sentences: [String], firstSentenceID: Int
  ) -> PickleData {
    let items = sentences.enumerated().map { offset, text -> PickleData in
      .dict([
        ("raw", .string(text)), ("sent", .string(text)),
        ("tokens", .list(text.split(separator: " ").map { .string(String($0)) })), ("sent_id", .int(firstSentenceID + offset)),
      ])
    }
    return .dict([
      ("ref_id", .int(annotationID)), ("ann_id", .int(annotationID)), ("image_id", .int(imageID)),
      ("category_id", .int(categoryID)), ("split", .string(split)), ("file_name", .string(fileName)),
      ("sentences", .list(items)), ("sent_ids", .list((0..<items.count).map { .int(firstSentenceID + $0) })),
    ])
  }

  /// Writes a generated set's annotations into `folder` as RRSIS-D has them: `instances.json`
  /// (COCO images, annotations and categories named `categories` under `supercategory`) and the
  /// `refs(unc).p` pickle of `refs`.
  static func writeAnnotations(
    images: [[String: Any]], annotations: [[String: Any]], categories: [String], supercategory: String, refs: [PickleData],
    to folder: URL
  ) throws {
    let coco: [String: Any] = [
      "images": images, "annotations": annotations,
      "categories": categories.enumerated().map { ["id": $0.offset + 1, "name": $0.element, "supercategory": supercategory] },
    ]
    let instances = folder.appendingPathComponent("instances.json")
    do {
      try writeAtomically(JSONSerialization.data(withJSONObject: coco, options: [.sortedKeys]), to: instances)
    } catch {
      throw DataError.output(path: instances.path, problem: "cannot write: \(error.localizedDescription)")
    }
    try PickleWriter.write(.list(refs), to: folder.appendingPathComponent("refs(unc).p"))
  }
}
