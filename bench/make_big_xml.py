#!/usr/bin/env python3
"""Makes a bigger MediaWiki XML dump from a small one by repeating its pages
with shifted ids and distinct titles (for import benchmarks).

  make_big_xml.py IN.xml COPIES > OUT.xml

Copy k (0-based) adds k*OFFSET to page, revision, parent and origin ids and
appends " (k)" to titles (k > 0), so every copy is a new set of pages.
"""
import re
import sys

src, copies = sys.argv[1], int(sys.argv[2])
text = open(src, encoding="utf-8").read()
head, sep, rest = text.partition("  <page>\n")
body, _, tail = ("  <page>\n" + rest).rpartition("  </page>\n")
body += "  </page>\n"
ids = [int(x) for x in re.findall(r"<id>(\d+)</id>", body)]
offset = 10 ** len(str(max(ids)))
out = sys.stdout
out.write(head)
id_re = re.compile(r"(<(?:id|parentid|origin)>)(\d+)(</(?:id|parentid|origin)>)")
title_re = re.compile(r"(<title>)(.*?)(</title>)")
contrib_re = re.compile(r"(<contributor>\s*<username>[^<]*</username>\s*<id>)(\d+)(</id>)")
for k in range(copies):
    if k == 0:
        out.write(body)
        continue
    b = contrib_re.sub(lambda m: m.group(1) + "\0" + m.group(2) + "\0" + m.group(3), body)
    b = id_re.sub(lambda m: m.group(1) + str(int(m.group(2)) + k * offset) + m.group(3), b)
    b = b.replace("\0", "")  # contributor ids stay (the same users edit every copy)
    b = title_re.sub(lambda m: f"{m.group(1)}{m.group(2)} ({k}){m.group(3)}", b)
    out.write(b)
out.write(tail)
