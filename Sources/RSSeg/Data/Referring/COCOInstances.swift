import Foundation
import RSSegModels

/// The parts of a COCO `instances.json` that referring datasets use: images (file name and
/// size) and annotations (image and segmentation), indexed by id.
public struct COCOInstances: Sendable {
  public struct Image: Sendable, Equatable, Decodable {
    public var id: Int
    public var fileName: String
    public var height: Int
    public var width: Int

    private enum CodingKeys: String, CodingKey {
      case id, height, width
      case fileName = "file_name"
    }
  }

  public struct Annotation: Sendable, Equatable, Decodable {
    public var id: Int
    public var imageID: Int
    public var segmentation: COCOSegmentation

    private enum CodingKeys: String, CodingKey {
      case id, segmentation
      case imageID = "image_id"
    }
  }

  public var images: [Int: Image]
  public var annotations: [Int: Annotation]

  private struct File: Decodable {
    var images: [Image]
    var annotations: [Annotation]
  }

  /// - Throws: `DataError.layout` naming the file when it is missing or not COCO JSON (the
  ///   message says where decoding stopped), or when ids repeat.
  public init(contentsOf url: URL) throws {
    // An empty file is refused before reading it (Foundation leaks a buffer reading one; found by fuzzing).
    if (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) == 0 {
      throw DataError.layout(path: url.path, problem: "the COCO annotation file is empty")
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw DataError.layout(path: url.path, problem: "COCO annotation file not found or unreadable")
    }
    let file: File
    do { file = try JSONDecoder().decode(File.self, from: data) } catch let error as DecodingError {
      throw DataError.layout(path: url.path, problem: "not a COCO instances file: \(Self.describe(error))")
    } catch {
      throw DataError.layout(path: url.path, problem: "not JSON: \(error.localizedDescription)")
    }
    images = [:]
    annotations = [:]
    for image in file.images {
      guard images.updateValue(image, forKey: image.id) == nil else {
        throw DataError.layout(path: url.path, problem: "image id \(image.id) appears twice")
      }
    }
    for annotation in file.annotations {
      guard annotations.updateValue(annotation, forKey: annotation.id) == nil else {
        throw DataError.layout(path: url.path, problem: "annotation id \(annotation.id) appears twice")
      }
    }
  }

  private static func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
      context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch error {
    case .keyNotFound(let key, let context): return "missing key \"\(key.stringValue)\" at \(path(context))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
      return "\(context.debugDescription) at \(path(context))"
    @unknown default: return "\(error)"
    }
  }
}
