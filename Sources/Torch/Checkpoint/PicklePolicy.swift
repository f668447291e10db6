/// Which globals a pickle may name. The machine never calls anything, so an unknown class is
/// harmless and only becomes an inert record; but a checkpoint that names code execution or
/// system access (`os.system`, `builtins.eval`, `subprocess.Popen`, …) is not a checkpoint, and is
/// rejected outright so that the user learns the file is hostile.
enum PicklePolicy {
  /// Modules (and their submodules) that run code, spawn processes or reach the system. Data a
  /// checkpoint may legitimately hold (`pathlib.PosixPath`, `functools.partial`,
  /// `types.SimpleNamespace`, numpy arrays) is not listed: it only becomes an inert record.
  static let forbiddenModules: Set<String> = [
    "os", "posix", "nt", "subprocess", "sys", "shutil", "socket", "importlib", "runpy", "code", "codeop",
    "pty", "ctypes", "multiprocessing", "webbrowser", "pickle", "_pickle", "cPickle", "marshal", "io", "_io",
    "tempfile", "commands", "platform", "signal", "_thread", "asyncio", "http", "urllib", "urllib2",
    "ftplib", "smtplib", "telnetlib", "zipimport", "pip", "setuptools", "pkgutil", "operator", "_operator",
    "inspect", "ast", "timeit", "pdb", "bdb", "cProfile", "profile", "trace", "site", "ensurepip", "venv",
    "requests", "numpy.testing", "torch.hub", "_posixsubprocess", "_winapi", "msvcrt", "winreg", "imp", "fcntl",
    "mmap", "resource", "gc", "ssl", "select", "selectors", "socketserver", "xmlrpc", "poplib", "imaplib", "nntplib",
    "distutils", "threading", "concurrent", "cffi",
  ]

  /// Single globals elsewhere that build or run code (`types.CodeType` makes bytecode).
  static let forbiddenGlobals: Set<String> = [
    "types.CodeType", "types.FunctionType", "types.MethodType", "torch.load", "torch.serialization.load",
    "numpy.load", "numpy.lib.npyio.load", "torch.jit.load", "torch._C.import_ir_module",
  ]

  /// The only builtins a checkpoint may name: constructors of plain data.
  static let allowedBuiltins: Set<String> = [
    "set", "frozenset", "bytearray", "bytes", "complex", "slice", "range", "object", "int", "float",
    "str", "list", "dict", "tuple", "bool",
  ]

  /// Throws when a pickle names `module.name` that only code execution or system access needs.
  static func check(module: String, name: String, source: String) throws {
    let forbidden: Bool
    if module == "builtins" || module == "__builtin__" {
      forbidden = !allowedBuiltins.contains(name)
    } else {
      var prefix = Substring(module)
      var hit = forbiddenModules.contains(module)
      while !hit, let dot = prefix.lastIndex(of: ".") {
        prefix = prefix[..<dot]
        hit = forbiddenModules.contains(String(prefix))
      }
      forbidden = hit || forbiddenGlobals.contains("\(module).\(name)")
    }
    if forbidden {
      throw TorchError.io(
        path: source,
        message: "refused: the pickle references the global \(module).\(name), which no checkpoint needs (the file may be malicious)")
    }
  }
}
