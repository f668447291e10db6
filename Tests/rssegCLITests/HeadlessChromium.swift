import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Debian's `chromium`, headless, driven through the DevTools protocol over a pipe
/// (`--remote-debugging-pipe`: JSON messages ended by NUL, on file descriptors 3 and 4): one page,
/// its JavaScript evaluated, screenshots taken. No port, no WebSocket, no driver binary.
final class HeadlessChromium {
  /// Where Debian installs it; nil when it is not installed.
  static var binary: String? {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  struct Failure: Error, CustomStringConvertible { let description: String }

  private let pid: pid_t
  private let toBrowser: Int32
  private let fromBrowser: Int32
  private let profile: URL
  private var buffer: [UInt8] = []
  private var nextID = 0
  private var session: String?

  init(binary: String, width: Int = 1280, height: Int = 800) throws {
    profile = FileManager.default.temporaryDirectory.appendingPathComponent("rsseg-chromium-\(UUID().uuidString)")
    var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
    guard pipe(&input) == 0, pipe(&output) == 0 else { throw Failure(description: "pipe: \(errno)") }
    // Out of the way of 3 and 4, which the child gets.
    let (childIn, childOut) = (fcntl(input[0], F_DUPFD, 10), fcntl(output[1], F_DUPFD, 10))
    close(input[0])
    close(output[1])
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, childIn, 3)
    posix_spawn_file_actions_adddup2(&actions, childOut, 4)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addclose(&actions, input[1])
    posix_spawn_file_actions_addclose(&actions, output[0])
    let arguments = [
      binary, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
      "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)", "about:blank",
    ]
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, binary, &actions, nil, argv, environ)
    close(childIn)
    close(childOut)
    guard status == 0 else { throw Failure(description: "posix_spawn \(binary): \(status)") }
    self.pid = pid
    toBrowser = input[1]
    fromBrowser = output[0]
  }

  deinit {
    kill(pid, SIGKILL)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    close(toBrowser)
    close(fromBrowser)
    try? FileManager.default.removeItem(at: profile)
  }

  /// Opens a page at `url` and keeps it as the target of `evaluate` and `screenshot`.
  func open(_ url: String) throws {
    let target = try send("Target.createTarget", ["url": "about:blank"])
    let attached = try send("Target.attachToTarget", ["targetId": target["targetId"] as! String, "flatten": true])
    session = attached["sessionId"] as? String
    _ = try send("Page.navigate", ["url": url])
  }

  /// The value of the JavaScript `expression` in the page (JSON values only).
  func evaluate(_ expression: String) throws -> Any? {
    let result = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
    if let exception = result["exceptionDetails"] { throw Failure(description: "\(expression): \(exception)") }
    return (result["result"] as? [String: Any])?["value"]
  }

  /// The value of `expression` as text for a failure message ("" when it cannot be had).
  func peek(_ expression: String) -> String { (try? evaluate(expression)).map { "\($0 ?? "nil")" } ?? "" }

  /// Evaluates `expression` every 0.25 s until it is true or `seconds` pass (a JavaScript
  /// exception, as while the page loads, counts as false).
  func wait(_ seconds: Double, for expression: String) throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
      do { if try evaluate(expression) as? Bool == true { return true } } catch let failure as Failure where failure.description.hasPrefix(expression) {}
      usleep(250_000)
    } while Date() < deadline
    return false
  }

  /// The mouse moved to (`x`, `y`) CSS pixels of the page.
  func move(x: Double, y: Double) throws {
    _ = try send("Input.dispatchMouseEvent", ["type": "mouseMoved", "x": x, "y": y])
  }

  /// A left click at (`x`, `y`) CSS pixels of the page.
  func click(x: Double, y: Double) throws {
    for type in ["mousePressed", "mouseReleased"] {
      _ = try send("Input.dispatchMouseEvent", ["type": type, "x": x, "y": y, "button": "left", "clickCount": 1])
    }
  }

  /// A PNG of the page as shown.
  func screenshot() throws -> Data {
    let result = try send("Page.captureScreenshot", ["format": "png"])
    guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
      throw Failure(description: "no screenshot in \(result.keys)")
    }
    return data
  }

  /// Sends one command and returns its result, skipping the events that arrive meanwhile.
  private func send(_ method: String, _ params: [String: Any]) throws -> [String: Any] {
    nextID += 1
    var message: [String: Any] = ["id": nextID, "method": method, "params": params]
    if let session, !method.hasPrefix("Target.") { message["sessionId"] = session }
    var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
    bytes.append(0)
    guard bytes.withUnsafeBytes({ write(toBrowser, $0.baseAddress, $0.count) }) == bytes.count else {
      throw Failure(description: "chromium stopped reading (\(method))")
    }
    while true {
      let reply = try JSONSerialization.jsonObject(with: Data(try readMessage())) as? [String: Any] ?? [:]
      guard reply["id"] as? Int == nextID else { continue }
      if let error = reply["error"] { throw Failure(description: "\(method): \(error)") }
      return reply["result"] as? [String: Any] ?? [:]
    }
  }

  private func readMessage() throws -> [UInt8] {
    while true {
      if let end = buffer.firstIndex(of: 0) {
        let message = Array(buffer[..<end])
        buffer.removeSubrange(...end)
        return message
      }
      var chunk = [UInt8](repeating: 0, count: 1 << 16)
      let count = chunk.withUnsafeMutableBytes { read(fromBrowser, $0.baseAddress, $0.count) }
      guard count > 0 else { throw Failure(description: "chromium closed its DevTools pipe") }
      buffer += chunk[..<count]
    }
  }
}
