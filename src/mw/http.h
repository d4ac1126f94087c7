// HttpClient: HTTP(S) GET of small documents (api.php answers), behind an
// interface so tests can inject answers. The real one uses libcurl.
//
//   auto http = mw::NewCurlHttpClient();
//   DW_ASSIGN_OR_RETURN(std::string body, http->Get("https://aa.wikipedia.org/w/api.php?..."));
//
// Errors are one line naming the URL and what went wrong: the HTTP status
// ("HTTP 500"), the curl error ("Could not connect to server"), or the size
// limit. Retried (with doubling waits): connection errors, timeouts, 5xx and
// 429 answers. Not retried: other 4xx answers, an over-large body.
//
// Thread-safety: the curl client keeps no state between calls; Get may be
// called from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace dw::mw {

struct HttpOptions {
  int64_t connect_timeout_ms = 10000;  // per attempt
  int64_t timeout_ms = 60000;          // whole transfer, per attempt
  int retries = 3;                     // further attempts after a retryable failure
  int64_t backoff_ms = 500;            // wait before the first retry; doubles each time
  uint64_t max_body_bytes = 64 << 20;  // larger answers are an error
  int max_redirects = 5;               // 3xx Location is followed (http/https only)
  std::string user_agent;              // "" = "dumpworks/VERSION (MediaWiki dumps; libcurl)"
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // The body of a 2xx answer to GET url (after redirects).
  virtual Result<std::string> Get(std::string_view url) = 0;
};

std::unique_ptr<HttpClient> NewCurlHttpClient(const HttpOptions& options = {});

// The User-Agent sent by default.
std::string DefaultUserAgent();

}  // namespace dw::mw
