import ArgumentParser
import Foundation
import RSSeg
import RSSegModels
import Torch

extension RSSegCommand {
  /// `rsseg verify-parity FIXTURE`: compares the Swift models with a reference fixture.
  struct VerifyParity: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "verify-parity",
      abstract: "Check a model against a reference parity fixture (outputs, losses, gradients).",
      discussion: """
        The fixture's metadata `config` names its kind and holds the model configuration. Prints \
        the worst error per group and ends with `parity: ok` or `parity: FAILED <what>`; the exit \
        status is 0 only when every tensor is within tolerance.
        """)

    @Argument(help: "A parity fixture: a .safetensors (e.g. ../shared/parity/bicor_tiny.safetensors) or a text .json (with --bert).")
    var fixture: String

    @Option(help: "The HF BERT model folder a text fixture (.json) was made with.")
    var bert: String?

    @OptionGroup var device: DeviceOptions

    func validate() throws {
      if fixture.hasSuffix(".json") && bert == nil { throw ValidationError("a text fixture (.json) needs --bert DIR") }
    }

    func run() throws {
      let text = bert.map { [TextParity(bert: URL(fileURLWithPath: $0))] } ?? []
      let device = try device.resolved()
      let report = try ParityChecker.verify(path: fixture, device: device, kinds: text + ParityChecker.kinds)
      print("device: \(device)")
      for line in report.lines { print(line) }
      if !report.passed { throw ExitCode.failure }
    }
  }
}
