#!/usr/bin/env python3
"""The fetch-only reference: one `UID FETCH 1:* BODY.PEEK[]` with imaplib, bytes counted, nothing stored.
Usage: imap_fetch_reference.py HOST PORT USER PASSWORD [MAILBOX]  → prints "<messages> <seconds>"."""
import imaplib, sys, time

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
mailbox = sys.argv[5] if len(sys.argv) > 5 else "INBOX"
start = time.monotonic()
m = imaplib.IMAP4(host, port)
m.login(user, password)
m.select(mailbox, readonly=True)
typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])")
count = sum(1 for d in data if isinstance(d, tuple))
m.logout()
print(count, round(time.monotonic() - start, 3))
