import CEtpan
import Logging
import VigieCore

/// Changing messages on the server: flags and moves, each one command for the whole batch.
extension IMAPSession {
    /// Add the \Seen flag (`UID STORE set +FLAGS.SILENT (\Seen)`).
    public func markSeen(_ uids: [UInt32]) throws {
        try addFlag(uids, flag: mailimap_flag_new_seen, name: "\\Seen")
    }

    /// MOVE where offered, else COPY + \Deleted + UID EXPUNGE (UIDPLUS) or EXPUNGE; a missing target mailbox is
    /// created (on `NO [TRYCREATE]` or any NO) and the command retried once.
    public func move(_ uids: [UInt32], to mailbox: String) throws {
        let uidSet = IMAPUIDSet(uids)
        if uidSet.isEmpty { return }
        do {
            try moveOnce(uidSet, to: mailbox)
        } catch let error as EtpanError where error.kind == .protocolError {
            let imap = try live("CREATE \(mailbox)")
            let tryCreate = imap.pointee.imap_response_info?.pointee.rsp_trycreate ?? 0
            logger.debug(
                "move refused; creating the mailbox and retrying",
                metadata: ["mailbox": "\(mailbox)", "trycreate": "\(tryCreate != 0)", "error": "\(error)"])
            let created = mailimap_create(imap, mailbox)
            if created != MAILIMAP_NO_ERROR {
                // "Already exists" is fine (the NO had another cause and the retry will tell); a dead link is not.
                try? check(created, "CREATE \(mailbox)")
                _ = try live("CREATE \(mailbox)")
            }
            try moveOnce(uidSet, to: mailbox)
        }
    }

    private func moveOnce(_ uidSet: IMAPUIDSet, to mailbox: String) throws {
        let imap = try live("MOVE to \(mailbox)")
        let set = try uidSet.makeEtpanSet()
        defer { mailimap_set_free(set) }
        if capabilities.contains("MOVE") {
            try check(mailimap_uid_move(imap, set, mailbox), "UID MOVE \(uidSet.imapString) \(mailbox)")
            return
        }
        try check(mailimap_uid_copy(imap, set, mailbox), "UID COPY \(uidSet.imapString) \(mailbox)")
        try addFlag(uidSet, flag: mailimap_flag_new_deleted, name: "\\Deleted")
        if capabilities.contains("UIDPLUS") {
            try check(mailimap_uid_expunge(imap, set), "UID EXPUNGE \(uidSet.imapString)")
        } else {
            // Without UIDPLUS this also expunges other messages someone marked \Deleted: the classic IMAP trade-off.
            try check(mailimap_expunge(imap), "EXPUNGE")
        }
    }

    private func addFlag(_ uids: [UInt32], flag: () -> UnsafeMutablePointer<mailimap_flag>?, name: String) throws {
        let uidSet = IMAPUIDSet(uids)
        if uidSet.isEmpty { return }
        try addFlag(uidSet, flag: flag, name: name)
    }

    private func addFlag(
        _ uidSet: IMAPUIDSet, flag: () -> UnsafeMutablePointer<mailimap_flag>?, name: String
    )
        throws
    {
        let operation = "UID STORE \(uidSet.imapString) +FLAGS.SILENT (\(name))"
        let imap = try live(operation)
        guard let list = mailimap_flag_list_new_empty() else { throw EtpanError.outOfMemory(operation) }
        guard let theFlag = flag(), mailimap_flag_list_add(list, theFlag) == MAILIMAP_NO_ERROR else {
            mailimap_flag_list_free(list)
            throw EtpanError.outOfMemory(operation)
        }
        guard let storeAtt = mailimap_store_att_flags_new_add_flags_silent(list) else {
            mailimap_flag_list_free(list)
            throw EtpanError.outOfMemory(operation)
        }
        defer { mailimap_store_att_flags_free(storeAtt) }  // frees the list too
        let set = try uidSet.makeEtpanSet()
        defer { mailimap_set_free(set) }
        try check(mailimap_uid_store(imap, set, storeAtt), operation)
    }
}
