// The synthetic wiki generator: a deterministic, realistic MediaWiki wiki as
// export XML 0.11 in MediaWiki 1.39's two-pass byte form (what dumpTextPass.php
// writes and Wikimedia publishes), plus the matching api.php siteinfo JSON.
//
// Same options => same bytes, on every platform: the generator uses its own PRNG
// (xoshiro256**) and no <random> distributions, whose output is unspecified.
//
// What it contains: namespaces 0,1,2,3,4,10,14 and 828 (Module, Scribunto model);
// User subpages with javascript/css/json models; redirects (also across
// namespaces); a skewed number of revisions per page (a few pages have many);
// registered contributors with stable user ids and names in several scripts,
// anonymous IPv4/IPv6 editors; minor edits; comments (some absent); non-ASCII
// titles and text (Latin, Cyrillic, Greek, CJK, Arabic, Devanagari, emoji);
// sha1 (base 36, as MediaWiki), bytes, parentid chains, timestamps increasing
// within a page; text that grows and changes like real edits, with blanking and
// its revert, so it compresses like a real wiki.
//
// Memory is bounded: one page's current text (capped at 12 KiB) and one int per
// page for the revision counts; the XML streams out in ~1 MiB Appends, so
// millions of revisions are fine.
//
// Thread-safety: GenerateWiki uses only its arguments; calls are independent.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "stream/sink.h"

namespace dw::testing {

struct GeneratorOptions {
  uint64_t pages = 100;
  uint64_t revisions = 1000;  // total over all pages; must be >= pages
  uint64_t seed = 1;
  std::string dbname = "genwiki";
  std::string sitename = "Genwiki";
  std::string server = "https://gen.example.org";
  std::string generator = "MediaWiki 1.39.17";
};

struct GeneratorStats {
  uint64_t pages = 0;
  uint64_t revisions = 0;
  uint64_t redirects = 0;
  uint64_t anonymous = 0;  // revisions by IP
  uint64_t minor = 0;
  uint64_t text_bytes = 0;  // sum of <text bytes>
  uint64_t users = 0;       // distinct registered contributors
};

// Called every few thousand revisions and at the end (revisions done so far).
using GeneratorProgress = std::function<void(uint64_t revisions_done)>;

// Writes the whole XML document into out (it does not Close() out). Returns
// InvalidArgument for impossible options (pages == 0, revisions < pages), else
// the first error of out.
Status GenerateWiki(const GeneratorOptions& options, Sink* out, GeneratorStats* stats = nullptr,
                    const GeneratorProgress& progress = nullptr);

// The siteinfo of the generated wiki as api.php returns it for
// action=query&meta=siteinfo&siprop=general|namespaces|namespacealiases&formatversion=2.
std::string GenerateSiteinfoJson(const GeneratorOptions& options);

// MediaWiki's sha1 form: SHA-1 of the text in base 36, zero-padded to 31 digits.
std::string Sha1Base36(std::string_view text);

}  // namespace dw::testing
