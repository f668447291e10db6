import XCTest
@testable import Torch

final class TensorTests: XCTestCase {
  func testRoundTripAndArithmetic() throws {
    let a = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    XCTAssertEqual(a.shape, [2, 2])
    XCTAssertEqual(a.dtype, .float32)
    let b = try a * 2 + a
    XCTAssertEqual(try b.scalars(as: Float.self), [3, 6, 9, 12])
    let labels = try Tensor([1, 2] as [Int64])
    XCTAssertEqual(try (labels + 1).dtype, .int64, "integer scalars keep integer dtype")
    XCTAssertEqual(try (labels * 0.5).dtype, .float32, "float scalars promote like Python floats")
  }

  func testShapeErrorIsCatchable() throws {
    let a = try Tensor.zeros([2, 3])
    let b = try Tensor.zeros([4])
    XCTAssertThrowsError(try a + b) { error in
      guard case TorchError.libtorch(let op, let message) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(op, "add")
      XCTAssertTrue(message.contains("must match"), message)
    }
  }

  func testDTypeRoundTripsThroughBytesAndTo() throws {
    let values: [Float] = [0, 1, 2, 3, 100, 127]  // exact in every dtype
    let source = try Tensor(values, shape: [2, 3])
    for dtype in DType.allCases {
      let converted = try source.to(dtype)
      XCTAssertEqual(converted.dtype, dtype)
      XCTAssertEqual(converted.shape, [2, 3])
      let bytes = try converted.bytes()
      XCTAssertEqual(bytes.count, 6 * dtype.size, "\(dtype)")
      let rebuilt = try bytes.withUnsafeBytes { try Tensor(bytes: $0, shape: [2, 3], dtype: dtype) }
      XCTAssertEqual(try rebuilt.bytes(), bytes, "\(dtype) bytes survive a round trip")
      let expected: [Float] = dtype == .bool ? values.map { $0 == 0 ? 0 : 1 } : values
      XCTAssertEqual(try rebuilt.to(.float32).scalars(as: Float.self), expected, "\(dtype)")
    }
  }

  func testHalfPrecisionBitPatterns() throws {
    // 1.0 is 0x3C00 in float16 and 0x3F80 in bfloat16 (little-endian bytes).
    let one = try Tensor.ones([1])
    XCTAssertEqual(try one.to(.float16).bytes(), [0x00, 0x3C])
    XCTAssertEqual(try one.to(.bfloat16).bytes(), [0x80, 0x3F])
    let half = try [UInt8]([0x00, 0xC0]).withUnsafeBytes { try Tensor(bytes: $0, shape: [1], dtype: .float16) }
    XCTAssertEqual(try half.scalars(as: Float.self), [-2])
    XCTAssertEqual(try half.scalars(as: Float16.self), [-2])
    // bfloat16 keeps float32's range but only 8 bits of mantissa: 257 rounds to 256.
    XCTAssertEqual(try Tensor([257, 1e30] as [Float]).to(.bfloat16).to(.float32).scalars(as: Float.self)[0], 256)
    XCTAssertThrowsError(try [UInt8]([1, 2, 3]).withUnsafeBytes { try Tensor(bytes: $0, shape: [2], dtype: .float16) })
  }

  func testSwiftArrayRoundTrips() throws {
    XCTAssertEqual(try Tensor([1, -2, 3] as [Int32]).scalars(as: Int32.self), [1, -2, 3])
    XCTAssertEqual(try Tensor([7, 255] as [UInt8]).scalars(as: UInt8.self), [7, 255])
    XCTAssertEqual(try Tensor([true, false] as [Bool]).scalars(as: Bool.self), [true, false])
    XCTAssertEqual(try Tensor([1.5, -2.25] as [Double]).scalars(as: Double.self), [1.5, -2.25])
    XCTAssertEqual(try Tensor([Int64.max, Int64.min]).scalars(as: Int64.self), [Int64.max, Int64.min])
    // Reading a strided view copies its elements in row-major order.
    let t = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3]).transpose(0, 1)
    XCTAssertEqual(t.strides, [1, 3])
    XCTAssertEqual(try t.scalars(as: Float.self), [1, 4, 2, 5, 3, 6])
    XCTAssertThrowsError(try Tensor([1, 2, 3] as [Float], shape: [2, 2]))
  }

  func testBufferRoundTrips() throws {
    let source: [Int32] = [1, 2, 3, 4, 5, 6]
    let t = try source.withUnsafeBufferPointer { try Tensor($0, shape: [2, 3]) }
    XCTAssertEqual(t.dtype, .int32)
    XCTAssertEqual(try t.withUnsafeBufferPointer(as: Int32.self) { Array($0) }, source)
    XCTAssertEqual(try t.withUnsafeBufferPointer(as: Int32.self) { $0.reduce(0, +) }, 21)
    XCTAssertThrowsError(try t.withUnsafeBufferPointer(as: Float.self) { _ in }, "dtype must match")
    XCTAssertThrowsError(try t.transpose(0, 1).withUnsafeBufferPointer(as: Int32.self) { _ in }, "needs a contiguous tensor")
    XCTAssertThrowsError(try source.withUnsafeBufferPointer { try Tensor($0, shape: [4]) })
  }

  func testDevices() throws {
    let x = try Tensor([1, 2] as [Float])
    XCTAssertEqual(x.device, .cpu)
    if Torch.cudaAvailable {
      let g = try x.to(.cuda(0))
      XCTAssertEqual(g.device, .cuda(0))
      XCTAssertEqual(try (g * 2).to(.cpu).scalars(as: Float.self), [2, 4])
      XCTAssertEqual(try g.scalars(as: Float.self), [1, 2], "scalars copies from any device")
    } else {
      XCTAssertThrowsError(try x.to(.cuda(0)), "a CPU build reports CUDA use as an error")
    }
  }
}
