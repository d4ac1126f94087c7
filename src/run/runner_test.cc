#include "run/runner.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <nlohmann/json.hpp>

#include "run/lock.h"
#include "run/names.h"
#include "stream/hash.h"
#include "stream/input.h"
#include "testing/fake_wiki.h"
#include "testing/fault_env.h"
#include "testing/testing.h"

namespace dw::run {
namespace {

std::vector<std::string> Children(const std::string& dir) {
  auto c = Env::Default()->GetChildren(dir);
  return c.ok() ? *c : std::vector<std::string>{};
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dw-runner-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    settings_.public_dir = root_ + "/public";
    settings_.private_dir = root_ + "/private";
    settings_.temp_dir = root_ + "/temp";
    settings_.threads = 2;
    options_.wiki = "fakewiki";
    options_.date = "20261201";
  }
  void TearDown() override { (void)Env::Default()->RemoveTree(root_); }

  std::string RunDir() const { return settings_.public_dir + "/fakewiki/" + options_.date; }

  DumpResult Run(Env* env = Env::Default()) {
    DumpResult r;
    Status s = RunDump(env, settings_, options_, testing::FakeWikiFactory(wiki_), &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }

  // name -> bytes of every published dump file of the run.
  std::map<std::string, std::string> DumpFiles(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const std::string& c : Children(dir)) {
      auto d = DumpName::Parse("fakewiki", c);
      if (!d) continue;
      out[c] = *ReadFileToString(Env::Default(), dir + "/" + c);
    }
    return out;
  }

  static std::string Decompress(const std::string& path) {
    auto in = stream::OpenInput(Env::Default(), path);
    EXPECT_TRUE(in.ok()) << path;
    std::string out, buf(1 << 16, '\0');
    while (true) {
      auto n = (*in)->Read(buf.data(), buf.size());
      EXPECT_TRUE(n.ok()) << path << ": " << n.status().ToString();
      if (!n.ok() || *n == 0) break;
      out.append(buf.data(), *n);
    }
    return out;
  }

  std::string root_;
  RunSettings settings_;
  DumpOptions options_;
  testing::FakeWikiOptions wiki_;
};

TEST_F(RunnerTest, WholeRunPublishesEveryJobAndStatusFile) {
  settings_.multistream = true;
  settings_.skipjobs = {"metahistory7zdump"};  // 7z has its own test
  DumpResult r = Run();
  EXPECT_TRUE(r.failed.empty());
  EXPECT_EQ(r.skipped, std::vector<std::string>{"metahistory7zdump"});
  std::string dir = RunDir();
  for (const char* f : {"fakewiki-20261201-siteinfo-namespaces.json.gz",
                        "fakewiki-20261201-siteinfo2-namespacesv2.json.gz",
                        "fakewiki-20261201-all-titles-in-ns0.gz",
                        "fakewiki-20261201-all-titles.gz",
                        "fakewiki-20261201-stub-meta-history.xml.gz",
                        "fakewiki-20261201-stub-meta-current.xml.gz",
                        "fakewiki-20261201-stub-articles.xml.gz",
                        "fakewiki-20261201-pages-articles.xml.bz2",
                        "fakewiki-20261201-pages-meta-current.xml.bz2",
                        "fakewiki-20261201-pages-logging.xml.gz",
                        "fakewiki-20261201-pages-meta-history.xml.bz2",
                        "fakewiki-20261201-pages-articles-multistream.xml.bz2",
                        "fakewiki-20261201-pages-articles-multistream-index.txt.bz2",
                        "dumpruninfo.txt",
                        "dumpruninfo.json",
                        "dumpstatus.json",
                        "report.json",
                        "index.html",
                        "status.html",
                        "fakewiki-20261201-md5sums.txt",
                        "fakewiki-20261201-sha1sums.json"})
    EXPECT_TRUE(Env::Default()->FileExists(dir + "/" + f)) << f;
  // No temporary names are left.
  for (const std::string& c : Children(dir)) {
    EXPECT_EQ(c.find(".inprog"), std::string::npos) << c;
    EXPECT_EQ(c.find(".tmp."), std::string::npos) << c;
  }
  // dumpstatus.json agrees with the bytes.
  auto status = nlohmann::json::parse(*ReadFileToString(Env::Default(), dir + "/dumpstatus.json"));
  EXPECT_EQ(status["version"], "0.8");
  EXPECT_EQ(status["jobs"]["articlesdump"]["status"], "done");
  EXPECT_EQ(status["jobs"]["metahistory7zdump"]["status"], "skipped");
  int files = 0;
  for (auto& [job, j] : status["jobs"].items()) {
    if (!j.contains("files")) continue;
    for (auto& [name, f] : j["files"].items()) {
      std::string bytes = *ReadFileToString(Env::Default(), dir + "/" + name);
      stream::Hasher h(stream::kMd5 | stream::kSha1);
      h.Update(bytes);
      auto d = h.Finish();
      EXPECT_EQ(f["size"], bytes.size()) << name;
      EXPECT_EQ(f["md5"], d.md5) << name;
      EXPECT_EQ(f["sha1"], d.sha1) << name;
      EXPECT_EQ(f["url"], "/fakewiki/20261201/" + name);
      ++files;
    }
  }
  EXPECT_EQ(files, 13);
  // md5sums.txt lists every file.
  std::string md5 = *ReadFileToString(Env::Default(), dir + "/fakewiki-20261201-md5sums.txt");
  EXPECT_EQ(std::count(md5.begin(), md5.end(), '\n'), 13);
  // Content: the articles subset, the XML closed.
  std::string articles = Decompress(dir + "/fakewiki-20261201-pages-articles.xml.bz2");
  EXPECT_TRUE(articles.ends_with("</mediawiki>\n"));
  EXPECT_EQ(articles.find("<title>User:"), std::string::npos);
  EXPECT_EQ(articles.find("<title>Talk:"), std::string::npos);
  EXPECT_EQ(Decompress(dir + "/fakewiki-20261201-pages-articles-multistream.xml.bz2"), articles);
  std::string titles = Decompress(dir + "/fakewiki-20261201-all-titles-in-ns0.gz");
  EXPECT_TRUE(titles.starts_with("page_title\nPage_1\nPage_11\n")) << titles.substr(0, 40);
  // The lock is gone; latest links point at the run.
  EXPECT_FALSE(Env::Default()->FileExists(settings_.private_dir + "/fakewiki/lock_20261201"));
  EXPECT_TRUE(Env::Default()->FileExists(
      settings_.public_dir + "/fakewiki/latest/fakewiki-latest-pages-articles.xml.bz2"));
  EXPECT_TRUE(Env::Default()->FileExists(
      settings_.public_dir + "/fakewiki/latest/fakewiki-latest-pages-articles.xml.bz2-rss.xml"));
  auto target = Env::Default()->ReadLink(settings_.public_dir +
                                         "/fakewiki/latest/fakewiki-latest-pages-articles.xml.bz2");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(*target, "../20261201/fakewiki-20261201-pages-articles.xml.bz2");
  // A link to a file that is gone is removed (with its feed) at the next run.
  const std::string latest = settings_.public_dir + "/fakewiki/latest/";
  ASSERT_TRUE(Env::Default()
                  ->CreateSymlink("../20200101/fakewiki-20200101-pages-old.xml.bz2",
                                  latest + "fakewiki-latest-pages-old.xml.bz2")
                  .ok());
  ASSERT_TRUE(WriteFileAtomic(Env::Default(), latest + "fakewiki-latest-pages-old.xml.bz2-rss.xml",
                              "<rss/>")
                  .ok());
  options_.jobs = {"noop"};
  Run();
  EXPECT_FALSE(Env::Default()->FileExists(latest + "fakewiki-latest-pages-old.xml.bz2"));
  EXPECT_FALSE(Env::Default()->FileExists(latest + "fakewiki-latest-pages-old.xml.bz2-rss.xml"));
  EXPECT_TRUE(Env::Default()->FileExists(latest + "fakewiki-latest-pages-articles.xml.bz2"));
}

TEST_F(RunnerTest, MultistreamIndexOffsetsPointAtTheirPages) {
  settings_.multistream = true;
  settings_.skipjobs = {"metahistory7zdump"};
  wiki_.pages = 450;
  wiki_.revs_per_page = 1;
  Run();
  std::string dir = RunDir();
  std::string index =
      Decompress(dir + "/fakewiki-20261201-pages-articles-multistream-index.txt.bz2");
  std::string ms = *ReadFileToString(Env::Default(),
                                     dir + "/fakewiki-20261201-pages-articles-multistream.xml.bz2");
  size_t lines = 0;
  std::map<uint64_t, int> per_stream;
  size_t pos = 0;
  while (pos < index.size()) {
    size_t nl = index.find('\n', pos);
    std::string line = index.substr(pos, nl - pos);
    pos = nl + 1;
    ++lines;
    size_t c1 = line.find(':'), c2 = line.find(':', c1 + 1);
    uint64_t off = std::stoull(line.substr(0, c1));
    std::string id = line.substr(c1 + 1, c2 - c1 - 1);
    per_stream[off]++;
    ASSERT_LT(off, ms.size());
    EXPECT_EQ(ms.compare(off, 4, "BZh9"), 0) << line;
  }
  EXPECT_GT(lines, 200u);
  for (auto& [off, n] : per_stream) EXPECT_LE(n, 100) << off;
}

TEST_F(RunnerTest, PartsAndPageRangesRecombineToTheSingleRun) {
  settings_.multistream = true;
  settings_.skipjobs = {"metahistory7zdump"};
  wiki_.pages = 260;
  Run();
  std::map<std::string, std::string> single;
  for (auto& [name, bytes] : DumpFiles(RunDir()))
    if (name.find(".xml.") != std::string::npos || name.find("index") != std::string::npos)
      single[name] = Decompress(RunDir() + "/" + name);

  settings_.chunks = true;
  settings_.pages_per_part = {100};  // ceil(260/100) = 3 parts
  settings_.checkpoint = true;
  settings_.revs_per_job = 90;  // ~30 pages per history range
  options_.date = "20261202";
  DumpResult r = Run();
  EXPECT_TRUE(r.failed.empty());
  auto files = DumpFiles(RunDir());
  EXPECT_TRUE(files.count("fakewiki-20261202-pages-meta-history1.xml-p1p30.bz2"));
  EXPECT_TRUE(files.count("fakewiki-20261202-pages-meta-history3.xml-p201p230.bz2"));
  EXPECT_TRUE(files.count("fakewiki-20261202-stub-articles2.xml.gz"));
  EXPECT_TRUE(files.count("fakewiki-20261202-pages-articles-multistream-index2.txt-p101p190.bz2"));
  int checked = 0;
  for (auto& [name, want] : single) {
    std::string joined = name;
    joined.replace(joined.find("20261201"), 8, "20261202");
    ASSERT_TRUE(files.count(joined)) << joined;
    std::string got = Decompress(RunDir() + "/" + joined);
    if (name.find("multistream-index") != std::string::npos) {
      // Offsets differ (other stream cuts); the page ids and titles do not.
      auto strip = [](const std::string& s) {
        std::string out;
        size_t pos = 0;
        while (pos < s.size()) {
          size_t nl = s.find('\n', pos);
          out += s.substr(s.find(':', pos), nl - s.find(':', pos)) + "\n";
          pos = nl + 1;
        }
        return out;
      };
      EXPECT_EQ(strip(got), strip(want));
      // Every recombined offset points at a stream start.
      std::string ms = files["fakewiki-20261202-pages-articles-multistream.xml.bz2"];
      size_t pos = 0;
      while (pos < got.size()) {
        uint64_t off = std::stoull(got.substr(pos, got.find(':', pos) - pos));
        EXPECT_EQ(ms.compare(off, 4, "BZh9"), 0) << off;
        pos = got.find('\n', pos) + 1;
      }
    } else {
      EXPECT_EQ(got, want) << joined;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 9);
}

TEST_F(RunnerTest, LogPartsByLogIdRecombineToTheSingleRunAndResume) {
  wiki_.log_items = 1000;
  options_.jobs = {"xmlpagelogsdump"};
  Run();
  const std::string single = Decompress(RunDir() + "/fakewiki-20261201-pages-logging.xml.gz");
  ASSERT_NE(single.find("<id>1000</id>"), std::string::npos);

  // chunksForPagelogs = 4: max(log_id) / 4 + 200 = 450 items per part -> 3 parts.
  settings_.chunks = true;
  settings_.pages_per_part = {100};
  settings_.pagelog_parts = 4;
  options_.jobs = {"xmlpagelogsdump", "xmlpagelogsdumprecombine"};
  options_.date = "20261202";
  DumpResult r = Run();
  EXPECT_TRUE(r.failed.empty());
  EXPECT_EQ(r.done, (std::vector<std::string>{"xmlpagelogsdump", "xmlpagelogsdumprecombine"}));
  auto files = DumpFiles(RunDir());
  const std::string p = "fakewiki-20261202-pages-logging";
  ASSERT_TRUE(files.count(p + "1.xml.gz"));
  ASSERT_TRUE(files.count(p + "3.xml.gz"));
  EXPECT_FALSE(files.count(p + "4.xml.gz"));
  std::string part2 = Decompress(RunDir() + "/" + p + "2.xml.gz");
  EXPECT_NE(part2.find("<id>451</id>"), std::string::npos);
  EXPECT_NE(part2.find("<id>900</id>"), std::string::npos);
  EXPECT_EQ(part2.find("<id>450</id>"), std::string::npos);
  EXPECT_EQ(part2.find("<id>901</id>"), std::string::npos);
  EXPECT_EQ(Decompress(RunDir() + "/" + p + ".xml.gz"), single);

  // Resumable: a lost part and recombined file are remade, byte-identical.
  ASSERT_TRUE(Env::Default()->RemoveFile(RunDir() + "/" + p + "2.xml.gz").ok());
  ASSERT_TRUE(Env::Default()->RemoveFile(RunDir() + "/" + p + ".xml.gz").ok());
  r = Run();
  EXPECT_TRUE(r.failed.empty());
  auto again = DumpFiles(RunDir());
  for (const char* n : {"2.xml.gz", ".xml.gz"}) EXPECT_EQ(again[p + n], files[p + n]) << n;

  // logitemsPerPagelogs wins: 300 items per part -> 4 parts.
  settings_.logitems_per_part = 300;
  options_.date = "20261203";
  Run();
  files = DumpFiles(RunDir());
  EXPECT_TRUE(files.count("fakewiki-20261203-pages-logging4.xml.gz"));
  EXPECT_EQ(Decompress(RunDir() + "/fakewiki-20261203-pages-logging.xml.gz"), single);
}

TEST_F(RunnerTest, FailedJobPublishesNothingAndRerunCompletesIdentically) {
  settings_.skipjobs = {"metahistory7zdump"};
  wiki_.pages = 150;
  Run();
  auto clean = DumpFiles(RunDir());

  options_.date = "20261202";
  wiki_.fail_at_page = 120;
  DumpResult r = Run();
  EXPECT_FALSE(r.failed.empty());
  auto partial = DumpFiles(RunDir());
  EXPECT_FALSE(partial.count("fakewiki-20261202-pages-meta-history.xml.bz2"));
  for (const std::string& c : Children(RunDir()))
    EXPECT_EQ(c.find(".inprog"), std::string::npos) << c;
  auto info = *ReadFileToString(Env::Default(), RunDir() + "/dumpruninfo.txt");
  EXPECT_NE(info.find("name:metahistorybz2dump; status:failed"), std::string::npos) << info;

  wiki_.fail_at_page = 0;
  r = Run();
  EXPECT_TRUE(r.failed.empty());
  auto resumed = DumpFiles(RunDir());
  ASSERT_EQ(resumed.size(), clean.size());
  for (auto& [name, bytes] : clean) {
    std::string n2 = name;
    n2.replace(n2.find("20261201"), 8, "20261202");
    if (name.find("sums") != std::string::npos) continue;  // names inside differ by date
    EXPECT_TRUE(resumed[n2] == bytes) << n2;
  }
}

TEST_F(RunnerTest, DiskFullFailsTheJobLeavesNothingPartialAndRerunSucceeds) {
  settings_.skipjobs = {"metahistory7zdump"};
  wiki_.pages = 300;
  testing::FaultEnv full(Env::Default());
  full.SetWriteLimit(60000);
  DumpResult r;
  Status s = RunDump(&full, settings_, options_, testing::FakeWikiFactory(wiki_), &r);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(r.failed.empty());
  for (const std::string& c : Children(RunDir())) {
    EXPECT_EQ(c.find(".inprog"), std::string::npos) << c;
    auto d = DumpName::Parse("fakewiki", c);
    if (d && (d->ext == "bz2" || d->ext == "gz")) {
      // Whatever was published is complete.
      Decompress(RunDir() + "/" + c);
    }
  }
  r = Run();
  EXPECT_TRUE(r.failed.empty());
  EXPECT_TRUE(
      Env::Default()->FileExists(RunDir() + "/fakewiki-20261201-pages-meta-history.xml.bz2"));
}

TEST_F(RunnerTest, TableJobsComeFirstAndPublishSqlGz) {
  settings_.tables = {"site_stats", "page"};
  wiki_.tables = {"site_stats"};  // "page" is missing: that job fails, the rest go on
  settings_.skipjobs = {"metahistory7zdump"};
  DumpResult r = Run();
  ASSERT_FALSE(r.done.empty());
  EXPECT_EQ(r.done[0], "sitestatstable");
  EXPECT_EQ(r.failed, std::vector<std::string>{"pagetable"});
  std::string sql = Decompress(RunDir() + "/fakewiki-20261201-site_stats.sql.gz");
  EXPECT_NE(sql.find("CREATE TABLE `site_stats`"), std::string::npos);
  EXPECT_FALSE(Env::Default()->FileExists(RunDir() + "/fakewiki-20261201-page.sql.gz"));
  std::string info = *ReadFileToString(Env::Default(), RunDir() + "/dumpruninfo.txt");
  EXPECT_TRUE(info.ends_with("name:sitestatstable; status:done; updated:" +
                             info.substr(info.rfind("updated:") + 8)));
  // The table file is listed in the checksums and dumpstatus.json like any other.
  std::string md5 = *ReadFileToString(Env::Default(), RunDir() + "/fakewiki-20261201-md5sums.txt");
  EXPECT_NE(md5.find("  fakewiki-20261201-site_stats.sql.gz\n"), std::string::npos) << md5;
  auto status =
      nlohmann::json::parse(*ReadFileToString(Env::Default(), RunDir() + "/dumpstatus.json"));
  EXPECT_TRUE(
      status["jobs"]["sitestatstable"]["files"]["fakewiki-20261201-site_stats.sql.gz"].contains(
          "sha1"))
      << status["jobs"]["sitestatstable"].dump();
}

TEST_F(RunnerTest, SecondWorkerIsRefusedWithTheLockOwner) {
  std::string lock_path = settings_.private_dir + "/fakewiki/lock_20261201";
  auto lock = RunLock::Acquire(Env::Default(), lock_path, {});
  ASSERT_TRUE(lock.ok());
  DumpResult r;
  Status s = RunDump(Env::Default(), settings_, options_, testing::FakeWikiFactory(wiki_), &r);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsAlreadyExists());
  EXPECT_NE(s.message().find(lock_path + ": locked by"), std::string::npos) << s.message();
}

TEST_F(RunnerTest, JobSelectionPrereqsAndRetention) {
  for (const char* d : {"20260101", "20260201", "20260301", "20260401"})
    ASSERT_TRUE(Env::Default()->CreateDirs(settings_.public_dir + "/fakewiki/" + d).ok());
  settings_.keep = 2;
  options_.jobs = {"articlesdump"};
  DumpResult r = Run();
  // Without --prereqs the stubs are missing: the job waits.
  EXPECT_EQ(r.waiting, std::vector<std::string>{"articlesdump"});
  // --job runs do not clean up.
  EXPECT_TRUE(Env::Default()->FileExists(settings_.public_dir + "/fakewiki/20260101"));
  options_.prereqs = true;
  r = Run();
  EXPECT_EQ(r.done, (std::vector<std::string>{"xmlstubsdump", "articlesdump"}));

  options_.jobs = {"nosuchjob"};
  DumpResult bad;
  Status s = RunDump(Env::Default(), settings_, options_, testing::FakeWikiFactory(wiki_), &bad);
  EXPECT_EQ(s.message(),
            "--job nosuchjob: no such job for fakewiki (see dumpworks dump --list-jobs)");

  options_.jobs = {};
  options_.prereqs = false;
  options_.skipdone = true;
  settings_.skipjobs = {"metahistory7zdump"};
  r = Run();
  EXPECT_TRUE(r.failed.empty());
  auto dates = Children(settings_.public_dir + "/fakewiki");
  EXPECT_EQ(dates, (std::vector<std::string>{"20260301", "20260401", "20261201", "latest"}));
}

TEST_F(RunnerTest, SevenZipFromTheBz2Files) {
  if (system("command -v 7za >/dev/null 2>&1") != 0) DW_SKIP_UNLESS_CI("7za not installed");
  wiki_.pages = 40;
  settings_.chunks = true;
  settings_.pages_per_part = {20};
  options_.jobs = {"metahistory7zdump", "metahistory7zdumprecombine"};
  options_.prereqs = true;
  DumpResult r = Run();
  EXPECT_TRUE(r.failed.empty());
  std::string dir = RunDir();
  for (const char* f : {"fakewiki-20261201-pages-meta-history1.xml-p1p20.7z",
                        "fakewiki-20261201-pages-meta-history2.xml-p21p40.7z",
                        "fakewiki-20261201-pages-meta-history.xml.7z"}) {
    ASSERT_TRUE(Env::Default()->FileExists(dir + "/" + f)) << f;
    EXPECT_EQ(0, system(("7za t " + dir + "/" + f + " >/dev/null").c_str())) << f;
  }
  std::string cmd = "7za e -so " + dir + "/fakewiki-20261201-pages-meta-history.xml.7z 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string got;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) got.append(buf, n);
  pclose(p);
  EXPECT_EQ(got, Decompress(dir + "/fakewiki-20261201-pages-meta-history.xml.bz2"));
}

}  // namespace
}  // namespace dw::run
