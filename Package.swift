// swift-tools-version:6.0
// rsseg: remote-sensing image segmentation in Swift on libtorch.
import Foundation
import PackageDescription

/// libtorch: `LIBTORCH` (a libtorch folder or a Python `torch` package folder) or the copy that
/// `scripts/bootstrap` installs into `.deps/libtorch`.
let libtorch = Context.environment["LIBTORCH"] ?? "\(Context.packageDirectory)/.deps/libtorch"
let libtorchLib = "\(libtorch)/lib"
/// A CUDA build of libtorch (a libtorch zip or the `torch` folder of a CUDA PyTorch wheel).
let hasCUDA = FileManager.default.fileExists(atPath: "\(libtorchLib)/libtorch_cuda.so")

/// CUDA builds need the CUDA runtime headers for the device and allocator queries (RS_WITH_CUDA),
/// and NCCL process groups (multi-GPU training, RS_WITH_NCCL) need `nccl.h` as well. They are
/// looked for in `NCCL_INCLUDE` / `CUDA_HOME`, then in the `nvidia/*` folders installed beside a
/// CUDA PyTorch wheel's `torch` folder (which match that libtorch: CUDA 13 wheels share
/// `nvidia/cu13/include`, CUDA 12 wheels have one `nvidia/<library>/include` each), then in the
/// system folders.
func headerFolder(_ header: String, _ candidates: [String?]) -> String? {
  candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: "\($0)/\(header)") }
}
let wheelNvidia = "\(libtorch)/../nvidia"
func cudaHeaderFolder(_ header: String, wheelLibrary: String) -> String? {
  headerFolder(
    header,
    [Context.environment["CUDA_HOME"].map { "\($0)/include" }, "\(wheelNvidia)/cu13/include",
     "\(wheelNvidia)/\(wheelLibrary)/include", "/usr/local/cuda/include"])
}
let ncclInclude = headerFolder(
  "nccl.h", [Context.environment["NCCL_INCLUDE"], "\(wheelNvidia)/nccl/include", "/usr/include"])
/// cuda_runtime_api.h includes crt/host_defines.h, which CUDA 13 wheels ship apart
/// (nvidia-cuda-crt, not installed with torch).
let cudaInclude = cudaHeaderFolder("cuda_runtime_api.h", wheelLibrary: "cuda_runtime")
  .flatMap { headerFolder("crt/host_defines.h", [$0]) }
/// ProcessGroupNCCL.hpp includes ATen/cuda/CUDAContext.h, and so the cuBLAS, cuSPARSE and
/// cuSOLVER headers, and through cuda_fp16.h CCCL's nv/target (in CUDA 13 wheels
/// nvidia-cuda-cccl, not installed with torch).
let cudaLibraryIncludes = [
  cudaHeaderFolder("cublas_v2.h", wheelLibrary: "cublas"),
  cudaHeaderFolder("cusparse.h", wheelLibrary: "cusparse"),
  cudaHeaderFolder("cusolverDn.h", wheelLibrary: "cusolver"),
  cudaHeaderFolder("nv/target", wheelLibrary: "cuda_cccl"),
]
/// `-DRS_WITH_CUDA` (and `-DRS_WITH_NCCL`) with their header folders, each folder once.
let cudaFlags: [String] = {
  guard hasCUDA, let cudaInclude else { return [] }
  var defines = ["-DRS_WITH_CUDA"]
  var folders: [String?] = [cudaInclude]
  if let ncclInclude, !cudaLibraryIncludes.contains(nil) {
    defines.append("-DRS_WITH_NCCL")
    folders += [ncclInclude] + cudaLibraryIncludes
  }
  var seen = Set<String>()
  return defines + folders.compactMap { $0 }.filter { seen.insert($0).inserted }
    .flatMap { ["-isystem", $0] }
}()
/// A CUDA build registers its kernels from libtorch_cuda, which nothing references directly.
/// rsseg links no CUDA library itself (see cuda.cpp): libtorch_cuda finds its own.
let cudaLinkFlags =
  hasCUDA ? ["-Xlinker", "--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Xlinker", "--as-needed"] : []

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
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
  ],
  targets: [
    .target(
      name: "CTorch",
      cxxSettings: [
        .unsafeFlags([
          "-isystem", "\(libtorch)/include",
          "-isystem", "\(libtorch)/include/torch/csrc/api/include",
          "-Wno-deprecated-declarations",
        ] + cudaFlags)
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
    // The map viewer of `rsseg serve`: HTTP routes, tiles, jobs and the page (no argument parsing).
    .target(
      name: "RSSegServe",
      dependencies: [
        "RSSeg", "RSSegModels", "Torch", "Raster", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      resources: [.copy("Page")]),
    .executableTarget(
      name: "rsseg",
      dependencies: [
        "RSSeg", "RSSegModels", "RSSegServe", "Torch", "Raster", "AtomicFiles", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(name: "TorchTests", dependencies: ["Torch"]),
    // What gdalinfo/ogrinfo would show of an output, read through GDAL's C API, for the tests.
    .target(name: "GISInspection", dependencies: ["CGDAL"], path: "Tests/GISInspection"),
    .testTarget(name: "RasterTests", dependencies: ["Raster", "GISInspection"]),
    .target(name: "FuzzEntryPoints", dependencies: ["RSSeg", "RSSegModels", "Torch", "Raster"], path: "Fuzz/EntryPoints"),
    .testTarget(name: "RSSegTests", dependencies: ["RSSeg", "RSSegModels", "Torch", "Raster", "FuzzEntryPoints", "GISInspection"]),
    .testTarget(
      name: "RSSegServeTests",
      dependencies: [
        "RSSegServe", "RSSeg", "RSSegModels", "Torch", "Raster", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
      ]),
    .testTarget(name: "rssegCLITests", dependencies: ["rsseg", "Torch", "Raster", "GISInspection"]),
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
