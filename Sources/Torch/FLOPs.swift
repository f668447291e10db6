import CTorch

extension Torch {
  /// The floating-point operations of the matrix products, convolutions and attention `body`
  /// runs on this thread (aten::conv2d, mm, addmm, bmm, baddbmm, scaled_dot_product_attention;
  /// 2 per multiply-add, as torch.utils.flop_counter counts them), from the shapes the
  /// dispatcher sees. A product inside a counted op (a convolution's, attention's math path)
  /// counts once, as part of it.
  public static func countFLOPs(_ body: () throws -> Void) throws -> Int {
    try check(rs_flops_start(), "countFLOPs")
    var flops: Int64 = 0
    do {
      try body()
    } catch {
      _ = rs_flops_stop(&flops)
      throw error
    }
    try check(rs_flops_stop(&flops), "countFLOPs")
    return Int(flops)
  }
}
