#include "mw/siteinfo.h"

#include <gtest/gtest.h>

namespace dw::mw {
namespace {

TEST(SiteInfoTest, FormatVersion1) {
  auto s = SiteInfo::FromApiJson(R"({"query":{"general":{"sitename":"Wikipedia","dbname":"aawiki",
    "base":"https://aa.wikipedia.org/wiki/Main_Page","generator":"MediaWiki 1.39.17",
    "case":"first-letter","lang":"aa"},
    "namespaces":{"0":{"id":0,"case":"first-letter","*":"","content":""},
                  "3":{"id":3,"case":"first-letter","*":"User talk","canonical":"User talk"},
                  "4":{"id":4,"case":"first-letter","*":"Wikipedia","canonical":"Project"}},
    "namespacealiases":[{"id":4,"*":"WP"}]}})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->dbname, "aawiki");
  EXPECT_EQ(s->lang, "aa");
  ASSERT_EQ(s->namespaces.size(), 3u);
  EXPECT_TRUE(s->namespaces[0].content);
  EXPECT_EQ(s->FullTitle(3, "Foo_bar"), "User talk:Foo bar");
  EXPECT_EQ(s->FullTitle(0, "Main_Page"), "Main Page");
  EXPECT_EQ(s->FullTitle(99, "X"), "X");  // unknown namespace: no prefix, like MediaWiki
  EXPECT_EQ(s->SplitTitle("WP:Rules").first, 4);
  EXPECT_EQ(s->SplitTitle("project:Rules").first, 4);
  EXPECT_EQ(s->SplitTitle("Nope:Rules"), (std::pair<int, std::string>{0, "Nope:Rules"}));
}

TEST(SiteInfoTest, FormatVersion2AndErrors) {
  auto s = SiteInfo::FromApiJson(R"({"query":{"general":{"sitename":"W","wikiid":"xwiki"},
    "namespaces":{"2":{"id":2,"case":"case-sensitive","name":"User","content":false}}}})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->dbname, "xwiki");
  EXPECT_EQ(s->namespaces[0].case_mode, "case-sensitive");
  EXPECT_FALSE(SiteInfo::FromApiJson("not json").ok());
  EXPECT_FALSE(SiteInfo::FromApiJson("{}").ok());
}

TEST(SiteInfoTest, Defaults) {
  SiteInfo s = SiteInfo::Defaults("my_wiki");
  EXPECT_EQ(s.dbname, "my_wiki");
  EXPECT_EQ(s.namespaces.size(), 18u);
  EXPECT_EQ(s.FullTitle(1, "A"), "Talk:A");
}

}  // namespace
}  // namespace dw::mw
