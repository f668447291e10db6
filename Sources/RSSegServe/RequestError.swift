import Hummingbird

/// A request the server refuses, with the status and the reason the client gets back.
struct RequestError: Error, HTTPResponseError, CustomStringConvertible {
  let status: HTTPResponse.Status
  let reason: String

  static func badRequest(_ reason: String) -> Self { Self(status: .badRequest, reason: reason) }
  static func notFound(_ reason: String) -> Self { Self(status: .notFound, reason: reason) }

  var description: String { "\(status.code) \(reason)" }

  func response(from request: Request, context: some RequestContext) throws -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/plain; charset=utf-8"
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: reason + "\n")))
  }
}
