#include "run/names.h"

#include <gtest/gtest.h>

namespace dw::run {
namespace {

struct NameCase {
  const char* wiki;
  const char* file;
  const char* dumpname;
  int part;
  const char* type;
  int64_t first, last;
  const char* ext;
  bool inprog;
};

// Names as Wikimedia publishes them (dumps.wikimedia.org).
const NameCase kCases[] = {
    {"enwiki", "enwiki-20260101-pages-meta-history27.xml-p73286101p73426378.bz2",
     "pages-meta-history", 27, "xml", 73286101, 73426378, "bz2", false},
    {"enwiki", "enwiki-20260101-pages-meta-history27.xml-p73286101p73426378.7z",
     "pages-meta-history", 27, "xml", 73286101, 73426378, "7z", false},
    {"aawiki", "aawiki-20260101-pages-articles.xml.bz2", "pages-articles", 0, "xml", 0, 0, "bz2",
     false},
    {"aawiki", "aawiki-20260101-stub-articles3.xml.gz", "stub-articles", 3, "xml", 0, 0, "gz",
     false},
    {"aawiki", "aawiki-20260101-all-titles-in-ns0.gz", "all-titles-in-ns0", 0, "", 0, 0, "gz",
     false},
    {"aawiki", "aawiki-20260101-all-titles.gz", "all-titles", 0, "", 0, 0, "gz", false},
    {"aawiki", "aawiki-20260101-siteinfo-namespaces.json.gz", "siteinfo-namespaces", 0, "json", 0,
     0, "gz", false},
    {"aawiki", "aawiki-20260101-siteinfo2-namespacesv2.json.gz", "siteinfo2-namespacesv2", 0,
     "json", 0, 0, "gz", false},
    {"aawiki", "aawiki-20260101-pages-articles-multistream-index.txt.bz2",
     "pages-articles-multistream-index", 0, "txt", 0, 0, "bz2", false},
    {"aawiki", "aawiki-20260101-pages-articles-multistream1.xml-p1p41242.bz2",
     "pages-articles-multistream", 1, "xml", 1, 41242, "bz2", false},
    {"aawiki", "aawiki-20260101-pages-articles-multistream-index1.txt-p1p41242.bz2",
     "pages-articles-multistream-index", 1, "txt", 1, 41242, "bz2", false},
    {"aawiki", "aawiki-20260101-pages-logging.xml.gz.inprog", "pages-logging", 0, "xml", 0, 0, "gz",
     true},
    {"aawiki", "aawiki-20260101-site_stats.sql.gz", "site_stats", 0, "sql", 0, 0, "gz", false},
    {"aawiki", "aawiki-20260101-md5sums.txt", "md5sums", 0, "", 0, 0, "txt", false},
    {"zh-min-nanwiki", "zh-min-nanwiki-20260101-pages-articles2.xml-p151p1600.bz2",
     "pages-articles", 2, "xml", 151, 1600, "bz2", false},
    {"aawiki", "aawiki-latest-pages-articles.xml.bz2", "pages-articles", 0, "xml", 0, 0, "bz2",
     false},
};

TEST(DumpName, ParseAndBuildRoundTrip) {
  for (const NameCase& c : kCases) {
    SCOPED_TRACE(c.file);
    auto d = DumpName::Parse(c.wiki, c.file);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->wiki, c.wiki);
    EXPECT_EQ(d->dumpname, c.dumpname);
    EXPECT_EQ(d->part, c.part);
    EXPECT_EQ(d->type, c.type);
    EXPECT_EQ(d->first_page, c.first);
    EXPECT_EQ(d->last_page, c.last);
    EXPECT_EQ(d->ext, c.ext);
    EXPECT_EQ(d->inprog, c.inprog);
    EXPECT_EQ(d->Name(), c.file);
  }
}

TEST(DumpName, RejectsOtherFiles) {
  for (const char* f : {"index.html", "dumpstatus.json", "aawiki-2026-x.gz", "enwiki-20260101-x.gz",
                        "aawiki-20260101-.gz", "aawiki-20260101-noext"}) {
    SCOPED_TRACE(f);
    EXPECT_FALSE(DumpName::Parse("aawiki", f).has_value());
  }
}

TEST(DumpName, LatestAndHelpers) {
  EXPECT_EQ(MakeDumpName("aawiki", "20260101", "pages-meta-history", 3, "xml", "bz2", 151, 1600),
            "aawiki-20260101-pages-meta-history3.xml-p151p1600.bz2");
  auto d = DumpName::Parse("aawiki", "aawiki-20260101-stub-articles.xml.gz.inprog");
  EXPECT_EQ(d->LatestName(), "aawiki-latest-stub-articles.xml.gz");
  EXPECT_EQ(ChecksumFileName("aawiki", "20260101", "sha1", "json"),
            "aawiki-20260101-sha1sums.json");
  EXPECT_EQ(LockFileName("20260101"), "lock_20260101");
}

TEST(NaturalLess, NumbersCompareByValue) {
  EXPECT_TRUE(NaturalLess("x-pages2.xml", "x-pages10.xml"));
  EXPECT_FALSE(NaturalLess("x-pages10.xml", "x-pages2.xml"));
  EXPECT_TRUE(NaturalLess("a", "b"));
  EXPECT_TRUE(NaturalLess("a", "a1"));
  EXPECT_FALSE(NaturalLess("a", "a"));
}

}  // namespace
}  // namespace dw::run
