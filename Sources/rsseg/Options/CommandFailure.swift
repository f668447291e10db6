import RSSeg

/// A failure found after the arguments were accepted (a model that takes other bands, an
/// output that exists): printed as one line, without the usage text a `ValidationError` brings.
struct CommandFailure: Error, CustomStringConvertible {
  let description: String

  init(_ description: String) { self.description = description }

  /// Runs `body`, giving the library's errors that a flag can fix the flag's name.
  static func mapping<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch InferenceError.outputExists(let path) {
      throw CommandFailure("\(path) exists (use --force to overwrite it)")
    }
  }
}
