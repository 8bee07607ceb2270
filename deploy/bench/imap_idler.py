"""A raw IMAP client idling on a mailbox, for the benchmarks that compare Vigie's latency with Dovecot's own IDLE
notification delay (intake.sh, serve-latency.sh). Idler(port, user).exists_after(deliver) returns the seconds from
calling deliver() to the `* N EXISTS` Dovecot sends this client."""
import socket
import time


class Idler:
    """Logged in as `user` (password "secret", as deploy/local/servers.sh sets up), INBOX selected."""

    def __init__(self, port, user):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        self.line()  # greeting
        self.cmd(b"a1 LOGIN %s secret" % user.encode(), b"a1 ")
        self.cmd(b"a2 SELECT INBOX", b"a2 ")
        self.tag = 3

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def cmd(self, c, until):
        self.s.sendall(c + b"\r\n")
        while True:
            l = self.line()
            if l.startswith(until) or l.startswith(b"+"):
                return l

    def exists_after(self, deliver):
        """Enters IDLE, calls deliver(), waits for the new message's EXISTS, leaves IDLE; returns the delay."""
        self.cmd(b"a%d IDLE" % self.tag, b"+")
        t0 = time.monotonic()
        deliver()
        self.s.settimeout(30)
        while True:
            l = self.line()
            if l.startswith(b"* ") and l.endswith(b" EXISTS"):
                t = time.monotonic() - t0
                break
        self.s.sendall(b"DONE\r\n")
        while not self.line().startswith(b"a%d " % self.tag):
            pass
        self.tag += 1
        return t
