import Foundation
import GRDB
import VigieCore

extension Schema {
    /// The subscriber's life cycle on the web and by mail: the consent history (who, when, how), the requests
    /// waiting for their confirmation link, and each intake queue's health as every process sees it.
    static func webSubscriptionsV1(_ db: Database) throws {
        // The CHECK lists are this migration's, frozen: a new channel needs a migration of its own.
        let channels = ConsentChannel.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        let actions = ConsentAction.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        try db.execute(
            sql: """
                -- Proof of consent: every subscription and unsubscription, with its channel.
                CREATE TABLE consent_events (
                    id INTEGER PRIMARY KEY,
                    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                    at REAL NOT NULL,
                    action TEXT NOT NULL CHECK (action IN (\(actions))),
                    channel TEXT NOT NULL CHECK (channel IN (\(channels))),
                    requested_at REAL,              -- double opt-in: when the confirmation was asked for
                    detail TEXT
                );
                CREATE INDEX consent_events_subscriber ON consent_events(subscriber_id, id);
                CREATE INDEX consent_events_channel ON consent_events(action, channel);

                -- Requests to join waiting for their confirmation link (72 h); unconfirmed ones are purged after that.
                CREATE TABLE subscription_requests (
                    id INTEGER PRIMARY KEY,
                    email TEXT NOT NULL,
                    email_key TEXT NOT NULL,
                    name TEXT,
                    language TEXT,
                    channel TEXT NOT NULL CHECK (channel IN (\(channels))),
                    requested_at REAL NOT NULL,
                    confirmed_at REAL
                );
                CREATE INDEX subscription_requests_email ON subscription_requests(email_key, requested_at);

                -- Each intake queue's last pass, written by whichever process polls it (serve, poll).
                CREATE TABLE intake_health (
                    queue TEXT PRIMARY KEY,
                    last_success_at REAL,
                    last_failure_at REAL,
                    failing_since REAL,             -- the first failure since the last success; NULL while it works
                    last_error TEXT,
                    polls INTEGER NOT NULL DEFAULT 0,
                    errors INTEGER NOT NULL DEFAULT 0
                );
                """)
    }
}
