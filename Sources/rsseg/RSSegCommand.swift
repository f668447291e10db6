import ArgumentParser

@main
struct RSSegCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rsseg",
    abstract: "Remote-sensing image segmentation (BiCoR-Seg, referring segmentation) on libtorch.",
    version: rssegVersion,
    subcommands: [
      Bench.self,
      Info.self,
      Inspect.self,
      Prepare.self,
      Tokenize.self,
      VerifyParity.self,
      Init.self,
      Import.self,
      Train.self,
      Launch.self,
      Evaluate.self,
      Score.self,
      Predict.self,
      Refer.self,
      Polygonize.self,
      Serve.self,
      Compact.self,
    ]
  )
}

let rssegVersion = "0.1.0"
