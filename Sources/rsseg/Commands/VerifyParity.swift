import ArgumentParser
import RSSeg

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

    @Argument(help: "A parity fixture (.safetensors), e.g. ../shared/parity/bicor_tiny.safetensors.")
    var fixture: String

    func run() throws {
      let report = try ParityChecker.verify(path: fixture)
      for line in report.lines { print(line) }
      if !report.passed { throw ExitCode.failure }
    }
  }
}
