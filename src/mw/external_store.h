// External store: text kept outside the wiki's `text` table, the way
// MediaWiki's ExternalStoreDB keeps it.
//
// A text row whose old_flags contain `external` holds a URL in old_text:
//   DB://CLUSTER/ID          row ID of the `blobs` table of CLUSTER
//   DB://CLUSTER/ID/ITEM     item ITEM (an md5) of the serialized history blob
//                            (ConcatenatedGzipHistoryBlob) kept in that row
// The blob is `blobs.blob_text` (table prefix of the cluster's DbSpec); the
// text row's other flags (gzip, utf-8, object) apply to the fetched bytes, as
// in SqlBlobStore::expandBlob().
//
// A text row flagged `object` holds a serialized PHP history object instead
// (compressOld.php leaves these; moveToExternal.php may then move the blob
// itself out, flags `object,utf-8,external`): a ConcatenatedGzipHistoryBlob
// (its text is its default item) or a HistoryBlobStub (item mHash of the
// ConcatenatedGzipHistoryBlob kept in text row mOldId, which may itself be
// external), resolved as HistoryBlobStub::getText() does.
//
// Which database holds a cluster is configuration (MediaWiki's
// $wgExternalServers / LBFactory externalClusters): `[externalstore] CLUSTER =
// DBURL` in the INI config or `--external-store CLUSTER=DBURL` (docs/config.md).
//
// Thread-safety: an ExternalStore is used by one thread at a time (it owns one
// connection per cluster, opened on first use).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"
#include "db/database.h"

namespace dw::mw {

struct ExternalUrl {
  std::string cluster;
  int64_t id = 0;
  std::string item;  // "" unless DB://cluster/id/item
};

// Parses "DB://cluster/id[/item]". InvalidArgument naming the URL otherwise
// (other stores, e.g. "mwstore://", are NotSupported).
Result<ExternalUrl> ParseExternalUrl(std::string_view url);

class ExternalStore {
 public:
  // `clusters`: cluster name -> database holding its `blobs` table. Names are
  // matched case-insensitively (INI keys are lowercased).
  explicit ExternalStore(std::map<std::string, db::DbSpec> clusters);
  ~ExternalStore();

  // Parses "CLUSTER=DBURL" (the --external-store form) into *clusters.
  static Status AddClusterArg(std::string_view arg, std::map<std::string, db::DbSpec>* clusters);

  // True when no cluster is configured.
  bool empty() const { return clusters_.empty(); }

  // The wiki's own database, read (read-only, own connection, opened on first
  // use) only for HistoryBlobStub rows, which name another text row.
  void SetWikiDatabase(db::DbSpec wiki);

  // The raw bytes `url` names (before the text row's flags are applied).
  // NotFound: no such cluster configured, or no such blob row/item;
  // NotSupported: a history blob of a class other than
  // ConcatenatedGzipHistoryBlob; Corruption: a history blob that does not parse;
  // IOError etc.: the cluster's database failed (message names it).
  Status Fetch(std::string_view url, std::string* out);

  // The text of item `hash` of the history blob in text row `old_id` of the
  // wiki (HistoryBlobStub::getText()). NotFound: no such row or item;
  // Corruption: the row is not an `object` row or does not parse;
  // NotSupported: no wiki database set.
  Status StubText(int64_t old_id, std::string_view hash, std::string* out);

 private:
  struct Cluster;
  Result<Cluster*> Open(const std::string& name);
  // Makes cached_items_ the items of the history blob `serialized` under `key`.
  Status CacheItems(std::string key, std::string_view serialized);

  std::map<std::string, db::DbSpec> clusters_;  // lowercased name -> spec
  std::map<std::string, std::unique_ptr<Cluster>> open_;
  std::optional<db::DbSpec> wiki_;
  std::unique_ptr<Cluster> wiki_conn_;
  // MediaWiki keeps the last history blob unserialized: consecutive revisions
  // usually sit in the same one.
  std::string cached_key_;
  std::map<std::string, std::string> cached_items_;
};

// Extracts item `hash` from a serialized ConcatenatedGzipHistoryBlob.
Status HistoryBlobItem(std::string_view serialized, std::string_view hash, std::string* out);
// All items of a serialized ConcatenatedGzipHistoryBlob (hash -> text), and
// its default item's hash (mDefaultHash, "" if none) when `default_hash` is set.
// A blob serialized twice (a string holding the serialized object, an old
// MediaWiki bug) is read too.
Status HistoryBlobItems(std::string_view serialized, std::map<std::string, std::string>* items,
                        std::string* default_hash = nullptr);

// The text of a serialized history object of an `object` text row (what
// SqlBlobStore::decompressData() gets from $obj->getText()): the default item
// of a ConcatenatedGzipHistoryBlob, or the item a HistoryBlobStub names
// (through store->StubText(); `store` may be nullptr: NotSupported).
// Corruption: not a serialized object; NotSupported: another class
// (HistoryBlobCurStub, DiffHistoryBlob).
Status HistoryObjectText(std::string_view serialized, ExternalStore* store, std::string* out);

// Decodes a text row like DecodeTextBlob(), resolving `external` URLs through
// `store` (nullptr or empty: NotSupported "external blob ... (no external store
// configured)") and `object` rows through HistoryObjectText(). The text row's
// other flags apply to the fetched blob (gzip first, then object), as in
// SqlBlobStore::expandBlob().
Status DecodeTextRow(std::string_view flags, std::string_view raw, ExternalStore* store,
                     std::string* out);

}  // namespace dw::mw
