import CEtpan
import VigieCore

/// Searching and fetching: each call is one IMAP command whatever the number of UIDs.
extension IMAPSession {
    /// UIDs of the selected mailbox that are >= `from`, ascending.
    ///
    /// `UID SEARCH UID n:*` also matches the highest UID when every UID is below n (`*` is the largest UID in use and
    /// `n:*` means the same as `*:n`, RFC 3501 §6.4.8); those are filtered out here.
    public func uids(from: UInt32) throws -> [UInt32] {
        let first = max(from, 1)
        let imap = try live("UID SEARCH UID \(first):*")
        guard let set = mailimap_set_new_interval(first, 0) else { throw EtpanError.outOfMemory("UID SEARCH") }
        guard let key = mailimap_search_key_new_uid(set) else {
            mailimap_set_free(set)
            throw EtpanError.outOfMemory("UID SEARCH")
        }
        defer { mailimap_search_key_free(key) }  // frees the set too
        var result: UnsafeMutablePointer<clist>?
        // An EXISTS announced from here on is a message this search may not see: `idle` looks at the flag first.
        imap.pointee.imap_selection_info?.pointee.sel_has_exists = 0
        imap.pointee.imap_selection_info?.pointee.sel_has_recent = 0
        try check(mailimap_uid_search(imap, nil, key, &result), "UID SEARCH UID \(first):*")
        defer { if let result { mailimap_search_result_free(result) } }
        var uids: [UInt32] = []
        uids.reserveCapacity(Int(cetpan_clist_count(result)))
        var it = cetpan_clist_begin(result)
        while let cell = it {
            if let uid = cetpan_clist_content(cell)?.assumingMemoryBound(to: UInt32.self).pointee, uid >= first {
                uids.append(uid)
            }
            it = cetpan_clist_next(cell)
        }
        uids.sort()
        return uids
    }

    /// RFC822.SIZE of each UID (UIDs no longer in the mailbox are absent).
    public func sizes(of uids: [UInt32]) throws -> [UInt32: Int] {
        let items = try fetch(uids, body: nil, size: true, operation: "UID FETCH (RFC822.SIZE)")
        var sizes: [UInt32: Int] = [:]
        for item in items { sizes[item.uid] = item.size }
        return sizes
    }

    /// BODY.PEEK[] of each UID in one `UID FETCH`, in ascending UID order; \Seen is left alone.
    public func fetchFull(_ uids: [UInt32]) throws -> [FetchedMessage] {
        try fetch(uids, body: .full, size: false, operation: "UID FETCH (BODY.PEEK[])").map {
            FetchedMessage(uid: $0.uid, raw: $0.bytes, headerOnly: false, size: $0.bytes.count)
        }
    }

    /// BODY.PEEK[HEADER] of each UID, with the whole message's RFC822.SIZE as `size`.
    public func fetchHeaders(_ uids: [UInt32]) throws -> [FetchedMessage] {
        try fetch(uids, body: .header, size: true, operation: "UID FETCH (RFC822.SIZE BODY.PEEK[HEADER])").map {
            FetchedMessage(uid: $0.uid, raw: $0.bytes, headerOnly: true, size: $0.size)
        }
    }

    enum BodyPart { case full, header }

    struct FetchedItem {
        var uid: UInt32
        var size: Int
        var bytes: [UInt8]
    }

    /// One `UID FETCH <compact set> (UID [RFC822.SIZE] [BODY.PEEK[…]])`; bytes are copied out before libetpan's
    /// result is freed. Unsolicited FETCH replies (flag changes of other messages) are ignored.
    func fetch(_ uids: [UInt32], body: BodyPart?, size: Bool, operation: String) throws -> [FetchedItem] {
        let uidSet = IMAPUIDSet(uids)
        if uidSet.isEmpty { return [] }
        let imap = try live(operation)
        let fetchType = try makeFetchType(body: body, size: size)
        defer { mailimap_fetch_type_free(fetchType) }
        let set = try uidSet.makeEtpanSet()
        defer { mailimap_set_free(set) }

        var result: UnsafeMutablePointer<clist>?
        try check(mailimap_uid_fetch(imap, set, fetchType, &result), operation)
        defer { if let result { mailimap_fetch_list_free(result) } }

        let wanted = Set(uids)
        var items: [FetchedItem] = []
        items.reserveCapacity(wanted.count)
        var it = cetpan_clist_begin(result)
        while let cell = it {
            it = cetpan_clist_next(cell)
            guard let msgAtt = cetpan_clist_content(cell)?.assumingMemoryBound(to: mailimap_msg_att.self),
                let item = Self.item(of: msgAtt, wantBody: body != nil, wantSize: size),
                wanted.contains(item.uid)
            else { continue }
            items.append(item)
        }
        items.sort { $0.uid < $1.uid }
        return items
    }

    private func makeFetchType(body: BodyPart?, size: Bool) throws -> UnsafeMutablePointer<mailimap_fetch_type> {
        guard let fetchType = mailimap_fetch_type_new_fetch_att_list_empty() else {
            throw EtpanError.outOfMemory("building a FETCH")
        }
        var atts: [UnsafeMutablePointer<mailimap_fetch_att>?] = [mailimap_fetch_att_new_uid()]
        if size { atts.append(mailimap_fetch_att_new_rfc822_size()) }
        switch body {
        case .full: atts.append(mailimap_fetch_att_new_body_peek_section(mailimap_section_new(nil)))
        case .header: atts.append(mailimap_fetch_att_new_body_peek_section(mailimap_section_new_header()))
        case nil: break
        }
        var failed = false
        for att in atts {
            guard let att, !failed, mailimap_fetch_type_new_fetch_att_list_add(fetchType, att) == MAILIMAP_NO_ERROR
            else {
                failed = true
                if let att { mailimap_fetch_att_free(att) }
                continue
            }
        }
        if failed {
            mailimap_fetch_type_free(fetchType)
            throw EtpanError.outOfMemory("building a FETCH")
        }
        return fetchType
    }

    /// The UID, size and body section of one FETCH reply; nil when an asked-for item is missing.
    private static func item(
        of msgAtt: UnsafeMutablePointer<mailimap_msg_att>, wantBody: Bool, wantSize: Bool
    )
        -> FetchedItem?
    {
        var uid: UInt32?
        var size: Int?
        var bytes: [UInt8]?
        var it = cetpan_clist_begin(msgAtt.pointee.att_list)
        while let cell = it {
            it = cetpan_clist_next(cell)
            guard let item = cetpan_clist_content(cell)?.assumingMemoryBound(to: mailimap_msg_att_item.self),
                Int(item.pointee.att_type) == MAILIMAP_MSG_ATT_ITEM_STATIC,
                let att = item.pointee.att_data.att_static
            else { continue }
            switch Int(att.pointee.att_type) {
            case MAILIMAP_MSG_ATT_UID:
                uid = att.pointee.att_data.att_uid
            case MAILIMAP_MSG_ATT_RFC822_SIZE:
                size = Int(att.pointee.att_data.att_rfc822_size)
            case MAILIMAP_MSG_ATT_BODY_SECTION:
                guard let section = att.pointee.att_data.att_body_section else { break }
                let length = section.pointee.sec_length
                if let part = section.pointee.sec_body_part, length > 0 {
                    bytes = [UInt8](UnsafeRawBufferPointer(start: part, count: length))
                } else {
                    bytes = []  // NIL or an empty literal
                }
            default:
                break
            }
        }
        guard let uid, !wantBody || bytes != nil, !wantSize || size != nil else { return nil }
        return FetchedItem(uid: uid, size: size ?? bytes?.count ?? 0, bytes: bytes ?? [])
    }
}
