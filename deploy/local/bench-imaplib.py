#!/usr/bin/env python3
"""Reference fetch time with Python's imaplib: UID FETCH 1:* BODY.PEEK[] in one command.

    deploy/local/bench-imaplib.py USER [PORT]     (the mailbox filled by the Swift benchmark, VIGIE_BENCH=1)
"""
import imaplib
import sys
import time

user = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 10143
m = imaplib.IMAP4("127.0.0.1", port)
m.login(user, "secret")
m.select("INBOX")
start = time.monotonic()
typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])")
elapsed = time.monotonic() - start
messages = [d for d in data if isinstance(d, tuple)]
total = sum(len(d[1]) for d in messages)
print(f"imaplib: messages={len(messages)} bytes={total} fetch={elapsed:.2f}s "
      f"({len(messages) / elapsed:.0f} msg/s, {total / elapsed / 1e6:.1f} MB/s)")
m.logout()
