import ArgumentParser
import Foundation
import RSSeg
import RSSegModels

extension RSSegCommand {
  /// `rsseg launch`: starts and supervises the processes of a data-parallel run (torchrun's role).
  struct Launch: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run an rsseg command (train, predict, refer) as N processes per machine over c10d (Gloo; NCCL for training on GPUs).",
      discussion: """
        Each process gets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (and OMP_NUM_THREADS=1 unless set).
        If one process fails, the others are stopped and its error is reported.
        train is data-parallel; predict and refer share the scenes, and predict splits a scene into bands of
        window rows when there are fewer scenes than processes (the result is the one of a single process).
          rsseg launch --nproc 2 -- train --config configs/vaihingen.yaml
          rsseg launch --nproc 4 -- predict --model m.safetensors --out out big-scene.tif
          rsseg launch --nproc 4 --nnodes 2 --node-rank 0 --master 10.0.0.1:29500 -- train --config c.yaml
        """)

    @Option(help: "Processes on this machine.")
    var nproc: Int

    @Option(help: "Machines taking part (run the same launch on each, with its --node-rank).")
    var nnodes: Int = 1

    @Option(help: "This machine's index in 0..<nnodes.")
    var nodeRank: Int = 0

    @Option(help: "ADDR:PORT of rank 0's rendezvous (required with several machines; default 127.0.0.1 and a free port).")
    var master: String?

    @Argument(parsing: .postTerminator, help: "The rsseg command each process runs, after --.")
    var command: [String] = []

    func validate() throws {
      guard nproc >= 1 else { throw ValidationError("--nproc must be at least 1") }
      guard nnodes >= 1, (0..<nnodes).contains(nodeRank) else { throw ValidationError("--node-rank must be in 0..<--nnodes") }
      guard nnodes == 1 || master != nil else { throw ValidationError("several machines need --master ADDR:PORT") }
      guard !command.isEmpty else { throw ValidationError("give the command after --, e.g. -- train --config c.yaml") }
      if let master { _ = try parseMaster(master) }
    }

    func run() throws {
      var launch = DistributedLaunch(
        executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), arguments: command,
        processesPerNode: nproc)
      launch.nodes = nnodes
      launch.nodeRank = nodeRank
      if let master { (launch.masterAddress, launch.masterPort) = try parseMaster(master) }
      do {
        try DistributedLauncher.run(launch) { FileHandle.standardError.write(Data(("launch: " + $0 + "\n").utf8)) }
      } catch let error as LaunchError {
        FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
        throw ExitCode.failure
      }
    }

    private func parseMaster(_ text: String) throws -> (String, Int) {
      guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port),
        colon != text.startIndex
      else { throw ValidationError("--master must be ADDR:PORT, got '\(text)'") }
      return (String(text[..<colon]), port)
    }
  }
}
