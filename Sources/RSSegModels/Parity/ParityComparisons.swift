import Torch

/// The bookkeeping every parity check shares: each computed tensor is compared with the
/// fixture tensor of its name (names the fixture lacks are skipped), and fixture tensors nothing
/// was computed for are reported as unchecked.
final class ParityComparisons {
  private let fixture: ParityFixture
  private var handled: Set<String>
  private(set) var all: [ParityComparison] = []

  /// - Parameter inputs: fixture tensors that are inputs, not results.
  init(_ fixture: ParityFixture, inputs: [String]) {
    self.fixture = fixture
    handled = Set(inputs)
  }

  func compare(_ computed: Tensor?, _ name: String, _ group: String, _ tolerance: ParityTolerance = .outputs) throws {
    handled.insert(name)
    guard fixture.tensorNames.contains(name) else { return }
    all.append(try .compare(computed, fixture.tensor(name), name: name, group: group, tolerance: tolerance))
  }

  /// Compares the gradient of every parameter of `model` with `grad.<key>`.
  func compareGradients(of model: Module) throws {
    for (key, parameter) in try model.namedParameters() {
      try compare(parameter.grad, "grad." + key, "gradients", .grads)
    }
  }

  /// Every comparison, with the fixture's unhandled tensors as unchecked failures.
  func finished() -> [ParityComparison] {
    all + fixture.tensorNames.filter { !handled.contains($0) }.map {
      .unmatched($0, group: "unchecked", problem: "no counterpart computed")
    }
  }
}
