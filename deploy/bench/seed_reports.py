#!/usr/bin/env python3
"""Fills a migrated Vigie database with N parsed reports (one URL each, from urls file) by R distinct reporters,
straight through SQLite, so `vigie clusters rebuild` can be timed on a realistic volume.
Usage: seed_reports.py DB URLS_FILE REPORTERS"""
import random, sqlite3, sys, time

db, urls_file, reporters = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA synchronous=OFF")
rnd = random.Random(3)
now = time.time()
with open(urls_file) as f:
    urls = [line.rstrip("\n") for line in f]
cur = con.cursor()
cur.execute("BEGIN")
for i, u in enumerate(urls, start=1):
    r = rnd.randrange(reporters)
    at = now - rnd.random() * 30 * 86400
    cur.execute("INSERT INTO messages (id, mailbox, queue, role, uid_validity, uid, message_id, sha256, size, "
                "received_at, status) VALUES (?, 'bench', 'reports', 'reports', 1, ?, ?, ?, 1, ?, 'parsed')",
                (i, i, f"m{i}@bench", f"{i:064x}", at))
    cur.execute("INSERT INTO reports (message_id, from_address, reporter, subject, text) VALUES (?, ?, ?, ?, ?)",
                (i, f"c{r}@exemple.fr", f"c{r}@exemple.fr", "Signalement", "Bonjour, je signale ce contenu."))
    cur.execute("INSERT INTO report_urls (report_id, position, url) VALUES (?, 0, ?)", (i, u))
con.commit()
print(f"seeded {len(urls)} reports")
