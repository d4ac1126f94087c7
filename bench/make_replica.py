#!/usr/bin/env python3
"""Makes a bigger MediaWiki 1.39 SQLite wiki out of a small one by copying
every page (with its revisions, slots, content and text rows) N-1 more times
under new ids and titles ("Title/rK"). Usage: make_replica.py SRC.sqlite DST.sqlite N"""
import shutil
import sqlite3
import sys

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
shutil.copyfile(src, dst)
db = sqlite3.connect(dst)
c = db.cursor()
mx = lambda t, col: c.execute(f"SELECT MAX({col}) FROM {t}").fetchone()[0]
PO, RO, CO, TO = mx("page", "page_id"), mx("revision", "rev_id"), mx("content", "content_id"), mx("text", "old_id")
for k in range(1, n):
    c.execute("""INSERT INTO page (page_id, page_namespace, page_title, page_is_redirect, page_is_new, page_random,
        page_touched, page_links_updated, page_latest, page_len, page_content_model, page_lang)
        SELECT page_id + :k * :po, page_namespace, page_title || '/r' || :k, page_is_redirect, page_is_new,
        page_random, page_touched, page_links_updated, page_latest + :k * :ro, page_len, page_content_model, page_lang
        FROM page WHERE page_id <= :po""", dict(k=k, po=PO, ro=RO))
    c.execute("""INSERT INTO revision (rev_id, rev_page, rev_comment_id, rev_actor, rev_timestamp, rev_minor_edit,
        rev_deleted, rev_len, rev_parent_id, rev_sha1)
        SELECT rev_id + :k * :ro, rev_page + :k * :po, rev_comment_id, rev_actor, rev_timestamp, rev_minor_edit,
        rev_deleted, rev_len, CASE WHEN rev_parent_id > 0 THEN rev_parent_id + :k * :ro ELSE rev_parent_id END, rev_sha1
        FROM revision WHERE rev_id <= :ro""", dict(k=k, po=PO, ro=RO))
    c.execute("""INSERT INTO revision_comment_temp (revcomment_rev, revcomment_comment_id)
        SELECT revcomment_rev + :k * :ro, revcomment_comment_id FROM revision_comment_temp WHERE revcomment_rev <= :ro""",
              dict(k=k, ro=RO))
    c.execute("""INSERT INTO text (old_id, old_text, old_flags)
        SELECT old_id + :k * :to, old_text, old_flags FROM text WHERE old_id <= :to""", dict(k=k, to=TO))
    c.execute("""INSERT INTO content (content_id, content_size, content_sha1, content_model, content_address)
        SELECT content_id + :k * :co, content_size, content_sha1, content_model,
        'tt:' || (CAST(substr(content_address, 4) AS INTEGER) + :k * :to) FROM content WHERE content_id <= :co""",
              dict(k=k, co=CO, to=TO))
    c.execute("""INSERT INTO slots (slot_revision_id, slot_role_id, slot_content_id, slot_origin)
        SELECT slot_revision_id + :k * :ro, slot_role_id, slot_content_id + :k * :co, slot_origin + :k * :ro
        FROM slots WHERE slot_revision_id <= :ro""", dict(k=k, ro=RO, co=CO))
    c.execute("""INSERT INTO redirect (rd_from, rd_namespace, rd_title, rd_interwiki, rd_fragment)
        SELECT rd_from + :k * :po, rd_namespace, rd_title, rd_interwiki, rd_fragment FROM redirect WHERE rd_from <= :po""",
              dict(k=k, po=PO))
db.commit()
c.execute("VACUUM")
print(f"{dst}: {c.execute('SELECT COUNT(*) FROM page').fetchone()[0]} pages, "
      f"{c.execute('SELECT COUNT(*) FROM revision').fetchone()[0]} revisions")
