#include "config/config.h"

#include <gtest/gtest.h>

namespace dw::config {
namespace {

constexpr const char* kMinimal = R"(
[wiki]
dblist = /srv/dumps/all.dblist
[output]
public = /srv/dumps/public
private = /srv/dumps/private
temp = /srv/dumps/temp
[mywiki]
db = sqlite:/srv/wikis/mywiki.sqlite
siteinfo = /srv/wikis/mywiki-siteinfo.json
)";

TEST(Config, MinimalConfigFromIssue) {
  auto c = Config::Parse(kMinimal, "that.conf");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->GetString("mywiki", "output", "public"), "/srv/dumps/public");
  EXPECT_EQ(c->GetString("mywiki", "wiki", "dblist"), "/srv/dumps/all.dblist");
  EXPECT_EQ(*c->DbUrl("mywiki"), "sqlite:/srv/wikis/mywiki.sqlite");
  EXPECT_EQ(c->SiteInfoSource("mywiki"), "/srv/wikis/mywiki-siteinfo.json");
  EXPECT_EQ(c->SiteInfoSource("otherwiki"), "");
  // Defaults from defaults.conf.
  EXPECT_EQ(*c->GetInt("mywiki", "cleanup", "keep"), 3);
  EXPECT_EQ(*c->GetInt("mywiki", "reporting", "staleage"), 3600);
  EXPECT_FALSE(*c->GetBool("mywiki", "chunks", "chunksEnabled"));
  EXPECT_EQ(c->GetString("mywiki", "output", "webroot"), "http://download.wikimedia.org");
}

TEST(Config, ApiUrlFromApiurlOrSiteinfoKey) {
  auto c = Config::Parse(R"(
[a]
siteinfo = /srv/a.json
apiurl = https://a.example/w/api.php
[b]
siteinfo = http://b.example/w/api.php
[c]
siteinfo = /srv/c.json
)",
                         "x.conf");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->ApiUrl("a"), "https://a.example/w/api.php");
  EXPECT_EQ(c->SiteInfoSource("a"), "/srv/a.json");  // the export header still from the file
  EXPECT_EQ(c->ApiUrl("b"), "http://b.example/w/api.php");
  EXPECT_EQ(c->SiteInfoSource("b"), "http://b.example/w/api.php");
  EXPECT_EQ(c->ApiUrl("c"), "");
  EXPECT_EQ(c->ApiUrl("nowiki"), "");
}

TEST(Config, PerWikiSectionOverridesProjectKeysOnly) {
  auto c = Config::Parse(R"(
[chunks]
chunksEnabled = 0
revsPerJob = 500
[output]
public = /pub
[reporting]
staleage = 900
[bigwiki]
chunksenabled = 1
public = /elsewhere
staleage = 5
)",
                         "x.conf");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(*c->GetBool("bigwiki", "chunks", "chunksEnabled"));  // keys are case-insensitive
  EXPECT_FALSE(*c->GetBool("smallwiki", "chunks", "chunksEnabled"));
  EXPECT_EQ(*c->GetInt("bigwiki", "chunks", "revsPerJob"), 500);
  EXPECT_EQ(c->GetString("bigwiki", "output", "public"), "/pub");  // overrideable-only
  EXPECT_EQ(*c->GetInt("bigwiki", "reporting", "staleage"), 900);  // global-only
}

TEST(Config, OverrideSectionFromFileColonSection) {
  auto [file, sec] = SplitConfigArg("/etc/dumps/wikidump.conf.dumps:bigwikis");
  EXPECT_EQ(file, "/etc/dumps/wikidump.conf.dumps");
  EXPECT_EQ(sec, "bigwikis");
  auto [f2, s2] = SplitConfigArg("/etc/a:b/wikidump.conf");
  EXPECT_EQ(f2, "/etc/a:b/wikidump.conf");
  EXPECT_EQ(s2, "");

  auto c = Config::Parse(R"(
[chunks]
chunksEnabled = 0
[output]
public = /pub
[bigwikis]
chunksEnabled = 1
public = /bigpub
[enwiki]
chunksEnabled = 0
)",
                         "x.conf", "bigwikis");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(*c->GetBool("dewiki", "chunks", "chunksEnabled"));
  EXPECT_FALSE(*c->GetBool("enwiki", "chunks", "chunksEnabled"));  // per-wiki still wins
  EXPECT_EQ(c->GetString("dewiki", "output", "public"), "/bigpub");

  auto missing = Config::Parse("[wiki]\n", "x.conf", "nosuch");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("[nosuch]"), std::string::npos);
}

TEST(Config, IntegersAndBooleans) {
  auto c = Config::Parse(R"(
[database]
max_allowed_packet = 32M
[output]
fileperms = 0o644
[chunks]
maxrevbytes = 35e9
revsPerJob = lots
chunksEnabled = maybe
)",
                         "x.conf");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c->GetInt("", "database", "max_allowed_packet"), 32 * 1024 * 1024);
  EXPECT_EQ(*c->GetInt("", "output", "fileperms"), 0644);
  EXPECT_EQ(*c->GetInt("", "chunks", "maxrevbytes"), 35000000000);
  auto bad = c->GetInt("", "chunks", "revsPerJob");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "x.conf: [chunks] revsPerJob: not an integer: 'lots'");
  EXPECT_FALSE(c->GetBool("", "chunks", "chunksEnabled").ok());
}

TEST(Config, DbUrlFromDatabaseSection) {
  auto c = Config::Parse(R"(
[database]
user = wikiadmin
password = pw
socket = /run/mysqld/mysqld.sock
)",
                         "x.conf");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c->DbUrl("aawiki"),
            "mariadb://wikiadmin:pw@localhost/aawiki?socket=/run/mysqld/mysqld.sock");
  auto none = Config::Parse("[wiki]\n", "x.conf");
  auto r = none->DbUrl("aawiki");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("aawiki"), std::string::npos);
}

TEST(Config, ParseErrorNamesLine) {
  auto c = Config::Parse("[wiki]\ndblist = x\nthis is not ini\n", "bad.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "bad.conf:3: cannot parse this line");
}

TEST(Config, LoadMissingFileNamesIt) {
  auto c = Config::Load(Env::Default(), "/nonexistent/dw-config-test.conf:sec");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/nonexistent/dw-config-test.conf"), std::string::npos);
}

}  // namespace
}  // namespace dw::config
