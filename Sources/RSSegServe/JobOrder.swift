import Foundation
import Raster

/// A job as the page asks for it (`POST /api/jobs`, JSON), checked against the catalog.
struct JobOrder {
  fileprivate struct Body: Decodable {
    let scene: String
    let kind: JobQueue.Job.Kind
    let area: Area?
    let text: String?
  }

  let scene: ServedScene
  let kind: JobQueue.Job.Kind
  /// Inside the scene (all of it for `scene`).
  let area: PixelWindow
  let text: String?
}

extension Viewer {
  /// - Throws: `RequestError` (400/404) for malformed JSON, an unknown scene, an area not inside
  ///   the scene, a missing, empty or too long sentence, or a sentence without a referring model.
  func jobOrder(_ data: Data) throws -> JobOrder {
    let body: JobOrder.Body
    do { body = try JSONDecoder().decode(JobOrder.Body.self, from: data) } catch {
      throw RequestError.badRequest("a job is JSON {scene, kind: view|scene|refer, area: {x, y, width, height}, text}")
    }
    let scene = try catalog.scene(body.scene)
    let (width, height) = (scene.dataset.width, scene.dataset.height)
    var area = PixelWindow(x: 0, y: 0, width: width, height: height)
    if body.kind != .scene {
      guard let asked = body.area?.window else { throw RequestError.badRequest("a \(body.kind) job needs an area") }
      guard asked.width > 0, asked.height > 0, asked.isInside(width: width, height: height) else {
        throw RequestError.badRequest("area \(asked) is not inside the \(width)×\(height) scene")
      }
      area = asked
    }
    var text: String?
    if body.kind == .refer {
      guard inference.referring != nil else { throw RequestError.badRequest("no --referring-model was given: sentences cannot be run") }
      let sentence = (body.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
      guard !sentence.isEmpty, sentence.count <= settings.maxTextLength else {
        throw RequestError.badRequest("a sentence has 1 to \(settings.maxTextLength) characters")
      }
      text = sentence
    }
    return JobOrder(scene: scene, kind: body.kind, area: area, text: text)
  }
}
