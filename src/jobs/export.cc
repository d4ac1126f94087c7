#include "jobs/export.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <set>

#include "base/log.h"
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
    DW_ASSIGN_OR_RETURN(auto reader, mw::RevisionReader::Open(conn, q));

    int64_t current_page = -1;
    std::string page_title, redirect_title, page_xml;
    bool page_xml_ready = false;
    format::XmlPage page;
    std::vector<format::XmlSlot> slots;
    std::vector<std::string> texts;
    std::set<std::string> unknown_flags;  // warned about once each
    std::vector<std::string> formats_unknown;

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
      DW_ASSIGN_OR_RETURN(const mw::RevisionData* r, reader->Next());
      if (r == nullptr) break;
      if (r->page_id != current_page) {
        if (current_page >= 0) DW_RETURN_IF_ERROR(close_page());
        current_page = r->page_id;
        ++stats->pages;
        page_title = site.FullTitle(r->page_ns, r->page_title);
        page = format::XmlPage();
        page.id = r->page_id;
        page.ns = r->page_ns;
        page.title = page_title;
        page.has_redirect = r->page_is_redirect && r->has_redirect_row && !r->rd_title.empty();
        if (page.has_redirect) {
          redirect_title = RedirectTitle(site, *r);
          page.redirect_title = redirect_title;
        }
        page_xml_ready = false;
        for (auto& o : outs) {
          o.page_ok = o.filters.PassPage(r->page_ns);
          o.page_open = false;
        }
        if (observer && stats->pages % 1000 == 0) {
          observer->OnProgress(*stats, r->page_id, reader->max_page_id());
        }
      }
      ++stats->revisions;

      // Does any output want this revision?
      bool wanted = false;
      for (auto& o : outs) {
        if (o.page_ok && (!o.filters.latest || r->rev_id == r->page_latest)) wanted = true;
      }
      if (!wanted) continue;

      // Slots, with their text decoded.
      slots.resize(r->slot_count);
      if (texts.size() < r->slot_count) texts.resize(r->slot_count);
      for (size_t i = 0; i < r->slot_count; ++i) {
        const mw::SlotData& s = r->slots[i];
        format::XmlSlot& x = slots[i];
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
          if (!(r->deleted & mw::kDeletedText)) {
            AddProblem(stats, r->rev_id,
                       s.model.empty() ? "content model id " + std::to_string(s.model_id) +
                                             " not in content_models"
                                       : "unknown content model '" + s.model + "'");
          }
        }
        x.text = nullptr;
        if (options.stub || (r->deleted & mw::kDeletedText)) continue;
        if (!s.has_text_row) {
          AddProblem(stats, r->rev_id,
                     s.address.starts_with("tt:")
                         ? "missing text row " + s.address.substr(3)
                         : "content address '" + s.address + "' is not a text row");
          continue;
        }
        if (s.text_flags.empty() || s.text_flags == "utf-8") {
          // Stored as is (the common case): no copy.
          x.text = &s.text_raw;
        } else {
          Status st = mw::DecodeTextRow(s.text_flags, s.text_raw, store, &texts[i]);
          if (!st.ok()) {
            AddProblem(stats, r->rev_id, st.message() + " in text row " + s.address.substr(3));
            continue;
          }
          x.text = &texts[i];
          // MediaWiki ignores flags it does not know; so do we, saying so once per flag.
          if (std::string unknown = mw::ParseBlobFlags(s.text_flags).unknown;
              !unknown.empty() && unknown_flags.insert(unknown).second) {
            LogWarn("export: text row {} has unknown flag '{}': ignored, as MediaWiki does",
                    s.address.substr(3), unknown);
          }
        }
        stats->text_bytes += x.text->size();
      }
      format::XmlRevision rev;
      rev.id = r->rev_id;
      rev.parent_id = r->parent_id;
      rev.timestamp = r->timestamp;
      rev.minor = r->minor;
      rev.deleted = r->deleted;
      rev.user_id = r->user_id;
      rev.user_text = r->user_text;
      rev.comment = r->comment;
      rev.sha1 = r->sha1.empty() && r->slot_count == 1 ? std::string_view(r->slots[0].sha1)
                                                       : std::string_view(r->sha1);
      rev.slots = std::span<const format::XmlSlot>(slots.data(), r->slot_count);
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
