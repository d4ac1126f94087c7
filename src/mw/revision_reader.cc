#include "mw/revision_reader.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "base/ordered_queues.h"

namespace dw::mw {
namespace {

enum Col : size_t {  // the metadata columns, then (with text) the text row's
  kPageId,
  kPageNs,
  kPageTitle,
  kPageIsRedirect,
  kPageLatest,
  kRevId,
  kRevParent,
  kRevTimestamp,
  kRevMinor,
  kRevDeleted,
  kRevSha1,
  kActorUser,
  kActorName,
  kCommentText,
  kSlotRole,
  kSlotOrigin,
  kContentModel,
  kContentSize,
  kContentSha1,
  kContentAddress,
  kRdFrom,
  kRdNamespace,
  kRdTitle,
  kRdInterwiki,
  kOldId,
  kOldFlags,
  kOldText,
};

void Assign(std::string* s, std::string_view v) { s->assign(v.data(), v.size()); }

int64_t TextBytes(const RevisionData& rev) {
  int64_t n = 0;
  for (size_t i = 0; i < rev.slot_count; ++i)
    n += static_cast<int64_t>(rev.slots[i].text_raw.size());
  return n;
}

}  // namespace

const std::string* RevisionReader::NameTable::Find(int64_t id) const {
  if (id >= 0 && id < kMaxDense) {
    const auto i = static_cast<size_t>(id);
    return i < known.size() && known[i] ? &names[i] : nullptr;
  }
  auto it = large.find(id);
  return it != large.end() ? &it->second : nullptr;
}

Status RevisionReader::LoadNameTable(db::Connection& conn, std::string_view sql, NameTable* out) {
  DW_ASSIGN_OR_RETURN(auto cur, conn.Query(conn.Sql(sql)));
  while (true) {
    DW_ASSIGN_OR_RETURN(bool more, cur->Next());
    if (!more) break;
    const int64_t id = cur->row().Int(0);
    std::string name(cur->row().Bytes(1));
    if (id >= 0 && id < NameTable::kMaxDense) {
      const auto i = static_cast<size_t>(id);
      if (out->names.size() <= i) {
        out->names.resize(i + 1);
        out->known.resize(i + 1);
      }
      out->names[i] = std::move(name);
      out->known[i] = 1;
    } else {
      out->large[id] = std::move(name);
    }
  }
  return Status::OK();
}

Result<std::unique_ptr<RevisionReader>> RevisionReader::Open(db::Connection& conn,
                                                             const RevisionQuery& query) {
  std::unique_ptr<RevisionReader> r(new RevisionReader(conn, query));
  DW_RETURN_IF_ERROR(r->Init());
  return r;
}

Status RevisionReader::Init() {
  static_assert(kRevIdColumn == kRevId && kPageIdColumn == kPageId);
  for (const char* t : {"page", "revision", "comment", "actor", "slots", "content",
                        "content_models", "slot_roles"}) {
    DW_ASSIGN_OR_RETURN(bool exists, conn_.TableExists(t));
    if (!exists) {
      return Status::NotFound(conn_.spec().Describe() + ": table '" + conn_.TableName(t) +
                              "' does not exist (not a MediaWiki 1.39 database?)");
    }
  }
  DW_ASSIGN_OR_RETURN(bool has_temp, conn_.TableExists("revision_comment_temp"));
  DW_ASSIGN_OR_RETURN(bool has_redirect, conn_.TableExists("redirect"));
  if (q_.load_text) {
    DW_ASSIGN_OR_RETURN(bool has_text, conn_.TableExists("text"));
    if (!has_text) {
      return Status::NotFound(conn_.spec().Describe() + ": table '" + conn_.TableName("text") +
                              "' does not exist");
    }
  }
  DW_RETURN_IF_ERROR(
      LoadNameTable(conn_, "SELECT model_id, model_name FROM {content_models}", &models_));
  DW_RETURN_IF_ERROR(LoadNameTable(conn_, "SELECT role_id, role_name FROM {slot_roles}", &roles_));

  const bool maria = conn_.backend() == db::Backend::kMariaDB;
  std::string meta =
      "page_id, page_namespace, page_title, page_is_redirect, page_latest, "
      "rev_id, rev_parent_id, rev_timestamp, rev_minor_edit, rev_deleted, rev_sha1, "
      "actor_user, actor_name, comment_text, "
      "slot_role_id, slot_origin, content_model, content_size, content_sha1, content_address, ";
  meta += has_redirect ? "rd_from, rd_namespace, rd_title, rd_interwiki"
                       : "NULL AS rd_from, NULL AS "
                         "rd_namespace, NULL AS rd_title, NULL AS rd_interwiki";
  // The joins that complete a (page, revision) pair: comment, actor, slots,
  // content, redirect.
  std::string joins;
  if (has_temp) {
    joins +=
        " LEFT JOIN {revision_comment_temp} ON revcomment_rev = rev_id"
        " JOIN {comment} ON comment_id = COALESCE(revcomment_comment_id, rev_comment_id)";
  } else {
    joins += " JOIN {comment} ON comment_id = rev_comment_id";
  }
  joins +=
      " JOIN {actor} ON actor_id = rev_actor"
      " JOIN {slots} ON slot_revision_id = rev_id"
      " JOIN {content} ON content_id = slot_content_id";
  if (has_redirect) joins += " LEFT JOIN {redirect} ON rd_from = page_id";
  std::string rev_range;
  if (q_.rev_start) rev_range += " AND rev_id >= " + std::to_string(*q_.rev_start);
  if (q_.rev_end) rev_range += " AND rev_id < " + std::to_string(*q_.rev_end);
  if (maria) return InitGrouped(meta, joins, rev_range);
  std::string sql;
  {
    // SQLite: MediaWiki's SQLite schema has no (rev_page, rev_id) index, only
    // (rev_page, rev_timestamp), and timestamps need not follow revision ids. So
    // the batch's (page, revision) keys are sorted first, in a subquery small
    // enough to sort fast; everything else, the text included, is joined by
    // primary key to the sorted keys. "rev_page + 0" makes it one sort of the
    // batch (SQLite would otherwise sort each page's revisions apart, clearing
    // its sorter for every page: slower). "LIMIT -1" keeps SQLite from dropping the
    // subquery's ORDER BY (it may ignore the ORDER BY of a FROM-clause subquery
    // otherwise); Next() checks the order. Slots come in any order: Next() sorts
    // them by role.
    std::string keys;
    if (q_.current) {
      keys =
          "SELECT page_id AS k_page, page_latest AS k_rev FROM {page} WHERE page_id >= ? AND "
          "page_id < ? ORDER BY page_id LIMIT -1";
    } else {
      keys =
          "SELECT rev_page AS k_page, rev_id AS k_rev FROM {revision} WHERE rev_page >= ? AND "
          "rev_page < ?" +
          rev_range + " ORDER BY rev_page + 0, rev_id LIMIT -1";
    }
    std::string text_join;
    if (q_.load_text) {
      text_join =
          " LEFT JOIN {text} ON old_id = (CASE WHEN CAST(substr(content_address, 1, 3) AS BLOB) "
          "= x'74743a' THEN CAST(substr(content_address, 4) AS INTEGER) ELSE NULL END)";
    }
    if (!q_.current) {
      // Most wikis' revision ids follow their timestamps within a page: then
      // the (rev_page, rev_timestamp) index order is the dump order and the
      // batch needs no sort at all (a third less work for SQLite). StartBatch()
      // checks that on the index alone (sql_order_check_) and takes this query
      // only when it holds; the ORDER BY is the index's own order (the rowid is
      // its last column), so SQLite sorts nothing.
      sql_order_check_ =
          conn_.Sql("SELECT rev_page, rev_id FROM {revision} WHERE rev_page >= ? AND rev_page < ?" +
                    rev_range + " ORDER BY rev_page, rev_timestamp, rev_id");
      std::string in_order = "SELECT " + meta;
      if (q_.load_text) in_order += ", old_id, old_flags, old_text";
      in_order += " FROM {revision} JOIN {page} ON page_id = rev_page" + joins + text_join +
                  " WHERE rev_page >= ? AND rev_page < ?" + rev_range +
                  " ORDER BY rev_page, rev_timestamp, rev_id, slot_role_id";
      sql_in_order_ = conn_.Sql(in_order);
    }
    sql = "SELECT " + meta;
    if (q_.load_text) sql += ", old_id, old_flags, old_text";
    sql += " FROM (" + keys +
           ") AS k JOIN {page} ON page_id = k_page JOIN {revision} ON rev_id = " +
           "k_rev AND rev_page = k_page" + joins + text_join;
    if (q_.current && !rev_range.empty()) sql += " WHERE 1" + rev_range;
  }
  sql_ = conn_.Sql(sql);
  DW_RETURN_IF_ERROR(InitPageRange());
  return InitConnections();
}

Status RevisionReader::InitPageRange() {
  // Bounds of the page range.
  {
    DW_ASSIGN_OR_RETURN(auto cur,
                        conn_.Query(conn_.Sql("SELECT MIN(page_id), MAX(page_id) FROM {page}")));
    DW_ASSIGN_OR_RETURN(bool any, cur->Next());
    if (!any || cur->row().IsNull(0)) {
      exhausted_ = true;
      return Status::OK();
    }
    next_page_ = cur->row().Int(0);
    max_page_id_ = cur->row().Int(1);
  }
  if (q_.page_start) next_page_ = std::max(next_page_, *q_.page_start);
  if (q_.page_end) max_page_id_ = std::min(max_page_id_, *q_.page_end - 1);
  if (next_page_ > max_page_id_) exhausted_ = true;
  return Status::OK();
}

// The batch plan: lo[i - base] is the first page id of batch i; batch k is
// [lo[k], lo[k + 1]). Filled in order, on demand; entries below every
// worker's current batch are dropped, so it stays small.
struct RevisionReader::Plan {
  std::mutex mu;
  std::deque<int64_t> lo;
  size_t base = 0;
  std::vector<size_t> active;  // per shard: the batch it asked for last
  bool sized = false;          // several connections: batches by text size (see the header)
  bool by_revisions = false;   // ... counted in revisions (--full), not pages (--current)
  int64_t revs_read = 0, text_bytes_read = 0;  // finished batches (size estimate)
};

void RevisionReader::PlanDeleter::operator()(Plan* p) const { delete p; }

Status RevisionReader::InitConnections() {
  plan_.reset(new Plan);
  plan_->lo.push_back(exhausted_ ? max_page_id_ + 1 : next_page_);
  shards_.resize(1);
  shards_[0].conn = &conn_;
  size_t n = 1;
  if (q_.read_ahead && q_.read_connections > 1) {
    // Every connection must read the caller's snapshot: see the header.
    const std::string& path = conn_.spec().path;
    bool shareable =
        !path.empty() && path != ":memory:" && path.find("mode=memory") == std::string::npos;
    if (shareable) {
      DW_ASSIGN_OR_RETURN(auto cur, conn_.Query("PRAGMA journal_mode"));
      DW_ASSIGN_OR_RETURN(bool any, cur->Next());
      const std::string_view mode = any ? cur->row().Bytes(0) : std::string_view("wal");
      shareable = mode != "wal" && mode != "memory";
    }
    if (shareable) {
      n = static_cast<size_t>(q_.read_connections);
    } else {
      LogDebug(
          "{}: read on one connection (WAL, in-memory or temporary database: other "
          "connections could see another snapshot)",
          conn_.spec().Describe());
    }
  }
  plan_->sized = n > 1;
  plan_->by_revisions = n > 1 && !q_.current;
  plan_->active.assign(n, 0);
  shards_.resize(n);
  for (size_t i = 1; i < n; ++i) {
    DW_ASSIGN_OR_RETURN(shards_[i].owned, db::Connect(conn_.spec()));
    DW_RETURN_IF_ERROR(shards_[i].owned->BeginSnapshot());
    shards_[i].conn = shards_[i].owned.get();
  }
  return Status::OK();
}

Status RevisionReader::FindBatchEnd(db::Connection& conn, int64_t from, int64_t count,
                                    bool by_revisions, int64_t* hi) {
  *hi = max_page_id_ + 1;
  db::Value params[] = {from, count};
  // The (rev_page, rev_timestamp) index gives the page of the count-th
  // revision on; the batch ends before that page, or after `from` if that
  // page alone has more.
  DW_ASSIGN_OR_RETURN(
      auto cur, conn.Query(conn.Sql(by_revisions ? "SELECT rev_page FROM {revision} WHERE rev_page "
                                                   ">= ? ORDER BY rev_page LIMIT 1 OFFSET ?"
                                                 : "SELECT page_id FROM {page} WHERE page_id >= ? "
                                                   "ORDER BY page_id LIMIT 1 OFFSET ?"),
                           params));
  DW_ASSIGN_OR_RETURN(bool found, cur->Next());
  if (found) *hi = std::min(*hi, std::max(cur->row().Int(0), from + 1));
  return Status::OK();
}

Status RevisionReader::FindBatchEnd(int64_t* hi) {
  return FindBatchEnd(conn_, next_page_, q_.batch_pages, false, hi);
}

Status RevisionReader::BatchRange(Shard& s, size_t w, size_t k, int64_t* lo, int64_t* hi,
                                  bool* exists) {
  Plan& p = *plan_;
  std::lock_guard<std::mutex> l(p.mu);
  p.active[w] = k;
  p.revs_read += s.revs_read;
  p.text_bytes_read += s.text_bytes_read;
  s.revs_read = s.text_bytes_read = 0;
  const size_t keep = *std::min_element(p.active.begin(), p.active.end());
  while (p.base < keep && p.lo.size() > 1) {
    p.lo.pop_front();
    ++p.base;
  }
  while (p.base + p.lo.size() < k + 2 && p.lo.back() <= max_page_id_) {
    int64_t count = q_.batch_pages;
    if (p.sized) {
      // About batch_text_bytes of text, by the average so far.
      int64_t est = 256;
      if (p.revs_read > 0 && p.text_bytes_read > 0) {
        est = q_.batch_text_bytes / std::max<int64_t>(1, p.text_bytes_read / p.revs_read);
      }
      count = std::min<int64_t>(std::max<int64_t>(est, 16), q_.batch_pages);
    }
    int64_t next = 0;
    DW_RETURN_IF_ERROR(FindBatchEnd(*s.conn, p.lo.back(), count, p.by_revisions, &next));
    p.lo.push_back(next);
  }
  *exists = p.base + p.lo.size() >= k + 2;
  if (*exists) {
    *lo = p.lo[k - p.base];
    *hi = p.lo[k + 1 - p.base];
  }
  return Status::OK();
}

Status RevisionReader::OpenBatch(Shard& s, size_t w, size_t k, bool* exists) {
  s.cursor.reset();
  s.have_pending_row = false;
  int64_t lo = 0, hi = 0;
  DW_RETURN_IF_ERROR(BatchRange(s, w, k, &lo, &hi, exists));
  if (!*exists) return Status::OK();
  db::Value params[] = {lo, hi};
  bool in_order = false;
  if (!sql_in_order_.empty()) {
    // Do the batch's revision ids follow the (page, timestamp) index order?
    DW_ASSIGN_OR_RETURN(auto check, s.conn->Query(sql_order_check_, params));
    in_order = true;
    int64_t last_page = -1, last_rev = 0;
    while (true) {
      DW_ASSIGN_OR_RETURN(bool more, check->Next());
      if (!more) break;
      const int64_t page = check->row().Int(0), rev = check->row().Int(1);
      if (page == last_page && rev < last_rev) {
        in_order = false;
        break;
      }
      last_page = page;
      last_rev = rev;
    }
  }
  DW_ASSIGN_OR_RETURN(s.cursor, s.conn->Query(in_order ? sql_in_order_ : sql_, params));
  return Status::OK();
}

void RevisionReader::FillFromRow(const db::Row& row, bool new_revision, bool with_text,
                                 RevisionData* out) const {
  RevisionData& rev_ = *out;
  if (new_revision) {
    rev_.page_id = row.Int(kPageId);
    rev_.page_ns = static_cast<int>(row.Int(kPageNs));
    Assign(&rev_.page_title, row.Bytes(kPageTitle));
    rev_.page_is_redirect = row.Int(kPageIsRedirect) != 0;
    rev_.page_latest = row.Int(kPageLatest);
    rev_.has_redirect_row = !row.IsNull(kRdFrom);
    if (rev_.has_redirect_row) {
      rev_.rd_namespace = static_cast<int>(row.Int(kRdNamespace));
      Assign(&rev_.rd_title, row.Bytes(kRdTitle));
      Assign(&rev_.rd_interwiki, row.Bytes(kRdInterwiki));
    } else {
      rev_.rd_namespace = 0;
      rev_.rd_title.clear();
      rev_.rd_interwiki.clear();
    }
    rev_.rev_id = row.Int(kRevId);
    rev_.parent_id = row.Int(kRevParent);
    Assign(&rev_.timestamp, row.Bytes(kRevTimestamp));
    rev_.minor = row.Int(kRevMinor) != 0;
    rev_.deleted = static_cast<int>(row.Int(kRevDeleted));
    Assign(&rev_.sha1, row.Bytes(kRevSha1));
    rev_.user_id = row.Int(kActorUser);
    Assign(&rev_.user_text, row.Bytes(kActorName));
    Assign(&rev_.comment, row.Bytes(kCommentText));
    rev_.slot_count = 0;
  }
  if (rev_.slots.size() <= rev_.slot_count) rev_.slots.emplace_back();
  SlotData& s = rev_.slots[rev_.slot_count++];
  int64_t role = row.Int(kSlotRole);
  if (const std::string* name = roles_.Find(role)) {
    s.role = *name;
  } else {
    s.role = "role" + std::to_string(role);
  }
  s.origin = row.Int(kSlotOrigin);
  s.model_id = row.Int(kContentModel);
  if (const std::string* name = models_.Find(s.model_id)) {
    s.model = *name;
  } else {
    s.model.clear();
  }
  s.size = row.Int(kContentSize);
  Assign(&s.sha1, row.Bytes(kContentSha1));
  Assign(&s.address, row.Bytes(kContentAddress));
  if (with_text) {
    s.has_text_row = !row.IsNull(kOldId);
    if (s.has_text_row) {
      Assign(&s.text_flags, row.Bytes(kOldFlags));
      Assign(&s.text_raw, row.Bytes(kOldText));
    } else {
      s.text_flags.clear();
      s.text_raw.clear();
    }
  } else {
    s.has_text_row = false;
  }
}

void RevisionReader::SortSlots(RevisionData* rev) {
  if (rev->slot_count > 1) {
    std::sort(rev->slots.begin(), rev->slots.begin() + static_cast<std::ptrdiff_t>(rev->slot_count),
              [](const SlotData& a, const SlotData& b) {
                if (a.role == "main") return b.role != "main";
                if (b.role == "main") return false;
                return a.role < b.role;
              });
  }
}

Status RevisionReader::ReadOne(RevisionData* out, bool* end) {
  *end = false;
  if (!error_.ok()) return error_;  // errors are final: never skip rows past one
  Status st = ReadSequential(out, end);
  if (!st.ok()) error_ = st;
  return st;
}

Status RevisionReader::ReadSequential(RevisionData* out, bool* end) {
  Shard& s = shards_[0];
  while (true) {
    if (s.in_batch) {
      bool done = false;
      DW_RETURN_IF_ERROR(ReadInBatch(s, out, &done));
      if (!done) return Status::OK();
      s.in_batch = false;
      ++s.next_batch;
    }
    bool exists = false;
    DW_RETURN_IF_ERROR(OpenBatch(s, 0, s.next_batch, &exists));
    if (!exists) {
      *end = true;
      return Status::OK();
    }
    s.in_batch = true;
  }
}

Status RevisionReader::StartBatch(size_t w, size_t k, bool* exists) {
  return OpenBatch(shards_[w], w, k, exists);
}

Status RevisionReader::NextInBatch(size_t w, RevisionData* out, bool* done) {
  return ReadInBatch(shards_[w], out, done);
}

Status RevisionReader::ReadInBatch(Shard& s, RevisionData* out, bool* done) {
  *done = false;
  if (!s.have_pending_row) {
    bool more = false;
    if (s.cursor) {
      DW_ASSIGN_OR_RETURN(more, s.cursor->Next());
    }
    if (!more) {
      s.cursor.reset();
      *done = true;
      return Status::OK();
    }
  }
  s.have_pending_row = false;
  RevisionData& rev = *out;
  FillFromRow(s.cursor->row(), /*new_revision=*/true, q_.load_text, &rev);
  while (true) {
    DW_ASSIGN_OR_RETURN(bool more, s.cursor->Next());
    if (!more) {
      s.cursor.reset();
      break;
    }
    const db::Row& row = s.cursor->row();
    const int64_t rev_id = row.Int(kRevId);
    if (rev_id != rev.rev_id) {
      int64_t page = row.Int(kPageId);
      if (page < rev.page_id || (page == rev.page_id && rev_id < rev.rev_id)) {
        return Status::Aborted(s.conn->spec().Describe() + ": rows came out of order (revision " +
                               std::to_string(rev_id) + " after " + std::to_string(rev.rev_id) +
                               ")");
      }
      s.have_pending_row = true;
      break;
    }
    FillFromRow(row, /*new_revision=*/false, q_.load_text, &rev);
  }
  SortSlots(&rev);
  ++s.revs_read;
  s.text_bytes_read += TextBytes(rev);
  return Status::OK();
}

Result<const RevisionData*> RevisionReader::Next() {
  if (grouped_) return NextGrouped();
  if (q_.read_ahead) return NextPiped();
  bool end = false;
  DW_RETURN_IF_ERROR(ReadOne(&rev_, &end));
  if (end) return static_cast<const RevisionData*>(nullptr);
  return static_cast<const RevisionData*>(&rev_);
}

// ---------------------------------------------------------------------------
// SQLite read-ahead: the workers fill chunks, Next() hands them out.

struct RevisionReader::Pipeline {
  struct Chunk {
    std::vector<RevisionData> revs;  // [0, size) are this chunk's; the rest keep capacity
    size_t size = 0;
    int64_t text_bytes = 0;
    bool end = false;  // the worker's last chunk; `status` says why
    Status status;
  };
  Pipeline(size_t workers, size_t max_chunks, int64_t max_bytes)
      : queues(workers, max_chunks, max_bytes) {}

  OrderedQueues<Chunk> queues;
  std::vector<std::thread> workers;
  std::atomic<bool> stopping{false};  // read by the workers between revisions

  std::unique_ptr<Chunk> current;  // Next()'s thread only
  size_t pos = 0;

  void Stop() {
    stopping.store(true, std::memory_order_relaxed);
    queues.Stop();
    for (std::thread& t : workers) {
      if (t.joinable()) t.join();
    }
    if (LogEnabled(LogLevel::kDebug)) LogDebug("read-ahead: {}", queues.Report("reader", "Next()"));
  }
};

void RevisionReader::PipelineDeleter::operator()(Pipeline* p) const {
  p->Stop();
  delete p;
}

namespace {

// Before a chunk is reused: strings keep their capacity (no malloc per text in
// the steady state), but not beyond about twice the chunk's text bound, so a
// chunk that once held a huge revision does not hold its memory forever.
void TrimChunk(std::vector<RevisionData>* revs, int64_t keep_bytes) {
  int64_t kept = 0;
  for (RevisionData& rev : *revs) {
    for (SlotData& s : rev.slots) {
      const auto cap = static_cast<int64_t>(s.text_raw.capacity());
      if (kept + cap > keep_bytes && cap > 4096) {
        std::string().swap(s.text_raw);
      } else {
        kept += cap;
      }
    }
  }
}

}  // namespace

void RevisionReader::ReadChunks(size_t w) {
  Pipeline& p = *pipe_;
  while (true) {
    const size_t k = p.queues.ClaimBatch(w);
    bool exists = false;
    Status st = StartBatch(w, k, &exists);
    while (true) {
      std::unique_ptr<Pipeline::Chunk> c = p.queues.NewItem();
      c->size = 0;
      c->text_bytes = 0;
      c->end = !st.ok() || !exists;
      c->status = st;
      bool batch_end = c->end;
      while (!c->end && c->size < q_.chunk_revisions && c->text_bytes < q_.chunk_text_bytes) {
        if (p.stopping.load(std::memory_order_relaxed)) return;
        if (c->revs.size() <= c->size) c->revs.emplace_back();
        RevisionData& rev = c->revs[c->size];
        bool done = false;
        Status rs = NextInBatch(w, &rev, &done);
        if (!rs.ok()) {
          c->end = batch_end = true;
          c->status = std::move(rs);
          break;
        }
        if (done) {
          batch_end = true;
          break;
        }
        c->text_bytes += TextBytes(rev);
        ++c->size;
      }
      const bool end = c->end;
      const int64_t bytes = c->text_bytes;
      if (!p.queues.Push(w, std::move(c), bytes, batch_end) || end) return;
      if (batch_end) break;
    }
  }
}

Result<const RevisionData*> RevisionReader::NextPiped() {
  if (!pipe_) {
    q_.chunk_revisions = std::max<size_t>(q_.chunk_revisions, 1);
    q_.chunk_text_bytes = std::max<int64_t>(q_.chunk_text_bytes, 1);
    const auto max_chunks =
        static_cast<size_t>(std::max<int64_t>(2, q_.read_ahead_bytes / q_.chunk_text_bytes));
    pipe_.reset(new Pipeline(shards_.size(), max_chunks, q_.read_ahead_bytes));
    for (size_t w = 0; w < shards_.size(); ++w) {
      pipe_->workers.emplace_back([this, w] {
        ReadChunks(w);
        pipe_->queues.ProducerDone(w);
      });
    }
  }
  Pipeline& p = *pipe_;
  while (!p.current || p.pos >= p.current->size) {
    if (p.current && p.current->end) {
      if (!p.current->status.ok()) return p.current->status;
      return static_cast<const RevisionData*>(nullptr);
    }
    if (p.current) {
      TrimChunk(&p.current->revs, 2 * q_.chunk_text_bytes);
      p.queues.Recycle(std::move(p.current));
    }
    p.current = p.queues.Pop();
    p.pos = 0;
  }
  return static_cast<const RevisionData*>(&p.current->revs[p.pos++]);
}

// ---------------------------------------------------------------------------

Result<std::unique_ptr<LogReader>> LogReader::Open(db::Connection& conn,
                                                   std::optional<int64_t> start,
                                                   std::optional<int64_t> end, int batch) {
  for (const char* t : {"logging", "actor", "comment"}) {
    DW_ASSIGN_OR_RETURN(bool exists, conn.TableExists(t));
    if (!exists) {
      return Status::NotFound(conn.spec().Describe() + ": table '" + conn.TableName(t) +
                              "' does not exist (not a MediaWiki 1.39 database?)");
    }
  }
  std::unique_ptr<LogReader> r(new LogReader(conn));
  r->end_ = end;
  r->batch_ = batch;
  r->last_id_ = start ? *start - 1 : 0;
  std::string sql =
      "SELECT log_id, log_type, log_action, log_timestamp, log_namespace, log_title, log_params, "
      "log_deleted, actor_user, actor_name, comment_text FROM {logging} "
      "JOIN {actor} ON actor_id = log_actor JOIN {comment} ON comment_id = log_comment_id "
      "WHERE log_type != 'suppress' AND log_id > ?";
  if (end) sql += " AND log_id < " + std::to_string(*end);
  sql += " ORDER BY log_id LIMIT " + std::to_string(batch);
  r->sql_ = conn.Sql(sql);
  return r;
}

Result<const LogItemData*> LogReader::Next() {
  while (true) {
    if (done_) return static_cast<const LogItemData*>(nullptr);
    if (!cursor_) {
      db::Value p[] = {last_id_};
      DW_ASSIGN_OR_RETURN(cursor_, conn_.Query(sql_, p));
      in_batch_ = 0;
    }
    DW_ASSIGN_OR_RETURN(bool more, cursor_->Next());
    if (!more) {
      cursor_.reset();
      if (in_batch_ < batch_) done_ = true;
      continue;
    }
    ++in_batch_;
    const db::Row& row = cursor_->row();
    item_.id = row.Int(0);
    Assign(&item_.type, row.Bytes(1));
    Assign(&item_.action, row.Bytes(2));
    Assign(&item_.timestamp, row.Bytes(3));
    item_.ns = static_cast<int>(row.Int(4));
    Assign(&item_.title, row.Bytes(5));
    Assign(&item_.params, row.Bytes(6));
    item_.deleted = static_cast<int>(row.Int(7));
    item_.user_is_null = row.IsNull(8);
    item_.user_id = row.Int(8);
    Assign(&item_.user_text, row.Bytes(9));
    Assign(&item_.comment, row.Bytes(10));
    last_id_ = item_.id;
    return static_cast<const LogItemData*>(&item_);
  }
}

}  // namespace dw::mw
