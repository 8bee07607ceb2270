import VigieCore

/// The one decision between a verdict on the recipient and a fault of the session, from libcurl's result, the
/// replies seen and how far the dialogue got.
///
/// - A 4xx/5xx that ended the transfer is the recipient's only when it answered RCPT TO, DATA or the end of the data;
///   at the greeting, EHLO, STARTTLS, AUTH or MAIL FROM it is the session's (`.rejected`, `.authentication`,
///   `.starttlsUnavailable`).
/// - Without such a reply, libcurl's code decides; a timeout or a broken connection counts against the message
///   (`.timeoutDuringData`, `.droppedDuringData`) only once it was handed over (after 354), since the relay may
///   have taken it; before that it is the session's.
/// - Credentials configured but no AUTH done: always `.authUnavailable`, whatever the relay answered.
enum SMTPOutcome {
    /// What one transfer showed.
    struct Observed: Sendable {
        /// nil when libcurl reported success.
        var kind: CurlError.Kind?
        /// libcurl's description of the error (empty on success).
        var errorText: String
        /// `CURLINFO_RESPONSE_CODE`: the last reply code libcurl parsed.
        var responseCode: Int
        /// The replies, in order, each with the command it answers (QUIT's excluded).
        var replies: [TransferContext.Reply]
        /// The command whose reply was awaited when the transfer ended.
        var stage: SMTPReply.Stage
        /// MAIL FROM went out without AUTH although credentials are configured.
        var sentUnauthenticated: Bool
    }

    static func classify(_ o: Observed) -> SMTPReply {
        // The verdict is the last reply seen; libcurl's own last code stands in if the debug stream showed none.
        let last =
            o.replies.last
            ?? (o.responseCode > 0 ? TransferContext.Reply(code: o.responseCode, text: "", stage: o.stage) : nil)
        guard let kind = o.kind else {
            if let last, (200..<300).contains(last.code) {
                return SMTPReply(code: last.code, text: last.text, stage: last.stage)
            }
            return SMTPReply(
                code: 0, text: "transfer ended without a final reply", failure: .protocolError, stage: o.stage)
        }
        // What the relay last said at the failing stage, when it said something (a bare 250 to AUTH …).
        let said = last.flatMap { $0.stage == o.stage && !$0.text.isEmpty ? "; server: \($0.text)" : nil } ?? ""
        func fault(_ failure: SMTPReply.Failure, _ text: String? = nil, code: Int = 0) -> SMTPReply {
            SMTPReply(code: code, text: text ?? o.errorText + said, failure: failure, stage: o.stage)
        }
        if o.sentUnauthenticated {
            let said = last.map { $0.code >= 400 ? "\(o.errorText); server: \($0.text)" : nil } ?? nil
            return fault(
                .authUnavailable, said ?? "no AUTH done although credentials are set; the message was not sent")
        }
        if let last, last.code >= 400, last.stage == o.stage {
            switch last.stage {
            case .rcptTo, .data, .message:
                return SMTPReply(code: last.code, text: last.text, stage: last.stage)
            case .auth:
                return fault(.authentication, last.text, code: last.code)
            case .starttls:
                return fault(.starttlsUnavailable, last.text, code: last.code)
            case .connect, .greeting, .ehlo, .mailFrom:
                return fault(.rejected, last.text, code: last.code)
            }
        }
        let handedOver = o.stage == .message
        switch kind {
        case .configuration: return fault(.configuration)
        case .caFile: return fault(.configuration, "ca_file cannot be used: \(o.errorText)")
        case .resolve: return fault(.resolve)
        case .connect: return fault(.connection)
        case .timeout: return fault(handedOver ? .timeoutDuringData : .timeout)
        case .tlsHandshake: return fault(.tls)
        case .untrustedCertificate: return fault(.untrustedCertificate)
        case .tlsRequired: return fault(.starttlsUnavailable)
        case .login:
            // libcurl's LOGIN_DENIED without a refusal at AUTH: no mechanism in common with the relay.
            return fault(o.stage == .auth ? .authentication : .authUnavailable)
        case .connectionLost: return fault(handedOver ? .droppedDuringData : .connection)
        case .serverReply where handedOver:
            // An odd final reply to the data (not 2xx, 4xx, 5xx): the message's fate is unknown.
            if let last, last.stage == .message {
                return SMTPReply(code: last.code, text: last.text, stage: .message)
            }
            return fault(.droppedDuringData)
        case .serverReply, .aborted, .other:
            return fault(handedOver ? .droppedDuringData : .protocolError)
        }
    }
}
