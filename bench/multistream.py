#!/usr/bin/env python3
"""What Wikimedia's recompressxml does for pages-articles-multistream: reads the
pages-articles XML on stdin, writes it again as bz2 with 100 pages per stream
(the header and the footer in streams of their own) plus the bz2 index of
offset:pageid:title lines. Used by bench/dumprun.sh as the anchor.

    bzip2 -dc pages-articles.xml.bz2 | multistream.py OUT.xml.bz2 OUT-index.txt.bz2
"""
import bz2
import sys

out = open(sys.argv[1], "wb")
idx = []
buf = []
entries = []
pages = 0
off = 0
header = True
pid = None
title = None


def flush():
    global buf, off, entries
    if not buf:
        return
    data = bz2.compress("".join(buf).encode())
    for e in entries:
        idx.append("%d:%s:%s\n" % (off, e[0], e[1]))
    out.write(data)
    off += len(data)
    buf = []
    entries = []


for line in sys.stdin:
    if line.startswith("  <page>") and header:
        flush()
        header = False
    if line.startswith("    <title>"):
        title = line[11:-9]
    if line.startswith("    <id>") and title is not None and pid is None:
        pid = line[8:-6]
    if line.startswith("</mediawiki>"):
        flush()
    buf.append(line)
    if line.startswith("  </page>"):
        entries.append((pid, title))
        pid = None
        title = None
        pages += 1
        if pages % 100 == 0:
            flush()
flush()
open(sys.argv[2], "wb").write(bz2.compress("".join(idx).encode()))
