import CTorch

/// A one-to-one map between the rows of two matrices, with holes: row `m` of the result is row
/// `index[m]` of the source, or zeros where `index[m]` is −1, and `inverse[n]` is the result row
/// that source row `n` went to (−1: none). `Tensor.gatherRows(_:)` copies each row once and takes
/// its gradient by the same gather with `inverse` (Swin's window partition of a padded, shifted
/// map and its reverse: one copy each way instead of a pad, roll, permute and crop).
public struct RowMap {
  public let index: Tensor
  public let inverse: Tensor
  /// Whether some result row is a zero row.
  public let hasHoles: Bool
  /// Whether some source row is left out.
  public let dropsRows: Bool

  /// - Parameters:
  ///   - index: for each result row, its source row in `0..<sourceRows`, or −1 for zeros; no
  ///     source row twice.
  /// - Throws: `TorchError.invalidArgument` for an index out of range or repeated.
  public init(index: [Int64], sourceRows: Int, device: Device = .cpu) throws {
    var inverse = [Int64](repeating: -1, count: sourceRows)
    for (m, n) in index.enumerated() where n != -1 {
      guard (0..<Int64(sourceRows)).contains(n) else {
        throw TorchError.invalidArgument("RowMap: index \(n) at row \(m) is outside -1..<\(sourceRows)")
      }
      guard inverse[Int(n)] == -1 else {
        throw TorchError.invalidArgument("RowMap: source row \(n) is mapped twice (rows \(inverse[Int(n)]) and \(m))")
      }
      inverse[Int(n)] = Int64(m)
    }
    try self.init(
      index: Tensor(index).to(device), inverse: Tensor(inverse).to(device), hasHoles: index.contains(-1),
      dropsRows: inverse.contains(-1))
  }

  private init(index: Tensor, inverse: Tensor, hasHoles: Bool, dropsRows: Bool) {
    self.index = index
    self.inverse = inverse
    self.hasHoles = hasHoles
    self.dropsRows = dropsRows
  }

  /// The map back: result rows to their source rows (holes dropped, dropped rows zero).
  public var inverted: RowMap { RowMap(index: inverse, inverse: index, hasHoles: dropsRows, dropsRows: hasHoles) }
}

extension Tensor {
  /// The rows of this `[N, C]` matrix that `map` selects, zeros at its holes: `[map rows, C]`.
  public func gatherRows(_ map: RowMap) throws -> Tensor {
    try makeTensor("gather_rows") { rs_gather_rows($0, handle, map.index.handle, map.inverse.handle) }
  }
}
