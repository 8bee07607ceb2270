#!/usr/bin/env python3
"""The fetch-only reference: one `UID FETCH 1:* BODY.PEEK[]` with imaplib, bytes counted, nothing stored.
With --flag-batches N: the server-side work `vigie poll` owes, without anything of Vigie's own: UID SEARCH, then per
batch of N UIDs a `UID FETCH set BODY.PEEK[]` and, once it is read, `UID STORE set +FLAGS.SILENT (\\Seen)` (and
`UID MOVE set MAILBOX` with --move MAILBOX), one batch after the other.
Usage: imap_fetch_reference.py HOST PORT USER PASSWORD [MAILBOX] [--flag-batches N [--move MAILBOX]]
       → prints "<messages> <seconds>"."""
import imaplib, sys, time

args = sys.argv[1:]
batches = move = None
if "--flag-batches" in args:
    i = args.index("--flag-batches")
    batches = int(args[i + 1])
    del args[i:i + 2]
if "--move" in args:
    i = args.index("--move")
    move = args[i + 1]
    del args[i:i + 2]
host, port, user, password = args[0], int(args[1]), args[2], args[3]
mailbox = args[4] if len(args) > 4 else "INBOX"
start = time.monotonic()
m = imaplib.IMAP4(host, port)
m.login(user, password)
if batches is None:
    m.select(mailbox, readonly=True)
    typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])")
    count = sum(1 for d in data if isinstance(d, tuple))
else:
    m.select(mailbox)
    typ, data = m.uid("SEARCH", None, "UNSEEN")
    uids = data[0].split()
    count = 0
    for k in range(0, len(uids), batches):
        chunk = b",".join(uids[k:k + batches]).decode()
        typ, data = m.uid("FETCH", chunk, "(BODY.PEEK[])")
        count += sum(1 for d in data if isinstance(d, tuple))
        m.uid("STORE", chunk, "+FLAGS.SILENT", "(\\Seen)")
        if move:
            m.uid("MOVE", chunk, move)
m.logout()
print(count, round(time.monotonic() - start, 3))
