import ArgumentParser
import Foundation
import VigieApp
import VigieCore

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Figures for reports: the platforms' record of notices.", subcommands: [Platforms.self])

    struct Platforms: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per platform and per offence: notices, removals, removal rate, median and p90 time to "
                + "removal, still online after 7 and 30 days, no answer.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: "Notices from this day (YYYY-MM-DD, Paris time) or instant (ISO 8601).")
        var since: String?
        @Option(name: .long, help: "Notices before this day (YYYY-MM-DD, excluded) or instant (ISO 8601).")
        var until: String?
        @Flag(name: .long, help: "JSON output.") var json = false
        @Flag(name: .long, help: "CSV output (one line per platform and per offence).") var csv = false
        @Option(name: .long, help: "Write the French HTML page (with its chart) to FILE.") var html: String?

        func validate() throws {
            if [json, csv, html != nil].filter({ $0 }).count > 1 {
                throw ValidationError("choose one of --json, --csv, --html FILE")
            }
        }

        func run() throws {
            try guarded {
                let from = try since.map { try Self.date($0, option: "--since") }
                let to = try until.map { try Self.date($0, option: "--until") }
                if let from, let to, from >= to {
                    throw ValidationError("--since must be before --until")
                }
                let ctx = try global.context()
                let report = try ctx.platformRecord(since: from, until: to)
                let record = report.record
                if json {
                    return Output.emit(try Output.json(PlatformRecordJSON(record: record, since: from, until: to)))
                }
                if csv {
                    FileHandle.standardOutput.write(Data(report.csv().utf8))
                    return
                }
                if let html {
                    do {
                        try report.html().write(toFile: html, atomically: true, encoding: .utf8)
                    } catch {
                        throw ValidationError("cannot write \(html): \(error.localizedDescription)")
                    }
                    return Output.emit("wrote \(html) (\(record.totals.count) platforms)")
                }
                Output.emit(Self.table(record))
            }
        }

        /// `2026-01-01` (midnight, Paris time) or an ISO 8601 instant.
        static func date(_ text: String, option: String) throws -> Date {
            let day = DateFormatter()
            day.locale = Locale(identifier: "en_US_POSIX")
            day.timeZone = TimeZone(identifier: "Europe/Paris")
            day.dateFormat = "yyyy-MM-dd"
            if text.count == 10, let d = day.date(from: text) { return d }
            if let d = ISO8601DateFormatter().date(from: text) { return d }
            throw ValidationError(
                "\(option) \(SafeText.quoted(text)) is not a date; write YYYY-MM-DD or 2026-01-01T00:00:00Z")
        }

        static func table(_ r: PlatformRecord) -> String {
            guard !r.lines.isEmpty else { return "no notice in this period" }
            func days(_ s: Double?) -> String { s.map { String(format: "%.1f", $0 / 86_400) } ?? "-" }
            var lines = [
                "PLATFORM / OFFENCE            NOTICES  REMOVED  RATE  MEDIAN_D  P90_D  ONLINE_7D  ONLINE_30D  NO_ANSWER"
            ]
            for l in r.lines {
                let name = l.offence.map { "  " + ($0.isEmpty ? "(none)" : $0) } ?? l.platform.rawValue
                let cells = [
                    Output.pad(String(name.prefix(29)), 29), Output.pad(String(l.notices), 8),
                    Output.pad(String(l.removed), 8), Output.pad("\(Int((l.removalRate * 100).rounded()))%", 5),
                    Output.pad(days(l.medianSeconds), 9), Output.pad(days(l.p90Seconds), 6),
                    Output.pad("\(l.stillOnline7)/\(l.eligible7)", 10),
                    Output.pad("\(l.stillOnline30)/\(l.eligible30)", 11),
                    String(l.noAnswer),
                ]
                lines.append(cells.joined(separator: " "))
            }
            return lines.joined(separator: "\n")
        }
    }
}

/// `stats platforms --json`.
struct PlatformRecordJSON: Encodable {
    var record: PlatformRecord
    var since: Date?
    var until: Date?

    struct Line: Encodable {
        var platform: String
        var platformName: String
        var offence: String?
        var notices, removed: Int
        var removalRate: Double
        var medianDays, p90Days: Double?
        var stillOnline7d, eligible7d, stillOnline30d, eligible30d, noAnswer: Int

        enum CodingKeys: String, CodingKey {
            case platform, offence, notices, removed
            case platformName = "platform_name"
            case removalRate = "removal_rate"
            case medianDays = "median_days"
            case p90Days = "p90_days"
            case stillOnline7d = "still_online_7d"
            case eligible7d = "eligible_7d"
            case stillOnline30d = "still_online_30d"
            case eligible30d = "eligible_30d"
            case noAnswer = "no_answer"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(platform, forKey: .platform)
            try c.encode(platformName, forKey: .platformName)
            try c.encode(offence, forKey: .offence)
            try c.encode(notices, forKey: .notices)
            try c.encode(removed, forKey: .removed)
            try c.encode(removalRate, forKey: .removalRate)
            try c.encode(medianDays, forKey: .medianDays)
            try c.encode(p90Days, forKey: .p90Days)
            try c.encode(stillOnline7d, forKey: .stillOnline7d)
            try c.encode(eligible7d, forKey: .eligible7d)
            try c.encode(stillOnline30d, forKey: .stillOnline30d)
            try c.encode(eligible30d, forKey: .eligible30d)
            try c.encode(noAnswer, forKey: .noAnswer)
        }
    }

    enum CodingKeys: String, CodingKey {
        case since, until, platforms
        case asOf = "as_of"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(since, forKey: .since)
        try c.encode(until, forKey: .until)
        try c.encode(record.asOf, forKey: .asOf)
        // Each platform's total, with its offences nested.
        var out: [PlatformJSON] = []
        for l in record.lines {
            let line = Line(
                platform: l.platform.rawValue, platformName: l.platform.displayName, offence: l.offence,
                notices: l.notices, removed: l.removed, removalRate: (l.removalRate * 10_000).rounded() / 10_000,
                medianDays: l.medianSeconds.map { ($0 / 86.4).rounded() / 1000 },
                p90Days: l.p90Seconds.map { ($0 / 86.4).rounded() / 1000 }, stillOnline7d: l.stillOnline7,
                eligible7d: l.eligible7, stillOnline30d: l.stillOnline30, eligible30d: l.eligible30,
                noAnswer: l.noAnswer)
            if l.offence == nil {
                out.append(PlatformJSON(total: line, offences: []))
            } else {
                out[out.count - 1].offences.append(line)
            }
        }
        try c.encode(out, forKey: .platforms)
    }

    struct PlatformJSON: Encodable {
        var total: Line
        var offences: [Line]
    }
}
