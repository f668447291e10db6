import RSSegModels

/// Where windows start along one axis: every `stride` pixels, the last one moved back to end
/// exactly at the edge, so edges that are not a multiple of the stride are covered without
/// padding. An axis shorter than the window has one window at 0 (padded by the caller).
public enum WindowGrid {
  public static func starts(length: Int, window: Int, stride: Int) -> [Int] {
    guard length > window else { return [0] }
    var starts = Array(Swift.stride(from: 0, to: length - window, by: max(stride, 1)))
    starts.append(length - window)
    return starts
  }
}
