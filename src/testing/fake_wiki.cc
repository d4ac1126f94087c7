#include "testing/fake_wiki.h"

#include <fmt/format.h>

#include <deque>

namespace dw::testing {
namespace {

int NsOf(int64_t page) { return page % 7 == 0 ? 2 : page % 5 == 0 ? 1 : 0; }

std::string TitleOf(int64_t page) {
  int ns = NsOf(page);
  std::string base = fmt::format("Page {}", page);
  return ns == 2 ? "User:" + base : ns == 1 ? "Talk:" + base : base;
}

std::string TextOf(int64_t rev) {
  static const char* kWords[] = {"lorem", "ipsum", "dolor", "sit",  "amet",     "wiki",
                                 "dump",  "page",  "&amp;", "data", "[[link]]", "'''bold'''"};
  std::string t;
  uint64_t x = static_cast<uint64_t>(rev) * 2654435761u + 17;
  int n = 40 + static_cast<int>(x % 200);
  for (int i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    t += kWords[(x >> 33) % 12];
    t += (x >> 20) % 9 == 0 ? "\n" : " ";
  }
  return t;
}

// Per-output state of one export.
struct Out {
  jobs::ExportOutput* spec;
  bool latest = false, notalk = false, nouser = false;
  int64_t pages_in_unit = 0;
  int64_t unit = 0;  // index of the current unit (0: the header)
  std::deque<std::pair<int64_t, std::pair<int64_t, std::string>>> pending;  // unit, (id, title)
  std::vector<int64_t> unit_start;  // known start offsets, by unit index (-1 unknown)
  Status st;

  void Flush() {
    while (!pending.empty()) {
      int64_t u = pending.front().first;
      if (u >= static_cast<int64_t>(unit_start.size()) || unit_start[u] < 0) break;
      spec->on_page_index(static_cast<uint64_t>(unit_start[u]), pending.front().second.first,
                          pending.front().second.second);
      pending.pop_front();
    }
  }
  Status EndUnit() {
    int64_t next = ++unit;
    if (static_cast<int64_t>(unit_start.size()) <= next) unit_start.resize(next + 1, -1);
    return spec->sink->EndUnit([this, next](uint64_t off) {
      unit_start[next] = static_cast<int64_t>(off);
      if (spec->on_page_index) Flush();
    });
  }
};

class FakeWiki final : public run::WikiData {
 public:
  explicit FakeWiki(const FakeWikiOptions& o) : o_(o) {}

  Result<int64_t> MaxPageId() override { return o_.pages; }
  Result<int64_t> MaxLogId() override { return o_.log_items; }
  Status RevisionCounts(int64_t first, int64_t last,
                        const std::function<void(int64_t, int64_t)>& fn) override {
    for (int64_t p = std::max<int64_t>(first, 1); p <= std::min(last, o_.pages); ++p)
      fn(p, o_.revs_per_page);
    return Status::OK();
  }
  Status Titles(bool ns0_only, const std::function<Status(int, std::string_view)>& fn) override {
    std::vector<std::pair<int, std::string>> all;
    for (int64_t p = 1; p <= o_.pages; ++p) {
      int ns = NsOf(p);
      if (ns0_only && ns != 0) continue;
      all.emplace_back(ns, fmt::format("Page_{}", p));
    }
    std::sort(all.begin(), all.end());
    for (const auto& [ns, t] : all) DW_RETURN_IF_ERROR(fn(ns, t));
    return Status::OK();
  }
  Result<std::string> SiteInfoJson(int fv) override {
    if (fv == 2)
      return std::string(
          R"({"batchcomplete":true,"query":{"general":{"sitename":"Fake","dbname":"fakewiki"},"namespaces":{"0":{"id":0,"case":"first-letter","name":"","subpages":false,"content":true,"nonincludable":false}}}})");
    return std::string(
        R"({"batchcomplete":"","query":{"general":{"sitename":"Fake","dbname":"fakewiki"},"namespaces":{"0":{"id":0,"case":"first-letter","*":"","content":""}}}})");
  }

  Status DumpTable(std::string_view table, Sink* out) override {
    if (std::find(o_.tables.begin(), o_.tables.end(), table) == o_.tables.end())
      return Status::NotFound(fmt::format("fake wiki: no table {}", table));
    return out->Append(fmt::format(
        "-- fake dump of {0}\nCREATE TABLE `{0}` (id int);\nINSERT INTO `{0}` VALUES (1),(2);\n",
        table));
  }

  Status Export(const jobs::ExportOptions& eo, std::vector<jobs::ExportOutput>& outputs,
                jobs::ExportObserver* observer, jobs::ExportStats* stats) override {
    std::vector<std::unique_ptr<Out>> outs;
    for (auto& spec : outputs) {
      auto out = std::make_unique<Out>();
      out->spec = &spec;
      for (const std::string& f : spec.filters) {
        if (f == "latest") out->latest = true;
        if (f == "notalk") out->notalk = true;
        if (f == "namespace:!NS_USER") out->nouser = true;
      }
      out->unit_start.push_back(0);
      outs.push_back(std::move(out));
    }
    const bool current = eo.history == jobs::History::kCurrent;
    std::string header =
        "<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.11/\" version=\"0.11\" "
        "xml:lang=\"en\">\n  <siteinfo>\n    <sitename>Fake</sitename>\n  </siteinfo>\n";
    for (auto& o : outs) {
      if (eo.write_header) DW_RETURN_IF_ERROR(o->spec->sink->Append(header));
      if (o->spec->separate_header_footer || o->spec->pages_per_unit > 0)
        DW_RETURN_IF_ERROR(o->EndUnit());
    }
    if (eo.history == jobs::History::kLogs) {
      // Log ids start..end-1, as the real export takes them.
      const int64_t log_end = eo.end.value_or(o_.log_items + 1);
      for (int64_t l = std::max<int64_t>(eo.start.value_or(1), 1); l < log_end && l <= o_.log_items;
           ++l) {
        std::string item = fmt::format(
            "  <logitem>\n    <id>{}</id>\n    <type>create</type>\n    <logtitle>{}</logtitle>\n"
            "  </logitem>\n",
            l, TitleOf(l));
        for (auto& o : outs) DW_RETURN_IF_ERROR(o->spec->sink->Append(item));
        if (stats) ++stats->logitems;
      }
    } else {
      int64_t first = eo.start.value_or(1), end = eo.end.value_or(o_.pages + 1);
      for (int64_t p = std::max<int64_t>(first, 1); p < end && p <= o_.pages; ++p) {
        if (o_.fail_at_page > 0 && p == o_.fail_at_page)
          return Status::IOError(fmt::format("fake wiki: connection lost at page {}", p));
        int ns = NsOf(p);
        for (auto& o : outs) {
          if (o->notalk && ns % 2 == 1) continue;
          if (o->nouser && ns == 2) continue;
          std::string page =
              fmt::format("  <page>\n    <title>{}</title>\n    <ns>{}</ns>\n    <id>{}</id>\n",
                          TitleOf(p), ns, p);
          int64_t r0 = (p - 1) * o_.revs_per_page + 1, r1 = p * o_.revs_per_page;
          if (o->latest || current) r0 = r1;
          for (int64_t r = r0; r <= r1; ++r) {
            std::string text = TextOf(r);
            page += fmt::format("    <revision>\n      <id>{}</id>\n", r);
            if (eo.stub)
              page += fmt::format("      <text bytes=\"{}\" id=\"{}\" />\n", text.size(), r);
            else
              page += fmt::format("      <text bytes=\"{}\" xml:space=\"preserve\">{}</text>\n",
                                  text.size(), text);
            page += "    </revision>\n";
          }
          page += "  </page>\n";
          DW_RETURN_IF_ERROR(o->spec->sink->Append(page));
          if (o->spec->pages_per_unit > 0) {
            if (o->spec->on_page_index) {
              o->pending.push_back({o->unit, {p, TitleOf(p)}});
              o->Flush();
            }
            if (++o->pages_in_unit == o->spec->pages_per_unit) {
              o->pages_in_unit = 0;
              DW_RETURN_IF_ERROR(o->EndUnit());
            }
          }
        }
        if (stats) {
          ++stats->pages;
          stats->revisions += current ? 1 : o_.revs_per_page;
        }
        if (observer && p % 50 == 0) observer->OnProgress(*stats, p, o_.pages);
      }
    }
    for (auto& o : outs) {
      if ((o->spec->separate_header_footer || o->spec->pages_per_unit > 0) &&
          !(o->spec->pages_per_unit > 0 && o->pages_in_unit == 0))
        DW_RETURN_IF_ERROR(o->EndUnit());
      if (eo.write_footer) DW_RETURN_IF_ERROR(o->spec->sink->Append("</mediawiki>\n"));
    }
    // Index lines still waiting for their unit's offset are delivered when the
    // caller closes the sink (the compressor reports the last offsets then).
    for (auto& o : outs) pending_.push_back(std::move(o));
    return Status::OK();
  }

 private:
  FakeWikiOptions o_;
  std::vector<std::unique_ptr<Out>> pending_;  // kept alive for late offset callbacks
};

}  // namespace

std::unique_ptr<run::WikiData> NewFakeWiki(const FakeWikiOptions& options) {
  return std::make_unique<FakeWiki>(options);
}

run::WikiDataFactory FakeWikiFactory(const FakeWikiOptions& options) {
  return [options]() -> Result<std::unique_ptr<run::WikiData>> { return NewFakeWiki(options); };
}

}  // namespace dw::testing
