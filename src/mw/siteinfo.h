// SiteInfo: what a dump's <siteinfo> says, and what api.php's siteinfo answers.
//
// Nothing in a wiki's database holds the site name, base URL, case setting or
// namespace names: they are configuration. They come from an api.php answer
// (action=query&meta=siteinfo&siprop=general|namespaces|namespacealiases, as a
// file or fetched from a URL, formatversion 1 or 2), or default to those of a
// plain English MediaWiki 1.39.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dw::mw {

class HttpClient;  // mw/http.h

struct Namespace {
  int key = 0;
  std::string name;                        // local name with spaces, "" for the main namespace
  std::string canonical;                   // canonical (English) name, "" if none
  std::string case_mode = "first-letter";  // "first-letter" or "case-sensitive"
  bool content = false;                    // a content namespace
  std::vector<std::string> aliases;
};

struct SiteInfo {
  std::string sitename = "MediaWiki";
  std::string dbname;  // the wiki's database name ("my_wiki" in a plain install)
  std::string base;    // URL of the main page, e.g. https://aa.wikipedia.org/wiki/Main_Page
  std::string generator = "MediaWiki 1.39.17";
  std::string case_mode = "first-letter";
  std::string lang = "en";            // xml:lang
  std::vector<Namespace> namespaces;  // sorted by key
  std::string api_json;  // the api.php answer this came from, verbatim ("" for defaults)

  // The defaults of a plain English MediaWiki 1.39 (namespaces -2..15).
  static SiteInfo Defaults(std::string_view dbname);

  // Parses an api.php siteinfo answer (formatversion 1 or 2).
  static Result<SiteInfo> FromApiJson(std::string_view json);

  // Loads from a file path or an http(s) URL of api.php (the query is added when
  // the URL has none; see SiteInfoQueryUrl). `http` fetches URLs (nullptr: a
  // curl client with default options).
  static Result<SiteInfo> Load(std::string_view file_or_url, HttpClient* http = nullptr);

  const Namespace* FindNamespace(int key) const;
  // The title as MediaWiki writes it: "<local ns name>:<db key with spaces>".
  std::string FullTitle(int ns, std::string_view db_key) const;
  // Splits a full title into (namespace key, db key with underscores); unknown
  // prefixes stay in the main namespace.
  std::pair<int, std::string> SplitTitle(std::string_view full_title) const;
};

// True for an http:// or https:// URL (else a file path).
bool IsUrl(std::string_view s);

// The siteinfo query URL of an api.php URL: api_url plus
// "?action=query&meta=siteinfo&siprop=SIPROP&format=json" (and
// "&formatversion=2" for version 2). A URL that already has a query string is
// returned unchanged.
std::string SiteInfoQueryUrl(std::string_view api_url, std::string_view siprop, int formatversion);

// The siprop list of export's <siteinfo>, and the one of Wikimedia's namespaces
// jobs (siteinfo-namespaces.json.gz, siteinfo2-namespacesv2.json.gz).
inline constexpr std::string_view kExportSiprop = "general|namespaces|namespacealiases";
inline constexpr std::string_view kNamespacesSiprop =
    "namespaces|namespacealiases|magicwords|general";

// Fetches SiteInfoQueryUrl(api_url, siprop, formatversion) and checks that the
// answer is an api.php siteinfo answer (JSON with query.general); returns it
// verbatim. An api.php error answer ({"error": {"code", "info"}}) and anything
// else are errors naming the URL.
Result<std::string> FetchSiteInfoJson(HttpClient* http, std::string_view api_url,
                                      std::string_view siprop, int formatversion);

}  // namespace dw::mw
