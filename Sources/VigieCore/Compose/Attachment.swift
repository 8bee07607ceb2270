import Foundation

/// A file carried by a message: what a citizen attached to a report, or what a notice attaches for the platform.
public struct Attachment: Sendable, Hashable {
    /// The file name as given (may be nil in a received message).
    public var filename: String?
    /// `image/png`, lowercased.
    public var mimeType: String
    public var bytes: [UInt8]

    public init(filename: String?, mimeType: String, bytes: [UInt8]) {
        self.filename = filename
        self.mimeType = mimeType
        self.bytes = bytes
    }

    /// Whether it is a picture (a citizen's screenshot).
    public var isImage: Bool { mimeType.lowercased().hasPrefix("image/") }
}
