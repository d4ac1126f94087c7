#include "jobs/export.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "base/log.h"
#include "base/ordered_queues.h"
#include "format/xml_writer.h"
#include "mw/content_model.h"
#include "mw/external_store.h"
#include "mw/revision_reader.h"
#include "mw/text_blob.h"

namespace dw::jobs {
namespace {

constexpr size_t kFlushBytes = 1 << 20;  // per-output buffer before it goes to the sink
constexpr size_t kMaxProblemsKept = 100000;

struct NsFilter {
  bool invert = false;
  std::set<int> namespaces;
  bool Pass(int ns) const { return invert != (namespaces.count(ns) > 0); }
};

struct Filters {
  bool latest = false;
  bool notalk = false;
  std::vector<NsFilter> ns;
  bool PassPage(int ns_key) const {
    if (notalk && ns_key > 0 && ns_key % 2 == 1) return false;
    for (const auto& f : ns) {
      if (!f.Pass(ns_key)) return false;
    }
    return true;
  }
};

Result<int> ParseNamespaceKey(std::string_view key, const mw::SiteInfo* site) {
  static const std::pair<std::string_view, int> kConstants[] = {
      {"NS_MAIN", 0},      {"NS_TALK", 1},           {"NS_USER", 2},      {"NS_USER_TALK", 3},
      {"NS_PROJECT", 4},   {"NS_PROJECT_TALK", 5},   {"NS_FILE", 6},      {"NS_FILE_TALK", 7},
      {"NS_MEDIAWIKI", 8}, {"NS_MEDIAWIKI_TALK", 9}, {"NS_TEMPLATE", 10}, {"NS_TEMPLATE_TALK", 11},
      {"NS_HELP", 12},     {"NS_HELP_TALK", 13},     {"NS_CATEGORY", 14}, {"NS_CATEGORY_TALK", 15}};
  for (const auto& [name, value] : kConstants) {
    if (name == key) return value;
  }
  int v = 0;
  auto r = std::from_chars(key.data(), key.data() + key.size(), v);
  if (!key.empty() && r.ec == std::errc() && r.ptr == key.data() + key.size()) return v;
  if (site != nullptr && !key.empty()) {
    auto [ns, rest] = site->SplitTitle(std::string(key) + ":x");
    if (ns != 0 && rest == "x") return ns;
  }
  return Status::InvalidArgument("--filter: unrecognized namespace key '" + std::string(key) +
                                 "' (use a number, NS_USER-style constant or namespace name)");
}

Result<Filters> ParseFilters(const std::vector<std::string>& specs, const mw::SiteInfo* site) {
  Filters f;
  for (const std::string& spec : specs) {
    std::string_view s = spec;
    if (s == "latest") {
      f.latest = true;
    } else if (s == "notalk") {
      f.notalk = true;
    } else if (s.starts_with("namespace:")) {
      std::string_view param = s.substr(10);
      NsFilter nf;
      if (!param.empty() && param[0] == '!') {
        nf.invert = true;
        param.remove_prefix(1);
      }
      while (true) {
        auto comma = param.find(',');
        std::string_view key = param.substr(0, comma);
        while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
        while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
        DW_ASSIGN_OR_RETURN(int ns, ParseNamespaceKey(key, site));
        nf.namespaces.insert(ns);
        if (comma == std::string_view::npos) break;
        param = param.substr(comma + 1);
      }
      f.ns.push_back(std::move(nf));
    } else {
      return Status::InvalidArgument("--filter '" + spec +
                                     "': unknown filter (known: latest, notalk, namespace:LIST, "
                                     "namespace:!LIST)");
    }
  }
  return f;
}

// Multistream index bookkeeping: the offset of a unit is reported by the sink
// (possibly later, from a compressor thread) when the unit before it ends; its
// pages are known when it ends itself. Pages are delivered, in order, once both
// are known.
struct IndexState {
  struct Unit {
    std::optional<uint64_t> offset;
    std::vector<std::pair<int64_t, std::string>> pages;
    bool ended = false;
  };
  std::mutex mu;
  std::deque<Unit> units;  // units not yet delivered, oldest first
  std::function<void(uint64_t, int64_t, std::string_view)> callback;

  // REQUIRES: mu held.
  void DeliverLocked() {
    while (!units.empty() && units.front().offset && units.front().ended) {
      Unit u = std::move(units.front());
      units.pop_front();
      for (const auto& [id, title] : u.pages) callback(*u.offset, id, title);
    }
  }
};

struct OutputState {
  ExportOutput* out = nullptr;
  Filters filters;
  std::string buf;
  bool page_ok = false;
  bool page_open = false;
  int pages_in_unit = 0;
  std::shared_ptr<IndexState> index;  // when pages_per_unit > 0 and on_page_index set

  Status Flush() {
    if (buf.empty()) return Status::OK();
    Status st = out->sink->Append(buf);
    buf.clear();
    return st;
  }
  // Ends the current unit; with an index, the sink's callback gives the offset
  // at which the next unit starts.
  Status EndUnit() {
    DW_RETURN_IF_ERROR(Flush());
    if (!index) return out->sink->EndUnit(nullptr);
    {
      std::lock_guard<std::mutex> l(index->mu);
      if (!index->units.empty()) index->units.back().ended = true;
      index->units.emplace_back();
    }
    auto st = out->sink->EndUnit([state = index](uint64_t offset) {
      std::lock_guard<std::mutex> l(state->mu);
      // The first unit without an offset is the one that starts here.
      for (auto& u : state->units) {
        if (!u.offset) {
          u.offset = offset;
          break;
        }
      }
      state->DeliverLocked();
    });
    std::lock_guard<std::mutex> l(index->mu);
    index->DeliverLocked();
    return st;
  }
};

std::string RedirectTitle(const mw::SiteInfo& site, const mw::RevisionData& r) {
  if (!r.rd_interwiki.empty()) {
    // Title::getPrefixedText() of an interwiki title.
    std::string t = r.rd_interwiki + ":" + site.FullTitle(r.rd_namespace, r.rd_title);
    return t;
  }
  return site.FullTitle(r.rd_namespace, r.rd_title);
}

void AddProblem(ExportStats* stats, int64_t id, std::string reason) {
  LogWarn("export: revision {}: {}", id, reason);
  if (stats->problems.size() < kMaxProblemsKept) {
    stats->problems.push_back({id, std::move(reason)});
  }
}

using ProblemFn = std::function<void(int64_t rev_id, std::string reason)>;

// Text rows' unknown flags, warned about once each (shared by the formatting threads).
class FlagWarnings {
 public:
  void Check(const mw::SlotData& s) {
    std::string unknown = mw::ParseBlobFlags(s.text_flags).unknown;
    if (unknown.empty()) return;
    std::lock_guard<std::mutex> l(mu_);
    if (seen_.insert(unknown).second) {
      LogWarn("export: text row {} has unknown flag '{}': ignored, as MediaWiki does",
              s.address.substr(3), unknown);
    }
  }

 private:
  std::mutex mu_;
  std::set<std::string> seen_;
};

// A page's fields from its first revision; `title` and `redirect_title` hold
// the strings `page` points to.
void FillPage(const mw::SiteInfo& site, const mw::RevisionData& r, format::XmlPage* page,
              std::string* title, std::string* redirect_title) {
  *title = site.FullTitle(r.page_ns, r.page_title);
  *page = format::XmlPage();
  page->id = r.page_id;
  page->ns = r.page_ns;
  page->title = *title;
  page->has_redirect = r.page_is_redirect && r.has_redirect_row && !r.rd_title.empty();
  if (page->has_redirect) {
    *redirect_title = RedirectTitle(site, r);
    page->redirect_title = *redirect_title;
  }
}

// r's slots for the writer, with their texts decoded (into `texts` when they
// are not stored as is). Problems go to `problem`; returns the text bytes.
uint64_t PrepareSlots(const mw::RevisionData& r, const ExportOptions& options,
                      mw::ExternalStore* store, FlagWarnings* flags, const ProblemFn& problem,
                      std::vector<format::XmlSlot>* slots, std::vector<std::string>* texts) {
  uint64_t text_bytes = 0;
  slots->resize(r.slot_count);
  if (texts->size() < r.slot_count) texts->resize(r.slot_count);
  for (size_t i = 0; i < r.slot_count; ++i) {
    const mw::SlotData& s = r.slots[i];
    format::XmlSlot& x = (*slots)[i];
    x = format::XmlSlot();
    x.role = s.role;
    x.origin = s.origin;
    x.model = s.model;
    x.size = s.size;
    x.sha1 = s.sha1;
    x.address = s.address;
    auto fmt = mw::DefaultFormat(s.model);
    if (fmt) {
      x.format = *fmt;
    } else {
      x.format = "application/octet-stream";
      if (!(r.deleted & mw::kDeletedText)) {
        problem(r.rev_id, s.model.empty() ? "content model id " + std::to_string(s.model_id) +
                                                " not in content_models"
                                          : "unknown content model '" + s.model + "'");
      }
    }
    x.text = nullptr;
    if (options.stub || (r.deleted & mw::kDeletedText)) continue;
    if (!s.has_text_row) {
      problem(r.rev_id, s.address.starts_with("tt:")
                            ? "missing text row " + s.address.substr(3)
                            : "content address '" + s.address + "' is not a text row");
      continue;
    }
    if (s.text_flags.empty() || s.text_flags == "utf-8") {
      // Stored as is (the common case): no copy.
      x.text = &s.text_raw;
    } else {
      Status st = mw::DecodeTextRow(s.text_flags, s.text_raw, store, &(*texts)[i]);
      if (!st.ok()) {
        problem(r.rev_id, st.message() + " in text row " + s.address.substr(3));
        continue;
      }
      x.text = &(*texts)[i];
      // MediaWiki ignores flags it does not know; so do we, saying so once per flag.
      flags->Check(s);
    }
    text_bytes += x.text->size();
  }
  return text_bytes;
}

format::XmlRevision MakeRevision(const mw::RevisionData& r,
                                 const std::vector<format::XmlSlot>& slots) {
  format::XmlRevision rev;
  rev.id = r.rev_id;
  rev.parent_id = r.parent_id;
  rev.timestamp = r.timestamp;
  rev.minor = r.minor;
  rev.deleted = r.deleted;
  rev.user_id = r.user_id;
  rev.user_text = r.user_text;
  rev.comment = r.comment;
  rev.sha1 = r.sha1.empty() && r.slot_count == 1 ? std::string_view(r.slots[0].sha1)
                                                 : std::string_view(r.sha1);
  rev.slots = std::span<const format::XmlSlot>(slots.data(), r.slot_count);
  return rev;
}

// Parallel formatting (one output, see ExportOptions::read_connections): each
// of the reader's connections has a thread that reads its batches and formats
// them; the calling thread writes the XML in batch order.
struct FormattedChunk {
  std::string xml;
  int64_t pages = 0, revisions = 0, last_page_id = 0;
  uint64_t text_bytes = 0;
  std::vector<ExportProblem> problems;  // in order; logged by the writing thread
  bool end = false;                     // the thread's last chunk; `status` says why
  Status status;
};

// The formatted XML waiting to be written, over all threads (per thread at
// least 4 MiB, always at least one chunk). Big: a page of thousands of
// revisions is one batch, and the other threads can only run ahead of it by
// their queues (1M-revision wiki, 2 threads: 4 MiB each 10-12 s, 16 MiB each
// 8.5 s at 73 MB RSS, 64 MiB each 7.9 s at 206 MB RSS).
constexpr int64_t kQueuedBytes = 32 << 20;

class ParallelFormatter {
 public:
  static int64_t QueueBytes(size_t threads) {
    return std::max<int64_t>(4 << 20, kQueuedBytes / static_cast<int64_t>(threads));
  }

  ParallelFormatter(mw::RevisionReader& reader, const mw::SiteInfo& site,
                    const ExportOptions& options, const format::XmlDumpWriter::Options& wopt,
                    const Filters& filters, const db::DbSpec& wiki)
      : reader_(reader),
        site_(site),
        options_(options),
        wopt_(wopt),
        filters_(filters),
        wiki_(wiki),
        queues_(reader.connections(), QueueBytes(reader.connections()) / (kFlushBytes / 2),
                QueueBytes(reader.connections())) {}
  ~ParallelFormatter() { Stop(); }

  void Start() {
    for (size_t w = 0; w < queues_.producers(); ++w) {
      threads_.emplace_back([this, w] {
        Format(w);
        queues_.ProducerDone(w);
      });
    }
  }
  // The next chunk in order (the writing thread); give it back with Recycle().
  std::unique_ptr<FormattedChunk> Next() { return queues_.Pop(); }
  void Recycle(std::unique_ptr<FormattedChunk> c) { queues_.Recycle(std::move(c)); }
  void Stop() {
    if (threads_.empty()) return;
    stopping_.store(true, std::memory_order_relaxed);
    queues_.Stop();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
    if (LogEnabled(LogLevel::kDebug)) {
      LogDebug("export: {}", queues_.Report("formatting thread", "the writing thread"));
    }
  }

 private:
  std::unique_ptr<FormattedChunk> NewChunk() {
    std::unique_ptr<FormattedChunk> c = queues_.NewItem();
    c->xml.clear();
    if (c->xml.capacity() > 2 * kFlushBytes) std::string().swap(c->xml);  // after a huge page
    c->xml.reserve(kFlushBytes + (64 << 10));
    c->pages = c->revisions = c->last_page_id = 0;
    c->text_bytes = 0;
    c->problems.clear();
    c->end = false;
    c->status = Status::OK();
    return c;
  }

  // Thread w: the batches of the reader's plan that it claims.
  void Format(size_t w) {
    format::XmlDumpWriter writer(site_, wopt_);
    mw::ExternalStore store({});  // HistoryBlobStub rows: its own connection to the wiki
    store.SetWikiDatabase(wiki_);
    mw::RevisionData r;
    format::XmlPage page;
    std::string title, redirect_title;
    std::vector<format::XmlSlot> slots;
    std::vector<std::string> texts;
    std::unique_ptr<FormattedChunk> c;
    ProblemFn problem = [&c](int64_t id, std::string reason) {
      c->problems.push_back({id, std::move(reason)});
    };
    while (true) {
      const size_t k = queues_.ClaimBatch(w);
      c = NewChunk();
      bool exists = false;
      Status st = reader_.StartBatch(w, k, &exists);
      if (!st.ok() || !exists) {
        c->end = true;
        c->status = std::move(st);
        queues_.Push(w, std::move(c), 0, true);
        return;
      }
      int64_t current_page = -1;
      bool page_ok = false, page_open = false;
      while (true) {
        if (stopping_.load(std::memory_order_relaxed)) return;
        bool done = false;
        st = reader_.NextInBatch(w, &r, &done);
        if (!st.ok()) {
          c->end = true;
          c->status = std::move(st);
          const auto bytes = static_cast<int64_t>(c->xml.size());
          queues_.Push(w, std::move(c), bytes, true);
          return;
        }
        if (done) break;
        if (r.page_id != current_page) {
          if (page_open) writer.ClosePage(&c->xml);
          page_open = false;
          current_page = r.page_id;
          ++c->pages;
          FillPage(site_, r, &page, &title, &redirect_title);
          page_ok = filters_.PassPage(r.page_ns);
        }
        ++c->revisions;
        c->last_page_id = r.page_id;
        if (!page_ok || (filters_.latest && r.rev_id != r.page_latest)) continue;
        c->text_bytes += PrepareSlots(r, options_, &store, &flags_, problem, &slots, &texts);
        if (!page_open) {
          writer.OpenPage(page, &c->xml);
          page_open = true;
        }
        writer.WriteRevision(MakeRevision(r, slots), &c->xml);
        if (c->xml.size() >= kFlushBytes) {
          const auto bytes = static_cast<int64_t>(c->xml.size());
          if (!queues_.Push(w, std::move(c), bytes, false)) return;
          c = NewChunk();
        }
      }
      if (page_open) writer.ClosePage(&c->xml);
      const auto bytes = static_cast<int64_t>(c->xml.size());
      if (!queues_.Push(w, std::move(c), bytes, true)) return;
    }
  }

  mw::RevisionReader& reader_;
  const mw::SiteInfo& site_;
  const ExportOptions& options_;
  const format::XmlDumpWriter::Options wopt_;
  const Filters& filters_;
  const db::DbSpec wiki_;
  FlagWarnings flags_;
  OrderedQueues<FormattedChunk> queues_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

// The pages of one output, formatted on the reader's threads (see
// ParallelFormatter), written here in order.
Status WritePagesParallel(mw::RevisionReader& reader, const mw::SiteInfo& site,
                          const ExportOptions& options, const format::XmlDumpWriter::Options& wopt,
                          const db::DbSpec& wiki, OutputState& o, ExportObserver* observer,
                          ExportStats* stats) {
  DW_RETURN_IF_ERROR(o.Flush());
  ParallelFormatter formatter(reader, site, options, wopt, o.filters, wiki);
  formatter.Start();
  int64_t next_progress = 1000;
  while (true) {
    std::unique_ptr<FormattedChunk> c = formatter.Next();
    stats->pages += c->pages;
    stats->revisions += c->revisions;
    stats->text_bytes += c->text_bytes;
    for (ExportProblem& p : c->problems) AddProblem(stats, p.rev_id, std::move(p.reason));
    if (!c->xml.empty()) DW_RETURN_IF_ERROR(o.out->sink->Append(c->xml));
    if (c->end) {
      DW_RETURN_IF_ERROR(c->status);
      break;
    }
    if (observer && stats->pages >= next_progress) {
      observer->OnProgress(*stats, c->last_page_id, reader.max_page_id());
      next_progress = stats->pages + 1000;
    }
    formatter.Recycle(std::move(c));
  }
  formatter.Stop();
  return Status::OK();
}

// The pages, read and formatted on this thread, for every output.
Status WritePages(mw::RevisionReader& reader, const mw::SiteInfo& site,
                  const ExportOptions& options, mw::ExternalStore* store,
                  format::XmlDumpWriter& writer, std::vector<OutputState>& outs,
                  ExportObserver* observer, ExportStats* stats) {
  std::string item_xml;
  item_xml.reserve(1 << 16);
  int64_t current_page = -1;
  std::string page_title, redirect_title, page_xml;
  bool page_xml_ready = false;
  format::XmlPage page;
  std::vector<format::XmlSlot> slots;
  std::vector<std::string> texts;
  FlagWarnings flags;
  const ProblemFn problem = [stats](int64_t id, std::string reason) {
    AddProblem(stats, id, std::move(reason));
  };

  auto close_page = [&]() -> Status {
    for (auto& o : outs) {
      if (!o.page_open) continue;
      writer.ClosePage(&o.buf);
      o.page_open = false;
      if (o.index) {
        std::lock_guard<std::mutex> l(o.index->mu);
        o.index->units.back().pages.emplace_back(page.id, page_title);
      }
      if (o.out->pages_per_unit > 0 && ++o.pages_in_unit >= o.out->pages_per_unit) {
        o.pages_in_unit = 0;
        DW_RETURN_IF_ERROR(o.EndUnit());
      } else if (o.buf.size() >= kFlushBytes) {
        DW_RETURN_IF_ERROR(o.Flush());
      }
    }
    return Status::OK();
  };

  while (true) {
    DW_ASSIGN_OR_RETURN(const mw::RevisionData* r, reader.Next());
    if (r == nullptr) break;
    if (r->page_id != current_page) {
      if (current_page >= 0) DW_RETURN_IF_ERROR(close_page());
      current_page = r->page_id;
      ++stats->pages;
      FillPage(site, *r, &page, &page_title, &redirect_title);
      page_xml_ready = false;
      for (auto& o : outs) {
        o.page_ok = o.filters.PassPage(r->page_ns);
        o.page_open = false;
      }
      if (observer && stats->pages % 1000 == 0) {
        observer->OnProgress(*stats, r->page_id, reader.max_page_id());
      }
    }
    ++stats->revisions;

    // Does any output want this revision?
    bool wanted = false;
    for (auto& o : outs) {
      if (o.page_ok && (!o.filters.latest || r->rev_id == r->page_latest)) wanted = true;
    }
    if (!wanted) continue;

    stats->text_bytes += PrepareSlots(*r, options, store, &flags, problem, &slots, &texts);
    const format::XmlRevision rev = MakeRevision(*r, slots);
    if (outs.size() == 1) {
      // One output (the common case): written straight into its buffer.
      OutputState& o = outs[0];
      if (!o.page_open) {
        writer.OpenPage(page, &o.buf);
        o.page_open = true;
      }
      writer.WriteRevision(rev, &o.buf);
      if (o.buf.size() >= kFlushBytes) DW_RETURN_IF_ERROR(o.Flush());
      continue;
    }
    item_xml.clear();
    writer.WriteRevision(rev, &item_xml);

    for (auto& o : outs) {
      if (!o.page_ok || (o.filters.latest && r->rev_id != r->page_latest)) continue;
      if (!o.page_open) {
        if (!page_xml_ready) {
          page_xml.clear();
          writer.OpenPage(page, &page_xml);
          page_xml_ready = true;
        }
        o.buf.append(page_xml);
        o.page_open = true;
      }
      o.buf.append(item_xml);
      if (o.buf.size() >= kFlushBytes) DW_RETURN_IF_ERROR(o.Flush());
    }
  }
  if (current_page >= 0) DW_RETURN_IF_ERROR(close_page());
  return Status::OK();
}

}  // namespace

Status ValidateExportOptions(const ExportOptions& options, const std::vector<ExportOutput>& outputs,
                             const mw::SiteInfo* site) {
  if (options.schema_version != "0.10" && options.schema_version != "0.11") {
    return Status::InvalidArgument("--schema-version '" + options.schema_version +
                                   "': supported versions are 0.10 and 0.11");
  }
  if (outputs.empty()) return Status::InvalidArgument("no output given");
  for (const auto& o : outputs) {
    if (o.sink == nullptr) return Status::InvalidArgument("an output has no sink");
    auto f = ParseFilters(o.filters, site);
    if (!f.ok()) return f.status();
    if (o.pages_per_unit < 0) return Status::InvalidArgument("pages per unit must be >= 0");
  }
  if (options.history == History::kLogs && options.stub) {
    return Status::InvalidArgument("--stub does not apply to --logs");
  }
  if (options.start && options.end && *options.end <= *options.start) {
    return Status::InvalidArgument("--end must be greater than --start");
  }
  if (options.rev_start && options.rev_end && *options.rev_end <= *options.rev_start) {
    return Status::InvalidArgument("--revend must be greater than --revstart");
  }
  if (options.batch_size <= 0) return Status::InvalidArgument("batch size must be positive");
  return Status::OK();
}

Status Export(db::Connection& conn, const mw::SiteInfo& site, const ExportOptions& options,
              std::vector<ExportOutput>& outputs, ExportObserver* observer, ExportStats* stats) {
  ExportStats local_stats;
  if (stats == nullptr) stats = &local_stats;
  *stats = ExportStats();
  DW_RETURN_IF_ERROR(ValidateExportOptions(options, outputs, &site));
  // `object` rows holding a HistoryBlobStub name another text row: the store
  // reads it through its own (lazily opened) connection to this wiki.
  mw::ExternalStore no_clusters({});
  mw::ExternalStore* store =
      options.external_store != nullptr ? options.external_store : &no_clusters;
  store->SetWikiDatabase(conn.spec());

  std::vector<OutputState> outs(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    outs[i].out = &outputs[i];
    DW_ASSIGN_OR_RETURN(outs[i].filters, ParseFilters(outputs[i].filters, &site));
    outs[i].buf.reserve(kFlushBytes + (64 << 10));
    if (outputs[i].pages_per_unit > 0 && outputs[i].on_page_index) {
      outs[i].index = std::make_shared<IndexState>();
      outs[i].index->callback = outputs[i].on_page_index;
      IndexState::Unit first;
      first.offset = 0;  // the first unit starts the file
      outs[i].index->units.push_back(std::move(first));
    }
  }

  format::XmlDumpWriter::Options wopt;
  wopt.schema_version = options.schema_version;
  wopt.form =
      options.form == Form::kTwoPass ? format::XmlForm::kTwoPass : format::XmlForm::kOnePass;
  wopt.stub = options.stub;
  format::XmlDumpWriter writer(site, wopt);

  DW_RETURN_IF_ERROR(conn.BeginSnapshot());
  struct SnapshotGuard {
    db::Connection& c;
    ~SnapshotGuard() { (void)c.Rollback(); }
  } guard{conn};

  if (options.write_header) {
    std::string header;
    writer.WriteHeader(&header);
    for (auto& o : outs) {
      o.buf.append(header);
      if (o.out->separate_header_footer) DW_RETURN_IF_ERROR(o.EndUnit());
    }
  }

  std::string item_xml;
  item_xml.reserve(1 << 16);

  if (options.history == History::kLogs) {
    DW_ASSIGN_OR_RETURN(auto reader,
                        mw::LogReader::Open(conn, options.start, options.end, options.batch_size));
    while (true) {
      DW_ASSIGN_OR_RETURN(const mw::LogItemData* item, reader->Next());
      if (item == nullptr) break;
      ++stats->logitems;
      std::string title = site.FullTitle(item->ns, item->title);
      format::XmlLogItem x;
      x.id = item->id;
      x.timestamp = item->timestamp;
      x.deleted = item->deleted;
      x.user_is_null = item->user_is_null;
      x.user_id = item->user_id;
      x.user_text = item->user_text;
      x.comment = item->comment;
      x.type = item->type;
      x.action = item->action;
      x.title = title;
      x.params = item->params;
      item_xml.clear();
      writer.WriteLogItem(x, &item_xml);
      for (auto& o : outs) {
        o.buf.append(item_xml);
        if (o.buf.size() >= kFlushBytes) DW_RETURN_IF_ERROR(o.Flush());
      }
      if (observer && stats->logitems % 10000 == 0) observer->OnProgress(*stats, item->id, 0);
    }
  } else {
    mw::RevisionQuery q;
    q.current = options.history == History::kCurrent;
    q.load_text = !options.stub;
    q.page_start = options.start;
    q.page_end = options.end;
    if (!options.start && !options.end) {
      // Like dumpBackup.php: the revision range applies when no page range does.
      q.rev_start = options.rev_start;
      q.rev_end = options.rev_end;
    }
    q.batch_pages = options.batch_size;
    q.read_ahead = options.read_ahead;
    q.read_connections = options.read_connections;
    DW_ASSIGN_OR_RETURN(auto reader, mw::RevisionReader::Open(conn, q));

    // One output, no multistream units, no configured external store, and
    // several connections: the batches are formatted on the reading threads.
    if (outs.size() == 1 && !outs[0].index && outs[0].out->pages_per_unit == 0 &&
        options.external_store == nullptr && options.read_ahead && reader->connections() > 1) {
      DW_RETURN_IF_ERROR(
          WritePagesParallel(*reader, site, options, wopt, conn.spec(), outs[0], observer, stats));
    } else {
      DW_RETURN_IF_ERROR(WritePages(*reader, site, options, store, writer, outs, observer, stats));
    }
  }

  for (auto& o : outs) {
    if (o.out->separate_header_footer && (options.write_footer || o.index)) {
      DW_RETURN_IF_ERROR(o.EndUnit());
    }
    if (o.index) {
      std::lock_guard<std::mutex> l(o.index->mu);
      if (!o.index->units.empty()) o.index->units.back().ended = true;
      o.index->DeliverLocked();
    }
    if (options.write_footer) writer.WriteFooter(&o.buf);
    DW_RETURN_IF_ERROR(o.Flush());
  }
  if (observer) observer->OnProgress(*stats, 0, 0);
  return Status::OK();
}

}  // namespace dw::jobs
