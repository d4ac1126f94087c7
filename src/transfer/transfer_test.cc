#include "transfer/transfer.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

namespace dw::transfer {
namespace {

TEST(TransferOptionsTest, HostPath) {
  auto a = ParseHostPath("db1001:/srv/sqldata");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "db1001");
  EXPECT_EQ(a->path, "/srv/sqldata");
  auto b = ParseHostPath("[2001:db8::1]:/srv/x:y");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "2001:db8::1");
  EXPECT_EQ(b->path, "/srv/x:y");
  auto c = ParseHostPath("host:/a:b");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->path, "/a:b");
  for (const char* bad : {"nohost", ":/x", "host:", "[::1]/x", "[::1"})
    EXPECT_TRUE(ParseHostPath(bad).status().IsInvalidArgument()) << bad;
}

TEST(TransferOptionsTest, RateAndBool) {
  EXPECT_EQ(*ParseRate("100"), 100u);
  EXPECT_EQ(*ParseRate("2K"), 2048u);
  EXPECT_EQ(*ParseRate("1.5M"), 1572864u);
  EXPECT_EQ(*ParseRate("1G"), 1073741824u);
  EXPECT_FALSE(ParseRate("fast").ok());
  EXPECT_FALSE(ParseRate("10X").ok());
  EXPECT_FALSE(ParseRate("").ok());
  EXPECT_TRUE(*ParseBool("k", "T"));
  EXPECT_FALSE(*ParseBool("k", "0"));
  EXPECT_TRUE(ParseBool("k", "maybe").status().IsInvalidArgument());
}

TEST(TransferOptionsTest, ConfigFileAndPrecedence) {
  char tmpl[] = "/tmp/dwtx-conf-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(tmpl);
    f << "[DEFAULT]\nport = 4444\ntransfer_type = decompress\ncompress = False\n"
         "encrypt = f\nbwlimit = 10M\nfirewall = none\n";
  }
  auto cfg = ReadConfigFile(tmpl);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  TransferOptions o;
  // The command line set --port and --encrypt: they win over the file.
  o.port = 9;
  o.encrypt = true;
  ASSERT_TRUE(ApplyConfig(*cfg, {{"port", true}, {"encrypt", true}}, &o).ok());
  EXPECT_EQ(o.port, 9);
  EXPECT_TRUE(o.encrypt);
  EXPECT_EQ(o.type, "decompress");
  EXPECT_FALSE(o.compress);
  EXPECT_EQ(o.bwlimit, 10u << 20);
  EXPECT_EQ(o.firewall, "none");
  {
    std::ofstream f(tmpl);
    f << "[DEFAULT]\nchecksum = sometimes\n";
  }
  auto bad = ReadConfigFile(tmpl);
  ASSERT_TRUE(bad.ok());
  Status s = ApplyConfig(*bad, {}, &o);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.ToString().find("checksum"), std::string::npos);
  unlink(tmpl);
  EXPECT_TRUE(ReadConfigFile(tmpl).status().IsNotFound());
}

}  // namespace
}  // namespace dw::transfer
