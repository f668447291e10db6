/// BTDNet's settings besides its switches (`LAVTConfig.bsc`, `twinDecoder`, `dmols`): the
/// auxiliary loss weights and D-MOLS masking. JSON keys `loss` and `masking`; missing keys take
/// the spec §3 values.
public struct BTDNetSettings: Codable, Equatable, Sendable {
  public var loss = BTDNetLossWeights()
  public var masking = DualModalMasking()

  public init() {}

  enum CodingKeys: String, CodingKey { case loss, masking }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    loss = try c.decodeIfPresent(BTDNetLossWeights.self, forKey: .loss) ?? BTDNetLossWeights()
    masking = try c.decodeIfPresent(DualModalMasking.self, forKey: .masking) ?? DualModalMasking()
  }

  public func validate() throws {
    try loss.validate()
    try masking.validate()
  }
}
