import Foundation
import RSSegModels

/// Set by SIGINT while a training run is active: the run finishes its step, writes a resumable
/// checkpoint and returns. A second SIGINT ends the process at once.
enum InterruptFlag {
  nonisolated(unsafe) private static var raised: sig_atomic_t = 0

  static var isRaised: Bool { raised != 0 }

  /// Installs the handler (until `uninstall`).
  static func install() {
    raised = 0
    signal(SIGINT) { _ in
      if InterruptFlag.raised != 0 { _exit(130) }
      InterruptFlag.raised = 1
    }
  }

  static func uninstall() { signal(SIGINT, SIG_DFL) }

  /// For tests: behaves as if SIGINT arrived.
  static func raise() { raised = 1 }
}
