import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// What `vigie clusters evidence ID --out DIR` wrote.
public struct EvidenceExport: Sendable {
    public var directory: String
    /// Every file written but the manifests, with its sha256, relative to `directory`.
    public var files: [(path: String, bytes: Int, sha256: String)]
}

/// Evidence of what was reported: each URL of a cluster fetched once, soon after its first report (a background job
/// of `serve`, or `vigie clusters evidence-fetch`), and the export a lawyer or a court asks for.
public struct EvidenceService: Sendable {
    let store: Store
    let settings: EvidenceSettings
    let weights: PriorityWeights
    let logger: Logger

    public init(store: Store, settings: EvidenceSettings, weights: PriorityWeights, logger: Logger) {
        self.store = store
        self.settings = settings
        self.weights = weights
        self.logger = logger
    }

    var fetcher: PageFetcher {
        PageFetcher(
            timeoutSeconds: settings.timeoutSeconds, maxBytes: settings.maxBytes,
            allowPrivateAddresses: settings.privateAddresses)
    }

    // MARK: - Fetching

    /// Fetches the URLs of the reports received since the last pass (each URL once per cluster) until none is left
    /// or `stop` is raised; returns how many snapshots were kept.
    @discardableResult
    public func fetchDue(stop: StopSignal? = nil) throws -> Int {
        var kept = 0
        let fetcher = self.fetcher
        while stop?.isStopped != true, let batch = try store.dueEvidence() {
            var snapshots: [(clusterID: Int64, snapshot: PageSnapshot, sha256: String)] = []
            for item in batch.items {
                // Stopped mid-batch: what was fetched is kept, the mark stays, the rest comes next time.
                if stop?.isStopped == true {
                    kept += try store.saveEvidence(snapshots)
                    return kept
                }
                let s = fetcher.fetch(item.url)
                snapshots.append((item.clusterID, s, Digest.sha256Hex(s.body)))
                logger.debug("evidence: cluster \(item.clusterID): \(item.url) → \(s.status)")
            }
            kept += try store.saveEvidence(snapshots, throughReportID: batch.throughReportID)
        }
        if kept > 0 { logger.info("evidence: \(kept) pages kept") }
        return kept
    }

    /// Fetches the URLs of cluster `id` that have no snapshot yet (a cluster reported before evidence was on).
    @discardableResult
    public func fetch(clusterID id: Int64) throws -> Int {
        guard try store.cluster(id: id, includeReporters: false, weights: weights) != nil else {
            throw StoreError.notFound(what: "cluster \(id)", hint: "see `vigie clusters list`")
        }
        let fetcher = self.fetcher
        let snapshots = try store.missingEvidence(clusterID: id).map { url in
            let s = fetcher.fetch(url)
            return (clusterID: id, snapshot: s, sha256: Digest.sha256Hex(s.body))
        }
        return try store.saveEvidence(snapshots)
    }

    /// Runs `fetchDue` every `intervalSeconds` until `stop`: the job of `vigie serve`. Store errors are logged and
    /// retried; a database gone away is rethrown by `fatal`.
    public func loop(until stop: StopSignal, intervalSeconds: Double = 30, fatal: (any Error) throws -> Void) throws {
        while !stop.isStopped {
            do {
                try fetchDue(stop: stop)
            } catch {
                try fatal(error)
                logger.error("evidence: \(error); trying again in \(Int(intervalSeconds)) s")
            }
            stop.sleep(intervalSeconds)
        }
    }

    // MARK: - Export

    /// Writes the cluster's evidence into `directory` (created; it must not exist or be empty): the snapshots, the
    /// citizens' screenshots, their reports (masked unless `withReporters`), the audit trail, and `manifest.txt` /
    /// `manifest.json` listing every file with its size and sha256.
    public func export(
        clusterID id: Int64, to directory: String, withReporters: Bool, now: Date = Date()
    ) throws -> EvidenceExport {
        guard let detail = try store.cluster(id: id, includeReporters: withReporters, weights: weights) else {
            throw StoreError.notFound(what: "cluster \(id)", hint: "see `vigie clusters list`")
        }
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: directory), !existing.isEmpty {
            throw ConfigError("\(directory) is not empty; choose a new folder for the evidence of cluster \(id)")
        }
        var written: [(path: String, bytes: Int, sha256: String)] = []
        func write(_ relative: String, _ bytes: [UInt8]) throws {
            let path = (directory as NSString).appendingPathComponent(relative)
            do {
                try fm.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
                guard fm.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
                else { throw CocoaError(.fileWriteUnknown) }
            } catch {
                throw ConfigError("cannot write \(path): \(error.localizedDescription)")
            }
            written.append((relative, bytes.count, Digest.sha256Hex(bytes)))
        }
        func text(_ relative: String, _ lines: [String]) throws {
            try write(relative, Array((lines.joined(separator: "\n") + "\n").utf8))
        }

        let s = detail.summary
        try text("cluster.txt", Self.clusterLines(detail, now: now))

        let records = try store.evidence(clusterID: id)
        for (i, r) in records.enumerated() {
            let n = String(format: "%02d", i + 1)
            let snap = r.snapshot
            try text(
                "snapshots/\(n)-info.txt",
                [
                    "url: \(SafeText.line(snap.url))", "fetched_at: \(Self.iso(snap.fetchedAt))",
                    "http_status: \(snap.status)", "final_url: \(snap.finalURL.map(SafeText.line) ?? "-")",
                    "body_bytes: \(snap.body.count)\(snap.truncated ? " (cut at the size limit)" : "")",
                    "body_sha256: \(r.sha256)", "error: \(snap.error.map(SafeText.line) ?? "-")",
                ])
            try write("snapshots/\(n)-headers.txt", Array(snap.headers.utf8))
            try write("snapshots/\(n)-body.\(Self.bodyExtension(snap.headers))", snap.body)
        }

        let reports = try store.clusterReports(clusterID: id)
        for shot in NoticeMailer.screenshots(reports, clusterID: id, limit: 1000, bytes: Int.max, logger: logger) {
            try write("screenshots/\(shot.filename ?? "capture.img")", shot.bytes)
        }
        for report in reports {
            if withReporters {
                try write("reports/\(report.reportID).eml", report.raw)
            } else {
                try text("reports/\(report.reportID).txt", Self.maskedReport(report))
            }
        }

        for (i, notice) in try store.noticeMessages(clusterID: id).enumerated() {
            try write("notices/\(String(format: "%02d", i + 1))-notice.eml", notice.bytes)
        }

        var audit = ["Historique du signalement groupé n° \(id)", ""]
        for e in detail.events {
            var line = "\(Self.iso(e.at))  \(e.from.rawValue) → \(e.to.rawValue)  par \(SafeText.line(e.author))"
            if let o = e.offence { line += "  infraction: \(o)" }
            if let c = e.channel { line += "  canal: \(SafeText.line(c))" }
            if let r = e.platformRef { line += "  référence: \(SafeText.line(r))" }
            if let r = e.reason { line += "  motif: \(SafeText.line(r))" }
            if let n = e.note { line += "  note: \(SafeText.line(n))" }
            audit.append(line)
        }
        for n in try store.notices(clusterID: id) {
            audit.append(
                "\(Self.iso(n.createdAt))  notification envoyée par courriel à \(n.recipient) <\(n.messageID)> "
                    + "par \(SafeText.line(n.author)) (\(n.state?.rawValue ?? "-"))")
        }
        for r in try store.platformReplies(clusterID: id).reversed() {
            audit.append(
                "\(Self.iso(r.receivedAt))  réponse de la plateforme (message \(r.messageID), "
                    + "\(SafeText.line(r.from ?? "-"))) : \(SafeText.line(r.subject ?? ""))")
            audit.append("    " + SafeText.line(r.excerpt))
        }
        for r in records {
            audit.append(
                "\(Self.iso(r.snapshot.fetchedAt))  page conservée : \(SafeText.line(r.snapshot.url)) → "
                    + "HTTP \(r.snapshot.status)")
        }
        try text("audit.txt", audit)

        // The manifests list every file above; they are written last and list each other not.
        let manifestLines =
            [
                "Vigie — éléments de preuve du signalement groupé n° \(id) (\(s.platform.displayName))",
                "généré le \(Self.iso(now))"
                    + (withReporters ? "" : "; adresses et noms des personnes ayant signalé masqués"),
                "sha256  octets  fichier",
            ] + written.map { "\($0.sha256)  \($0.bytes)  \($0.path)" }
        let json: [String: Any] = [
            "cluster": id, "platform": s.platform.rawValue, "generated_at": Self.iso(now),
            "reporters_redacted": !withReporters,
            "files": written.map { ["path": $0.path, "bytes": $0.bytes, "sha256": $0.sha256] as [String: Any] },
        ]
        let jsonData = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        let files = written
        try text("manifest.txt", manifestLines)
        try write("manifest.json", [UInt8](jsonData) + [0x0A])
        return EvidenceExport(directory: directory, files: files)
    }

    static func clusterLines(_ d: ClusterDetail, now: Date) -> [String] {
        let s = d.summary
        var lines = [
            "signalement groupé n° \(s.id)", "plateforme: \(s.platform.displayName)",
            "identité: \(SafeText.line(s.key))",
            "lien canonique: \(SafeText.line(s.canonicalURL))", "statut: \(s.status.rawValue)",
            "infraction: \(s.offence ?? "-")", "personnes distinctes: \(s.reporters)", "signalements: \(s.reports)",
            "premier signalement: \(s.firstReported.map(iso) ?? "-")",
            "dernier signalement: \(s.lastReported.map(iso) ?? "-")",
        ]
        if let a = s.account { lines.append("compte: \(SafeText.line(a))") }
        lines.append("liens tels que signalés:")
        lines += s.urls.map { "  " + SafeText.line($0) }
        return lines
    }

    /// A report without its sender: date, subject and text with addresses and the sender's name masked, and the
    /// sha256 of the message as received (the institution keeps it, so the original can be produced and checked).
    static func maskedReport(_ r: StoredClusterReport) -> [String] {
        let names = [r.fromName, r.fromAddress?.split(separator: "@").first.map(String.init)].compactMap { $0 }
        var lines = [
            "signalement \(r.reportID), reçu le \(iso(r.receivedAt))",
            "message d'origine: sha256 \(Digest.sha256Hex(r.raw)), \(r.raw.count) octets",
            "expéditeur: \(PrivacyMask.addressMark)",
        ]
        if let parsed = try? MessageParser.parse(r.raw) {
            lines.append("objet: \(SafeText.line(PrivacyMask.mask(parsed.subject ?? "", names: names)))")
            if !parsed.attachments.isEmpty {
                lines.append(
                    "pièces jointes: \(parsed.attachments.map { "\($0.mimeType) (\($0.size) octets)" }.joined(separator: ", "))"
                )
            }
            lines.append("")
            lines.append(SafeText.block(PrivacyMask.mask(parsed.text, names: names)))
        } else {
            lines.append("(le message ne se lit plus ; l'original est conservé)")
        }
        return lines
    }

    /// `html` for an HTML page, `json`, `txt`, else `bin`, from the last Content-Type received.
    static func bodyExtension(_ headers: String) -> String {
        let type =
            headers.split(whereSeparator: \.isNewline).last { $0.lowercased().hasPrefix("content-type:") }?
            .lowercased() ?? ""
        if type.contains("html") { return "html" }
        if type.contains("json") { return "json" }
        if type.contains("text/plain") { return "txt" }
        return "bin"
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}
