#include "mw/http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "mw/siteinfo.h"

namespace dw::mw {
namespace {

// A one-thread HTTP/1.0 server on 127.0.0.1 (a real socket): answers each
// request with respond(request number, request text) and closes.
class TinyServer {
 public:
  using Responder = std::function<std::string(int n, const std::string& request)>;
  explicit TinyServer(Responder respond) : respond_(std::move(respond)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    EXPECT_EQ(listen(fd_, 16), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TinyServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string Url(const std::string& path = "/w/api.php") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return count_; }
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      seen_.push_back(req);
      std::string resp = respond_(count_++, req);
      size_t off = 0;
      while (off < resp.size()) {
        ssize_t w = write(c, resp.data() + off, resp.size() - off);
        if (w <= 0) break;
        off += static_cast<size_t>(w);
      }
      close(c);
    }
  }

  Responder respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::vector<std::string> seen_;
  std::thread thread_;
};

std::string Answer(int code, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.0 " + std::to_string(code) + " X\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const char kSiteinfo[] =
    R"({"batchcomplete":true,"query":{"general":{"sitename":"W","wikiid":"xwiki",)"
    R"("base":"http://x/wiki/Main_Page","generator":"MediaWiki 1.39.17","case":"first-letter"},)"
    R"("namespaces":{"0":{"id":0,"case":"first-letter","name":"","content":true}}}})";

HttpOptions Fast() {
  HttpOptions o;
  o.backoff_ms = 1;
  o.connect_timeout_ms = 2000;
  o.timeout_ms = 5000;
  return o;
}

TEST(HttpClientTest, GetsBodyWithUserAgent) {
  TinyServer s([](int, const std::string&) { return Answer(200, kSiteinfo); });
  auto body = NewCurlHttpClient(Fast())->Get(s.Url());
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, kSiteinfo);
  ASSERT_EQ(s.seen().size(), 1u);
  EXPECT_NE(s.seen()[0].find("User-Agent: dumpworks/"), std::string::npos) << s.seen()[0];
}

TEST(HttpClientTest, RetriesServerErrorsThenSucceeds) {
  TinyServer s([](int n, const std::string&) {
    return n < 2 ? Answer(503, "busy") : Answer(200, kSiteinfo);
  });
  auto body = NewCurlHttpClient(Fast())->Get(s.Url());
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(s.requests(), 3);
}

TEST(HttpClientTest, GivesUpAfterRetriesNamingUrlAndStatus) {
  TinyServer s([](int, const std::string&) { return Answer(500, "oops"); });
  HttpOptions o = Fast();
  o.retries = 2;
  auto body = NewCurlHttpClient(o)->Get(s.Url());
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(s.requests(), 3);
  std::string m(body.status().message());
  EXPECT_NE(m.find(s.Url()), std::string::npos) << m;
  EXPECT_NE(m.find("HTTP 500"), std::string::npos) << m;
  EXPECT_NE(m.find("after 3 attempts"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

TEST(HttpClientTest, ClientErrorsAreNotRetried) {
  TinyServer s([](int, const std::string&) { return Answer(404, "no"); });
  auto body = NewCurlHttpClient(Fast())->Get(s.Url());
  ASSERT_FALSE(body.ok());
  EXPECT_TRUE(body.status().IsNotFound());
  EXPECT_EQ(s.requests(), 1);
}

TEST(HttpClientTest, FollowsRedirects) {
  TinyServer s([&](int n, const std::string&) {
    return n == 0 ? Answer(301, "", "Location: /api2.php\r\n") : Answer(200, kSiteinfo);
  });
  auto body = NewCurlHttpClient(Fast())->Get(s.Url());
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  ASSERT_EQ(s.seen().size(), 2u);
  EXPECT_EQ(s.seen()[1].rfind("GET /api2.php ", 0), 0u) << s.seen()[1];
}

TEST(HttpClientTest, RedirectLoopStops) {
  TinyServer s([](int, const std::string&) { return Answer(302, "", "Location: /w/api.php\r\n"); });
  HttpOptions o = Fast();
  o.max_redirects = 3;
  o.retries = 0;
  auto body = NewCurlHttpClient(o)->Get(s.Url());
  ASSERT_FALSE(body.ok());
  EXPECT_LE(s.requests(), 4);
  EXPECT_NE(body.status().message().find("redirect"), std::string::npos)
      << body.status().ToString();
}

TEST(HttpClientTest, BodyLimit) {
  TinyServer s([](int, const std::string&) { return Answer(200, std::string(100000, 'x')); });
  HttpOptions o = Fast();
  o.max_body_bytes = 1000;
  auto body = NewCurlHttpClient(o)->Get(s.Url());
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.status().message().find("larger than the limit of 1000 bytes"), std::string::npos)
      << body.status().ToString();
  EXPECT_EQ(s.requests(), 1);  // not retried
}

TEST(HttpClientTest, UnreachablePortNamesUrlAndCurlError) {
  // A port nobody listens on: bind one, then close it.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/api.php";
  HttpOptions o = Fast();
  o.retries = 1;
  auto body = NewCurlHttpClient(o)->Get(url);
  ASSERT_FALSE(body.ok());
  EXPECT_TRUE(body.status().IsUnavailable());
  std::string m(body.status().message());
  EXPECT_NE(m.find(url), std::string::npos) << m;
  EXPECT_NE(m.find("after 2 attempts"), std::string::npos) << m;
}

TEST(HttpClientTest, OtherSchemesRefused) {
  auto body = NewCurlHttpClient(Fast())->Get("file:///etc/passwd");
  ASSERT_FALSE(body.ok());
  EXPECT_TRUE(body.status().IsInvalidArgument()) << body.status().ToString();
}

// SiteInfo over a real socket: the query string and the error paths.
TEST(SiteInfoUrlTest, LoadAddsQueryAndParses) {
  TinyServer s([](int, const std::string&) { return Answer(200, kSiteinfo); });
  auto http = NewCurlHttpClient(Fast());
  auto site = SiteInfo::Load(s.Url(), http.get());
  ASSERT_TRUE(site.ok()) << site.status().ToString();
  EXPECT_EQ(site->dbname, "xwiki");
  EXPECT_EQ(site->api_json, kSiteinfo);
  ASSERT_EQ(s.seen().size(), 1u);
  EXPECT_EQ(s.seen()[0].rfind("GET /w/api.php?action=query&meta=siteinfo&siprop=general%7C"
                              "namespaces%7Cnamespacealiases&format=json&formatversion=2 ",
                              0),
            0u)
      << s.seen()[0];
}

TEST(SiteInfoUrlTest, GarbageAndForeignJsonAreErrorsNamingUrl) {
  for (const std::string& body :
       {std::string("<html>Not a wiki</html>"), std::string(R"({"hello":"world"})"),
        std::string(R"([1,2,3])"),
        std::string(R"({"error":{"code":"unknown_action","info":"Unrecognized value"}})")}) {
    TinyServer s([&](int, const std::string&) { return Answer(200, body); });
    auto http = NewCurlHttpClient(Fast());
    auto site = SiteInfo::Load(s.Url(), http.get());
    ASSERT_FALSE(site.ok()) << body;
    std::string m(site.status().message());
    EXPECT_NE(m.find(s.Url()), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    if (body.starts_with("{\"error")) {
      EXPECT_NE(m.find("api.php error unknown_action: Unrecognized value"), std::string::npos) << m;
    }
  }
}

TEST(SiteInfoUrlTest, QueryUrl) {
  EXPECT_EQ(SiteInfoQueryUrl("https://aa.wikipedia.org/w/api.php", kNamespacesSiprop, 1),
            "https://aa.wikipedia.org/w/api.php?action=query&meta=siteinfo&siprop=namespaces%7C"
            "namespacealiases%7Cmagicwords%7Cgeneral&format=json");
  EXPECT_EQ(SiteInfoQueryUrl("http://x/api.php", "general", 2),
            "http://x/api.php?action=query&meta=siteinfo&siprop=general&format=json&"
            "formatversion=2");
  EXPECT_EQ(SiteInfoQueryUrl("http://x/api.php?action=query&meta=siteinfo", "general", 2),
            "http://x/api.php?action=query&meta=siteinfo");
  EXPECT_TRUE(IsUrl("https://x"));
  EXPECT_FALSE(IsUrl("/srv/x.json"));
}

// An injected client (what the runner's tests do): no network at all.
class FakeHttp final : public HttpClient {
 public:
  Result<std::string> Get(std::string_view url) override {
    urls.emplace_back(url);
    return std::string(kSiteinfo);
  }
  std::vector<std::string> urls;
};

TEST(SiteInfoUrlTest, FetchWithInjectedClient) {
  FakeHttp http;
  auto j = FetchSiteInfoJson(&http, "http://wiki/api.php", kNamespacesSiprop, 2);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*j, kSiteinfo);
  ASSERT_EQ(http.urls.size(), 1u);
  EXPECT_NE(http.urls[0].find("formatversion=2"), std::string::npos);
}

}  // namespace
}  // namespace dw::mw
