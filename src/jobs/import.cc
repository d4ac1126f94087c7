#include "jobs/import.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <variant>

#include "base/log.h"
#include "mw/schema.h"

namespace dw::jobs {

int64_t CommentHash(std::string_view text, std::string_view data) {
  auto crc = [](std::string_view s) {
    return static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
  };
  uint32_t h = crc(text) ^ crc(data);
  return static_cast<int64_t>(static_cast<int32_t>(h));
}

std::string Sha1Base36(std::string_view data) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  // Repeated division of the 160-bit big-endian number by 36.
  std::string out(31, '0');
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (int pos = 30; pos >= 0; --pos) {
    unsigned rem = 0;
    for (unsigned char& b : md) {
      unsigned cur = (rem << 8) | b;
      b = static_cast<unsigned char>(cur / 36);
      rem = cur % 36;
    }
    out[static_cast<size_t>(pos)] = kDigits[rem];
  }
  return out;
}

std::string IpToHex(std::string_view ip) {
  std::string s(ip);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    return fmt::format("{:02X}{:02X}{:02X}{:02X}", buf[0], buf[1], buf[2], buf[3]);
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    std::string out = "v6-";
    for (unsigned char c : buf) out += fmt::format("{:02X}", c);
    return out;
  }
  return "";
}

Result<std::string> DumpTimestampToDb(std::string_view ts) {
  // YYYY-MM-DDTHH:MM:SSZ
  if (ts.size() != 20 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts[13] != ':' ||
      ts[16] != ':' || ts[19] != 'Z') {
    return Status::InvalidArgument(
        fmt::format("timestamp '{}': expected YYYY-MM-DDTHH:MM:SSZ", ts));
  }
  std::string out;
  out.reserve(14);
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (ts[i] < '0' || ts[i] > '9') {
      return Status::InvalidArgument(
          fmt::format("timestamp '{}': expected YYYY-MM-DDTHH:MM:SSZ", ts));
    }
    out.push_back(ts[i]);
  }
  return out;
}

namespace {

using db::Null;
using db::Value;

// A deterministic page_random in [0, 1) from the page id (splitmix64).
double PageRandom(int64_t page_id) {
  uint64_t z = static_cast<uint64_t>(page_id) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  // 12 decimal digits, like PHP's wfRandom().
  return static_cast<double>(z % 1000000000000ULL) / 1e12;
}

Value Str(const std::string& s) { return std::string_view(s); }

// rev_deleted bits (RevisionRecord::DELETED_*).
constexpr int kDeletedText = 1;
constexpr int kDeletedComment = 2;
constexpr int kDeletedUser = 4;

// Bounded caches: cleared when full (simple, and the hit rate stays high).
constexpr size_t kCacheMax = 200000;

// Rows of one table collected in memory and written with multi-row INSERTs:
// one statement (one round trip on MariaDB) per up to kRowsPerInsert rows.
// Owns copies of the values. Bounded: the owner flushes when full().
class RowBuffer {
 public:
  using Owned = std::variant<Null, int64_t, double, std::string>;
  static constexpr size_t kRowsPerInsert = 200;
  static constexpr size_t kBytesPerInsert = 4u << 20;

  // `head` is "INSERT INTO {t} (a, b)" and `row` "(?, $T)", both expanded.
  RowBuffer(db::Connection& conn, std::string table, std::string head, std::string row,
            size_t columns)
      : conn_(conn),
        table_(std::move(table)),
        head_(std::move(head)),
        row_(std::move(row)),
        columns_(columns) {}

  void Add(std::initializer_list<Owned> values) {
    for (const Owned& v : values) {
      if (const auto* str = std::get_if<std::string>(&v)) bytes_ += str->size();
      values_.push_back(v);
    }
    bytes_ += 8 * columns_;
  }
  void AddText(int64_t a, std::string&& text) {  // avoids a copy of big texts
    bytes_ += text.size();
    values_.emplace_back(a);
    values_.emplace_back(std::move(text));
  }
  size_t rows() const { return values_.size() / columns_; }
  size_t bytes() const { return bytes_; }
  void Clear() {
    values_.clear();
    bytes_ = 0;
  }

  using Rows = std::vector<Owned>;
  // Hands the buffered rows over (for a background Write) and empties the buffer.
  Rows Take() {
    Rows out;
    out.reserve(values_.capacity());
    out.swap(values_);
    bytes_ = 0;
    return out;
  }
  // Writes the buffered rows now.
  Status Flush() {
    Rows rows = Take();
    return Write(rows);
  }
  // Writes `values` (rows taken from this buffer). Uses only this buffer's
  // statements and the connection: safe on another thread while the owner
  // does not use the connection.
  Status Write(const Rows& values) {
    size_t done = 0;
    const size_t total = values.size() / columns_;
    std::vector<Value> params;
    while (done < total) {
      // Up to kRowsPerInsert rows and about kBytesPerInsert bytes per statement
      // (a MariaDB packet must hold it; max_allowed_packet is 16 MiB by default),
      // but always at least one row.
      size_t n = 0;
      size_t bytes = 0;
      while (done + n < total && n < kRowsPerInsert) {
        size_t row_bytes = 0;
        for (size_t c = 0; c < columns_; ++c) {
          if (const auto* str = std::get_if<std::string>(&values[(done + n) * columns_ + c])) {
            row_bytes += str->size();
          }
        }
        if (n > 0 && bytes + row_bytes > kBytesPerInsert) break;
        bytes += row_bytes;
        ++n;
      }
      DW_ASSIGN_OR_RETURN(db::Statement * st, StatementFor(n));
      params.clear();
      for (size_t i = done * columns_; i < (done + n) * columns_; ++i) {
        std::visit(
            [&](const auto& v) {
              using V = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<V, std::string>) {
                params.emplace_back(std::string_view(v));
              } else {
                params.emplace_back(v);
              }
            },
            values[i]);
      }
      Status s = st->Bind(params);
      if (s.ok()) s = st->Execute().status();
      if (!s.ok()) return s.WithContext(fmt::format("insert into {}", table_));
      done += n;
    }
    return Status::OK();
  }

 private:
  // Prepared statements for n rows, kept for the sizes in use (a handful).
  Result<db::Statement*> StatementFor(size_t n) {
    auto it = statements_.find(n);
    if (it != statements_.end()) return it->second.get();
    if (statements_.size() >= 8) statements_.clear();
    DW_ASSIGN_OR_RETURN(auto st, Prepare(n));
    db::Statement* raw = st.get();
    statements_[n] = std::move(st);
    return raw;
  }

  Result<std::unique_ptr<db::Statement>> Prepare(size_t n) {
    std::string sql = head_ + " VALUES ";
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) sql += ", ";
      sql += row_;
    }
    return conn_.Prepare(sql);
  }

  db::Connection& conn_;
  std::string table_, head_, row_;
  size_t columns_;
  std::vector<Owned> values_;
  size_t bytes_ = 0;
  std::map<size_t, std::unique_ptr<db::Statement>> statements_;
};

// Writes batches of rows on a thread of its own, so that parsing the next
// batch overlaps with the database inserting this one. At most one batch is
// in flight (memory: two batches). The owner may use the connection itself
// only after Drain().
class BackgroundWriter {
 public:
  using Batch = std::vector<std::pair<RowBuffer*, RowBuffer::Rows>>;

  BackgroundWriter() : thread_([this] { Run(); }) {}
  ~BackgroundWriter() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // Waits for the batch in flight, then hands `batch` over. Returns the error
  // of an earlier batch (and drops this one) if there was one.
  Status Submit(Batch batch) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !busy_; });
    if (!error_.ok()) return error_;
    batch_ = std::move(batch);
    busy_ = true;
    cv_.notify_all();
    return Status::OK();
  }
  // Waits until everything submitted is written; its status.
  Status Drain() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !busy_; });
    return error_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      cv_.wait(l, [&] { return busy_ || stop_; });
      if (!busy_) return;
      Batch batch = std::move(batch_);
      l.unlock();
      Status s;
      for (auto& [buffer, rows] : batch) {
        s = buffer->Write(rows);
        if (!s.ok()) break;
      }
      batch.clear();
      l.lock();
      if (!s.ok() && error_.ok()) error_ = s;
      busy_ = false;
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  Batch batch_;
  bool busy_ = false;
  bool stop_ = false;
  Status error_;
  std::thread thread_;  // last: starts after the members above exist
};

// Keys (titles, user names and ids, comments) this import has written: a Bloom
// filter of fixed size (8 MiB), so memory stays bounded whatever the dump's size.
// No false negatives: "not seen" means no row with that key was written by this
// import, so when the table was empty before, no database lookup is needed.
class SeenFilter {
 public:
  SeenFilter() : bits_(static_cast<uint64_t*>(std::calloc(kWords, sizeof(uint64_t)))) {}
  ~SeenFilter() { std::free(bits_); }
  SeenFilter(const SeenFilter&) = delete;
  SeenFilter& operator=(const SeenFilter&) = delete;

  void Add(char kind, std::string_view key) {
    if (bits_ == nullptr) return;
    Probe(kind, key, [&](uint64_t bit) { bits_[bit / 64] |= uint64_t{1} << (bit % 64); });
  }
  bool MaybeContains(char kind, std::string_view key) const {
    if (bits_ == nullptr) return true;
    bool all = true;
    Probe(kind, key, [&](uint64_t bit) {
      if (!(bits_[bit / 64] & (uint64_t{1} << (bit % 64)))) all = false;
    });
    return all;
  }

 private:
  static constexpr uint64_t kBits = uint64_t{1} << 26;
  static constexpr size_t kWords = kBits / 64;
  template <typename F>
  static void Probe(char kind, std::string_view key, F&& f) {
    uint64_t h1 = std::hash<std::string_view>()(key) ^ (static_cast<uint64_t>(kind) << 56);
    uint64_t h2 = h1 * 0x9e3779b97f4a7c15ULL;
    h2 ^= h2 >> 29;
    h2 |= 1;
    for (uint64_t i = 0; i < 4; ++i) f((h1 + i * h2) % kBits);
  }
  uint64_t* bits_;
};

class Importer : public format::XmlHandler {
 public:
  Importer(db::Connection& conn, std::string_view name, const ImportOptions& options,
           ImportObserver* observer, ImportStats* stats, BackgroundWriter* writer)
      : conn_(conn),
        name_(name),
        options_(options),
        observer_(observer),
        stats_(*stats),
        writer_(writer) {}

  // Expands {table} names and the text placeholder $T. MediaWiki stores strings
  // as TEXT in SQLite and looks them up with text values; a blob never equals a
  // text there, so string parameters are cast (MariaDB: binary columns, plain ?).
  std::string Q(std::string_view tmpl) const {
    std::string sql = conn_.Sql(tmpl);
    const std::string_view text_param =
        conn_.backend() == db::Backend::kSqlite ? "CAST(? AS TEXT)" : "?";
    for (size_t pos = sql.find("$T"); pos != std::string::npos; pos = sql.find("$T", pos)) {
      sql.replace(pos, 2, text_param);
    }
    return sql;
  }

  Status Prepare() {
    auto prep = [&](std::unique_ptr<db::Statement>* out, std::string_view sql) -> Status {
      DW_ASSIGN_OR_RETURN(*out, conn_.Prepare(Q(sql)));
      return Status::OK();
    };
    auto buf = [&](std::string table, std::string_view head, std::string_view row, size_t columns) {
      return std::make_unique<RowBuffer>(conn_, std::move(table), Q(head), Q(row), columns);
    };
    b_text_ =
        buf("text", "INSERT INTO {text} (old_id, old_text, old_flags)", "(?, $T, 'utf-8')", 2);
    b_content_ = buf("content",
                     "INSERT INTO {content} (content_id, content_size, content_sha1, "
                     "content_model, content_address)",
                     "(?, ?, $T, ?, $T)", 5);
    b_slots_ = buf("slots",
                   "INSERT INTO {slots} (slot_revision_id, slot_role_id, slot_content_id, "
                   "slot_origin)",
                   "(?, ?, ?, ?)", 4);
    b_rev_ = buf("revision",
                 "INSERT INTO {revision} (rev_id, rev_page, rev_comment_id, rev_actor, "
                 "rev_timestamp, rev_minor_edit, rev_deleted, rev_len, rev_parent_id, rev_sha1)",
                 "(?, ?, 0, ?, $T, ?, ?, ?, ?, $T)", 9);
    b_rct_ = buf("revision_comment_temp",
                 "INSERT INTO {revision_comment_temp} (revcomment_rev, revcomment_comment_id)",
                 "(?, ?)", 2);
    b_ipc_ = buf("ip_changes", "INSERT INTO {ip_changes} (ipc_rev_id, ipc_rev_timestamp, ipc_hex)",
                 "(?, $T, $T)", 3);
    b_page_ = buf("page",
                  "INSERT INTO {page} (page_id, page_namespace, page_title, page_is_redirect, "
                  "page_is_new, page_random, page_touched, page_links_updated, page_latest, "
                  "page_len, page_content_model, page_lang)",
                  "(?, ?, $T, ?, ?, ?, $T, NULL, ?, ?, $T, NULL)", 10);
    b_redirect_ = buf("redirect",
                      "INSERT INTO {redirect} (rd_from, rd_namespace, rd_title, rd_interwiki, "
                      "rd_fragment)",
                      "(?, ?, $T, $T, $T)", 5);
    b_comment_ = buf("comment",
                     "INSERT INTO {comment} (comment_id, comment_hash, comment_text, "
                     "comment_data)",
                     "(?, ?, $T, NULL)", 3);
    b_actor_ =
        buf("actor", "INSERT INTO {actor} (actor_id, actor_user, actor_name)", "(?, ?, $T)", 3);
    b_user_ = buf("user",
                  "INSERT INTO {user} (user_id, user_name, user_real_name, user_password, "
                  "user_newpassword, user_email, user_touched, user_token, "
                  "user_registration, user_editcount)",
                  "(?, $T, '', '', '', '', $T, '', NULL, 0)", 3);
    // Ids this import assigns itself (so rows can be written in batches): the
    // next text, content, comment and actor ids, and the highest ids already
    // present (below them a lookup decides whether a row exists; above, and in
    // tables that were empty, only what this import wrote can exist).
    DW_ASSIGN_OR_RETURN(int64_t max_old, MaxOf("SELECT MAX(old_id) FROM {text}"));
    DW_ASSIGN_OR_RETURN(int64_t max_content, MaxOf("SELECT MAX(content_id) FROM {content}"));
    DW_ASSIGN_OR_RETURN(int64_t max_comment, MaxOf("SELECT MAX(comment_id) FROM {comment}"));
    DW_ASSIGN_OR_RETURN(int64_t max_actor, MaxOf("SELECT MAX(actor_id) FROM {actor}"));
    DW_ASSIGN_OR_RETURN(int64_t max_user, MaxOf("SELECT MAX(user_id) FROM {user}"));
    DW_ASSIGN_OR_RETURN(max_rev_at_start_, MaxOf("SELECT MAX(rev_id) FROM {revision}"));
    DW_ASSIGN_OR_RETURN(max_page_at_start_, MaxOf("SELECT MAX(page_id) FROM {page}"));
    next_old_id_ = max_old + 1;
    next_content_id_ = max_content + 1;
    next_comment_id_ = max_comment + 1;
    next_actor_id_ = max_actor + 1;
    comments_at_start_ = max_comment > 0;
    actors_at_start_ = max_actor > 0;
    users_at_start_ = max_user > 0;
    max_page_seen_ = max_page_at_start_;
    DW_RETURN_IF_ERROR(prep(&upd_page_,
                            "UPDATE {page} SET page_is_redirect = ?, page_is_new = 0, "
                            "page_touched = $T, page_latest = ?, page_len = ?, "
                            "page_content_model = $T WHERE page_id = ?"));
    DW_RETURN_IF_ERROR(prep(&del_redirect_, "DELETE FROM {redirect} WHERE rd_from = ?"));
    DW_RETURN_IF_ERROR(prep(&ins_model_, "INSERT INTO {content_models} (model_name) VALUES ($T)"));
    DW_RETURN_IF_ERROR(prep(&ins_role_, "INSERT INTO {slot_roles} (role_name) VALUES ($T)"));
    return LoadNameTables();
  }

  Status Begin() {
    DW_RETURN_IF_ERROR(conn_.Begin());
    in_txn_ = true;
    return Status::OK();
  }

  Status CommitBatch() {
    if (!in_txn_) return Status::OK();
    DW_RETURN_IF_ERROR(FlushAll());
    DW_RETURN_IF_ERROR(conn_.Commit());
    in_txn_ = false;
    stats_.committed_pages = stats_.pages + stats_.pages_updated;
    stats_.committed_revisions = stats_.revisions;
    stats_.last_committed_page_id = last_page_id_;
    batch_revs_ = 0;
    return Status::OK();
  }

  void RollbackBatch() {
    if (writer_ != nullptr) (void)writer_->Drain();
    ClearAll();
    if (in_txn_) (void)conn_.Rollback();
    in_txn_ = false;
  }

  Status Finish() {
    DW_RETURN_IF_ERROR(Begin());
    DW_RETURN_IF_ERROR(conn_.Exec(
        conn_.Sql("UPDATE {site_stats} SET ss_total_edits = (SELECT COUNT(*) FROM {revision}), "
                  "ss_total_pages = (SELECT COUNT(*) FROM {page}), "
                  "ss_users = (SELECT COUNT(*) FROM {user}) WHERE ss_row_id = 1")));
    return CommitBatch();
  }

  void Progress(bool force) {
    if (observer_ == nullptr) return;
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_progress_ < std::chrono::seconds(1)) return;
    last_progress_ = now;
    observer_->OnProgress(stats_, std::chrono::duration<double>(now - start_).count());
  }

  // --- XmlHandler ---

  Status OnHeader(const format::XmlHeader& header) override {
    header_ = header;
    LogInfo("import: {}: schema {}, wiki {} ({})", name_,
            header.schema_version.empty() ? "?" : header.schema_version, header.site.dbname,
            header.site.generator);
    return Status::OK();
  }

  Status OnPageStart(const format::ParsedPage& page) override {
    page_ = PageState();
    page_.id = page.id;
    page_.title = format::TitleToDbKey(page.title, page.ns);
    if (page.id <= 0) {
      return Status::Corruption(fmt::format("{}: page '{}' has no <id>", name_, page.title));
    }
    // Same id? Only a page id up to the highest one present before or written
    // by this import can exist (dumps come in page id order).
    if (page.id > max_page_seen_) {
      max_page_seen_ = page.id;
      return CheckTitle(page);
    }
    DW_RETURN_IF_ERROR(FlushAll());  // its rows may be buffered (a page twice in a dump)
    DW_ASSIGN_OR_RETURN(auto cur, conn_.Query(Q("SELECT page_namespace, page_title, "
                                                "page_latest FROM {page} WHERE page_id = ?"),
                                              std::vector<Value>{page.id}));
    DW_ASSIGN_OR_RETURN(bool found, cur->Next());
    if (found) {
      int ns = static_cast<int>(cur->row().Int(0));
      std::string title(cur->row().Bytes(1));
      int64_t latest = cur->row().Int(2);
      cur.reset();
      if (ns != page.ns || title != page_.title) {
        LogWarn("import: page {} '{}': the database has page id {} as ns {} '{}'; page skipped",
                page.id, page.title, page.id, ns, title);
        page_.skip = true;
        stats_.pages_skipped++;
        return Status::OK();
      }
      page_.exists = true;
      DW_ASSIGN_OR_RETURN(auto lc, conn_.Query(Q("SELECT rev_timestamp FROM {revision} "
                                                 "WHERE rev_id = ?"),
                                               std::vector<Value>{latest}));
      DW_ASSIGN_OR_RETURN(bool has, lc->Next());
      if (has) {
        page_.latest_id = latest;
        page_.latest_ts = std::string(lc->row().Bytes(0));
      }
      return Status::OK();
    }
    cur.reset();
    return CheckTitle(page);
  }

  // Skips the page if its title belongs to another page id.
  Status CheckTitle(const format::ParsedPage& page) {
    if (max_page_at_start_ == 0 && !seen_.MaybeContains('t', TitleKey(page.ns, page_.title))) {
      return Status::OK();  // the page table was empty and this import has not written it
    }
    DW_RETURN_IF_ERROR(FlushAll());
    DW_ASSIGN_OR_RETURN(auto tc,
                        conn_.Query(Q("SELECT page_id FROM {page} WHERE "
                                      "page_namespace = ? AND page_title = $T"),
                                    std::vector<Value>{int64_t{page.ns}, Str(page_.title)}));
    DW_ASSIGN_OR_RETURN(bool clash, tc->Next());
    if (clash) {
      LogWarn(
          "import: page {} '{}': the database already has this title as page id {}; page "
          "skipped",
          page.id, page.title, tc->row().Int(0));
      page_.skip = true;
      stats_.pages_skipped++;
    }
    return Status::OK();
  }

  Status OnRevision(const format::ParsedPage& page, const format::ParsedRevision& rev) override {
    if (page_.skip) return Status::OK();
    if (rev.id <= 0) {
      return Status::Corruption(
          fmt::format("{}: a revision of page {} has no <id>", name_, page.id));
    }
    DW_ASSIGN_OR_RETURN(std::string ts, DumpTimestampToDb(rev.timestamp));

    // Who.
    int deleted = 0;
    int64_t actor = 0;
    bool is_ip = false;
    if (rev.contributor.deleted) {
      deleted |= kDeletedUser;
      DW_ASSIGN_OR_RETURN(actor, ActorFor("Unknown user", 0, ts));
    } else if (!rev.contributor.ip.empty()) {
      is_ip = true;
      DW_ASSIGN_OR_RETURN(actor, ActorFor(rev.contributor.ip, 0, ts));
    } else {
      DW_ASSIGN_OR_RETURN(actor,
                          ActorFor(rev.contributor.username, rev.contributor.id.value_or(0), ts));
    }
    // Why.
    if (rev.comment_deleted) deleted |= kDeletedComment;
    DW_ASSIGN_OR_RETURN(int64_t comment_id, CommentFor(rev.comment.value_or("")));

    // What: the main slot, then any others (sizes, hashes, shared content rows;
    // nothing written yet).
    std::vector<SlotInfo> slots;
    slots.reserve(1 + rev.slots.size());
    DW_ASSIGN_OR_RETURN(SlotInfo main_slot, PlanSlot(page, rev, rev.main, /*role_id=*/1, &deleted));
    slots.push_back(std::move(main_slot));
    for (const format::ParsedSlot& slot : rev.slots) {
      DW_ASSIGN_OR_RETURN(int64_t role_id, NameId(&roles_, ins_role_.get(), slot.role));
      DW_ASSIGN_OR_RETURN(SlotInfo info, PlanSlot(page, rev, slot, role_id, &deleted));
      slots.push_back(std::move(info));
    }
    int64_t rev_len = 0;
    for (const SlotInfo& si : slots) rev_len += si.size;
    std::string rev_sha1 = rev.slots.empty() || rev.sha1.empty() ? slots[0].sha1 : rev.sha1;
    if (rev.main.text.deleted && !rev.sha1.empty()) rev_sha1 = rev.sha1;

    // Already imported? Only an id not above the highest one present before
    // this import can be (a dump that repeats an id fails on the primary key).
    if (rev.id <= max_rev_at_start_) {
      DW_ASSIGN_OR_RETURN(bool exists, RevisionExists(rev.id));
      if (exists) {
        stats_.revisions_skipped++;
        page_.skipped++;
        return Status::OK();
      }
    }
    int64_t parent = rev.parent_id.value_or(0);
    b_rev_->Add({rev.id, page.id, actor, ts, int64_t{rev.minor ? 1 : 0}, int64_t{deleted}, rev_len,
                 parent, rev_sha1});
    for (size_t i = 0; i < slots.size(); ++i) {
      const format::ParsedSlot& slot = i == 0 ? rev.main : rev.slots[i - 1];
      DW_RETURN_IF_ERROR(StoreSlot(rev, slot, &slots[i]));
    }
    b_rct_->Add({rev.id, comment_id});
    if (is_ip) {
      std::string hex = IpToHex(rev.contributor.ip);
      if (!hex.empty()) {
        b_ipc_->Add({rev.id, ts, hex});
      }
    }

    // The page's latest revision: the newest by timestamp (later ones win ties),
    // as importDump.php decides.
    if (page_.latest_id == 0 || ts >= page_.latest_ts) {
      page_.latest_id = rev.id;
      page_.latest_ts = ts;
      page_.latest_len = rev_len;
      page_.latest_model = rev.main.model.empty() ? "wikitext" : rev.main.model;
      page_.changed = true;
    }
    page_.revisions++;
    stats_.revisions++;
    batch_revs_++;
    Progress(false);
    return MaybeFlush();
  }

  Status OnPageEnd(const format::ParsedPage& page) override {
    last_page_id_ = page.id;
    if (page_.skip) return Status::OK();
    if (page_.skipped > 0) {
      LogWarn("import: page {} '{}': {} revision(s) already in the database, skipped", page.id,
              page.title, page_.skipped);
    }
    if (page_.revisions == 0) {
      if (!page_.exists) {
        LogWarn("import: page {} '{}': no revisions to import; page not created", page.id,
                page.title);
      }
      return MaybeCommit();
    }
    bool redirect = page.redirect_title.has_value();
    if (!page_.exists) {
      b_page_->Add({page.id, int64_t{page.ns}, page_.title, int64_t{redirect ? 1 : 0},
                    int64_t{page_.revisions == 1 ? 1 : 0}, PageRandom(page.id), page_.latest_ts,
                    page_.latest_id, page_.latest_len, page_.latest_model});
      stats_.pages++;
      seen_.Add('t', TitleKey(page.ns, page_.title));
    } else if (page_.changed) {
      DW_RETURN_IF_ERROR(Drain());
      Value pv[] = {int64_t{redirect ? 1 : 0}, Str(page_.latest_ts),    page_.latest_id,
                    page_.latest_len,          Str(page_.latest_model), page.id};
      DW_RETURN_IF_ERROR(Exec(upd_page_.get(), pv, "page", page.id));
      stats_.pages_updated++;
    }
    if (page_.changed) {
      if (page_.exists) {
        DW_RETURN_IF_ERROR(Drain());
        Value dv[] = {page.id};
        DW_RETURN_IF_ERROR(Exec(del_redirect_.get(), dv, "redirect", page.id));
      }
      if (redirect) WriteRedirect(page.id, *page.redirect_title);
    }
    return MaybeCommit();
  }

 private:
  struct SlotInfo {
    int64_t rev_id = 0;
    int64_t role_id = 1;
    int64_t content_id = 0;
    int64_t origin = 0;
    int64_t size = 0;
    int64_t model_id = 0;
    std::string sha1;
  };
  struct PageState {
    int64_t id = 0;
    std::string title;
    bool skip = false;
    bool exists = false;
    bool changed = false;
    int64_t revisions = 0;
    int64_t skipped = 0;
    int64_t latest_id = 0;
    std::string latest_ts;
    int64_t latest_len = 0;
    std::string latest_model;
    SlotInfo last;  // main slot of the last revision imported for this page
  };

  Status MaybeCommit() {
    if (batch_revs_ < options_.batch_revisions) return Status::OK();
    DW_RETURN_IF_ERROR(CommitBatch());
    return Begin();
  }

  Status Exec(db::Statement* st, std::span<const Value> params, std::string_view table,
              int64_t id) {
    Status s = st->Bind(params);
    if (s.ok()) s = st->Execute().status();
    if (!s.ok()) return s.WithContext(fmt::format("insert into {} (id {})", table, id));
    return Status::OK();
  }

  Result<int64_t> Insert(db::Statement* st, std::span<const Value> params, std::string_view table) {
    DW_RETURN_IF_ERROR(st->Bind(params));
    auto r = st->Execute();
    if (!r.ok()) return r.status().WithContext(fmt::format("insert into {}", table));
    return conn_.LastInsertId();
  }

  Result<int64_t> MaxOf(std::string_view sql) {
    DW_ASSIGN_OR_RETURN(auto c, conn_.Query(Q(sql)));
    DW_ASSIGN_OR_RETURN(bool has, c->Next());
    return has ? c->row().Int(0) : 0;  // NULL (empty table) reads as 0
  }

  RowBuffer* const* Buffers() const {
    buffers_ = {b_text_.get(),    b_content_.get(), b_slots_.get(), b_rev_.get(),
                b_rct_.get(),     b_ipc_.get(),     b_page_.get(),  b_redirect_.get(),
                b_comment_.get(), b_actor_.get(),   b_user_.get()};
    return buffers_.data();
  }
  // Starts writing everything buffered (in the background when there is a
  // writer thread).
  Status SubmitAll() {
    RowBuffer* const* b = Buffers();
    if (writer_ == nullptr) {
      for (size_t i = 0; i < buffers_.size(); ++i) DW_RETURN_IF_ERROR(b[i]->Flush());
      return Status::OK();
    }
    BackgroundWriter::Batch batch;
    for (size_t i = 0; i < buffers_.size(); ++i) {
      if (b[i]->rows() > 0) batch.emplace_back(b[i], b[i]->Take());
    }
    if (batch.empty()) return Drain();
    return writer_->Submit(std::move(batch));
  }
  // Waits until the writer thread is idle: the connection is ours again.
  Status Drain() { return writer_ == nullptr ? Status::OK() : writer_->Drain(); }
  // Everything buffered is in the database when this returns.
  Status FlushAll() {
    DW_RETURN_IF_ERROR(SubmitAll());
    return Drain();
  }
  static std::string TitleKey(int ns, std::string_view title) {
    return fmt::format("{}:{}", ns, title);
  }
  void ClearAll() {
    RowBuffer* const* b = Buffers();
    for (size_t i = 0; i < buffers_.size(); ++i) b[i]->Clear();
  }
  // Keeps the buffered rows bounded: a few thousand rows or 32 MiB of text.
  Status MaybeFlush() {
    if (b_text_->bytes() + b_rev_->bytes() > (32u << 20) ||
        b_rev_->rows() >= 2 * RowBuffer::kRowsPerInsert ||
        b_page_->rows() >= RowBuffer::kRowsPerInsert) {
      return SubmitAll();
    }
    return Status::OK();
  }

  Result<bool> RevisionExists(int64_t rev_id) {
    DW_RETURN_IF_ERROR(Drain());
    DW_ASSIGN_OR_RETURN(auto c, conn_.Query(Q("SELECT 1 FROM {revision} WHERE rev_id = ?"),
                                            std::vector<Value>{rev_id}));
    return c->Next();
  }

  Status LoadNameTables() {
    for (auto [table, map] :
         {std::pair{"content_models", &models_}, std::pair{"slot_roles", &roles_}}) {
      std::string sql = std::string(table) == "content_models"
                            ? conn_.Sql("SELECT model_id, model_name FROM {content_models}")
                            : conn_.Sql("SELECT role_id, role_name FROM {slot_roles}");
      DW_ASSIGN_OR_RETURN(auto c, conn_.Query(sql));
      for (;;) {
        DW_ASSIGN_OR_RETURN(bool more, c->Next());
        if (!more) break;
        (*map)[std::string(c->row().Bytes(1))] = c->row().Int(0);
      }
    }
    if (roles_.find("main") == roles_.end()) {
      return Status::Corruption(
          fmt::format("{}: slot_roles has no 'main' role; not a MediaWiki "
                      "1.39 database?",
                      conn_.spec().Describe()));
    }
    return Status::OK();
  }

  Result<int64_t> NameId(std::unordered_map<std::string, int64_t>* map, db::Statement* ins,
                         const std::string& name) {
    auto it = map->find(name);
    if (it != map->end()) return it->second;
    DW_RETURN_IF_ERROR(Drain());
    Value v[] = {Str(name)};
    DW_ASSIGN_OR_RETURN(int64_t id, Insert(ins, v, "name table"));
    (*map)[name] = id;
    return id;
  }

  // The actor of a contributor; creates the user row (with the dump's user id)
  // and the actor when they do not exist yet.
  Result<int64_t> ActorFor(const std::string& name, int64_t user_id, const std::string& ts) {
    auto it = actors_.find(name);
    if (it != actors_.end()) return it->second;
    if (actors_.size() >= kCacheMax) actors_.clear();
    if (actors_at_start_ || seen_.MaybeContains('a', name)) {
      DW_RETURN_IF_ERROR(FlushAll());
      DW_ASSIGN_OR_RETURN(auto c, conn_.Query(Q("SELECT actor_id, actor_user FROM {actor} "
                                                "WHERE actor_name = $T"),
                                              std::vector<Value>{Str(name)}));
      DW_ASSIGN_OR_RETURN(bool found, c->Next());
      if (found) {
        int64_t id = c->row().Int(0);
        int64_t have_user = c->row().Int(1);
        if (user_id > 0 && have_user != user_id) {
          LogWarn(
              "import: user '{}': the dump says user id {}, the database has {}; keeping the "
              "database's",
              name, user_id, have_user);
        }
        actors_[name] = id;
        return id;
      }
    }
    RowBuffer::Owned user = Null{};
    if (user_id > 0) {
      // A registered user: keep the dump's id, unless that id belongs to someone else.
      std::string user_key = std::to_string(user_id);
      bool taken = false;
      std::string owner;
      if (users_at_start_ || seen_.MaybeContains('u', user_key)) {
        DW_RETURN_IF_ERROR(FlushAll());
        DW_ASSIGN_OR_RETURN(auto uc, conn_.Query(Q("SELECT user_name FROM {user} WHERE "
                                                   "user_id = ?"),
                                                 std::vector<Value>{user_id}));
        DW_ASSIGN_OR_RETURN(taken, uc->Next());
        if (taken) owner = std::string(uc->row().Bytes(0));
      }
      if (taken && owner != name) {
        LogWarn(
            "import: user '{}' (id {}): id {} belongs to '{}' in the database; stored without "
            "a user account",
            name, user_id, user_id, owner);
      } else {
        if (!taken) {
          b_user_->Add({user_id, name, ts});
          seen_.Add('u', user_key);
          stats_.users++;
        }
        user = user_id;
      }
    }
    int64_t id = next_actor_id_++;
    b_actor_->Add({id, user, name});
    seen_.Add('a', name);
    actors_[name] = id;
    return id;
  }

  // A comment row, shared by every use of the same text (MediaWiki's CommentStore).
  Result<int64_t> CommentFor(const std::string& text) {
    auto it = comments_.find(text);
    if (it != comments_.end()) return it->second;
    if (comments_.size() >= kCacheMax) comments_.clear();
    int64_t hash = CommentHash(text);
    if (comments_at_start_ || seen_.MaybeContains('c', text)) {
      DW_RETURN_IF_ERROR(FlushAll());
      DW_ASSIGN_OR_RETURN(auto c,
                          conn_.Query(Q("SELECT comment_id FROM {comment} WHERE comment_hash = "
                                        "? AND comment_text = $T AND comment_data IS NULL "
                                        "ORDER BY comment_id LIMIT 1"),
                                      std::vector<Value>{hash, Str(text)}));
      DW_ASSIGN_OR_RETURN(bool found, c->Next());
      if (found) {
        int64_t id = c->row().Int(0);
        comments_[text] = id;
        return id;
      }
    }
    int64_t id = next_comment_id_++;
    b_comment_->Add({id, hash, text});
    seen_.Add('c', text);
    comments_[text] = id;
    return id;
  }

  // The content row an earlier revision's slot uses, if that revision exists.
  Result<std::optional<SlotInfo>> SlotOf(int64_t rev_id, int64_t role_id) {
    if (page_.last.rev_id == rev_id && role_id == 1) return std::optional<SlotInfo>(page_.last);
    DW_RETURN_IF_ERROR(FlushAll());  // the slot may still be buffered
    DW_ASSIGN_OR_RETURN(auto c, conn_.Query(Q("SELECT slot_content_id, slot_origin, "
                                              "content_size, content_sha1, content_model "
                                              "FROM {slots} JOIN {content} ON content_id = "
                                              "slot_content_id WHERE slot_revision_id = ? "
                                              "AND slot_role_id = ?"),
                                            std::vector<Value>{rev_id, role_id}));
    DW_ASSIGN_OR_RETURN(bool found, c->Next());
    if (!found) return std::optional<SlotInfo>();
    SlotInfo s;
    s.rev_id = rev_id;
    s.content_id = c->row().Int(0);
    s.origin = c->row().Int(1);
    s.size = c->row().Int(2);
    s.sha1 = std::string(c->row().Bytes(3));
    s.model_id = c->row().Int(4);
    return std::optional<SlotInfo>(std::move(s));
  }

  // Works out a slot's size, hash, model and whether it shares an earlier
  // revision's content row. Reads only.
  Result<SlotInfo> PlanSlot(const format::ParsedPage& page, const format::ParsedRevision& rev,
                            const format::ParsedSlot& slot, int64_t role_id, int* deleted) {
    const format::ParsedText& t = slot.text;
    if (t.deleted) *deleted |= kDeletedText;
    if (!t.deleted && t.text.empty() && !t.location.empty() && t.bytes.value_or(0) > 0) {
      return Status::NotSupported(fmt::format(
          "{}: revision {} of page {} has no text, only location '{}' (a stub dump cannot be "
          "imported; use a pages-meta-history dump)",
          name_, rev.id, page.id, t.location));
    }
    std::string model = slot.model.empty() ? "wikitext" : slot.model;
    DW_ASSIGN_OR_RETURN(int64_t model_id, NameId(&models_, ins_model_.get(), model));
    SlotInfo info;
    info.rev_id = rev.id;
    info.role_id = role_id;
    info.model_id = model_id;
    if (t.deleted) {
      info.size = t.bytes.value_or(0);
      info.sha1 = !t.sha1.empty() ? t.sha1 : rev.sha1;
    } else {
      info.size = static_cast<int64_t>(t.text.size());
      info.sha1 = Sha1Base36(t.text);
      if (!t.sha1.empty() && t.sha1 != info.sha1) {
        LogWarn("import: revision {}: sha1 in the dump is {}, the text's is {}; storing the text's",
                rev.id, t.sha1, info.sha1);
      }
    }

    // Share an earlier revision's content row?
    std::optional<SlotInfo> shared;
    if (slot.origin.has_value()) {
      if (*slot.origin != rev.id) {
        DW_ASSIGN_OR_RETURN(shared, SlotOf(*slot.origin, role_id));
        if (!shared || shared->sha1 != info.sha1 || shared->size != info.size) {
          if (shared) {
            LogWarn("import: revision {}: <origin> {} has other content; storing its own", rev.id,
                    *slot.origin);
          }
          shared.reset();
        }
      }
    } else if (role_id == 1 && page_.last.rev_id != 0 && page_.last.sha1 == info.sha1 &&
               page_.last.size == info.size && page_.last.model_id == info.model_id) {
      shared = page_.last;  // importDump.php: same content as the previous revision
    }
    if (shared) {
      info.content_id = shared->content_id;
      info.origin = shared->origin;
    }
    return info;
  }

  // Writes the text and content rows (unless shared) and the slots row.
  Status StoreSlot(const format::ParsedRevision& rev, const format::ParsedSlot& slot,
                   SlotInfo* info) {
    if (info->content_id != 0) {
      stats_.shared_content++;
    } else {
      const std::string& text = slot.text.text;
      int64_t old_id = next_old_id_++;
      b_text_->AddText(old_id, std::string(text));
      info->content_id = next_content_id_++;
      b_content_->Add(
          {info->content_id, info->size, info->sha1, info->model_id, fmt::format("tt:{}", old_id)});
      info->origin = rev.id;
      stats_.text_bytes += text.size();
    }
    b_slots_->Add({rev.id, info->role_id, info->content_id, info->origin});
    if (info->role_id == 1) page_.last = *info;
    return Status::OK();
  }

  // The redirect table row: namespace, db key, interwiki prefix and fragment of
  // the target as the dump writes it ("User talk:X", "en:User:X", "Page#Section").
  void WriteRedirect(int64_t page_id, std::string_view target) {
    std::string fragment;
    if (size_t hash = target.find('#'); hash != std::string_view::npos) {
      fragment = std::string(target.substr(hash + 1));
      target = target.substr(0, hash);
    }
    std::string interwiki;
    int ns = 0;
    std::string_view rest = target;
    if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
      std::string_view prefix = rest.substr(0, colon);
      const mw::Namespace* found = nullptr;
      for (const mw::Namespace& n : header_.site.namespaces) {
        if (!n.name.empty() && n.name == prefix) found = &n;
      }
      if (found != nullptr) {
        ns = found->key;
        rest = rest.substr(colon + 1);
      } else if (!prefix.empty() && prefix[0] >= 'a' && prefix[0] <= 'z') {
        // A lower-case prefix that is no namespace: an interwiki link (titles
        // of a first-letter wiki never start in lower case).
        interwiki = std::string(prefix);
        rest = rest.substr(colon + 1);
      }
    }
    std::string title(rest);
    for (char& c : title) {
      if (c == ' ') c = '_';
    }
    // rd_fragment and rd_interwiki are '' when empty: MediaWiki takes NULL for
    // "not populated yet" and would re-parse the page's text instead.
    b_redirect_->Add({page_id, int64_t{ns}, title, interwiki, fragment});
  }

  db::Connection& conn_;
  std::string name_;
  ImportOptions options_;
  ImportObserver* observer_;
  ImportStats& stats_;
  format::XmlHeader header_;
  PageState page_;
  bool in_txn_ = false;
  int64_t batch_revs_ = 0;
  int64_t last_page_id_ = 0;
  std::unordered_map<std::string, int64_t> models_, roles_, actors_, comments_;
  BackgroundWriter* writer_;  // nullptr: rows are written on this thread
  SeenFilter seen_;
  std::unique_ptr<db::Statement> upd_page_, del_redirect_, ins_model_, ins_role_;
  mutable std::array<RowBuffer*, 11> buffers_{};
  std::unique_ptr<RowBuffer> b_text_, b_content_, b_slots_, b_rev_, b_rct_, b_ipc_, b_page_,
      b_redirect_, b_comment_, b_actor_, b_user_;
  int64_t next_old_id_ = 1;
  int64_t next_content_id_ = 1;
  int64_t next_comment_id_ = 1;
  int64_t next_actor_id_ = 1;
  bool comments_at_start_ = true;
  bool actors_at_start_ = true;
  bool users_at_start_ = true;
  int64_t max_rev_at_start_ = 0;
  int64_t max_page_at_start_ = 0;
  int64_t max_page_seen_ = 0;  // highest page id present before or seen in this import

 public:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_progress_ = start_;
};

// Sets SQLite's bulk-load pragmas and puts the old values back when done.
class SqliteBulkMode {
 public:
  explicit SqliteBulkMode(db::Connection& conn) : conn_(conn) {}
  Status Enter() {
    for (const char* p : {"synchronous", "cache_size", "temp_store"}) {
      DW_ASSIGN_OR_RETURN(auto c, conn_.Query(fmt::format("PRAGMA {}", p)));
      DW_ASSIGN_OR_RETURN(bool has, c->Next());
      saved_.emplace_back(p, has ? c->row().Int(0) : 0);
    }
    DW_RETURN_IF_ERROR(
        conn_.Exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -65536; "
                   "PRAGMA temp_store = MEMORY"));
    active_ = true;
    return Status::OK();
  }
  ~SqliteBulkMode() {
    if (!active_) return;
    for (auto& [name, value] : saved_) {
      (void)conn_.Exec(fmt::format("PRAGMA {} = {}", name, value));
    }
  }

 private:
  db::Connection& conn_;
  bool active_ = false;
  std::vector<std::pair<std::string, int64_t>> saved_;
};

}  // namespace

Status Import(db::Connection& conn, Source& source, std::string_view name,
              const ImportOptions& options, ImportObserver* observer, ImportStats* stats) {
  ImportStats local;
  if (stats == nullptr) stats = &local;
  *stats = ImportStats();

  DW_ASSIGN_OR_RETURN(bool has_schema, mw::HasSchema(conn));
  if (!has_schema) {
    if (!options.create_schema) {
      return Status::NotFound(
          fmt::format("{}: no MediaWiki schema (table page missing)", conn.spec().Describe()));
    }
    DW_RETURN_IF_ERROR(mw::CreateSchema(conn));
    LogInfo("import: created the MediaWiki 1.39 schema in {}", conn.spec().Describe());
  }
  std::optional<SqliteBulkMode> bulk;
  if (conn.backend() == db::Backend::kSqlite && options.fast_sqlite) {
    bulk.emplace(conn);
    DW_RETURN_IF_ERROR(bulk->Enter());
  }

  std::optional<BackgroundWriter> writer;
  if (options.background_writer) writer.emplace();
  Importer importer(conn, name, options, observer, stats, writer ? &*writer : nullptr);
  DW_RETURN_IF_ERROR(importer.Prepare());
  DW_RETURN_IF_ERROR(importer.Begin());
  Status st = format::ReadXml(source, name, importer, &stats->xml);
  if (st.ok()) st = importer.CommitBatch();
  if (st.ok()) st = importer.Finish();
  if (!st.ok()) {
    importer.RollbackBatch();
    return st;
  }
  importer.Progress(true);
  return Status::OK();
}

}  // namespace dw::jobs
