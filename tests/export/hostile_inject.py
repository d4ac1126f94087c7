#!/usr/bin/env python3
"""Adds hostile pages to a copy of a MediaWiki 1.39 SQLite database (the
reference aawiki): broken UTF-8, control characters, markup characters,
leading/trailing spaces, CR LF, non-NFC text, a 10 MB text, empty text,
rev_deleted bits, a missing text row, a corrupt and a valid gzip blob, an
unknown content model. Deterministic. Usage: hostile_inject.py DB [--no-unknown-model]"""
import hashlib
import sqlite3
import sys
import zlib

db = sqlite3.connect(sys.argv[1])
with_unknown_model = "--no-unknown-model" not in sys.argv
c = db.cursor()


def base36_sha1(data: bytes) -> str:
    n = int.from_bytes(hashlib.sha1(data).digest(), "big")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while n:
        n, r = divmod(n, 36)
        s = digits[r] + s
    return s.rjust(31, "0")


def one(sql, *args):
    return c.execute(sql, args).fetchone()[0]


model_ids = {name: mid for mid, name in c.execute("SELECT model_id, model_name FROM content_models")}
if with_unknown_model:
    c.execute("INSERT INTO content_models (model_name) VALUES (?)", (b"dw-unknown-model",))
    model_ids["dw-unknown-model"] = c.lastrowid

actor_ids = {}


def actor(name: bytes, user):
    if name in actor_ids:
        return actor_ids[name]
    row = c.execute("SELECT actor_id FROM actor WHERE CAST(actor_name AS BLOB) = ?", (name,)).fetchone()
    if row:
        actor_ids[name] = row[0]
        return row[0]
    c.execute("INSERT INTO actor (actor_user, actor_name) VALUES (?, ?)", (user, name))
    actor_ids[name] = c.lastrowid
    return c.lastrowid


def comment(text: bytes):
    c.execute("INSERT INTO comment (comment_hash, comment_text, comment_data) VALUES (0, ?, NULL)", (text,))
    return c.lastrowid


ts = [20200101000000]


def add_page(ns, title: bytes, revs):
    """revs: list of dicts: text(bytes) or raw/flags, comment, user, deleted, minor, model, missing."""
    c.execute("INSERT INTO page (page_namespace, page_title, page_is_redirect, page_is_new, page_random, "
              "page_touched, page_latest, page_len, page_content_model) VALUES (?, ?, 0, 0, 0.5, ?, 0, 0, ?)",
              (ns, title, b"20200101000000", b"wikitext"))
    page_id = c.lastrowid
    parent = 0
    for r in revs:
        ts[0] += 1
        text = r.get("text", b"")
        raw = r.get("raw", text)
        flags = r.get("flags", b"utf-8")
        size = r.get("size", len(text))
        sha1 = base36_sha1(text)
        model = model_ids[r.get("model", "wikitext")]
        if r.get("missing"):
            address = b"tt:987654321"
        else:
            c.execute("INSERT INTO text (old_text, old_flags) VALUES (?, ?)", (raw, flags))
            address = b"tt:%d" % c.lastrowid
        c.execute("INSERT INTO content (content_size, content_sha1, content_model, content_address) "
                  "VALUES (?, ?, ?, ?)", (size, sha1.encode(), model, address))
        content_id = c.lastrowid
        name, user = r.get("user", (b"Hostile Tester", None))
        c.execute("INSERT INTO revision (rev_page, rev_comment_id, rev_actor, rev_timestamp, rev_minor_edit, "
                  "rev_deleted, rev_len, rev_parent_id, rev_sha1) VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?)",
                  (page_id, actor(name, user), str(ts[0]).encode(), r.get("minor", 0), r.get("deleted", 0),
                   size, parent, sha1.encode()))
        rev_id = c.lastrowid
        c.execute("INSERT INTO revision_comment_temp (revcomment_rev, revcomment_comment_id) VALUES (?, ?)",
                  (rev_id, comment(r.get("comment", b""))))
        c.execute("INSERT INTO slots (slot_revision_id, slot_role_id, slot_content_id, slot_origin) "
                  "VALUES (?, 1, ?, ?)", (rev_id, content_id, rev_id))
        parent = rev_id
    c.execute("UPDATE page SET page_latest = ?, page_len = ? WHERE page_id = ?", (parent, 0, page_id))


admin = (b"Maintenance script", one("SELECT actor_user FROM actor WHERE CAST(actor_name AS TEXT) = ?", "Maintenance script"))
add_page(0, b"Hostile/markup", [
    {"text": b"a ]]> b & c < d > e \"quoted\" 'single' &amp; <![CDATA[ x ]]>", "comment": b"&<>\"' ]]>"},
    {"text": b"  leading and trailing spaces  \n\n", "comment": b"  spaced comment  ", "minor": 1},
    {"text": b"", "comment": b"empty text"},
    {"text": b"0", "comment": b"0"},
])
add_page(0, b"Hostile/controls", [
    {"text": b"bell\x07 nul\x00 esc\x1b tab\t ok\x0b\x0c end", "comment": b"ctl\x01\x02 comment"},
    {"text": b"line one\r\nline two\rline three\n", "comment": b"cr\r\nlf"},
    {"text": b"noncharacters \xef\xbf\xbe \xef\xbf\xbf ok"},
])
add_page(0, b"Hostile/utf8", [
    {"text": b"bad \xff\xfe bytes \xc3 alone \xe2\x82 cut \xed\xa0\x80 surrogate \xc0\xaf overlong \x80 tail",
     "comment": b"bad \xe9t\xe9 latin1"},
    {"text": "e\u0301 decomposed, \u212b angstrom, Hangul \u1100\u1161".encode(), "comment": "caf\u0065\u0301".encode()},
    {"text": "valid: \u00e9\u00e8 \u4e2d\u6587 \U0001F600".encode()},
])
add_page(2, "Hostile \u00e9\u0301 user".encode(), [
    {"text": b"deleted text", "deleted": 1, "comment": b"hidden text"},
    {"text": b"deleted comment", "deleted": 2, "comment": b"secret comment"},
    {"text": b"deleted user", "deleted": 4, "comment": b"by hidden user", "user": (b"Secret User", None)},
    {"text": b"all deleted", "deleted": 15, "comment": b"all"},
    {"text": b"ip edit", "user": (b"192.0.2.77", None)},
    {"text": b"ipv6 edit", "user": (b"2001:DB8:0:0:0:0:0:1", None)},
    {"text": b"bad name", "user": (b"Bad\x01Name\xff", None)},
    {"text": b"registered", "user": admin},
])
add_page(0, b"Hostile/storage", [
    {"text": b"missing row", "missing": True, "comment": b"missing text row"},
    {"text": b"valid gzip text", "raw": zlib.compress(b"valid gzip text", 9)[2:-4], "flags": b"utf-8,gzip"},
    {"text": b"corrupt gzip", "raw": b"\x00\x01garbage-not-deflate\xff" * 3, "flags": b"utf-8,gzip"},
    {"text": b"after the bad ones"},
])
big = (b"0123456789 <&> abcdefghijklmnopqrstuvwxyz \xc3\xa9\n" * 240000)[:10 * 1024 * 1024]
add_page(0, b"Hostile/big", [{"text": big, "comment": b"10 MB"}])
if with_unknown_model:
    add_page(0, b"Hostile/model", [{"text": b"{\"unknown\": true}", "model": "dw-unknown-model"}])
db.commit()
