import Foundation

/// One reader of untrusted files, fed arbitrary bytes: by a libFuzzer executable
/// (`Fuzz/Targets/`, built by `make fuzz`) and by the corpus replay test (`CorpusReplayTests`).
/// Every input must end in `.accepted` or `.rejected` with the error a user would see; a crash,
/// a hang or a huge allocation is a finding.
public enum FuzzTarget: String, CaseIterable, Sendable {
  /// `SafeTensors.read` and every tensor of the file.
  case safetensors
  /// `TorchCheckpoint.read` (zip and legacy `torch.save` files) and `Pickle.read`.
  case checkpoint
  /// `WordPieceTokenizer` on the bytes as text (a fixed vocabulary), and the bytes as a `vocab.txt`.
  case wordpiece
  /// `SegmentationTrainingConfig.load` of the bytes as a YAML config.
  case config
  /// `RasterDataset` of the bytes as an image file (any GDAL format), a window of it decoded.
  case raster
  /// `COCOInstances` of the bytes as an `instances.json`; every polygon and RLE (plain and
  /// compressed) turned into runs and decoded.
  case coco

  /// Runs the reader over `bytes`.
  public func run(_ bytes: UnsafeRawBufferPointer) -> FuzzOutcome {
    do {
      switch self {
      case .safetensors: try ReaderEntryPoints.safetensors(bytes)
      case .checkpoint: try ReaderEntryPoints.checkpoint(bytes)
      case .wordpiece: try TextEntryPoints.wordpiece(bytes)
      case .config: try ReaderEntryPoints.config(bytes)
      case .raster: try RasterEntryPoints.raster(bytes)
      case .coco: try COCOEntryPoints.coco(bytes)
      }
      return .accepted
    } catch let error as FuzzInvariantError {
      return .broken(error.message)
    } catch {
      return .rejected("\(error)")
    }
  }

  public func run(_ bytes: [UInt8]) -> FuzzOutcome { bytes.withUnsafeBytes { run($0) } }

  /// libFuzzer's `LLVMFuzzerTestOneInput`: a broken invariant stops the process (a finding);
  /// errors are the reader doing its job.
  public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    if case .broken(let message) = run(UnsafeRawBufferPointer(start: data, count: size)) {
      fatalError("\(rawValue): \(message)")
    }
    return 0
  }

  /// The scratch file the bytes are written to (one per target and process).
  public var scratchPath: String { ScratchFile.path(for: self) }
}

/// What one input did.
public enum FuzzOutcome: Equatable, Sendable {
  case accepted
  /// Rejected with this error message.
  case rejected(String)
  /// The reader returned something impossible (not an error a user could act on).
  case broken(String)
}
