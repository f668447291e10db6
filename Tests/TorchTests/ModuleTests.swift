import XCTest
@testable import Torch

/// A nested model exercising every naming rule.
private final class Block: Module, UnaryLayer {
  @ModuleInfo(key: "conv1") var conv: Conv2d
  let norm: BatchNorm2d
  @ParameterInfo(key: "layer_scale") var scale: Tensor
  let gate: Linear?

  init(_ c: Int, gated: Bool) throws {
    norm = try BatchNorm2d(c)
    _scale = ParameterInfo(wrappedValue: try Tensor.ones([c]).requiresGrad(true), key: "layer_scale")
    gate = gated ? try Linear(c, c) : nil
    super.init()
    conv = try Conv2d(c, c, kernelSize: 3, padding: 1, bias: false)
  }

  func callAsFunction(_ x: Tensor) throws -> Tensor { try norm(conv(x)).relu() }
}

private class Net: Module {
  let stem: Sequential
  let blocks: [Block]
  let head: Linear
  var depth = 2

  init(width: Int) throws {
    stem = Sequential(try Conv2d(3, width, kernelSize: 1), ReLU(), try LayerNorm2d(width))
    blocks = [try Block(width, gated: false), try Block(width, gated: true)]
    head = try Linear(width, 2)
    super.init()
  }
}

/// A subclass adds its own entries to the superclass's.
private final class WiderNet: Net {
  let extra: [[Tensor]]

  override init(width: Int) throws {
    extra = [[try Tensor.zeros([1])], [try Tensor.zeros([2]), try Tensor.zeros([3])]]
    try super.init(width: width)
  }
}

private final class Duplicated: Module {
  let weight: Tensor
  @ParameterInfo(key: "weight") var other: Tensor

  init(size: Int) throws {
    weight = try Tensor.zeros([size])
    _other = ParameterInfo(wrappedValue: try Tensor.zeros([size]), key: "weight")
    super.init()
  }
}

final class ModuleTests: XCTestCase {
  func testKeysFollowPyTorch() throws {
    let net = try Net(width: 4)
    let keys = try net.orderedStateDict().map(\.key)
    XCTAssertEqual(keys, [
      "stem.0.weight", "stem.0.bias", "stem.2.weight", "stem.2.bias",
      "blocks.0.layer_scale", "blocks.0.conv1.weight", "blocks.0.norm.weight", "blocks.0.norm.bias",
      "blocks.0.norm.running_mean", "blocks.0.norm.running_var", "blocks.0.norm.num_batches_tracked",
      "blocks.1.layer_scale", "blocks.1.conv1.weight", "blocks.1.norm.weight", "blocks.1.norm.bias",
      "blocks.1.norm.running_mean", "blocks.1.norm.running_var", "blocks.1.norm.num_batches_tracked",
      "blocks.1.gate.weight", "blocks.1.gate.bias",
      "head.weight", "head.bias",
    ])
    let params = try net.namedParameters().map(\.key)
    XCTAssertFalse(params.contains("blocks.0.norm.running_mean"), "buffers are not parameters")
    XCTAssertEqual(params.count, keys.count - 6)
    XCTAssertEqual(try net.namedBuffers().map(\.key), [
      "blocks.0.norm.running_mean", "blocks.0.norm.running_var", "blocks.0.norm.num_batches_tracked",
      "blocks.1.norm.running_mean", "blocks.1.norm.running_var", "blocks.1.norm.num_batches_tracked",
    ])
    // 3·4+4 + 4+4 + 2·(4 + 4·4·9 + 4+4) + 4·4+4 + 4·2+2
    XCTAssertEqual(try net.parameterCount(), 16 + 8 + 2 * (4 + 144 + 8) + 20 + 10)
    XCTAssertEqual(try net.namedModules().map(\.key), [
      "", "stem", "stem.0", "stem.1", "stem.2", "blocks.0", "blocks.0.conv1", "blocks.0.norm",
      "blocks.1", "blocks.1.conv1", "blocks.1.norm", "blocks.1.gate", "head",
    ])
    let wider = try WiderNet(width: 4)
    let widerKeys = try wider.namedParameters().map(\.key)
    XCTAssertEqual(Array(widerKeys.prefix(3)), ["extra.0.0", "extra.1.0", "extra.1.1"], "own parameters come first")
    XCTAssertEqual(Array(widerKeys.dropFirst(3)), params)
  }

  func testApplyVisitsChildrenFirst() throws {
    let net = try Net(width: 4)
    var linears: [Linear] = []
    var order: [String] = []
    try net.apply { module in
      if let l = module as? Linear { linears.append(l) }
      order.append(String(describing: type(of: module)))
    }
    XCTAssertEqual(linears.count, 2)
    XCTAssertEqual(order.last, "Net")
    XCTAssertEqual(order.prefix(4), ["Conv2d", "ReLU", "LayerNorm2d", "Sequential"])
  }

  func testDuplicateKeysAreAnError() throws {
    XCTAssertThrowsError(try Duplicated(size: 1).namedParameters()) { error in
      XCTAssertTrue("\(error)".contains("'weight'"), "\(error)")
    }
  }

  func testTrainEvalFreeze() throws {
    let net = try Net(width: 4)
    XCTAssertTrue(net.blocks[1].norm.training)
    net.eval()
    XCTAssertFalse(net.training)
    XCTAssertFalse(net.blocks[1].norm.training)
    XCTAssertFalse(net.stem.layers[1].training)
    net.train()
    XCTAssertTrue(net.blocks[0].conv.training)

    try net.blocks[0].freeze()
    XCTAssertFalse(net.blocks[0].conv.weight.requiresGrad)
    XCTAssertFalse(net.blocks[0].scale.requiresGrad)
    XCTAssertTrue(net.blocks[1].conv.weight.requiresGrad)
    XCTAssertTrue(net.head.weight.requiresGrad)
    try net.unfreeze()
    XCTAssertTrue(net.blocks[0].conv.weight.requiresGrad)
  }

  func testToDtypeKeepsIdentity() throws {
    let net = try Net(width: 4)
    let weight = net.head.weight
    try net.to(.float64)
    XCTAssertTrue(net.head.weight === weight)
    XCTAssertEqual(weight.dtype, .float64)
    XCTAssertTrue(weight.requiresGrad)
    XCTAssertEqual(net.blocks[0].norm.numBatchesTracked?.dtype, .int64, "integer buffers keep their dtype")
    XCTAssertEqual(net.blocks[0].norm.runningMean?.dtype, .float64)
    let y = try net.head(try Tensor.ones([1, 4], dtype: .float64))
    XCTAssertEqual(y.dtype, .float64)
  }
}
