import Torch

/// One entry of an RRSIS-D `refs(unc).p` pickle as the generated referring sets write it:
/// one object (its annotation id doubles as the ref id) with its sentences, numbered from
/// `firstSentenceID`; `tokens` are the sentence split at spaces, as in refer's pickles.
enum RRSISDRef {
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
}
