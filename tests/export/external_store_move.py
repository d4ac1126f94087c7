#!/usr/bin/env python3
"""Moves most texts of a MediaWiki SQLite wiki to an external store, the way
MediaWiki's ExternalStoreDB keeps them (for tests/export/external_store.sh).

  external_store_move.py WIKI.sqlite ES.sqlite ES.sql CLUSTER

Text rows by old_id % 4: 0 stays in the text table; 1 -> a plain blob
(DB://CLUSTER/N, flags utf-8,external); 2 -> a raw-deflate blob (utf-8,gzip,
external); 3 -> an item of a ConcatenatedGzipHistoryBlob holding up to 4 texts,
made by MediaWiki's own class through php (DB://CLUSTER/N/MD5). The blobs go
to ES.sqlite (table blobs) and, as SQL for MariaDB, to ES.sql.
Prints the number of text rows moved.
"""
import base64
import hashlib
import json
import sqlite3
import subprocess
import sys
import zlib

wiki, es_path, sql_path, cluster = sys.argv[1:5]
db = sqlite3.connect(wiki)
es = sqlite3.connect(es_path)
es.execute("CREATE TABLE blobs (blob_id INTEGER PRIMARY KEY AUTOINCREMENT, blob_text BLOB)")
rows = db.execute("SELECT old_id, old_text, old_flags FROM text ORDER BY old_id").fetchall()
blobs = []  # (blob_id, bytes)
updates = []  # (old_id, url, flags)
group = []


def raw(t):
    return t.encode("utf-8") if isinstance(t, str) else bytes(t)


def flush_group():
    if not group:
        return
    php = r'''
require "/usr/share/mediawiki/includes/historyblob/HistoryBlob.php";
require "/usr/share/mediawiki/includes/historyblob/ConcatenatedGzipHistoryBlob.php";
$b = new ConcatenatedGzipHistoryBlob();
foreach (json_decode(file_get_contents("php://stdin")) as $t) { $b->addItem(base64_decode($t)); }
echo base64_encode(serialize($b));
'''
    out = subprocess.run(["php", "-r", php], check=True, capture_output=True,
                         input=json.dumps([base64.b64encode(t).decode() for _, t in group]).encode())
    blob_id = len(blobs) + 1
    blobs.append((blob_id, base64.b64decode(out.stdout)))
    for old_id, t in group:
        updates.append((old_id, f"DB://{cluster}/{blob_id}/{hashlib.md5(t).hexdigest()}", "utf-8,external"))
    group.clear()


for old_id, text, flags in rows:
    if flags != "utf-8":
        continue  # leave anything special as it is
    t = raw(text)
    kind = old_id % 4
    if kind == 0:
        continue
    if kind == 3:
        group.append((old_id, t))
        if len(group) == 4:
            flush_group()
        continue
    blob_id = len(blobs) + 1
    if kind == 1:
        blobs.append((blob_id, t))
        updates.append((old_id, f"DB://{cluster}/{blob_id}", "utf-8,external"))
    else:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        blobs.append((blob_id, c.compress(t) + c.flush()))
        updates.append((old_id, f"DB://{cluster}/{blob_id}", "utf-8,gzip,external"))
flush_group()

es.executemany("INSERT INTO blobs VALUES (?, ?)", blobs)
es.commit()
db.executemany("UPDATE text SET old_text = CAST(? AS TEXT), old_flags = ? WHERE old_id = ?",
               [(u, f, i) for i, u, f in updates])
db.commit()
with open(sql_path, "w") as f:
    f.write("CREATE TABLE blobs (blob_id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, "
            "blob_text longblob) ENGINE=InnoDB;\n")
    for blob_id, b in blobs:
        f.write(f"INSERT INTO blobs VALUES ({blob_id}, {'0x' + b.hex() if b else repr('')});\n")
print(len(updates))
