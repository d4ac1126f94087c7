// FakeWiki: a synthetic wiki served through run::WikiData, for tests and the
// hidden `dumpworks dump --synthetic-wiki PAGES:REVS` option. Deterministic:
// the same sizes give the same XML, byte for byte, whatever the page ranges.
//
// Page i (1..pages) is in namespace 2 (User) if i % 7 == 0, 1 (Talk) if i % 5 == 0,
// else 0; it has revs_per_page revisions (ids (i-1)*revs_per_page + 1 ...), each
// with a few hundred bytes of text. The XML has MediaWiki's shape (it is not
// byte-compatible with MediaWiki: use the real export for that).
// fail_at_page: the export fails with an IOError when it reaches that page
// (simulates a database that goes away).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "run/wiki.h"

namespace dw::testing {

struct FakeWikiOptions {
  int64_t pages = 100;
  int64_t revs_per_page = 3;
  int64_t log_items = 20;
  int64_t fail_at_page = 0;         // 0: never
  std::vector<std::string> tables;  // tables DumpTable() can write (tiny SQL)
};

std::unique_ptr<run::WikiData> NewFakeWiki(const FakeWikiOptions& options);
run::WikiDataFactory FakeWikiFactory(const FakeWikiOptions& options);

}  // namespace dw::testing
