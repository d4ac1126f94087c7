// Config: the dumps INI file, with wikidump.conf's section and key names
// (see docs/config.md for every key).
//
//   [wiki]
//   dblist = /srv/dumps/all.dblist
//   [output]
//   public = /srv/dumps/public
//   private = /srv/dumps/private
//   temp = /srv/dumps/temp
//   [database]
//   user = wikiadmin
//   password = secret
//   [mywiki]                          <- a per-wiki section, named after the wiki
//   db = sqlite:/srv/wikis/mywiki.sqlite
//   siteinfo = /srv/wikis/mywiki-siteinfo.json
//   chunksEnabled = 1                 <- overrides [chunks] chunksEnabled for mywiki
//
// Loading "FILE:SECTION" (like worker.py's --configfile) also selects an
// override section: its keys win over the global sections' for every wiki.
//
// Lookup of (wiki, section, key), first found wins (as wikidump.py's Config):
//   1. the per-wiki section [wiki] (per-project keys only: not [database],
//      [reporting], [tools], nor the overrideable-only keys [wiki] dblist...,
//      [output] ..., which a per-wiki section cannot change);
//   2. the override section selected with FILE:SECTION;
//   3. the global section [section];
//   4. the built-in default (wikidump.conf's defaults.conf), or none.
// Key names are case-insensitive (configparser lowercases them); section names
// are not. A key given twice: the last one wins.
//
// Thread-safety: a loaded Config is immutable; share it freely between threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "env/env.h"

namespace dw::config {

class Config {
 public:
  Config() = default;  // empty: every lookup gives the built-in default

  // Reads "FILE" or "FILE:SECTION" through env. Fails with one line naming the
  // file (and line) when it cannot be read or parsed, or when SECTION is absent.
  static Result<Config> Load(Env* env, std::string_view file_and_section);
  // Parses INI text; `name` is used in error messages.
  static Result<Config> Parse(std::string_view text, std::string_view name,
                              std::string_view override_section = "");

  // The raw lookup described above, without defaults. `wiki` may be "".
  std::optional<std::string> Find(std::string_view wiki, std::string_view section,
                                  std::string_view key) const;
  // With the built-in default ("" when the key has none).
  std::string GetString(std::string_view wiki, std::string_view section,
                        std::string_view key) const;
  // Integers accept an optional K/M/G suffix (16M) and 0o/0x prefixes (0o644).
  // Fails with "FILE: [section] key: not an integer: 'x'".
  Result<int64_t> GetInt(std::string_view wiki, std::string_view section,
                         std::string_view key) const;
  // 1/0, true/false, yes/no, on/off.
  Result<bool> GetBool(std::string_view wiki, std::string_view section, std::string_view key) const;
  // A comma-separated list, items trimmed, empty items dropped.
  std::vector<std::string> GetList(std::string_view wiki, std::string_view section,
                                   std::string_view key) const;

  // The wiki's database as a db::ParseDbUrl URL: the per-wiki `db` key if set,
  // else built from [database] user, password, host (default localhost), port,
  // socket, prefix, with the wiki's name as the database name:
  //   mariadb://USER[:PASSWORD]@HOST[:PORT]/WIKI[?socket=..&prefix=..]
  // Fails with one line naming the wiki when neither is configured.
  Result<std::string> DbUrl(std::string_view wiki) const;
  // Where the wiki's siteinfo comes from: the per-wiki `siteinfo` key (an
  // api.php answer file), else the per-wiki `apiurl` key (api.php URL), else ""
  // (use mw::SiteInfo::Defaults). Pass it to mw::SiteInfo::Load.
  std::string SiteInfoSource(std::string_view wiki) const;
  // The wiki's api.php URL, for jobs that fetch live answers (the namespaces
  // jobs): the per-wiki `apiurl` key, else the `siteinfo` key when it is an
  // http(s) URL, else "".
  std::string ApiUrl(std::string_view wiki) const;

  // The external-store clusters of a wiki (MediaWiki's $wgExternalServers):
  // every key of [externalstore] (cluster name, lowercased) with its database
  // URL, "{wiki}" in a URL replaced by `wiki`. Keys of a section
  // [externalstore:WIKI] override them for that wiki. Empty when none.
  std::map<std::string, std::string> ExternalStores(std::string_view wiki) const;

  // The wikis of [wiki] dblist (one per line, '#' comments), minus skipdblist's.
  // An empty list when no dblist is configured.
  Result<std::vector<std::string>> Wikis(Env* env) const;

  // Whether a section of that exact name exists (e.g. a per-wiki section).
  bool HasSection(std::string_view section) const;
  // "FILE" (or the name given to Parse), for messages.
  const std::string& source() const { return source_; }
  const std::string& override_section() const { return override_section_; }

 private:
  using Section = std::map<std::string, std::string, std::less<>>;  // lowercased key -> value
  const Section* FindSection(std::string_view name) const;

  std::string source_;
  std::string override_section_;
  std::map<std::string, Section, std::less<>> sections_;
};

// Splits "FILE:SECTION" at the last ':' (a ':' inside the file name is kept when
// what follows it contains a '/'). Returns {file, section}; section may be "".
std::pair<std::string, std::string> SplitConfigArg(std::string_view arg);

}  // namespace dw::config
