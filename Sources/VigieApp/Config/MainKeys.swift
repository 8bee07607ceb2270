import VigieCore

/// Every key of `vigie.toml`, by section, one line each (see `QueueKeys` for the queue files).
public enum MainKeys {
    enum Database {
        static let path = Key<String>.required("path", "the SQLite file (relative to vigie.toml); not empty")
    }

    enum Organisation {
        static let name = Key<String>.required("name", "who runs Vigie: signs notices and mails")
        static let email = Key<String?>.optional("email", "contact address cited in platform notices")
        static let postalAddress = Key<String?>.optional("postal_address", "postal address cited in platform notices")
        static let website = Key<String?>.optional("website", "shown at the foot of the newsletter")
        static let ownHosts = Key<[String]>.strings(
            "own_hosts", [], "the institution's own hosts: their links are never reported content")
    }

    enum SMTP {
        static let url = Key<String>.required(
            "url", "the default relay, `smtp://host:port` (`smtps://` = implicit TLS)")
        static let starttls = Key<Bool>.bool("starttls", false, "upgrade the plain connection with STARTTLS")
        static let user = Key<String?>.optional("user", "the SMTP login; empty = no AUTH")
        static let from = Key<String>.required("from", "the default sender, `Name <address>`, on one line")
        static let caFile = Key<String?>.optional("ca_file", "a CA bundle to trust instead of the system's")
    }

    enum Paths {
        static let queues = Key<String>.string("queues", "queues", "the folder of queue files")
        static let templates = Key<String>.string(
            "templates", "templates", "the folder of Mustache templates; must exist")
    }

    enum Intake {
        static let ignoredHosts = Key<[String]>.strings(
            "ignored_hosts", [], "more hosts whose links are not reported content")
    }

    enum Clusters {
        static let resolveShortLinks = Key<Bool>.bool(
            "resolve_short_links", true, "follow t.co, bit.ly, … redirects (HEAD, 5 hops), cached, retried on failure")
        static let shortLinkHosts = Key<[String]>.strings("short_link_hosts", [], "more shorteners to resolve")
        static let shortLinkTimeoutSeconds = Key<Int>.integer(
            "short_link_timeout_seconds", 5, 1...60, "bounds each short-link request")
        static let trackingParameters = Key<[String]>.strings(
            "tracking_parameters", [], "more query parameters to ignore when comparing URLs")
        static let redirectWrappers = Key<[TOMLReader]>.tables(
            "redirect_wrappers", "`{ host, param, path }`",
            "more links that only carry another (`*.example.org` = every subdomain)")
        static let weightReporters = Key<Double>.number(
            "weight_reporters", 1, 0...1000, "priority weight of distinct reporters")
        static let weightVelocity = Key<Double>.number(
            "weight_velocity", 2, 0...1000, "priority weight of distinct reporters in the last 24 h")
        static let weightRecency = Key<Double>.number(
            "weight_recency", 1, 0...1000, "priority weight of 2^(−hours since the last report / half-life)")
        static let recencyHalfLifeHours = Key<Double>.number(
            "recency_half_life_hours", 24, 0...10_000, "the half-life of recency")
    }

    enum Moderation {
        static let offences = Key<String>.string(
            "offences", "offences.toml", "the editable list of offences moderators qualify against")
        static let platforms = Key<String>.string(
            "platforms", "platforms.toml", "where notices go, per platform, and how contents are checked")
        static let evidence = Key<Bool>.bool(
            "evidence", true, "fetch each reported URL once, at its cluster's first report, and keep it as evidence")
        static let evidenceMaxBytes = Key<Int>.integer(
            "evidence_max_bytes", 2 << 20, 0...(256 << 20), "the body kept at most per URL (2 MiB)")
        static let evidenceTimeoutSeconds = Key<Int>.integer(
            "evidence_timeout_seconds", 10, 1...120, "bounds each evidence fetch, redirects included")
        static let evidencePrivateAddresses = Key<Bool>.bool(
            "evidence_private_addresses", false,
            "also fetch pages on loopback, private and link-local addresses (tests, an intranet); off: refused")
    }

    enum Rechecks {
        static let enabled = Key<Bool>.bool(
            "enabled", true, "`serve` checks notified URLs at 1 h, 6 h, 24 h, 3 and 7 days, then weekly")
        static let perHostIntervalSeconds = Key<Double>.number(
            "per_host_interval_seconds", 2, 0...3600, "politeness: at most one check per host this often")
        static let timeoutSeconds = Key<Int>.integer("timeout_seconds", 10, 1...120, "bounds each request")
        static let maxBodyKB = Key<Int>.integer(
            "max_body_kb", 16, 1...1024, "a GET reads at most this much of the body (KiB)")
        static let concurrency = Key<Int>.integer("concurrency", 4, 1...64, "checks in flight at once (any hosts)")
    }

    enum HTTP {
        static let listen = Key<String?>.optional(
            "listen", "where `serve` answers HTTP, `HOST:PORT` (`[::1]:8080` for IPv6); absent = no HTTP")
        static let trustedProxies = Key<[String]>.strings(
            "trusted_proxies", [],
            "reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` names the client")
        static let publicURL = Key<String?>.optional(
            "public_url",
            "the base address people see (`https://…`): every link Vigie writes (unsubscribe, confirmation, console)")
        static let metricsAllow = Key<[String]>.strings(
            "metrics_allow", [],
            "clients (addresses or CIDR blocks) allowed to read `/metrics` besides loopback and `trusted_proxies`")
    }

    /// The sections in the order of `deploy/vigie.example.toml`.
    public static let sections: [(name: String, keys: [ConfigKey])] = [
        ("database", [Database.path.spec]),
        (
            "organisation",
            [
                Organisation.name.spec, Organisation.email.spec, Organisation.postalAddress.spec,
                Organisation.website.spec, Organisation.ownHosts.spec,
            ]
        ),
        (
            "smtp",
            [SMTP.url.spec, SMTP.starttls.spec, SMTP.user.spec] + QueueKeys.Secret.all
                + [SMTP.from.spec, SMTP.caFile.spec]
        ),
        ("paths", [Paths.queues.spec, Paths.templates.spec]),
        ("intake", [Intake.ignoredHosts.spec]),
        (
            "clusters",
            [
                Clusters.resolveShortLinks.spec, Clusters.shortLinkHosts.spec,
                Clusters.shortLinkTimeoutSeconds.spec, Clusters.trackingParameters.spec,
                Clusters.redirectWrappers.spec, Clusters.weightReporters.spec, Clusters.weightVelocity.spec,
                Clusters.weightRecency.spec, Clusters.recencyHalfLifeHours.spec,
            ]
        ),
        (
            "moderation",
            [
                Moderation.offences.spec, Moderation.platforms.spec, Moderation.evidence.spec,
                Moderation.evidenceMaxBytes.spec, Moderation.evidenceTimeoutSeconds.spec,
                Moderation.evidencePrivateAddresses.spec,
            ]
        ),
        (
            "rechecks",
            [
                Rechecks.enabled.spec, Rechecks.perHostIntervalSeconds.spec, Rechecks.timeoutSeconds.spec,
                Rechecks.maxBodyKB.spec, Rechecks.concurrency.spec,
            ]
        ),
        ("http", [HTTP.listen.spec, HTTP.publicURL.spec, HTTP.trustedProxies.spec, HTTP.metricsAllow.spec]),
    ]

    /// Checks every declared key of every section present, so `finish()` then names any undeclared one.
    static func check(_ root: TOMLReader) throws {
        for section in sections where root.contains(section.name) {
            let t = try root.table(section.name)
            for key in section.keys { try key.check(t) }
        }
    }
}
