import CEtpan
import Foundation
import VigieCore

/// One node of libetpan's MIME tree, read once into Swift values; the pointers stay valid only while the parsed
/// buffer and tree are alive.
struct MIMEPart {
    let node: UnsafeMutablePointer<mailmime>
    /// MAILMIME_SINGLE, MAILMIME_MULTIPLE or MAILMIME_MESSAGE.
    let kind: Int
    let type: String
    let subtype: String
    let parameters: [(name: String, value: String)]
    let encoding: Int32
    /// `attachment`, `inline`, another token, or nil without Content-Disposition.
    let disposition: String?
    let dispositionParameters: [(name: String, value: String)]

    init(_ node: UnsafeMutablePointer<mailmime>) {
        self.node = node
        let mime = node.pointee
        kind = Int(mime.mm_type)
        var type = "text"
        var subtype = "plain"
        var parameters: [(name: String, value: String)] = []
        if let content = mime.mm_content_type {
            (type, subtype) = Self.mediaType(content)
            parameters = Self.list(content.pointee.ct_parameters) { (p: UnsafeMutablePointer<mailmime_parameter>) in
                (Self.string(p.pointee.pa_name), Self.string(p.pointee.pa_value))
            }
        }
        self.type = type
        self.subtype = subtype
        self.parameters = parameters

        var encoding = Int32(MAILMIME_MECHANISM_8BIT)
        var disposition: String?
        var dispositionParameters: [(name: String, value: String)] = []
        if let fields = mime.mm_mime_fields {
            let all = Self.list(fields.pointee.fld_list) { (f: UnsafeMutablePointer<mailmime_field>) in f }
            for field in all {
                switch Int(field.pointee.fld_type) {
                case MAILMIME_FIELD_TRANSFER_ENCODING:
                    if let mechanism = field.pointee.fld_data.fld_encoding {
                        encoding = mechanism.pointee.enc_type
                    }
                case MAILMIME_FIELD_DISPOSITION:
                    guard let d = field.pointee.fld_data.fld_disposition else { continue }
                    if let t = d.pointee.dsp_type {
                        switch Int(t.pointee.dsp_type) {
                        case MAILMIME_DISPOSITION_TYPE_ATTACHMENT: disposition = "attachment"
                        case MAILMIME_DISPOSITION_TYPE_INLINE: disposition = "inline"
                        default: disposition = Self.string(t.pointee.dsp_extension).lowercased()
                        }
                    }
                    dispositionParameters = Self.list(d.pointee.dsp_parms) {
                        (p: UnsafeMutablePointer<mailmime_disposition_parm>) -> (name: String, value: String)? in
                        switch Int(p.pointee.pa_type) {
                        case MAILMIME_DISPOSITION_PARM_FILENAME:
                            return ("filename", Self.string(p.pointee.pa_data.pa_filename))
                        case MAILMIME_DISPOSITION_PARM_PARAMETER:
                            guard let param = p.pointee.pa_data.pa_parameter else { return nil }
                            return (Self.string(param.pointee.pa_name), Self.string(param.pointee.pa_value))
                        default:
                            return nil
                        }
                    }.compactMap { $0 }
                default:
                    continue
                }
            }
        }
        self.encoding = encoding
        self.disposition = disposition
        self.dispositionParameters = dispositionParameters
    }

    var mimeType: String { "\(type)/\(subtype)" }

    /// A Content-Type parameter, RFC 2231 continuations and charsets applied.
    func parameter(_ name: String) -> String? {
        RFC2231.value(of: name, in: parameters)
    }

    /// The attachment's name: Content-Disposition filename, else Content-Type name.
    var filename: String? {
        let name = RFC2231.value(of: "filename", in: dispositionParameters) ?? parameter("name")
        guard let name, !name.isEmpty else { return nil }
        return name
    }

    var children: [UnsafeMutablePointer<mailmime>] {
        guard kind == MAILMIME_MULTIPLE else { return [] }
        return Self.list(node.pointee.mm_data.mm_multipart.mm_mp_list) { (m: UnsafeMutablePointer<mailmime>) in m }
    }

    /// The encoded body bytes (for a message/rfc822 node: the embedded message, headers included).
    var rawBody: UnsafeBufferPointer<UInt8> {
        let data =
            kind == MAILMIME_SINGLE ? (node.pointee.mm_data.mm_single ?? node.pointee.mm_body) : node.pointee.mm_body
        guard let data, data.pointee.dt_type == Int32(MAILMIME_DATA_TEXT),
            let start = data.pointee.dt_data.dt_text.dt_data
        else { return UnsafeBufferPointer(start: nil, count: 0) }
        let raw = UnsafeRawPointer(start).assumingMemoryBound(to: UInt8.self)
        return UnsafeBufferPointer(start: raw, count: data.pointee.dt_data.dt_text.dt_length)
    }

    /// The whole part as it stands in the message: its header block (when libetpan recorded it) and its body.
    var rawExtent: UnsafeBufferPointer<UInt8> {
        let body = rawBody
        guard let bodyStart = body.baseAddress else { return body }
        let begin = node.pointee.mm_mime_start.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) }
        guard let begin, begin < bodyStart else { return body }
        return UnsafeBufferPointer(start: begin, count: bodyStart - begin + body.count)
    }

    /// The raw header block of a multipart child (from the start of its part to its body).
    var rawHeaderBlock: UnsafeBufferPointer<UInt8> {
        let body = rawBody
        guard let start = node.pointee.mm_mime_start, let bodyStart = body.baseAddress else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        let begin = UnsafeRawPointer(start).assumingMemoryBound(to: UInt8.self)
        let count = bodyStart - begin
        guard count > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: begin, count: count)
    }

    /// The body with its transfer encoding (base64, quoted-printable) undone.
    func decodedBody() -> [UInt8] {
        let raw = rawBody
        guard let base = raw.baseAddress, raw.count > 0 else { return [] }
        switch Int(encoding) {
        case MAILMIME_MECHANISM_BASE64, MAILMIME_MECHANISM_QUOTED_PRINTABLE:
            var index = 0
            var result: UnsafeMutablePointer<CChar>?
            var length = 0
            let r = UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: raw.count) {
                mailmime_part_parse($0, raw.count, &index, encoding, &result, &length)
            }
            guard r == Int32(MAILIMF_NO_ERROR), let result else { return Array(raw) }
            defer { mailmime_decoded_part_free(result) }
            return Array(UnsafeRawBufferPointer(start: result, count: length))
        default:
            return Array(raw)
        }
    }

    static func mediaType(_ content: UnsafeMutablePointer<mailmime_content>) -> (String, String) {
        var type = "application"
        if let t = content.pointee.ct_type {
            if t.pointee.tp_type == Int32(MAILMIME_TYPE_DISCRETE_TYPE), let d = t.pointee.tp_data.tp_discrete_type {
                switch Int(d.pointee.dt_type) {
                case MAILMIME_DISCRETE_TYPE_TEXT: type = "text"
                case MAILMIME_DISCRETE_TYPE_IMAGE: type = "image"
                case MAILMIME_DISCRETE_TYPE_AUDIO: type = "audio"
                case MAILMIME_DISCRETE_TYPE_VIDEO: type = "video"
                case MAILMIME_DISCRETE_TYPE_APPLICATION: type = "application"
                default: type = string(d.pointee.dt_extension).lowercased()
                }
            } else if let c = t.pointee.tp_data.tp_composite_type {
                switch Int(c.pointee.ct_type) {
                case MAILMIME_COMPOSITE_TYPE_MESSAGE: type = "message"
                case MAILMIME_COMPOSITE_TYPE_MULTIPART: type = "multipart"
                default: type = string(c.pointee.ct_token).lowercased()
                }
            }
        }
        return (type, string(content.pointee.ct_subtype).lowercased())
    }

    static func string(_ p: UnsafePointer<CChar>?) -> String {
        guard let p else { return "" }
        let bytes = UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self)
        return String(decoding: UnsafeBufferPointer(start: bytes, count: strlen(p)), as: UTF8.self)
    }

    static func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        string(UnsafePointer(p))
    }

    /// Maps a libetpan clist whose elements are `T` pointers.
    static func list<T, R>(_ list: UnsafeMutablePointer<clist>?, _ transform: (UnsafeMutablePointer<T>) -> R) -> [R] {
        var out: [R] = []
        var it = cetpan_clist_begin(list)
        while let cell = it {
            if let data = cetpan_clist_content(cell) {
                out.append(transform(data.assumingMemoryBound(to: T.self)))
            }
            it = cetpan_clist_next(cell)
        }
        return out
    }
}
