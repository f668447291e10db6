import Foundation
import Hummingbird

/// The secret every request must carry: in the URL `rsseg serve` prints (`?token=`), after which
/// the page keeps it in a cookie (HttpOnly, SameSite=Strict) and sends it with every request.
public struct AccessToken: Sendable {
  static let cookieName = "rsseg_token"
  public let value: String

  /// 128 random bits in hex.
  public init() {
    var generator = SystemRandomNumberGenerator()
    value = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
  }

  init(value: String) { self.value = value }

  /// Compares in time independent of where the strings differ.
  func matches(_ candidate: Substring?) -> Bool {
    guard let candidate else { return false }
    let (a, b) = (Array(value.utf8), Array(candidate.utf8))
    guard a.count == b.count else { return false }
    return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
  }
}

/// Refuses (401) every request without the token, in its query or its cookie; a request with it
/// in the query gets the cookie.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
  let token: AccessToken

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    if token.matches(request.uri.queryParameters["token"]) {
      var response = try await next(request, context)
      response.setCookie(Cookie(name: AccessToken.cookieName, value: token.value, path: "/", httpOnly: true, sameSite: .strict))
      return response
    }
    guard token.matches(request.cookies[AccessToken.cookieName].map { Substring($0.value) }) else {
      throw RequestError(status: .unauthorized, reason: "this viewer needs its token: open the URL rsseg serve printed")
    }
    return try await next(request, context)
  }
}
