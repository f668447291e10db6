import Foundation

/// Recently drawn tiles (PNG bytes) within a byte budget: the least recently used go first.
final class TileCache: @unchecked Sendable {
  // @unchecked: everything below is touched only under `lock`.
  let budget: Int
  private let lock = NSLock()
  private var entries: [String: (png: [UInt8], used: Int)] = [:]
  private var clock = 0
  private(set) var bytes = 0

  init(budget: Int) { self.budget = budget }

  func tile(_ key: String) -> [UInt8]? {
    lock.withLock {
      guard let entry = entries[key] else { return nil }
      clock += 1
      entries[key] = (entry.png, clock)
      return entry.png
    }
  }

  /// Keeps `png` under `key`; when over budget, drops the oldest tiles until a quarter of the
  /// budget is free (one sort per many insertions).
  func insert(_ png: [UInt8], for key: String) {
    guard png.count <= budget / 4 else { return }
    lock.withLock {
      clock += 1
      if let old = entries.updateValue((png, clock), forKey: key) { bytes -= old.png.count }
      bytes += png.count
      guard bytes > budget else { return }
      for (key, entry) in entries.sorted(by: { $0.value.used < $1.value.used }) {
        guard bytes > budget * 3 / 4 else { break }
        entries[key] = nil
        bytes -= entry.png.count
      }
    }
  }
}
