import Foundation

/// What a run of the built `rsseg` binary produced.
struct CommandResult {
  let status: Int32
  let out: String
  let err: String
}

/// The repository's `../shared` folder (fixtures, specs, data).
let sharedFolder = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("shared")

/// The package root (the folder holding Package.swift).
let packageRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs the `rsseg` built next to the test bundle. A missing binary is a failure, not a skip:
/// `swift test` builds it.
func runRSSeg(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> CommandResult {
  #if os(macOS)
    let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL.deletingLastPathComponent()
  #else
    let products = Bundle.main.bundleURL
  #endif
  let binary = products.appendingPathComponent("rsseg")
  guard FileManager.default.isExecutableFile(atPath: binary.path) else {
    struct NotBuilt: Error, CustomStringConvertible { let description: String }
    throw NotBuilt(description: "rsseg is not built at \(binary.path) (swift build builds it)")
  }
  return try runProcess(binary, arguments, in: directory, environment: environment)
}

/// Runs `executable` (a binary or a script with its `#!` line) and collects what it printed.
func runProcess(_ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:])
  throws -> CommandResult
{
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = directory }
  if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
  // stderr goes to a file so a chatty command cannot fill a second pipe and block.
  let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("process-stderr-\(UUID().uuidString)")
  FileManager.default.createFile(atPath: errURL.path, contents: nil)
  defer { try? FileManager.default.removeItem(at: errURL) }
  let out = Pipe()
  process.standardOutput = out
  process.standardError = try FileHandle(forWritingTo: errURL)
  try process.run()
  let stdout = out.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let stderr = try Data(contentsOf: errURL)
  return CommandResult(status: process.terminationStatus, out: String(decoding: stdout, as: UTF8.self),
                       err: String(decoding: stderr, as: UTF8.self))
}
