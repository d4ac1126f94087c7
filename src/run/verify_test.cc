#include "run/verify.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "run/runner.h"
#include "testing/fake_wiki.h"

namespace dw::run {
namespace {

bool AnyContains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x.find(s) != std::string::npos) return true;
  return false;
}

TEST(VerifyDump, CleanRunPassesAndEachDamageIsOneNamedLine) {
  char tmpl[] = "/tmp/dw-verify-test-XXXXXX";
  std::string root = mkdtemp(tmpl);
  Env* env = Env::Default();
  RunSettings s;
  s.public_dir = root + "/public";
  s.private_dir = root + "/private";
  s.chunks = true;
  s.pages_per_part = {40};
  s.skipjobs = {"metahistory7zdump"};
  s.threads = 2;
  DumpOptions o;
  o.wiki = "fakewiki";
  o.date = "20261201";
  testing::FakeWikiOptions fw;
  fw.pages = 100;
  DumpResult r;
  ASSERT_TRUE(RunDump(env, s, o, testing::FakeWikiFactory(fw), &r).ok());
  ASSERT_TRUE(r.failed.empty());
  std::string dir = s.public_dir + "/fakewiki/20261201";

  std::vector<std::string> problems;
  int checked = 0;
  ASSERT_TRUE(VerifyDump(env, {dir}, {}, &problems, &checked).ok());
  EXPECT_TRUE(problems.empty()) << problems[0];
  EXPECT_GT(checked, 15);

  // A truncated bz2 part, a page-range file holding other pages, a wrong md5.
  std::string part = dir + "/fakewiki-20261201-pages-meta-history2.xml-p41p80.bz2";
  auto bytes = *ReadFileToString(env, part);
  ASSERT_TRUE(WriteFileAtomic(env, part, bytes.substr(0, bytes.size() - 30)).ok());
  std::string p3 = dir + "/fakewiki-20261201-pages-meta-current3.xml-p81p100.bz2";
  std::string p1 = dir + "/fakewiki-20261201-pages-meta-current1.xml-p1p40.bz2";
  ASSERT_TRUE(WriteFileAtomic(env, p3, *ReadFileToString(env, p1)).ok());
  problems.clear();
  ASSERT_TRUE(VerifyDump(env, {dir}, {}, &problems, &checked).ok());
  EXPECT_TRUE(AnyContains(problems, "pages-meta-history2.xml-p41p80.bz2")) << problems.size();
  EXPECT_TRUE(AnyContains(problems, "holds pages 1..40, outside its range p81p100"));
  EXPECT_TRUE(AnyContains(problems, "md5"));
  EXPECT_TRUE(AnyContains(problems, "dumpstatus.json"));

  // A single file.
  problems.clear();
  ASSERT_TRUE(VerifyDump(env, {p3}, {}, &problems, &checked).ok());
  EXPECT_EQ(problems.size(), 1u);
  EXPECT_FALSE(VerifyDump(env, {root + "/nope"}, {}, &problems, &checked).ok());
  (void)env->RemoveTree(root);
}

}  // namespace
}  // namespace dw::run
