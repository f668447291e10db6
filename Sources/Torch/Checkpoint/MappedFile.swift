import CTorch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A whole file mapped into memory, private and copy-on-write: tensors made from it share the
/// file's pages without copying, and an in-place write into such a tensor changes only this
/// process's copy of the page, never the file.
///
/// Every zero-copy tensor holds a reference to the mapping, so the mapping lives until the last
/// of them is freed. Replacing the file by rename (as `SafeTensors.write` does) is safe while it
/// is mapped; truncating it in place is not (reads past the new end fault).
final class MappedFile {
  let path: String
  /// The file's bytes (empty for an empty file).
  let bytes: UnsafeRawBufferPointer

  init(path: String) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TorchError.io(path: path, message: String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw TorchError.io(path: path, message: String(cString: strerror(errno))) }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw TorchError.io(path: path, message: "not a regular file") }
    self.path = path
    let size = Int(info.st_size)
    if size == 0 {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
    guard let p, p != UnsafeMutableRawPointer(bitPattern: -1) else {
      throw TorchError.io(path: path, message: "cannot map the file: \(String(cString: strerror(errno)))")
    }
    bytes = UnsafeRawBufferPointer(start: p, count: size)
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
  }

  /// A 1-D tensor of `count` elements of `dtype` stored at byte `offset`. Zero-copy when the
  /// address suits the element type; otherwise (e.g. a float after an odd number of bool bytes)
  /// the bytes are copied, because libtorch's kernels assume aligned elements.
  func tensor(at offset: Int, count: Int, dtype: DType) throws -> Tensor {
    let (nbytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
    guard count >= 0, !overflow, offset >= 0, offset <= bytes.count, nbytes <= bytes.count - offset else {
      throw TorchError.io(path: path, message: "\(count) \(dtype) elements at byte \(offset) lie outside the file (\(bytes.count) bytes)")
    }
    if count == 0 { return try Tensor.empty([0], dtype: dtype) }
    let start = bytes.baseAddress! + offset
    if Int(bitPattern: start) % dtype.size != 0 {
      return try Tensor(bytes: UnsafeRawBufferPointer(start: start, count: nbytes), shape: [count], dtype: dtype)
    }
    let context = Unmanaged.passRetained(self).toOpaque()
    // rs_tensor_from_external takes over the retained reference, on failure too.
    return try makeTensor("map \(path)") {
      rs_tensor_from_external($0, UnsafeMutableRawPointer(mutating: start), Int64(count), dtype.rawValue,
                              releaseMapping, context)
    }
  }
}

/// Called by libtorch when a storage over a mapping is freed.
private func releaseMapping(_ context: UnsafeMutableRawPointer?) {
  guard let context else { return }
  Unmanaged<MappedFile>.fromOpaque(context).release()
}
