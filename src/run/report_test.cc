#include "run/report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dw::run {
namespace {

// Compares `actual` with tests/dump/golden/<name>; DW_UPDATE_GOLDEN=1 rewrites it.
void ExpectGolden(const std::string& name, const std::string& actual) {
  const char* src = std::getenv("DW_SOURCE_DIR");
  std::string here = __FILE__;  // <source>/src/run/report_test.cc
  std::string root = src ? src : here.substr(0, here.rfind("/src/run/"));
  std::string dir = root + "/tests/dump/golden/";
  if (std::getenv("DW_UPDATE_GOLDEN")) {
    std::ofstream(dir + name, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(dir + name, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << dir + name;
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(actual, ss.str()) << "golden " << name;
}

RunView SmallRun() {
  RunView v;
  v.wiki = "smallwiki";
  v.date = "20261201";
  v.url_prefix = "";
  JobListOptions o;
  o.multistream = true;
  v.jobs = BuildJobList(o);
  v.previous_date = "20261101";
  v.updated = "2026-12-01 10:00:05";
  auto done = [&](const std::string& job, const std::string& when) {
    v.states[job] = {JobStatus::kDone, when};
  };
  done("namespaces", "2026-12-01 10:00:00");
  done("namespacesv2", "2026-12-01 10:00:00");
  done("pagetitlesdump", "2026-12-01 10:00:01");
  done("allpagetitlesdump", "2026-12-01 10:00:01");
  done("xmlstubsdump", "2026-12-01 10:00:02");
  done("articlesdump", "2026-12-01 10:00:03");
  v.states["metacurrentdump"] = {JobStatus::kFailed, "2026-12-01 10:00:04"};
  v.states["xmlpagelogsdump"] = {JobStatus::kSkipped, "2026-12-01 10:00:04"};
  auto file = [](std::string n, uint64_t size, int seed) {
    FileEntry f;
    f.name = std::move(n);
    f.state = FileEntry::State::kDone;
    f.size = size;
    f.md5 = std::string(32, static_cast<char>('a' + seed));
    f.sha1 = std::string(40, static_cast<char>('0' + seed));
    return f;
  };
  v.files["namespaces"] = {file("smallwiki-20261201-siteinfo-namespaces.json.gz", 812, 0)};
  v.files["namespacesv2"] = {file("smallwiki-20261201-siteinfo2-namespacesv2.json.gz", 901, 1)};
  v.files["pagetitlesdump"] = {file("smallwiki-20261201-all-titles-in-ns0.gz", 40, 2)};
  v.files["allpagetitlesdump"] = {file("smallwiki-20261201-all-titles.gz", 2048, 3)};
  v.files["xmlstubsdump"] = {file("smallwiki-20261201-stub-meta-history.xml.gz", 1536000, 4),
                             file("smallwiki-20261201-stub-meta-current.xml.gz", 1200, 5),
                             file("smallwiki-20261201-stub-articles.xml.gz", 1100, 6)};
  v.files["articlesdump"] = {file("smallwiki-20261201-pages-articles.xml.bz2", 3221225472ull, 7)};
  FileEntry missing;
  missing.name = "smallwiki-20261201-pages-meta-current.xml.bz2";
  v.files["metacurrentdump"] = {missing};
  return v;
}

TEST(RunReport, RunInfoGoldenAndRoundTrip) {
  RunView v = SmallRun();
  std::string txt = RenderRunInfoTxt(v.jobs, v.states);
  ExpectGolden("dumpruninfo.txt", txt);
  ExpectGolden("dumpruninfo.json", RenderRunInfoJson(v.jobs, v.states));
  auto parsed = ParseRunInfoTxt(txt);
  ASSERT_TRUE(parsed.ok());
  for (const JobSpec& j : v.jobs) {
    auto it = v.states.find(j.name);
    JobState want = it == v.states.end() ? JobState{} : it->second;
    EXPECT_EQ((*parsed)[j.name], want) << j.name;
  }
  auto bad = ParseRunInfoTxt("name:x; status:done; updated:\ngarbage\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "dumpruninfo.txt:2: not a job line");
}

TEST(RunReport, DumpStatusReportAndChecksumsGolden) {
  RunView v = SmallRun();
  ExpectGolden("dumpstatus.json", RenderDumpStatusJson(v));
  ExpectGolden("report.json", RenderReportJson(v));
  ExpectGolden("md5sums.txt", RenderChecksumsTxt(v, "md5"));
  ExpectGolden("sha1sums.json", RenderChecksumsJson(v, "sha1"));
}

TEST(RunReport, IndexAndStatusHtmlGolden) {
  RunView v = SmallRun();
  ExpectGolden("index.html", RenderIndexHtml(v));
  ExpectGolden("status.html", RenderStatusHtml(v));
  v.running = true;
  v.states["metacurrentdump"] = {JobStatus::kInProgress, "2026-12-01 10:00:04"};
  v.progress["metacurrentdump"] =
      "1200 pages (400/s), 3000 revisions (1000/s), 40% done, ETA 2026-12-01 10:00:09";
  v.files["metacurrentdump"][0].state = FileEntry::State::kInProgress;
  v.files["metacurrentdump"][0].size = 5000;
  ExpectGolden("index-running.html", RenderIndexHtml(v));
  ExpectGolden("status-running.html", RenderStatusHtml(v));
}

TEST(RunReport, TemplateSubstitution) {
  RunView v = SmallRun();
  std::string html = RenderIndexHtml(v, "<title>%(db)s on %(date)s</title>%% %(unknown)s");
  EXPECT_EQ(html, "<title>smallwiki on 20261201</title>% %(unknown)s");
}

TEST(RunReport, PrettySizeLikeWikimedia) {
  EXPECT_EQ(PrettySize(0), "0 bytes");
  EXPECT_EQ(PrettySize(1023), "1023 bytes");
  EXPECT_EQ(PrettySize(1536), "1 KB");
  EXPECT_EQ(PrettySize(1536000), "1.5 MB");
  EXPECT_EQ(PrettySize(3221225472ull), "3.0 GB");
}

TEST(RunReport, PyJsonStringEscapesLikePython) {
  EXPECT_EQ(PyJsonString("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(PyJsonString("\xc3\xa9"), "\"\\u00e9\"");
  EXPECT_EQ(PyJsonString("\xf0\x9f\x98\x80"), "\"\\ud83d\\ude00\"");
}

TEST(RunReport, RssFeed) {
  std::string rss = RenderRss("http://download.wikimedia.org", "smallwiki", "20261201",
                              "smallwiki-20261201-pages-articles.xml.bz2", 1796119200);
  EXPECT_NE(rss.find("<title>smallwiki/20261201/smallwiki-20261201-pages-articles.xml.bz2</title>"),
            std::string::npos);
  EXPECT_NE(rss.find("<pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate>"), std::string::npos);
}

}  // namespace
}  // namespace dw::run
