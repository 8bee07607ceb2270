#!/usr/bin/env python3
"""Prints N reported URLs over C contents (variants as citizens write them), one per line.
Usage: gen_urls.py N C > urls.txt"""
import os, random, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import urlgen  # noqa: E402

n, c = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(7)
out = sys.stdout
for i in range(n):
    out.write(urlgen.variant(rnd.randrange(c), rnd) + "\n")
