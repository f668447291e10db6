import FuzzEntryPoints

#if canImport(Glibc)
  import Glibc
#endif

/// The input callback, under the name libFuzzer's own main() calls.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { FuzzTarget.checkpoint.fuzz(data, size) }

/// libFuzzer's driver (linked by -sanitize=fuzzer). SwiftPM points main() at this file's top-level
/// code, so the driver is started from here.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
  _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runDriver(&argc, &argv, testOneInput))
