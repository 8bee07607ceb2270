import Foundation
import GRDB
import Testing

/// `/healthz` and `/metrics` of a real `serve` on loopback.
@Suite(.serialized) struct CLIWebOpsTests {
    /// Debian's python (the one with python3-prometheus-client), whatever `python3` a PATH finds first.
    static let python =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"

    /// `/metrics` parsed by a real Prometheus text parser (python3-prometheus-client): the store's gauges and the
    /// process's counters are there with the values the requests made; a proxied or non-local scrape is refused.
    @Test func metricsAreValidPrometheusTextWithTheExpectedValues() throws {
        try LocalServers.requireIMAP()
        let f = try SubscriberWebFixture(subscribers: 2)
        let s = try f.web.start()
        defer { _ = s.terminate() }
        let http = f.web.http
        #expect(
            try http.postForm("/u/\(try f.token(f.addresses[0]))", [("List-Unsubscribe", "One-Click")]).status == 200)
        #expect(try http.get("/nulle-part").status == 404)
        let r = try http.get("/metrics")
        #expect(r.status == 200)
        #expect(r.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let families = try Self.parse(r.body)
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            families[name]?.samples.first { s in labels.allSatisfy { s.labels[$0.key] == $0.value } }?.value
        }
        #expect(families["vigie_reports"]?.type == "gauge")
        #expect(value("vigie_subscribers", ["status": "active"]) == 1)
        #expect(value("vigie_subscribers", ["status": "unsubscribed"]) == 1)
        #expect(value("vigie_unsubscribes", ["channel": "one-click"]) == 1)
        #expect(value("vigie_database_up") == 1)
        #expect(families["vigie_clusters"] != nil)
        #expect(families["vigie_smtp_replies"] != nil)
        #expect(value("vigie_http_unsubscribes", ["channel": "one-click"]) == 1, "\(families.keys.sorted())")
        let requests = families["vigie_http_requests"]
        #expect(requests?.type == "counter", "\(families.keys.sorted())")
        #expect(requests?.samples.contains { $0.labels["route"] == "NotFound" && $0.labels["status"] == "404" } == true)
        #expect(
            requests?.samples.contains { ($0.labels["route"] ?? "").hasPrefix("/u/") && $0.labels["status"] == "200" }
                == true)
        #expect(!r.body.contains(try f.token(f.addresses[1])), "no token in the labels")
        // The intake queue of the fixture has polled at least once: its last success is a timestamp.
        #expect(
            eventually(timeout: 20, every: 0.1) {
                guard let body = try? http.get("/metrics").body, let fam = try? Self.parse(body) else { return false }
                return (fam["vigie_intake_last_success_timestamp_seconds"]?.samples.first?.value ?? 0) > 0
            })

        // Through a proxy (X-Forwarded-For), even from loopback: refused.
        let proxied = try http.get("/metrics", headers: [("X-Forwarded-For", "203.0.113.7")])
        #expect(proxied.status == 403)
    }

    /// `/healthz` is 200 with the intake queue's last success; when its IMAP server goes away (a relay in front of
    /// Dovecot, stopped — the real Dovecot keeps serving the other tests) the queue is `retrying`, still 200; once
    /// the failure is older than 10 minutes (the streak's start moved back in the database, the clock not waited
    /// for) it is 503; the server back, 200 again.
    @Test func healthzTurns503WhenTheIMAPServerIsGoneForTenMinutes() throws {
        try LocalServers.requireIMAP()
        let f = try SubscriberWebFixture(subscribers: 0)
        let relayPort = HTTPProbe.freePort()
        var relay = try Self.startRelay(port: relayPort, to: LocalServers.imapPort)
        // SIGKILL: the test process's children inherit a blocked SIGTERM.
        defer { kill(relay.processIdentifier, SIGKILL) }
        let reports = f.web.serve.dir + "/queues/reports.toml"
        let text = try String(contentsOfFile: reports, encoding: .utf8)
            .replacingOccurrences(of: ":\(LocalServers.imapPort)\"", with: ":\(relayPort)\"")
        try text.write(toFile: reports, atomically: true, encoding: .utf8)
        let s = try f.web.start()
        defer { _ = s.terminate() }
        let http = f.web.http

        var health: [String: Any] = [:]
        #expect(
            eventually(timeout: 30, every: 0.1) {
                health = (try? Self.health(http)) ?? [:]
                return Self.queueState(health)?["last_success"] is String
            }, "\(health)")
        #expect(health["status"] as? String == "ok")
        #expect(try http.get("/healthz").status == 200)

        kill(relay.processIdentifier, SIGKILL)
        relay.waitUntilExit()
        #expect(
            eventually(timeout: 30, every: 0.1) {
                health = (try? Self.health(http)) ?? [:]
                return Self.queueState(health)?["state"] as? String == "retrying"
            }, "\(health)")
        #expect(try http.get("/healthz").status == 200, "failing for less than 10 minutes is not unhealthy yet")

        try DatabaseQueue(path: f.web.serve.dir + "/var/vigie.sqlite").write { db in
            try db.execute(sql: "UPDATE intake_health SET failing_since = failing_since - 660")
        }
        let down = try http.get("/healthz")
        #expect(down.status == 503)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(down.body.utf8)) as? [String: Any])
        #expect(body["status"] as? String == "unhealthy")
        #expect(Self.queueState(body)?["state"] as? String == "failing")
        #expect(body["database"] as? String == "ok")

        relay = try Self.startRelay(port: relayPort, to: LocalServers.imapPort)
        #expect(eventually(timeout: 90, every: 0.2) { (try? http.get("/healthz").status) == 200 })
    }

    // MARK: - Helpers

    struct Family {
        var type: String
        var samples: [(labels: [String: String], value: Double)]
    }

    /// The families of a Prometheus text exposition, as python3-prometheus-client's parser reads them.
    static func parse(_ text: String) throws -> [String: Family] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigie-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("metrics.txt")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let out = try LocalServers.run(
            executable: python,
            [
                "-c",
                """
                import json, sys
                from prometheus_client.parser import text_string_to_metric_families
                out = {}
                for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
                    out[fam.name] = {"type": fam.type, "samples": [[s.labels, s.value] for s in fam.samples]}
                print(json.dumps(out))
                """, input.path,
            ])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: [String: Any]])
        var families: [String: Family] = [:]
        for (name, f) in json {
            let samples = (f["samples"] as? [[Any]] ?? []).map { s in
                ((s[0] as? [String: String]) ?? [:], (s[1] as? NSNumber)?.doubleValue ?? .nan)
            }
            families[name] = Family(type: f["type"] as? String ?? "", samples: samples)
        }
        return families
    }

    static func health(_ http: HTTPProbe) throws -> [String: Any] {
        let r = try http.get("/healthz")
        return try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any] ?? [:]
    }

    static func queueState(_ health: [String: Any]) -> [String: Any]? {
        (health["intake"] as? [[String: Any]])?.first { $0["queue"] as? String == "reports" }
    }

    /// A TCP relay on `port` to `target` (Python, threads): stopping it is the IMAP server going away for serve.
    static func startRelay(port: Int, to target: Int) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [
            "-c",
            """
            import socket, sys, threading
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", int(sys.argv[1])))
            listener.listen(16)
            def pipe(a, b):
                try:
                    while True:
                        data = a.recv(65536)
                        if not data:
                            break
                        b.sendall(data)
                except OSError:
                    pass
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            while True:
                client, _ = listener.accept()
                upstream = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
                threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
                threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
            """, String(port), String(target),
        ]
        try p.run()
        guard eventually(timeout: 10, every: 0.02, { LocalServers.acceptsConnections(port: port) }) else {
            kill(p.processIdentifier, SIGKILL)
            throw HTTPProbe.Failure(description: "the relay did not listen on \(port)")
        }
        return p
    }
}
