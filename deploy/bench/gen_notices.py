#!/usr/bin/env python3
"""Writes a history of notified clusters straight into a migrated Vigie database (benchmarks of rechecks and of
`vigie stats platforms`): each cluster qualified, notified, and for some removed (or marked online) later.

  gen_notices.py DB N [--urls BASE_PORT HOSTS]   (with --urls, canonical URLs point at http://127.0.0.K:PORT/c/ID)
"""
import random, sqlite3, sys, time

db, n = sys.argv[1], int(sys.argv[2])
urls = None
if len(sys.argv) > 3 and sys.argv[3] == "--urls":
    urls = (int(sys.argv[4]), int(sys.argv[5]))
random.seed(12)
platforms = [("x", 0.35, 6), ("youtube", 0.55, 3), ("facebook", 0.30, 9), ("tiktok", 0.60, 2),
             ("instagram", 0.40, 5), ("telegram", 0.10, 15), ("web", 0.25, 12)]
weights = [30, 20, 18, 14, 10, 4, 4]
offences = ["provocation-haine-raciale", "injure-raciale", "apologie-terrorisme", "harcelement", "diffamation-raciale"]
now = time.time()
con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode = WAL")
con.execute("PRAGMA synchronous = OFF")
base = con.execute("SELECT coalesce(max(id), 0) FROM clusters").fetchone()[0]
clusters, events = [], []
for i in range(n):
    cid = base + i + 1
    name, rate, median_days = random.choices(platforms, weights)[0]
    if urls:
        name = "web"  # checked on the loopback page itself, not through a platform's oEmbed endpoint
    offence = random.choice(offences)
    notified = now - random.uniform(0, 365) * 86400
    status = "notified"
    removed = None
    if random.random() < rate:
        removed = notified + random.lognormvariate(0, 1) * median_days * 86400
        if removed <= now:
            status = "removed"
        else:
            removed = None
    if status == "notified" and random.random() < 0.2:
        status = "online"
    url = f"http://127.0.0.{1 + i % urls[1]}:{urls[0]}/c/{cid}" if urls else f"https://{name}.example/post/{cid}"
    clusters.append((cid, f"{name}:post:{cid}", name, "post", url, 1, 1, status, offence, notified, "email", notified))
    events.append((cid, notified - 3600, "bench", "new", "qualified", offence))
    events.append((cid, notified, "bench", "qualified", "notified", None))
    if removed:
        events.append((cid, removed, "bench", "notified", "removed", None))
    elif status == "online":
        events.append((cid, notified + 8 * 86400, "bench", "notified", "online", None))
con.executemany("""INSERT INTO clusters (id, key, platform, kind, canonical_url, reports, reporters, status, offence,
    notified_at, notified_channel, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", clusters)
con.executemany("""INSERT INTO cluster_events (cluster_id, at, author, from_status, to_status, offence)
    VALUES (?, ?, ?, ?, ?, ?)""", events)
con.commit()
print(f"{n} notified clusters, {len(events)} events", file=sys.stderr)
