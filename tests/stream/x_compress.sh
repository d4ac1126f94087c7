#!/usr/bin/env bash
# dumpworks x-compress end to end: every format written, read back by the standard
# tools and by ourselves (format detection), parts joined by cat, and the failures
# a user can cause: one line naming the file, non-zero exit, nothing partial left.
set -euo pipefail
bin=${DW_BINARY:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/dw-stream-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Input: the reference dump if present, else generated text (~6 MB).
shared=${DW_SHARED:-${DW_SOURCE_DIR:-.}/../shared}
if [[ -f $shared/data/reference-mw1.39/dumps/pages-meta-history.xml.xz ]]; then
  xz -dc "$shared/data/reference-mw1.39/dumps/pages-meta-history.xml.xz" > in.xml
else
  python3 -c '
import random
r = random.Random(1)
w = ["<page>", "<revision>", "lorem", "ipsum", "[[Link]]", "&amp;", "\n", "</page>"]
print(" ".join(r.choice(w) for _ in range(1000000)))' > in.xml
fi

for kind in bzip2 gzip zstd; do
  case $kind in bzip2) ext=bz2 ;; gzip) ext=gz ;; zstd) ext=zst ;; esac
  "$bin" x-compress -q -t 2 in.xml -o "out.$ext" --digests md5,sha1 > sums.txt
  md5=$(md5sum < "out.$ext" | cut -d' ' -f1)
  grep -q "^$md5 " sums.txt || fail "$kind: md5 printed is not the file's"
  sha1=$(sha1sum < "out.$ext" | cut -d' ' -f1)
  grep -q "^$sha1 " sums.txt || fail "$kind: sha1 printed is not the file's"
  "$kind" -t "out.$ext" 2>/dev/null || fail "$kind -t rejects our output"
  "$kind" -dc "out.$ext" | cmp -s - in.xml || fail "$kind -d does not give the input back"
  [[ ! -e out.$ext.inprog ]] || fail "$kind: temporary file left behind"
  # Our own reader, detecting the format; and back to plain.
  "$bin" x-compress -q "out.$ext" -o file:back.xml
  cmp -s back.xml in.xml || fail "$kind: x-compress does not read its own output back"
  rm back.xml
  # Parts joined by cat decode to the joined inputs.
  head -c 1000000 in.xml > a.xml; tail -c +1000001 in.xml > b.xml
  "$bin" x-compress -q a.xml -o "a.$ext"; "$bin" x-compress -q b.xml -o "b.$ext"
  cat "a.$ext" "b.$ext" > "ab.$ext"
  "$kind" -dc "ab.$ext" | cmp -s - in.xml || fail "$kind: concatenated parts do not decode"
  rm -f a.xml b.xml "a.$ext" "b.$ext" "ab.$ext"
done
lbzip2 -n 2 -dc out.bz2 | cmp -s - in.xml || fail "lbzip2 -d does not read our bzip2"
python3 -c 'import bz2,sys; sys.exit(bz2.open("out.bz2").read() != open("in.xml","rb").read())' \
  || fail "python bz2 does not read our bzip2"

# An existing output is not replaced: one line naming it, exit 1, content kept.
echo keep > exists.bz2
if "$bin" x-compress -q in.xml -o exists.bz2 2> err.txt; then fail "overwrote an existing file"; fi
[[ $(wc -l < err.txt) -eq 1 ]] || fail "expected one error line, got: $(cat err.txt)"
grep -q "exists.bz2" err.txt || fail "error does not name the file: $(cat err.txt)"
[[ $(cat exists.bz2) == keep ]] || fail "existing file changed"
"$bin" x-compress -q -f in.xml -o exists.bz2 || fail "-f did not replace"
bzip2 -t exists.bz2

# Truncated and corrupt input: Corruption naming the input, no output left.
head -c 100000 out.bz2 > trunc.bz2
if "$bin" x-compress -q trunc.bz2 -o t.xml 2> err.txt; then fail "truncated input accepted"; fi
grep -q "trunc.bz2" err.txt || fail "error does not name the input: $(cat err.txt)"
grep -qi "truncated" err.txt || fail "error does not say truncated: $(cat err.txt)"
[[ ! -e t.xml && ! -e t.xml.inprog ]] || fail "partial output left after a corrupt input"
cp out.gz bad.gz; printf '\xff\xff\xff\xff' | dd of=bad.gz bs=1 seek=5000 conv=notrunc 2>/dev/null
if "$bin" x-compress -q bad.gz -o t.xml 2> err.txt; then fail "corrupt gzip accepted"; fi
grep -q "bad.gz" err.txt || fail "error does not name the input: $(cat err.txt)"
[[ ! -e t.xml && ! -e t.xml.inprog ]] || fail "partial output left after a corrupt input"

# Unwritable destination: one line naming it.
if "$bin" x-compress -q in.xml -o /nonexistent-dir/x.bz2 2> err.txt; then fail "wrote nowhere?"; fi
grep -q "/nonexistent-dir/x.bz2" err.txt || fail "error does not name the output: $(cat err.txt)"
echo "stream x-compress: all checks passed"
