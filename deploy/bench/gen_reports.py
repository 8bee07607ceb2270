#!/usr/bin/env python3
"""Writes N realistic citizen report mails (~4 KB each, CRLF) into OUTDIR, for benchmarks.

Usage: gen_reports.py N OUTDIR [--contents C]
Each mail reports 1-3 URLs drawn from C distinct contents written in the variants citizens use (tracking suffixes,
mobile hosts, defanged forms), in French prose, from one of N/3 distinct senders; a third are multipart with HTML."""
import os, random, sys, textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import urlgen  # noqa: E402

def main():
    n = int(sys.argv[1]); out = sys.argv[2]
    contents = int(sys.argv[sys.argv.index("--contents") + 1]) if "--contents" in sys.argv else max(1, n // 5)
    rnd = random.Random(42)
    os.makedirs(out, exist_ok=True)
    filler = ("Bonjour, je me permets de vous signaler un contenu qui me semble clairement haineux et qui circule "
              "depuis hier sur les réseaux. Plusieurs personnes de mon entourage l'ont vu et en ont été choquées. "
              "Je vous remercie pour votre travail et reste à votre disposition pour tout complément d'information. ")
    def url(c):
        return urlgen.variant(c, rnd)

    senders = max(1, n // 3)
    for i in range(n):
        s = rnd.randrange(senders)
        frm = f"Citoyen {s} <citoyen{s}@exemple.fr>"
        urls = [url(rnd.randrange(contents)) for _ in range(rnd.choice([1, 1, 2, 3]))]
        wrap = lambda t: "\r\n".join(textwrap.wrap(t, 76))
        body = wrap(filler * 5) + "\r\n\r\nLes liens :\r\n" + "\r\n".join(urls) + "\r\n\r\n" + wrap(filler * 5) + "\r\n\r\nCordialement,\r\nCitoyen " + str(s) + "\r\n"
        body = body.encode("utf-8")
        head = (f"From: {frm}\r\nTo: signalements@example.org\r\nSubject: Signalement de contenu haineux n°{i}\r\n"
                f"Date: Sat, 21 Nov 2026 10:{i % 60:02d}:00 +0100\r\nMessage-ID: <bench-{i}-{rnd.randrange(1 << 30)}@exemple.fr>\r\n"
                "MIME-Version: 1.0\r\n")
        if i % 3 == 0:
            html = ("<html><body><p>" + filler * 2 + "</p><ul>" + "".join(f'<li><a href="{u}">{u}</a></li>' for u in urls)
                    + "</ul></body></html>").encode("utf-8")
            b = f"b{i}"
            msg = (head + f'Content-Type: multipart/alternative; boundary="{b}"\r\n\r\n').encode() + \
                  f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode() + body + \
                  f"\r\n--{b}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode() + html + \
                  f"\r\n--{b}--\r\n".encode()
        else:
            msg = (head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").encode() + body
        with open(os.path.join(out, f"{i:06d}.eml"), "wb") as f:
            f.write(msg)

if __name__ == "__main__":
    main()
