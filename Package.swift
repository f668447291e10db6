// swift-tools-version:6.0
// rsseg: remote-sensing image segmentation in Swift on libtorch.
import Foundation
import PackageDescription

/// libtorch: `LIBTORCH` (a libtorch folder or a Python `torch` package folder) or the copy that
/// `scripts/bootstrap` installs into `.deps/libtorch`.
let libtorch = Context.environment["LIBTORCH"] ?? "\(Context.packageDirectory)/.deps/libtorch"
let libtorchLib = "\(libtorch)/lib"
/// A CUDA build registers its kernels from libtorch_cuda, which nothing references directly.
let hasCUDA = FileManager.default.fileExists(atPath: "\(libtorchLib)/libtorch_cuda.so")
let cudaLinkFlags = hasCUDA
  ? ["-Xlinker", "--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Xlinker", "--as-needed"] : []

/// NCCL process groups (multi-GPU training) are compiled in when libtorch has CUDA and the NCCL
/// and CUDA runtime headers are found: `NCCL_INCLUDE` / `CUDA_HOME`, the system folders, or the
/// `nvidia/*/include` folders installed beside a CUDA PyTorch wheel's `torch` folder.
func headerFolder(_ header: String, _ candidates: [String?]) -> String? {
  candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: "\($0)/\(header)") }
}
let wheelNvidia = "\(libtorch)/../nvidia"
let ncclInclude = headerFolder(
  "nccl.h", [Context.environment["NCCL_INCLUDE"], "/usr/include", "\(wheelNvidia)/nccl/include"])
let cudaInclude = headerFolder(
  "cuda_runtime_api.h",
  [Context.environment["CUDA_HOME"].map { "\($0)/include" }, "/usr/local/cuda/include", "\(wheelNvidia)/cuda_runtime/include"])
let ncclFlags: [String] =
  if hasCUDA, let ncclInclude, let cudaInclude {
    ["-DRS_WITH_NCCL", "-isystem", ncclInclude, "-isystem", cudaInclude]
  } else { [] }

let package = Package(
  name: "rsseg",
  products: [
    .executable(name: "rsseg", targets: ["rsseg"]),
    .library(name: "Torch", targets: ["Torch"]),
    .library(name: "RSSegModels", targets: ["RSSegModels"]),
    .library(name: "RSSeg", targets: ["RSSeg"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
  ],
  targets: [
    .target(
      name: "CTorch",
      cxxSettings: [
        .unsafeFlags([
          "-isystem", "\(libtorch)/include",
          "-isystem", "\(libtorch)/include/torch/csrc/api/include",
          "-Wno-deprecated-declarations",
        ] + ncclFlags)
      ],
      linkerSettings: [
        .unsafeFlags(
          ["-L\(libtorchLib)", "-Xlinker", "-rpath", "-Xlinker", libtorchLib] + cudaLinkFlags),
        .linkedLibrary("torch_cpu"),
        .linkedLibrary("c10"),
      ]
    ),
    .systemLibrary(name: "CGDAL", pkgConfig: "gdal", providers: [.apt(["libgdal-dev"])]),
    // Writing files under a temporary name and renaming them into place, for every layer.
    .target(name: "AtomicFiles"),
    .target(name: "Torch", dependencies: ["CTorch", "AtomicFiles"]),
    .target(name: "Raster", dependencies: ["CGDAL", "AtomicFiles"]),
    // Models, losses, metrics, text encoders, model files and parity checks: no file formats
    // beyond safetensors/pickle, so anything that runs a model links no GDAL.
    .target(name: "RSSegModels", dependencies: ["Torch"]),
    // Datasets, loaders, training, evaluation and scene inference.
    .target(name: "RSSeg", dependencies: ["RSSegModels", "Torch", "Raster", "AtomicFiles", .product(name: "Yams", package: "Yams")]),
    .executableTarget(
      name: "rsseg",
      dependencies: [
        "RSSeg", "RSSegModels", "Torch", "Raster", "AtomicFiles", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(name: "TorchTests", dependencies: ["Torch"]),
    .testTarget(name: "RasterTests", dependencies: ["Raster"]),
    .target(name: "FuzzEntryPoints", dependencies: ["RSSeg", "RSSegModels", "Torch", "Raster"], path: "Fuzz/EntryPoints"),
    .testTarget(name: "RSSegTests", dependencies: ["RSSeg", "RSSegModels", "Torch", "Raster", "FuzzEntryPoints"]),
    .testTarget(name: "rssegCLITests", dependencies: ["rsseg", "Torch", "Raster"]),
  ],
  cxxLanguageStandard: .cxx20
)

/// libFuzzer executables over `FuzzEntryPoints`, one per folder of `Fuzz/Targets/`: only when
/// `make fuzz` sets RSSEG_FUZZ (and builds with -sanitize=fuzzer into .build-fuzz).
if Context.environment["RSSEG_FUZZ"] != nil {
  let targets = (try? FileManager.default.contentsOfDirectory(atPath: "\(Context.packageDirectory)/Fuzz/Targets")) ?? []
  for name in targets.sorted() {
    package.targets.append(
      .executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzEntryPoints"], path: "Fuzz/Targets/\(name)"))
  }
}
