/// A workflow change the moderation rules refuse.
public struct ModerationError: Error, CustomStringConvertible {
    public var clusterID: Int64
    public var message: String

    public init(clusterID: Int64, message: String) {
        self.clusterID = clusterID
        self.message = message
    }

    public var description: String { "cluster \(clusterID): \(message)" }
}
