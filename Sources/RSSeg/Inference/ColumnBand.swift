import RSSegModels

/// A run of neighbouring window columns that `SlidingWindowPredictor` blends in one buffer:
/// the windows starting at `starts[windows]` cover scene columns `origin ..< origin + width`.
/// The first `finished` of them are final once these windows and what the previous band left
/// over are added; the rest (the last windows' overlap into the next band's columns) is left
/// over for the next band, which starts where this one's finished columns end.
struct ColumnBand: Equatable {
  var windows: Range<Int>
  var origin: Int
  var width: Int
  var finished: Int

  /// Bands over an axis of `length` with windows at `starts`, each at most `maxWidth` wide
  /// unless a single window is wider; their finished columns tile the axis.
  static func bands(starts: [Int], window: Int, length: Int, maxWidth: Int) -> [ColumnBand] {
    var bands: [ColumnBand] = []
    var first = 0
    while first < starts.count {
      var last = first
      while last + 1 < starts.count, starts[last + 1] + window - starts[first] <= maxWidth { last += 1 }
      let origin = starts[first]
      let end = last + 1 < starts.count ? starts[last + 1] : length
      bands.append(
        ColumnBand(windows: first..<(last + 1), origin: origin, width: min(starts[last] + window, length) - origin, finished: end - origin))
      first = last + 1
    }
    return bands
  }
}
