// RevisionReader on MariaDB: keys, then metadata and texts by bounded groups
// (see revision_reader.h for the contract and the memory bound).
//
// Why: MediaWiki 1.39's MySQL schema indexes revisions by (rev_page,
// rev_timestamp), not (rev_page, rev_id), so one query joining the texts and
// ordered by (page_id, rev_id) makes MariaDB copy every row, old_text included,
// into a temporary table and filesort it. Here no query sorts anything but
// 16-byte keys, and that sort is the client's:
//   1. keys:     SELECT rev_page, rev_id FROM revision WHERE rev_page IN [lo, hi)
//                ORDER BY rev_page        (index range scan, index order, no sort)
//                (--current: page_id, page_latest FROM page, primary key order)
//   2. metadata: ... FROM revision JOIN page ... WHERE rev_id IN (group)
//                (--current: WHERE page_id IN (group)); primary-key lookups
//   3. texts:    SELECT old_id, old_flags, old_text FROM text WHERE old_id IN (window)
// Each query is read to its end before the next one is sent, on the one
// connection, so all of them read the caller's snapshot (a second connection
// would not share it).
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "mw/revision_reader.h"

namespace dw::mw {

struct RevisionReader::Grouped {
  std::string keys_sql;   // [lo, hi) page range -> (page id, revision id), page order
  std::string meta_head;  // + "id, id, ...)"
  std::string text_head;  // + "id, id, ...)"

  // The batch's keys, sorted by (page, revision); [key_pos, size) still to read.
  std::vector<std::pair<int64_t, int64_t>> keys;
  size_t key_pos = 0;

  // The current group: revisions in `group` (metadata only), returned in
  // `order`; [order_pos, order.size()) still to return.
  std::vector<RevisionData> group;
  size_t group_size = 0;
  std::vector<uint32_t> order;
  size_t order_pos = 0;
  std::unordered_map<int64_t, uint32_t> by_rev;  // revision id -> index in group

  // Text rows of the window [order_pos, text_end) of `order`.
  struct Text {
    std::string flags, text;
    int uses = 0;  // slots of the window still to be given this text
  };
  std::unordered_map<int64_t, Text> texts;
  size_t text_end = 0;
  std::string sql;  // scratch

  // Read-ahead: a worker thread (the only user of the connection once started)
  // fills windows of ready revisions, texts included; Next() hands them out.
  struct Window {
    std::vector<RevisionData> revs;
    bool end = false;  // the last one (empty); status says why
    Status status;
  };
  static constexpr size_t kWindowsAhead = 2;
  std::thread worker;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::unique_ptr<Window>> ready;  // guarded by mu
  bool stop = false;                          // guarded by mu
  std::unique_ptr<Window> current;            // Next()'s thread only
  size_t current_pos = 0;

  ~Grouped() {
    {
      std::lock_guard<std::mutex> l(mu);
      stop = true;
    }
    cv.notify_all();
    if (worker.joinable()) worker.join();  // after at most one window's queries
  }
};

RevisionReader::RevisionReader(db::Connection& conn, RevisionQuery query)
    : conn_(conn), q_(std::move(query)) {}
// pipe_ (SQLite) and grouped_ (MariaDB) first: they join their worker.
RevisionReader::~RevisionReader() = default;

namespace {

// The text row id a content address names, as MariaDB's
// IF(content_address LIKE 'tt:%', CAST(SUBSTRING(content_address, 4) AS UNSIGNED), NULL)
// (the SQL this replaces) reads it: "tt:" then leading spaces and digits (none: 0).
// False when the address is not "tt:" or the number does not fit.
bool TextId(std::string_view address, int64_t* id) {
  if (address.substr(0, 3) != "tt:") return false;
  size_t i = 3;
  while (i < address.size() && (address[i] == ' ' || address[i] == '\t')) ++i;
  int64_t v = 0;
  for (; i < address.size() && address[i] >= '0' && address[i] <= '9'; ++i) {
    if (v > (INT64_MAX - 9) / 10) return false;
    v = v * 10 + (address[i] - '0');
  }
  *id = v;
  return true;
}

}  // namespace

Status RevisionReader::InitGrouped(const std::string& meta, const std::string& joins,
                                   const std::string& rev_range) {
  grouped_ = std::make_unique<Grouped>();
  Grouped& g = *grouped_;
  // Small page batches (--batch-size) make small groups too.
  q_.group_revisions =
      std::clamp<size_t>(q_.group_revisions, 1, static_cast<size_t>(std::max(q_.batch_pages, 1)));
  if (q_.current) {
    std::string range = rev_range;  // on the latest revision's id
    for (size_t at = 0; (at = range.find("rev_id", at)) != std::string::npos;) {
      range.replace(at, 6, "page_latest");
    }
    g.keys_sql = conn_.Sql(
        "SELECT page_id, page_latest FROM {page} WHERE page_id >= ? AND "
        "page_id < ?" +
        range + " ORDER BY page_id");
    g.meta_head =
        conn_.Sql("SELECT " + meta + " FROM {page} JOIN {revision} ON rev_id = page_latest AND " +
                  "rev_page = page_id" + joins + " WHERE page_id IN (");
  } else {
    g.keys_sql = conn_.Sql(
        "SELECT rev_page, rev_id FROM {revision} WHERE rev_page >= ? AND "
        "rev_page < ?" +
        rev_range + " ORDER BY rev_page");
    g.meta_head =
        conn_.Sql("SELECT " + meta + " FROM {revision} JOIN {page} ON page_id = rev_page" + joins +
                  " WHERE rev_id IN (");
  }
  g.text_head = conn_.Sql("SELECT old_id, old_flags, old_text FROM {text} WHERE old_id IN (");
  return InitPageRange();
}

// The next batch's keys into g.keys: the pages [next_page_, hi), cut short at a
// page boundary once kMaxBatchKeys keys are held.
Status RevisionReader::LoadKeys(bool* any) {
  Grouped& g = *grouped_;
  *any = false;
  g.keys.clear();
  g.key_pos = 0;
  while (g.keys.empty()) {
    if (exhausted_) return Status::OK();
    int64_t hi = 0;
    DW_RETURN_IF_ERROR(FindBatchEnd(&hi));
    db::Value params[] = {next_page_, hi};
    DW_ASSIGN_OR_RETURN(auto cur, conn_.Query(g.keys_sql, params));
    while (true) {
      DW_ASSIGN_OR_RETURN(bool more, cur->Next());
      if (!more) break;
      int64_t page = cur->row().Int(0);
      if (g.keys.size() >= kMaxBatchKeys && page != g.keys.back().first) {
        hi = page;  // the rest of the batch is the next batch
        break;
      }
      g.keys.emplace_back(page, cur->row().Int(1));
    }
    cur.reset();  // drains what is left when cut short
    next_page_ = hi;
    if (next_page_ > max_page_id_) exhausted_ = true;
  }
  // Rows come by page (then timestamp): sort each page's revisions by id.
  std::sort(g.keys.begin(), g.keys.end());
  *any = true;
  return Status::OK();
}

// The next group's metadata, from the next group_revisions keys.
Status RevisionReader::LoadGroup() {
  Grouped& g = *grouped_;
  const size_t end = std::min(g.keys.size(), g.key_pos + q_.group_revisions);
  std::string& sql = g.sql;
  sql = g.meta_head;
  for (size_t i = g.key_pos; i < end; ++i) {
    if (i > g.key_pos) sql += ',';
    sql += std::to_string(q_.current ? g.keys[i].first : g.keys[i].second);
  }
  sql += ')';
  g.key_pos = end;

  g.group_size = 0;
  g.by_rev.clear();
  DW_ASSIGN_OR_RETURN(auto cur, conn_.Query(sql));
  while (true) {
    DW_ASSIGN_OR_RETURN(bool more, cur->Next());
    if (!more) break;
    const db::Row& row = cur->row();
    auto [it, inserted] =
        g.by_rev.try_emplace(row.Int(kRevIdColumn), static_cast<uint32_t>(g.group_size));
    if (inserted) {
      if (g.group.size() <= g.group_size) g.group.emplace_back();
      ++g.group_size;
    }
    FillFromRow(row, inserted, /*with_text=*/false, &g.group[it->second]);
  }
  cur.reset();
  g.order.resize(g.group_size);
  for (uint32_t i = 0; i < g.group_size; ++i) {
    g.order[i] = i;
    SortSlots(&g.group[i]);
  }
  std::sort(g.order.begin(), g.order.end(), [&g](uint32_t a, uint32_t b) {
    const RevisionData& x = g.group[a];
    const RevisionData& y = g.group[b];
    return x.page_id != y.page_id ? x.page_id < y.page_id : x.rev_id < y.rev_id;
  });
  g.order_pos = 0;
  g.text_end = 0;
  g.texts.clear();
  return Status::OK();
}

// The text rows of the next window of the group: from order_pos, revisions
// while their content_size sum stays within group_text_bytes (at least one).
Status RevisionReader::LoadTexts() {
  Grouped& g = *grouped_;
  g.texts.clear();
  std::string& sql = g.sql;
  sql = g.text_head;
  bool first = true;
  int64_t bytes = 0;
  size_t end = g.order_pos;
  for (; end < g.order.size(); ++end) {
    const RevisionData& rev = g.group[g.order[end]];
    int64_t rev_bytes = 0;
    for (size_t s = 0; s < rev.slot_count; ++s)
      rev_bytes += std::max<int64_t>(rev.slots[s].size, 0);
    if (end > g.order_pos && bytes + rev_bytes > q_.group_text_bytes) break;
    bytes += rev_bytes;
    for (size_t s = 0; s < rev.slot_count; ++s) {
      int64_t id = 0;
      if (!TextId(rev.slots[s].address, &id)) continue;
      auto [it, inserted] = g.texts.try_emplace(id);
      ++it->second.uses;
      if (!inserted) continue;
      if (!first) sql += ',';
      first = false;
      sql += std::to_string(id);
    }
  }
  g.text_end = end;
  if (first) return Status::OK();  // no text rows named
  sql += ')';
  DW_ASSIGN_OR_RETURN(auto cur, conn_.Query(sql));
  while (true) {
    DW_ASSIGN_OR_RETURN(bool more, cur->Next());
    if (!more) break;
    const db::Row& row = cur->row();
    auto it = g.texts.find(row.Int(0));
    if (it == g.texts.end()) continue;
    it->second.flags.assign(row.Bytes(1));
    it->second.text.assign(row.Bytes(2));
    it->second.uses = -it->second.uses;  // negative: the row exists
  }
  return Status::OK();
}

// The next window of revisions, texts included, into `out`; `*end` when none.
Status RevisionReader::ReadWindow(std::vector<RevisionData>* out, bool* end) {
  Grouped& g = *grouped_;
  *end = false;
  while (g.order_pos >= g.order.size()) {
    if (g.key_pos >= g.keys.size()) {
      bool any = false;
      DW_RETURN_IF_ERROR(LoadKeys(&any));
      if (!any) {
        *end = true;
        return Status::OK();
      }
    }
    DW_RETURN_IF_ERROR(LoadGroup());
  }
  if (q_.load_text) {
    DW_RETURN_IF_ERROR(LoadTexts());
  } else {
    g.text_end = g.order.size();
  }
  out->resize(g.text_end - g.order_pos);
  for (size_t k = 0; g.order_pos < g.text_end; ++k) {
    RevisionData& rev = (*out)[k];
    rev = g.group[g.order[g.order_pos++]];
    if (!q_.load_text) continue;
    for (size_t s = 0; s < rev.slot_count; ++s) {
      SlotData& slot = rev.slots[s];
      int64_t id = 0;
      auto it = TextId(slot.address, &id) ? g.texts.find(id) : g.texts.end();
      slot.has_text_row = it != g.texts.end() && it->second.uses < 0;
      if (!slot.has_text_row) continue;
      // The last slot that needs this text takes it; the others copy it.
      if (++it->second.uses == 0) {
        slot.text_flags.swap(it->second.flags);
        slot.text_raw.swap(it->second.text);
      } else {
        slot.text_flags = it->second.flags;
        slot.text_raw = it->second.text;
      }
    }
  }
  g.texts.clear();
  return Status::OK();
}

void RevisionReader::ReadAhead() {
  Grouped& g = *grouped_;
  while (true) {
    auto w = std::make_unique<Grouped::Window>();
    Status st = ReadWindow(&w->revs, &w->end);
    if (!st.ok()) {
      w->revs.clear();
      w->end = true;
      w->status = std::move(st);
    }
    const bool end = w->end;
    {
      std::unique_lock<std::mutex> l(g.mu);
      g.cv.wait(l, [&g] { return g.stop || g.ready.size() < Grouped::kWindowsAhead; });
      if (g.stop) return;
      g.ready.push_back(std::move(w));
    }
    g.cv.notify_all();
    if (end) return;
  }
}

Result<const RevisionData*> RevisionReader::NextGrouped() {
  Grouped& g = *grouped_;
  if (!g.worker.joinable() && !g.current) g.worker = std::thread([this] { ReadAhead(); });
  while (!g.current || g.current_pos >= g.current->revs.size()) {
    if (g.current && g.current->end) {
      if (!g.current->status.ok()) return g.current->status;
      return static_cast<const RevisionData*>(nullptr);
    }
    {
      std::unique_lock<std::mutex> l(g.mu);
      g.cv.wait(l, [&g] { return !g.ready.empty(); });
      g.current = std::move(g.ready.front());
      g.ready.pop_front();
    }
    g.cv.notify_all();
    g.current_pos = 0;
  }
  return static_cast<const RevisionData*>(&g.current->revs[g.current_pos++]);
}

}  // namespace dw::mw
