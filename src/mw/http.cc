#include "mw/http.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "base/log.h"

namespace dw::mw {
namespace {

struct Body {
  std::string data;
  uint64_t limit = 0;
  bool too_large = false;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* b = static_cast<Body*>(userdata);
  size_t n = size * nmemb;
  if (b->data.size() + n > b->limit) {
    b->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  b->data.append(ptr, n);
  return n;
}

bool RetryableCurl(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// The same kind of status with another message.
Status Retag(const Status& s, const std::string& msg) {
  switch (s.code()) {
    case Status::Code::kNotFound:
      return Status::NotFound(msg);
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(msg);
    case Status::Code::kCorruption:
      return Status::Corruption(msg);
    case Status::Code::kIOError:
      return Status::IOError(msg);
    default:
      return Status::Unavailable(msg);
  }
}

bool RetryableHttp(long code) { return code >= 500 || code == 429 || code == 408; }

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const HttpOptions& o) : o_(o) {
    if (o_.user_agent.empty()) o_.user_agent = DefaultUserAgent();
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Result<std::string> Get(std::string_view url_view) override {
    const std::string url(url_view);
    int64_t wait = o_.backoff_ms;
    Status last;
    for (int attempt = 0; attempt <= o_.retries; ++attempt) {
      if (attempt > 0) {
        LogWarn("{} (attempt {} of {}), retrying in {} ms", last.message(), attempt, o_.retries + 1,
                wait);
        std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        wait *= 2;
      }
      bool retry = false;
      auto r = Once(url, &retry);
      if (r.ok() || !retry) {
        if (!r.ok() && attempt > 0)
          return Retag(r.status(),
                       fmt::format("{} (after {} attempts)", r.status().message(), attempt + 1));
        return r;
      }
      last = r.status();
    }
    return Retag(last, fmt::format("{} (after {} attempts)", last.message(), o_.retries + 1));
  }

 private:
  Result<std::string> Once(const std::string& url, bool* retry) {
    std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
    if (!h) return Status::IOError(url + ": cannot create a curl handle");
    Body body;
    body.limit = o_.max_body_bytes;
    char err[CURL_ERROR_SIZE] = {0};
    CURL* c = h.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, o_.user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o_.connect_timeout_ms));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout_ms));
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(o_.max_redirects));
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate/br as the server likes
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o_.max_body_bytes));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(c);
    if (body.too_large || rc == CURLE_FILESIZE_EXCEEDED)
      return Status::Corruption(
          fmt::format("{}: answer larger than the limit of {} bytes", url, o_.max_body_bytes));
    if (rc != CURLE_OK) {
      *retry = RetryableCurl(rc);
      std::string what = err[0] ? err : curl_easy_strerror(rc);
      while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
      if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
        return Status::InvalidArgument(fmt::format("{}: {}", url, what));
      return Status::Unavailable(fmt::format("{}: {}", url, what));
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299) {
      *retry = RetryableHttp(code);
      std::string msg = fmt::format("{}: HTTP {}", url, code);
      char* eff = nullptr;
      if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff && url != eff)
        msg += fmt::format(" (from {})", eff);
      if (code >= 300 && code < 400) msg += " (a redirect without a usable Location)";
      return code == 404 ? Status::NotFound(msg) : Status::Unavailable(msg);
    }
    return std::move(body.data);
  }

  HttpOptions o_;
};

}  // namespace

std::string DefaultUserAgent() {
  const curl_version_info_data* v = curl_version_info(CURLVERSION_NOW);
  return fmt::format("dumpworks/{} (MediaWiki dumps) libcurl/{}", DUMPWORKS_VERSION, v->version);
}

std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpOptions& options) {
  return std::make_unique<CurlHttpClient>(options);
}

}  // namespace dw::mw
