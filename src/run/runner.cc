#include "run/runner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "base/log.h"
#include "run/lock.h"
#include "run/names.h"
#include "run/report.h"
#include "stream/hash.h"
#include "stream/input.h"
#include "stream/output.h"
#include "stream/verify.h"

namespace dw::run {

// ---------------------------------------------------------------------------
// Settings

Result<RunSettings> RunSettings::FromConfig(const config::Config& c, std::string_view wiki) {
  RunSettings s;
  s.public_dir = c.GetString(wiki, "output", "public");
  s.private_dir = c.GetString(wiki, "output", "private");
  s.temp_dir = c.GetString(wiki, "output", "temp");
  s.webroot = c.GetString(wiki, "output", "webroot");
  s.templatedir = c.GetString(wiki, "output", "templatedir");
  s.index_name = c.GetString(wiki, "output", "index");
  s.perdumpindex = c.GetString(wiki, "output", "perdumpindex");
  DW_ASSIGN_OR_RETURN(int64_t keep, c.GetInt(wiki, "cleanup", "keep"));
  s.keep = static_cast<int>(keep);
  DW_ASSIGN_OR_RETURN(s.staleage, c.GetInt(wiki, "reporting", "staleage"));
  DW_ASSIGN_OR_RETURN(s.chunks, c.GetBool(wiki, "chunks", "chunksEnabled"));
  for (const std::string& item : c.GetList(wiki, "chunks", "pagesPerChunkHistory")) {
    auto parsed = config::Config::Parse("[c]\nv=" + item, c.source());
    DW_ASSIGN_OR_RETURN(int64_t n, parsed->GetInt("", "c", "v"));
    if (n < 0)
      return Status::InvalidArgument(
          fmt::format("{}: [chunks] pagesPerChunkHistory: negative size {}", c.source(), n));
    if (n > 0) s.pages_per_part.push_back(n);
  }
  DW_ASSIGN_OR_RETURN(s.revs_per_job, c.GetInt(wiki, "chunks", "revsPerJob"));
  if (s.revs_per_job <= 0)
    return Status::InvalidArgument(
        fmt::format("{}: [chunks] revsPerJob must be positive", c.source()));
  DW_ASSIGN_OR_RETURN(s.pagelog_parts, c.GetInt(wiki, "chunks", "chunksForPagelogs"));
  DW_ASSIGN_OR_RETURN(s.logitems_per_part, c.GetInt(wiki, "chunks", "logitemsPerPagelogs"));
  if (s.pagelog_parts < 0 || s.logitems_per_part < 0)
    return Status::InvalidArgument(fmt::format(
        "{}: [chunks] chunksForPagelogs and logitemsPerPagelogs must not be negative", c.source()));
  DW_ASSIGN_OR_RETURN(int64_t cp, c.GetInt(wiki, "chunks", "checkpointTime"));
  s.checkpoint = cp != 0;
  DW_ASSIGN_OR_RETURN(s.recombine_history, c.GetBool(wiki, "chunks", "recombineHistory"));
  DW_ASSIGN_OR_RETURN(s.recombine_meta_current, c.GetBool(wiki, "chunks", "recombineMetaCurrent"));
  DW_ASSIGN_OR_RETURN(s.multistream, c.GetBool(wiki, "otherformats", "multistream"));
  s.skipjobs = c.GetList(wiki, "misc", "skipjobs");
  s.sevenzip = c.GetString(wiki, "tools", "sevenzip");
  if (s.chunks && s.pages_per_part.empty())
    return Status::InvalidArgument(fmt::format(
        "{}: [chunks] chunksEnabled needs pagesPerChunkHistory (pages per part)", c.source()));
  return s;
}

JobListOptions RunSettings::JobOptions() const {
  JobListOptions o;
  o.chunks = chunks;
  o.recombine_history = recombine_history;
  o.recombine_meta_current = recombine_meta_current;
  o.multistream = multistream;
  o.pagelog_chunks = chunks && (pagelog_parts > 0 || logitems_per_part > 0);
  o.tables = tables;
  return o;
}

std::vector<std::string> ListJobs(const RunSettings& settings) {
  std::vector<std::string> out;
  for (const JobSpec& j : BuildJobList(settings.JobOptions()))
    out.push_back(fmt::format("{:34} {}", j.name, j.description));
  out.push_back(
      fmt::format("{:34} {}", "noop", "rewrite status files, checksums and latest links"));
  out.push_back(fmt::format("{:34} {}", "latestlinks", "rewrite the latest/ links and RSS feeds"));
  out.push_back(
      fmt::format("{:34} {}", "createdirs", "create the run directories and status files"));
  return out;
}

namespace {

bool IsDateDir(std::string_view s) {
  return s.size() == 8 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> RunDates(Env* env, const std::string& wiki_dir) {
  std::vector<std::string> out;
  auto children = env->GetChildren(wiki_dir);
  if (!children.ok()) return out;
  for (const std::string& c : *children)
    if (IsDateDir(c)) out.push_back(c);
  std::sort(out.begin(), out.end());
  return out;
}

std::string UtcDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

}  // namespace

Result<std::string> ResolveDate(Env* env, const RunSettings& settings, std::string_view wiki,
                                std::string_view arg) {
  if (arg.empty() || arg == "today") return UtcDate(env->NowMicros() / 1000000);
  if (arg == "last") {
    auto dates = RunDates(env, JoinPath(settings.public_dir, wiki));
    if (dates.empty())
      return Status::NotFound(fmt::format("--date last: no run directory under {}",
                                          JoinPath(settings.public_dir, wiki)));
    return dates.back();
  }
  if (!IsDateDir(arg))
    return Status::InvalidArgument(fmt::format("--date {}: expected YYYYMMDD, today or last", arg));
  return std::string(arg);
}

// ---------------------------------------------------------------------------
// The plan: parts and page ranges, frozen in <private>/<wiki>/<date>/plan.json.

namespace {

struct Range {
  int part = 0;  // 0: no parts
  int64_t first = 0, last = 0;
  bool named_range = false;  // the file name carries -p<first>p<last>
};

struct Plan {
  int64_t max_page_id = 0;
  std::vector<Range> parts;                          // stubs: one per part
  std::vector<Range> log_parts;                      // pages-logging: by log id
  std::map<std::string, std::vector<Range>> ranges;  // "history", "current", "articles"

  std::string ToJson() const {
    nlohmann::ordered_json j;
    j["max_page_id"] = max_page_id;
    auto ranges_json = [](const std::vector<Range>& rs) {
      nlohmann::ordered_json a = nlohmann::ordered_json::array();
      for (const Range& r : rs) a.push_back({r.part, r.first, r.last, r.named_range});
      return a;
    };
    j["parts"] = ranges_json(parts);
    j["log_parts"] = ranges_json(log_parts);
    for (const auto& [k, v] : ranges) j["ranges"][k] = ranges_json(v);
    return j.dump(1) + "\n";
  }
  static Result<Plan> FromJson(const std::string& text, const std::string& path) {
    try {
      auto j = nlohmann::json::parse(text);
      Plan p;
      p.max_page_id = j.at("max_page_id").get<int64_t>();
      auto read = [](const nlohmann::json& a) {
        std::vector<Range> rs;
        for (const auto& r : a)
          rs.push_back({r.at(0).get<int>(), r.at(1).get<int64_t>(), r.at(2).get<int64_t>(),
                        r.at(3).get<bool>()});
        return rs;
      };
      p.parts = read(j.at("parts"));
      // Plans written before logs had parts: one file.
      if (j.contains("log_parts"))
        p.log_parts = read(j.at("log_parts"));
      else
        p.log_parts.push_back({0, 1, 1, false});
      if (j.contains("ranges"))
        for (const auto& [k, v] : j.at("ranges").items()) p.ranges[k] = read(v);
      return p;
    } catch (const std::exception& e) {
      return Status::Corruption(fmt::format("{}: {}", path, e.what()));
    }
  }
};

// Part boundaries as Wikimedia computes them from pagesPerChunkHistory.
std::vector<Range> PartsFor(const RunSettings& s, int64_t max_page_id) {
  std::vector<Range> parts;
  if (!s.chunks || s.pages_per_part.empty() || max_page_id <= 0) {
    parts.push_back({0, 1, std::max<int64_t>(max_page_id, 1), false});
    return parts;
  }
  std::vector<int64_t> sizes = s.pages_per_part;
  if (sizes.size() == 1) {
    int64_t n = sizes[0];
    int64_t count = (max_page_id + n - 1) / n;
    if (count <= 1) {
      parts.push_back({0, 1, max_page_id, false});
      return parts;
    }
    sizes.assign(count, n);
  }
  int64_t start = 1;
  for (size_t i = 0; i < sizes.size() && start <= max_page_id; ++i) {
    int64_t last = start + sizes[i] - 1;
    if (i + 1 == sizes.size() || last >= max_page_id) last = max_page_id;
    parts.push_back({static_cast<int>(i + 1), start, last, true});
    start = last + 1;
  }
  // The last part always reaches the highest page id.
  parts.back().last = std::max(parts.back().last, max_page_id);
  return parts;
}

// Log parts as Wikimedia computes them: logitemsPerPagelogs items per part, or
// with chunksForPagelogs = N, max(log_id) / N + 200 items per part. One part
// (or no log items) turns parts off.
std::vector<Range> LogPartsFor(const RunSettings& s, int64_t max_log_id) {
  std::vector<Range> parts;
  int64_t size = 0;
  if (s.chunks && s.logitems_per_part > 0)
    size = s.logitems_per_part;
  else if (s.chunks && s.pagelog_parts > 0)
    size = max_log_id / s.pagelog_parts + 200;
  if (size <= 0 || max_log_id <= size) {
    parts.push_back({0, 1, std::max<int64_t>(max_log_id, 1), false});
    return parts;
  }
  int part = 1;
  for (int64_t start = 1; start <= max_log_id; start += size)
    parts.push_back({part++, start, std::min(max_log_id, start + size - 1), false});
  return parts;
}

}  // namespace

// ---------------------------------------------------------------------------
// The runner.

namespace {

// Records unit boundaries (header end, footer start) of an output chain.
class UnitRecorder final : public Sink {
 public:
  explicit UnitRecorder(Sink* next) : next_(next) {}
  Status Append(std::string_view d) override { return next_->Append(d); }
  Status EndUnit(OffsetCallback cb) override {
    return next_->EndUnit([this, cb](uint64_t off) {
      offsets_.push_back(off);
      if (cb) cb(off);
    });
  }
  Status Close() override { return next_->Close(); }
  uint64_t BytesIn() const override { return next_->BytesIn(); }
  const std::vector<uint64_t>& offsets() const { return offsets_; }

 private:
  Sink* next_;
  std::vector<uint64_t> offsets_;
};

// What the runner knows about a published file (the files/<name>.json record).
struct FileRecord {
  uint64_t size = 0;
  std::string md5, sha1;
  int64_t header_end = -1;  // -1: not recorded (no separate units)
  int64_t footer_start = -1;

  std::string ToJson() const {
    nlohmann::ordered_json j;
    j["size"] = size;
    j["md5"] = md5;
    j["sha1"] = sha1;
    j["header_end"] = header_end;
    j["footer_start"] = footer_start;
    return j.dump() + "\n";
  }
  static std::optional<FileRecord> FromJson(const std::string& text) {
    try {
      auto j = nlohmann::json::parse(text);
      FileRecord r;
      r.size = j.at("size").get<uint64_t>();
      r.md5 = j.at("md5").get<std::string>();
      r.sha1 = j.at("sha1").get<std::string>();
      r.header_end = j.at("header_end").get<int64_t>();
      r.footer_start = j.at("footer_start").get<int64_t>();
      return r;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
};

// One output file of a work item.
struct OutSpec {
  std::string name;  // final file name
  enum class Content { kXml, kIndex, kText, kJson } content = Content::kXml;
};

// One unit of work of a job: one export (or one file operation) producing files.
struct Item {
  Range range;
  std::vector<OutSpec> outs;
};

class ProgressTracker : public jobs::ExportObserver {
 public:
  ProgressTracker(Env* env, std::function<void(const std::string&)> report, int64_t first,
                  int64_t last)
      : env_(env), report_(std::move(report)), first_(first), last_(last) {
    start_ = env_->MonotonicMicros();
  }
  void OnProgress(const jobs::ExportStats& st, int64_t last_page_id, int64_t) override {
    int64_t now = env_->MonotonicMicros();
    if (now - last_report_ < 2000000) return;
    last_report_ = now;
    double secs = std::max(1e-3, (now - start_) / 1e6);
    double frac = last_ > first_ ? double(last_page_id - first_) / double(last_ - first_ + 1) : 0;
    frac = std::clamp(frac, 0.0, 1.0);
    std::string eta = "?";
    if (frac > 0.001) {
      int64_t left = static_cast<int64_t>(secs / frac - secs);
      eta = fmt::format("{}:{:02}:{:02}", left / 3600, (left / 60) % 60, left % 60);
    }
    std::string line = fmt::format("{} pages ({:.0f}/s), {} revisions ({:.0f}/s)", st.pages,
                                   st.pages / secs, st.revisions, st.revisions / secs);
    if (last_page_id > 0)
      line += fmt::format(", page {} of {}-{}, {:.0f}% done, ETA {}", last_page_id, first_, last_,
                          frac * 100, eta);
    report_(line);
  }

 private:
  Env* env_;
  std::function<void(const std::string&)> report_;
  int64_t first_, last_;
  int64_t start_ = 0;
  int64_t last_report_ = 0;
};

class Runner {
 public:
  Runner(Env* env, const RunSettings& s, const DumpOptions& o, const WikiDataFactory& f)
      : env_(env), s_(s), o_(o), factory_(f) {
    run_dir_ = JoinPath(JoinPath(s_.public_dir, o_.wiki), o_.date);
    private_run_dir_ = JoinPath(JoinPath(s_.private_dir, o_.wiki), o_.date);
    jobs_ = BuildJobList(s_.JobOptions());
  }

  Status Run(DumpResult* result);

 private:
  // Setup.
  Status SelectJobs(std::vector<std::string>* to_run, std::set<std::string>* pseudo);
  Status LoadOrMakePlan(WikiData* wiki);
  void CleanOldRuns();
  void RemoveLeftovers();

  // Jobs.
  Status RunJob(const JobSpec& job);
  std::vector<Item> ItemsFor(const JobSpec& job);
  Status RunExportItems(const JobSpec& job, const std::vector<Item>& items);
  Status RunExportItem(const JobSpec& job, const Item& item, WikiData* wiki);
  Status RunTitles(const JobSpec& job, WikiData* wiki);
  Status RunSiteInfo(const JobSpec& job, WikiData* wiki, int formatversion);
  Status Run7z(const JobSpec& job);
  Status Add7z(const std::string& bz2_path, const std::string& name);
  Status RunRecombine(const JobSpec& job);

  // Files.
  std::string PublicPath(const std::string& name) const { return JoinPath(run_dir_, name); }
  std::string RecordPath(const std::string& name) const {
    return JoinPath(JoinPath(private_run_dir_, "files"), name + ".json");
  }
  Result<FileRecord> GetRecord(const std::string& name);
  Status CheckAndPublish(stream::Output* out, const OutSpec& spec, UnitRecorder* units,
                         std::optional<uint64_t> joined_last_unit = std::nullopt);
  std::vector<std::string> JobFileNames(const JobSpec& job);

  // Status documents.
  void SetState(const std::string& job, JobStatus st);
  RunView View(bool running);
  void WriteStatusFiles(bool running);
  void WriteStatusFilesLocked(bool running);  // REQUIRES: status_mu_ held
  Status WriteDerivedFile(const std::string& path, std::string_view content);
  void UpdateLatestLinks();

  std::string Dn(const std::string& dumpname, int part, const std::string& type,
                 const std::string& ext, const Range* r = nullptr) const {
    if (r && r->named_range)
      return MakeDumpName(o_.wiki, o_.date, dumpname, part, type, ext, r->first, r->last);
    return MakeDumpName(o_.wiki, o_.date, dumpname, part, type, ext);
  }
  std::string Now() const { return FormatUpdated(env_->NowMicros() / 1000000); }
  int Threads() const {
    int n = s_.threads > 0 ? s_.threads : static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, n);
  }

  Env* env_;
  const RunSettings& s_;
  const DumpOptions& o_;
  const WikiDataFactory& factory_;
  std::string run_dir_, private_run_dir_;
  std::vector<JobSpec> jobs_;
  JobStates states_;
  Plan plan_;
  bool have_plan_ = false;
  std::mutex mu_;  // progress_, status writes
  std::map<std::string, std::string, std::less<>> progress_;
  std::mutex status_mu_;  // one status-files writer at a time
  std::atomic<int64_t> last_status_write_{0};
  // The run's core budget: every compressed output shares these Threads()
  // workers, whatever the number of parts written at once (created by Run()).
  std::shared_ptr<stream::CompressPool> pool_;
};

Status Runner::SelectJobs(std::vector<std::string>* to_run, std::set<std::string>* pseudo) {
  std::set<std::string> wanted;
  for (const std::string& j : o_.jobs) {
    if (j == "noop" || j == "latestlinks" || j == "createdirs") {
      pseudo->insert(j);
      continue;
    }
    if (j == "tables") {
      for (const JobSpec& js : jobs_)
        if (js.kind == JobKind::kTable) wanted.insert(js.name);
      continue;
    }
    if (FindJob(jobs_, j) < 0)
      return Status::InvalidArgument(
          fmt::format("--job {}: no such job for {} (see dumpworks dump --list-jobs)", j, o_.wiki));
  }
  for (const std::string& j : o_.skipjobs)
    if (FindJob(jobs_, j) < 0)
      return Status::InvalidArgument(fmt::format("--skipjobs {}: no such job", j));
  for (const std::string& j : o_.jobs)
    if (FindJob(jobs_, j) >= 0) wanted.insert(j);
  if (o_.prereqs) {
    // Missing prerequisites, up to 5 levels like worker.py.
    for (int level = 0; level < 5; ++level) {
      std::set<std::string> add;
      for (const std::string& w : wanted)
        for (const std::string& p : jobs_[FindJob(jobs_, w)].prereqs)
          if (!wanted.count(p) && states_[p].status != JobStatus::kDone) add.insert(p);
      if (add.empty()) break;
      wanted.insert(add.begin(), add.end());
    }
  }
  for (const JobSpec& j : jobs_) {
    bool selected = o_.jobs.empty() ? true : wanted.count(j.name) > 0;
    if (selected) to_run->push_back(j.name);
  }
  return Status::OK();
}

Status Runner::LoadOrMakePlan(WikiData* wiki) {
  std::string path = JoinPath(private_run_dir_, "plan.json");
  auto text = ReadFileToString(env_, path);
  if (text.ok()) {
    DW_ASSIGN_OR_RETURN(plan_, Plan::FromJson(*text, path));
    have_plan_ = true;
    return Status::OK();
  }
  if (!text.status().IsNotFound()) return text.status();
  DW_ASSIGN_OR_RETURN(plan_.max_page_id, wiki->MaxPageId());
  plan_.parts = PartsFor(s_, plan_.max_page_id);
  DW_ASSIGN_OR_RETURN(int64_t max_log_id, wiki->MaxLogId());
  plan_.log_parts = LogPartsFor(s_, max_log_id);
  bool chunked = plan_.parts.size() > 1 || plan_.parts[0].part > 0;
  for (const char* subset : {"history", "current", "articles"}) {
    std::vector<Range>& rs = plan_.ranges[subset];
    for (const Range& p : plan_.parts) {
      if (!chunked || !s_.checkpoint) {
        rs.push_back(p);
        continue;
      }
      if (std::string_view(subset) != "history") {
        // Fixed windows of revsPerJob page ids (Wikimedia's articles/current rule).
        for (int64_t a = p.first; a <= p.last; a += s_.revs_per_job)
          rs.push_back({p.part, a, std::min(p.last, a + s_.revs_per_job - 1), true});
        continue;
      }
      // About revsPerJob revisions per range, at least 5 pages.
      int64_t start = p.first, revs = 0, pages = 0;
      std::vector<Range> cut;
      DW_RETURN_IF_ERROR(wiki->RevisionCounts(p.first, p.last, [&](int64_t id, int64_t n) {
        revs += n;
        ++pages;
        if (revs >= s_.revs_per_job && pages >= 5 && id < p.last) {
          cut.push_back({p.part, start, id, true});
          start = id + 1;
          revs = 0;
          pages = 0;
        }
      }));
      cut.push_back({p.part, start, p.last, true});
      rs.insert(rs.end(), cut.begin(), cut.end());
    }
  }
  DW_RETURN_IF_ERROR(env_->CreateDirs(private_run_dir_));
  DW_RETURN_IF_ERROR(WriteFileAtomic(env_, path, plan_.ToJson()));
  have_plan_ = true;
  return Status::OK();
}

void Runner::CleanOldRuns() {
  for (const std::string& root : {s_.public_dir, s_.private_dir}) {
    std::string wiki_dir = JoinPath(root, o_.wiki);
    std::vector<std::string> dates = RunDates(env_, wiki_dir);
    std::erase(dates, o_.date);
    if (static_cast<int>(dates.size()) <= s_.keep) continue;
    for (size_t i = 0; i + s_.keep < dates.size(); ++i) {
      std::string d = JoinPath(wiki_dir, dates[i]);
      LogInfo("{}: removing old run {} ([cleanup] keep = {})", o_.wiki, d, s_.keep);
      Status st = env_->RemoveTree(d);
      if (!st.ok()) LogWarn("{}", st.ToString());
    }
  }
}

void Runner::RemoveLeftovers() {
  // Temporary files of status writes killed mid-way (we hold the lock: nobody
  // else writes here).
  auto children = env_->GetChildren(run_dir_);
  if (!children.ok()) return;
  for (const std::string& c : *children)
    if (c.find(".tmp.") != std::string::npos) (void)env_->RemoveFile(PublicPath(c));
}

// The files a job publishes, in order.
std::vector<std::string> Runner::JobFileNames(const JobSpec& job) {
  std::vector<std::string> names;
  if (job.kind == JobKind::kRecombine) {
    for (const auto& o : job.outputs) names.push_back(Dn(o.dumpname, 0, o.type, o.ext));
    return names;
  }
  if (job.kind == JobKind::kTable) return {Dn(job.table, 0, "sql", "gz")};
  if (job.kind == JobKind::kMetaHistory7z) {
    for (const Range& r : plan_.ranges["history"])
      names.push_back(Dn("pages-meta-history", r.part, "xml", "7z", &r));
    return names;
  }
  for (const Item& it : ItemsFor(job))
    for (const OutSpec& o : it.outs) {
      if (job.kind == JobKind::kArticles &&
          o.name.find("-pages-articles-multistream") != std::string::npos)
        continue;  // listed under articlesmultistreamdump
      names.push_back(o.name);
    }
  return names;
}

std::vector<Item> Runner::ItemsFor(const JobSpec& job) {
  std::vector<Item> items;
  auto content = [&](const char* subset, const std::string& dumpname) {
    for (const Range& r : plan_.ranges[subset])
      items.push_back({r, {{Dn(dumpname, r.part, "xml", "bz2", &r)}}});
  };
  switch (job.kind) {
    case JobKind::kStubs:
      for (const Range& p : plan_.parts)
        items.push_back({p,
                         {{Dn("stub-meta-history", p.part, "xml", "gz")},
                          {Dn("stub-meta-current", p.part, "xml", "gz")},
                          {Dn("stub-articles", p.part, "xml", "gz")}}});
      break;
    case JobKind::kArticles:
      content("articles", "pages-articles");
      // Multistream is written in the same pass (articlesmultistreamdump then
      // finds its files done).
      if (s_.multistream)
        for (Item& it : items) {
          it.outs.push_back(
              {Dn("pages-articles-multistream", it.range.part, "xml", "bz2", &it.range)});
          it.outs.push_back(
              {Dn("pages-articles-multistream-index", it.range.part, "txt", "bz2", &it.range),
               OutSpec::Content::kIndex});
        }
      break;
    case JobKind::kMetaCurrent:
      content("current", "pages-meta-current");
      break;
    case JobKind::kMetaHistoryBz2:
      content("history", "pages-meta-history");
      break;
    case JobKind::kMultistream:
      for (const Range& r : plan_.ranges["articles"])
        items.push_back({r,
                         {{Dn("pages-articles-multistream", r.part, "xml", "bz2", &r)},
                          {Dn("pages-articles-multistream-index", r.part, "txt", "bz2", &r),
                           OutSpec::Content::kIndex}}});
      break;
    case JobKind::kPageLogs:
      for (const Range& r : plan_.log_parts)
        items.push_back({r, {{Dn("pages-logging", r.part, "xml", "gz")}}});
      break;
    case JobKind::kNamespaces:
      items.push_back(
          {Range{}, {{Dn("siteinfo-namespaces", 0, "json", "gz"), OutSpec::Content::kJson}}});
      break;
    case JobKind::kNamespacesV2:
      items.push_back(
          {Range{}, {{Dn("siteinfo2-namespacesv2", 0, "json", "gz"), OutSpec::Content::kJson}}});
      break;
    case JobKind::kPageTitles:
      items.push_back({Range{}, {{Dn("all-titles-in-ns0", 0, "", "gz"), OutSpec::Content::kText}}});
      break;
    case JobKind::kAllPageTitles:
      items.push_back({Range{}, {{Dn("all-titles", 0, "", "gz"), OutSpec::Content::kText}}});
      break;
    case JobKind::kTable:
    case JobKind::kMetaHistory7z:
    case JobKind::kRecombine:
      break;
  }
  return items;
}

Result<FileRecord> Runner::GetRecord(const std::string& name) {
  std::string path = PublicPath(name);
  DW_ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(path));
  auto text = ReadFileToString(env_, RecordPath(name));
  if (text.ok()) {
    auto r = FileRecord::FromJson(*text);
    if (r && r->size == size) return *r;
  }
  // No record (or a stale one): hash the file.
  stream::Hasher h(stream::kMd5 | stream::kSha1);
  DW_ASSIGN_OR_RETURN(auto f, env_->NewSequentialFile(path));
  std::string buf(1 << 20, '\0');
  while (true) {
    DW_ASSIGN_OR_RETURN(size_t n, f->Read(buf.data(), buf.size()));
    if (n == 0) break;
    h.Update(std::string_view(buf.data(), n));
  }
  stream::Digests d = h.Finish();
  FileRecord r;
  r.size = size;
  r.md5 = d.md5;
  r.sha1 = d.sha1;
  // Not saved: only the writer of a file records it (with its unit offsets),
  // and a missing record makes the rerun redo that file.
  return r;
}

// Closes the chain, checks the .inprog file, records it, renames it. The check
// does not decode the whole file again (Output::CheckWritten): size on disk,
// magic, and the last unit read back and decoded; `joined_last_unit` is where
// the last unit starts in a file joined from parts by byte copy.
Status Runner::CheckAndPublish(stream::Output* out, const OutSpec& spec, UnitRecorder* units,
                               std::optional<uint64_t> joined_last_unit) {
  DW_RETURN_IF_ERROR(out->sink()->Close());
  std::string tmp = out->path() + stream::kInprogSuffix;
  stream::VerifyResult vr;
  DW_RETURN_IF_ERROR(out->CheckWritten(&vr, 64, joined_last_unit));
  if (vr.decompressed_bytes == 0 && spec.content != OutSpec::Content::kIndex)
    return Status::Corruption(fmt::format("{}: empty output, not published", tmp));
  if (spec.content == OutSpec::Content::kXml) {
    std::string_view tail = vr.tail;
    while (!tail.empty() && tail.back() == '\n') tail.remove_suffix(1);
    if (!tail.ends_with("</mediawiki>"))
      return Status::Corruption(
          fmt::format("{}: XML does not end with </mediawiki>, not published", tmp));
  }
  DW_RETURN_IF_ERROR(out->Publish());
  FileRecord r;
  r.size = out->bytes_out();
  r.md5 = out->digests().md5;
  r.sha1 = out->digests().sha1;
  if (units && !units->offsets().empty()) {
    r.header_end = static_cast<int64_t>(units->offsets().front());
    r.footer_start = static_cast<int64_t>(units->offsets().back());
  }
  DW_RETURN_IF_ERROR(env_->CreateDirs(DirName(RecordPath(spec.name))));
  return WriteFileAtomic(env_, RecordPath(spec.name), r.ToJson());
}

Status Runner::RunExportItem(const JobSpec& job, const Item& item, WikiData* wiki) {
  stream::OutputOptions oo;
  oo.compress.pool = pool_;
  oo.digests = stream::kMd5 | stream::kSha1;
  oo.overwrite = true;  // our own run's file, redone byte-identically
  std::vector<std::unique_ptr<stream::Output>> outs;
  std::vector<std::unique_ptr<UnitRecorder>> recs;
  for (const OutSpec& o : item.outs) {
    DW_ASSIGN_OR_RETURN(auto out, stream::OpenOutput(env_, PublicPath(o.name), oo));
    recs.push_back(std::make_unique<UnitRecorder>(out->sink()));
    outs.push_back(std::move(out));
  }
  auto abandon = [&] {
    for (auto& o : outs) o->Abandon();
  };

  jobs::ExportOptions eo;
  eo.start = item.range.first;
  eo.end = item.range.last + 1;
  std::vector<jobs::ExportOutput> eouts;
  auto add = [&](size_t i, std::vector<std::string> filters) {
    jobs::ExportOutput e;
    e.sink = recs[i].get();
    e.filters = std::move(filters);
    e.separate_header_footer = true;
    eouts.push_back(std::move(e));
  };
  const std::vector<std::string> kArticleFilters = {"latest", "notalk", "namespace:!NS_USER"};
  Status index_status;
  switch (job.kind) {
    case JobKind::kStubs:
      eo.history = jobs::History::kFull;
      eo.stub = true;
      add(0, {});
      add(1, {"latest"});
      add(2, kArticleFilters);
      break;
    case JobKind::kArticles:
    case JobKind::kMultistream:
      eo.history = jobs::History::kCurrent;
      eo.form = jobs::Form::kTwoPass;
      add(0, kArticleFilters);
      if (job.kind == JobKind::kArticles && item.outs.size() == 3) add(1, kArticleFilters);
      if (job.kind == JobKind::kMultistream || item.outs.size() == 3) {
        jobs::ExportOutput& ms = eouts.back();
        ms.pages_per_unit = 100;
        Sink* index = recs[item.outs.size() - 1].get();
        ms.on_page_index = [index, &index_status](uint64_t off, int64_t id,
                                                  std::string_view title) {
          if (!index_status.ok()) return;
          index_status = index->Append(fmt::format("{}:{}:{}\n", off, id, title));
        };
      }
      break;
    case JobKind::kMetaCurrent:
      eo.history = jobs::History::kCurrent;
      eo.form = jobs::Form::kTwoPass;
      add(0, {});
      break;
    case JobKind::kMetaHistoryBz2:
      eo.history = jobs::History::kFull;
      eo.form = jobs::Form::kTwoPass;
      add(0, {});
      break;
    case JobKind::kPageLogs:
      // Log ids: a part covers first..last; the last part has no upper bound
      // (log items added since the plan was made go there); no parts: all.
      eo.history = jobs::History::kLogs;
      if (item.range.part == 0) {
        eo.start.reset();
        eo.end.reset();
      } else if (item.range.part == plan_.log_parts.back().part) {
        eo.end.reset();
      }
      add(0, {});
      break;
    default:
      return Status::NotSupported("export item for job " + job.name);
  }
  ProgressTracker tracker(
      env_,
      [this, &job](const std::string& line) {
        {
          std::lock_guard<std::mutex> lk(mu_);
          progress_[job.name] = line;
        }
        LogInfo("{}: {}", job.name, line);
        if (o_.on_progress) o_.on_progress(job.name + ": " + line);
        // index.html, status.html and dumpruninfo show progress while running:
        // rewritten at most every 10 s, by whichever worker gets there first.
        int64_t now = env_->MonotonicMicros();
        if (now - last_status_write_.load() > 10000000 && status_mu_.try_lock()) {
          last_status_write_ = now;
          WriteStatusFilesLocked(true);
          status_mu_.unlock();
        }
      },
      item.range.first, item.range.last);
  jobs::ExportStats stats;
  Status s = wiki->Export(eo, eouts, &tracker, &stats);
  if (s.ok() && !index_status.ok()) s = index_status;
  for (const auto& p : stats.problems) LogWarn("{}: revision {}: {}", job.name, p.rev_id, p.reason);
  // Close in order: the multistream file first, since closing it reports the
  // offsets of the last streams into the index.
  for (size_t i = 0; s.ok() && i < outs.size(); ++i)
    s = CheckAndPublish(outs[i].get(), item.outs[i], recs[i].get());
  if (!s.ok()) {
    abandon();
    return s;
  }
  return Status::OK();
}

Status Runner::RunExportItems(const JobSpec& job, const std::vector<Item>& all) {
  std::vector<const Item*> todo;
  for (const Item& it : all) {
    bool have_all = true;
    // Done means published AND recorded (the record holds the unit offsets a
    // recombine needs; a crash between the rename and the record redoes the
    // item, which writes the same bytes again).
    for (const OutSpec& o : it.outs)
      have_all =
          have_all && env_->FileExists(PublicPath(o.name)) && env_->FileExists(RecordPath(o.name));
    if (!have_all) todo.push_back(&it);
  }
  if (todo.size() < all.size())
    LogInfo("{}: {} of {} files already done, {} to do", job.name, all.size() - todo.size(),
            all.size(), todo.size());
  if (todo.empty()) return Status::OK();
  int workers = std::min<int>(Threads(), static_cast<int>(todo.size()));
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex err_mu;
  Status first_error;
  auto work = [&] {
    std::unique_ptr<WikiData> wiki;
    while (!stop) {
      size_t i = next++;
      if (i >= todo.size()) break;
      Status s;
      if (!wiki) {
        auto w = factory_();
        if (!w.ok())
          s = w.status();
        else
          wiki = std::move(*w);
      }
      if (s.ok()) s = RunExportItem(job, *todo[i], wiki.get());
      if (!s.ok()) {
        std::lock_guard<std::mutex> lk(err_mu);
        if (first_error.ok()) first_error = s;
        stop = true;
      }
    }
  };
  if (workers == 1) {
    work();
  } else {
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) threads.emplace_back(work);
    for (auto& t : threads) t.join();
  }
  return first_error;
}

Status Runner::RunTitles(const JobSpec& job, WikiData* wiki) {
  Item item = ItemsFor(job)[0];
  if (env_->FileExists(PublicPath(item.outs[0].name))) return Status::OK();
  stream::OutputOptions oo;
  oo.compress.pool = pool_;
  oo.digests = stream::kMd5 | stream::kSha1;
  oo.overwrite = true;
  DW_ASSIGN_OR_RETURN(auto out, stream::OpenOutput(env_, PublicPath(item.outs[0].name), oo));
  bool ns0 = job.kind == JobKind::kPageTitles;
  std::string buf = ns0 ? "page_title\n" : "page_namespace\tpage_title\n";
  Status s = wiki->Titles(ns0, [&](int ns, std::string_view title) -> Status {
    if (ns0)
      buf += fmt::format("{}\n", title);
    else
      buf += fmt::format("{}\t{}\n", ns, title);
    if (buf.size() < (1 << 20)) return Status::OK();
    Status a = out->sink()->Append(buf);
    buf.clear();
    return a;
  });
  if (s.ok()) s = out->sink()->Append(buf);
  if (s.ok()) s = CheckAndPublish(out.get(), item.outs[0], nullptr);
  if (!s.ok()) out->Abandon();
  return s;
}

Status Runner::RunSiteInfo(const JobSpec& job, WikiData* wiki, int formatversion) {
  Item item = ItemsFor(job)[0];
  if (env_->FileExists(PublicPath(item.outs[0].name))) return Status::OK();
  DW_ASSIGN_OR_RETURN(std::string json, wiki->SiteInfoJson(formatversion));
  stream::OutputOptions oo;
  oo.compress.pool = pool_;
  oo.digests = stream::kMd5 | stream::kSha1;
  oo.overwrite = true;
  DW_ASSIGN_OR_RETURN(auto out, stream::OpenOutput(env_, PublicPath(item.outs[0].name), oo));
  Status s = out->sink()->Append(json);
  if (s.ok()) s = CheckAndPublish(out.get(), item.outs[0], nullptr);
  if (!s.ok()) out->Abandon();
  return s;
}

// Runs `argv` with its stdin fed from `input` (decompressed). Returns its status.
Status RunWithInput(Env* env, const std::vector<std::string>& argv, const std::string& input,
                    const std::string& what) {
  DW_ASSIGN_OR_RETURN(auto src, stream::OpenInput(env, input));
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
  pid_t pid = fork();
  if (pid < 0) return Status::FromErrno("fork", errno);
  if (pid == 0) {
    dup2(fds[0], 0);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[0]);
  struct sigaction ign {
  }, old{};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old);
  Status s;
  std::string buf(1 << 20, '\0');
  while (s.ok()) {
    auto n = src->Read(buf.data(), buf.size());
    if (!n.ok()) {
      s = n.status();
      break;
    }
    if (*n == 0) break;
    size_t off = 0;
    while (off < *n) {
      ssize_t w = write(fds[1], buf.data() + off, *n - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        s = Status::FromErrno(what + ": write to " + argv[0], errno);
        break;
      }
      off += static_cast<size_t>(w);
    }
  }
  close(fds[1]);
  int wst = 0;
  while (waitpid(pid, &wst, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGPIPE, &old, nullptr);
  if (!s.ok()) return s;
  if (WIFEXITED(wst) && WEXITSTATUS(wst) == 127)
    return Status::NotFound(fmt::format("{}: cannot run {}", what, argv[0]));
  if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
    return Status::IOError(fmt::format("{}: {} failed (status {})", what, argv[0], wst));
  return Status::OK();
}

Status RunCommand(const std::vector<std::string>& argv, const std::string& what) {
  pid_t pid = fork();
  if (pid < 0) return Status::FromErrno("fork", errno);
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int wst = 0;
  while (waitpid(pid, &wst, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
    return Status::Corruption(fmt::format("{}: {} failed", what, argv[0]));
  return Status::OK();
}

// Hashes a whole file.
Result<FileRecord> HashFile(Env* env, const std::string& path) {
  stream::Hasher h(stream::kMd5 | stream::kSha1);
  DW_ASSIGN_OR_RETURN(auto f, env->NewSequentialFile(path));
  std::string buf(1 << 20, '\0');
  uint64_t size = 0;
  while (true) {
    DW_ASSIGN_OR_RETURN(size_t n, f->Read(buf.data(), buf.size()));
    if (n == 0) break;
    size += n;
    h.Update(std::string_view(buf.data(), n));
  }
  stream::Digests d = h.Finish();
  FileRecord r;
  r.size = size;
  r.md5 = d.md5;
  r.sha1 = d.sha1;
  return r;
}

Status Runner::Run7z(const JobSpec& job) {
  const int src_job = FindJob(jobs_, "metahistorybz2dump");
  std::vector<std::string> bz2 = JobFileNames(jobs_[src_job]);
  std::vector<std::string> out7z = JobFileNames(job);
  for (size_t i = 0; i < bz2.size(); ++i) {
    if (env_->FileExists(PublicPath(out7z[i]))) continue;
    DW_RETURN_IF_ERROR(Add7z(PublicPath(bz2[i]), out7z[i]));
  }
  return Status::OK();
}

Status Runner::Add7z(const std::string& bz2_path, const std::string& name) {
  std::string final_path = PublicPath(name);
  std::string tmp = final_path + stream::kInprogSuffix;
  if (env_->FileExists(tmp)) DW_RETURN_IF_ERROR(env_->RemoveFile(tmp));  // 7za would append
  std::string inner = name.substr(0, name.size() - 3);                   // minus ".7z"
  Status s = RunWithInput(env_,
                          {s_.sevenzip, "a", "-t7z", "-mx=4", "-mtm=off", "-mtc=off", "-mta=off",
                           "-bd", "-si" + inner, tmp},
                          bz2_path, name);
  if (s.ok()) s = RunCommand({s_.sevenzip, "t", tmp}, tmp + ": 7z test");
  Result<FileRecord> r = s.ok() ? HashFile(env_, tmp) : Result<FileRecord>(s);
  if (r.ok()) {
    s = env_->CreateDirs(DirName(RecordPath(name)));
    if (s.ok()) s = WriteFileAtomic(env_, RecordPath(name), r->ToJson());
    if (s.ok()) s = env_->RenameFile(tmp, final_path, true);
    if (s.ok()) s = env_->SyncDir(run_dir_);
  } else {
    s = r.status();
  }
  if (!s.ok() && env_->FileExists(tmp)) (void)env_->RemoveFile(tmp);
  return s;
}

// Joins part files without recompressing: file 1's header and body, the middle
// files' bodies, the last file's body and footer.
Status Runner::RunRecombine(const JobSpec& job) {
  const JobSpec& src = jobs_[FindJob(jobs_, job.recombines)];
  std::vector<std::string> parts = JobFileNames(src);
  if (src.kind == JobKind::kMetaHistory7z) {
    // 7z archives cannot be joined: compress the recombined bz2 file.
    std::string name = Dn("pages-meta-history", 0, "xml", "7z");
    if (env_->FileExists(PublicPath(name))) return Status::OK();
    return Add7z(PublicPath(Dn("pages-meta-history", 0, "xml", "bz2")), name);
  }
  for (size_t o = 0; o < job.outputs.size(); ++o) {
    const auto& spec = job.outputs[o];
    std::string name = Dn(spec.dumpname, 0, spec.type, spec.ext);
    if (env_->FileExists(PublicPath(name))) continue;
    // The part files of this output.
    std::vector<std::string> inputs;
    for (const std::string& p : parts) {
      auto d = DumpName::Parse(o_.wiki, p);
      if (d && d->dumpname == spec.dumpname && d->ext == spec.ext) inputs.push_back(p);
    }
    if (spec.dumpname == "pages-articles-multistream-index") {
      // Rewrite offsets: each part's offsets move by where its body lands.
      std::vector<std::string> ms;
      for (const std::string& p : parts) {
        auto d = DumpName::Parse(o_.wiki, p);
        if (d && d->dumpname == "pages-articles-multistream") ms.push_back(p);
      }
      stream::OutputOptions oo;
      oo.compress.pool = pool_;
      oo.digests = stream::kMd5 | stream::kSha1;
      oo.overwrite = true;
      DW_ASSIGN_OR_RETURN(auto out, stream::OpenOutput(env_, PublicPath(name), oo));
      Status s;
      int64_t pos = 0;
      for (size_t k = 0; s.ok() && k < ms.size(); ++k) {
        DW_ASSIGN_OR_RETURN(FileRecord rec, GetRecord(ms[k]));
        if (rec.header_end < 0) {
          s = Status::Corruption(ms[k] + ": no unit offsets recorded, cannot recombine");
          break;
        }
        int64_t shift = (k == 0 ? 0 : pos - rec.header_end);
        if (k == 0) pos = rec.header_end;
        pos += rec.footer_start - rec.header_end;
        DW_ASSIGN_OR_RETURN(auto in, stream::OpenInput(env_, PublicPath(inputs[k])));
        std::string carry, buf(1 << 20, '\0'), outbuf;
        while (s.ok()) {
          auto n = in->Read(buf.data(), buf.size());
          if (!n.ok()) {
            s = n.status();
            break;
          }
          if (*n == 0) break;
          carry.append(buf.data(), *n);
          size_t start = 0, nl;
          while ((nl = carry.find('\n', start)) != std::string::npos) {
            std::string_view line(carry.data() + start, nl - start);
            size_t colon = line.find(':');
            int64_t off = std::stoll(std::string(line.substr(0, colon)));
            outbuf += fmt::format("{}{}\n", off + shift, line.substr(colon));
            start = nl + 1;
          }
          carry.erase(0, start);
          s = out->sink()->Append(outbuf);
          outbuf.clear();
        }
      }
      if (s.ok()) s = CheckAndPublish(out.get(), {name, OutSpec::Content::kIndex}, nullptr);
      if (!s.ok()) {
        out->Abandon();
        return s;
      }
      continue;
    }
    // Byte copy.
    stream::OutputOptions oo;
    oo.compress.pool = pool_;
    oo.digests = stream::kMd5 | stream::kSha1;
    oo.overwrite = true;
    DW_ASSIGN_OR_RETURN(auto out, stream::OpenOutput(env_, "file:" + PublicPath(name), oo));
    Status s;
    std::vector<uint64_t> offsets;
    uint64_t written = 0;
    for (size_t k = 0; s.ok() && k < inputs.size(); ++k) {
      DW_ASSIGN_OR_RETURN(FileRecord rec, GetRecord(inputs[k]));
      if (rec.header_end < 0) {
        s = Status::Corruption(inputs[k] + ": no unit offsets recorded, cannot recombine");
        break;
      }
      uint64_t from = k == 0 ? 0 : static_cast<uint64_t>(rec.header_end);
      uint64_t to = k + 1 == inputs.size() ? rec.size : static_cast<uint64_t>(rec.footer_start);
      if (k == 0) offsets.push_back(rec.header_end);
      DW_ASSIGN_OR_RETURN(auto f, env_->NewRandomAccessFile(PublicPath(inputs[k])));
      std::string buf(1 << 20, '\0');
      for (uint64_t at = from; s.ok() && at < to;) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), to - at));
        auto n = f->Read(at, buf.data(), want);
        if (!n.ok()) {
          s = n.status();
          break;
        }
        if (*n == 0) {
          s = Status::Corruption(inputs[k] + ": shorter than recorded");
          break;
        }
        s = out->sink()->Append(std::string_view(buf.data(), *n));
        at += *n;
      }
      written += to - from;
      if (k + 1 == inputs.size()) offsets.push_back(written - (rec.size - rec.footer_start));
    }
    OutSpec os{name, spec.type == "xml" ? OutSpec::Content::kXml : OutSpec::Content::kText};
    if (s.ok() && offsets.size() != 2)
      s = Status::Corruption(name + ": no unit offsets for the joined file");
    if (s.ok()) s = CheckAndPublish(out.get(), os, nullptr, offsets[1]);
    if (s.ok() && offsets.size() == 2) {
      // Record the joined file's own unit offsets (a later join may need them).
      auto rec = ReadFileToString(env_, RecordPath(name));
      if (rec.ok()) {
        auto r = FileRecord::FromJson(*rec);
        if (r) {
          r->header_end = static_cast<int64_t>(offsets[0]);
          r->footer_start = static_cast<int64_t>(offsets[1]);
          s = WriteFileAtomic(env_, RecordPath(name), r->ToJson());
        }
      }
    }
    if (!s.ok()) {
      out->Abandon();
      return s;
    }
  }
  return Status::OK();
}

Status Runner::RunJob(const JobSpec& job) {
  switch (job.kind) {
    case JobKind::kNamespaces:
    case JobKind::kNamespacesV2:
    case JobKind::kPageTitles:
    case JobKind::kAllPageTitles: {
      DW_ASSIGN_OR_RETURN(auto wiki, factory_());
      if (job.kind == JobKind::kNamespaces) return RunSiteInfo(job, wiki.get(), 1);
      if (job.kind == JobKind::kNamespacesV2) return RunSiteInfo(job, wiki.get(), 2);
      return RunTitles(job, wiki.get());
    }
    case JobKind::kMetaHistory7z:
      return Run7z(job);
    case JobKind::kRecombine:
      return RunRecombine(job);
    case JobKind::kTable: {
      std::string name = Dn(job.table, 0, "sql", "gz");
      if (env_->FileExists(PublicPath(name))) return Status::OK();
      DW_ASSIGN_OR_RETURN(auto wiki, factory_());
      stream::OutputOptions oo;
      oo.compress.pool = pool_;
      oo.digests = stream::kMd5 | stream::kSha1;
      oo.overwrite = true;
      DW_ASSIGN_OR_RETURN(auto out, stream::OpenOutput(env_, PublicPath(name), oo));
      Status s = wiki->DumpTable(job.table, out->sink());
      if (s.ok()) s = CheckAndPublish(out.get(), {name, OutSpec::Content::kText}, nullptr);
      if (!s.ok()) out->Abandon();
      return s;
    }
    default:
      return RunExportItems(job, ItemsFor(job));
  }
}

// ---------------------------------------------------------------------------
// Status documents

void Runner::SetState(const std::string& job, JobStatus st) {
  std::lock_guard<std::mutex> lk(mu_);
  states_[job] = JobState{st, Now()};
}

RunView Runner::View(bool running) {
  RunView v;
  v.wiki = o_.wiki;
  v.date = o_.date;
  std::string_view root = s_.webroot;
  size_t scheme = root.find("://");
  if (scheme != std::string_view::npos) {
    size_t slash = root.find('/', scheme + 3);
    root = slash == std::string_view::npos ? std::string_view() : root.substr(slash);
  }
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  v.url_prefix = std::string(root);
  v.jobs = jobs_;
  {
    std::lock_guard<std::mutex> lk(mu_);
    v.states = states_;
    v.progress = progress_;
  }
  v.running = running;
  v.updated = Now();
  v.index_name = s_.index_name;
  v.all_wikis_index = env_->FileExists(JoinPath(s_.public_dir, s_.index_name));
  for (const std::string& d : RunDates(env_, JoinPath(s_.public_dir, o_.wiki)))
    if (d < o_.date) v.previous_date = d;
  auto notice = ReadFileToString(env_, PublicPath("notice.txt"));
  if (notice.ok()) v.notice = *notice;
  if (!have_plan_) return v;
  for (const JobSpec& j : jobs_) {
    JobStatus st = v.states[j.name].status;
    if (st == JobStatus::kWaiting || st == JobStatus::kSkipped) continue;
    std::vector<FileEntry>& files = v.files[j.name];
    for (const std::string& name : JobFileNames(j)) {
      FileEntry f;
      f.name = name;
      if (env_->FileExists(PublicPath(name))) {
        auto r = GetRecord(name);
        if (r.ok()) {
          f.state = FileEntry::State::kDone;
          f.size = r->size;
          f.md5 = r->md5;
          f.sha1 = r->sha1;
        }
      } else if (auto sz = env_->GetFileSize(PublicPath(name) + stream::kInprogSuffix); sz.ok()) {
        f.state = FileEntry::State::kInProgress;
        f.size = *sz;
      }
      files.push_back(std::move(f));
    }
  }
  return v;
}

Status Runner::WriteDerivedFile(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  DW_ASSIGN_OR_RETURN(auto f, env_->NewWritableFile(tmp, OpenMode::kTruncate));
  Status s = f->Append(content);
  if (s.ok()) s = f->Close();
  if (s.ok()) s = env_->RenameFile(tmp, path, true);
  if (!s.ok()) (void)env_->RemoveFile(tmp);
  return s;
}

void Runner::WriteStatusFiles(bool running) {
  std::lock_guard<std::mutex> lk(status_mu_);
  last_status_write_ = env_->MonotonicMicros();
  WriteStatusFilesLocked(running);
}

void Runner::WriteStatusFilesLocked(bool running) {
  RunView v = View(running);
  std::string tmpl;
  if (!s_.templatedir.empty()) {
    auto t = ReadFileToString(env_, JoinPath(s_.templatedir, "report.html"));
    if (t.ok()) tmpl = *t;
  }
  std::vector<std::pair<std::string, std::string>> files = {
      {"dumpruninfo.txt", RenderRunInfoTxt(v.jobs, v.states)},
      {"dumpruninfo.json", RenderRunInfoJson(v.jobs, v.states)},
      {"report.json", RenderReportJson(v)},
      {ChecksumFileName(o_.wiki, o_.date, "md5", "txt"), RenderChecksumsTxt(v, "md5")},
      {ChecksumFileName(o_.wiki, o_.date, "sha1", "txt"), RenderChecksumsTxt(v, "sha1")},
      {ChecksumFileName(o_.wiki, o_.date, "md5", "json"), RenderChecksumsJson(v, "md5")},
      {ChecksumFileName(o_.wiki, o_.date, "sha1", "json"), RenderChecksumsJson(v, "sha1")},
      {"dumpstatus.json", RenderDumpStatusJson(v)},
      {s_.perdumpindex, RenderIndexHtml(v, tmpl)},
      {"status.html", RenderStatusHtml(v)},
  };
  // dumpruninfo.txt is the run's state: written durably. The other documents
  // are derived from it and from the files, and rewritten at every step: they
  // are renamed into place (never seen half-written) without an fsync each.
  Status first_error;
  for (const auto& [name, content] : files) {
    Status s = name == "dumpruninfo.txt" ? WriteFileAtomic(env_, PublicPath(name), content)
                                         : WriteDerivedFile(PublicPath(name), content);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  if (!first_error.ok()) LogWarn("status files not updated: {}", first_error.ToString());
}

void Runner::UpdateLatestLinks() {
  std::string latest = JoinPath(JoinPath(s_.public_dir, o_.wiki), "latest");
  if (Status s = env_->CreateDirs(latest); !s.ok()) {
    LogWarn("{}", s.ToString());
    return;
  }
  auto link_to = [&](const std::string& name) {
    auto d = DumpName::Parse(o_.wiki, name);
    if (!d) return;
    std::string link = JoinPath(latest, d->LatestName());
    std::string target = "../" + o_.date + "/" + name;
    auto old_target = env_->ReadLink(link);
    if (old_target.ok()) {
      const std::string& old = *old_target;
      // Keep a link to a newer run's file that still exists.
      if (old.size() > 11 && old.compare(3, 8, o_.date) > 0 &&
          env_->FileExists(JoinPath(latest, old)))
        return;
    } else if (env_->FileExists(link)) {
      LogWarn("{}: a regular file where a latest link belongs, left alone", link);
      return;
    }
    std::string tmp = link + ".tmp." + std::to_string(getpid());
    (void)env_->RemoveFile(tmp);
    Status s = env_->CreateSymlink(target, tmp);
    if (s.ok()) s = env_->RenameFile(tmp, link, true);
    if (!s.ok()) {
      LogWarn("{}", s.ToString());
      return;
    }
    std::string rss_name = d->LatestName() + "-rss.xml";
    auto mtime = env_->GetFileMTime(PublicPath(name));
    s = WriteFileAtomic(env_, JoinPath(latest, rss_name),
                        RenderRss(s_.webroot, o_.wiki, o_.date, name, mtime.ok() ? *mtime : 0));
    if (!s.ok()) LogWarn("{}", s.ToString());
  };
  for (const JobSpec& j : jobs_) {
    if (states_[j.name].status != JobStatus::kDone) continue;
    for (const std::string& name : JobFileNames(j))
      if (env_->FileExists(PublicPath(name))) link_to(name);
  }
  for (const char* h : {"md5", "sha1"})
    for (const char* f : {"txt", "json"}) link_to(ChecksumFileName(o_.wiki, o_.date, h, f));
  // Links to files that are gone.
  auto children = env_->GetChildren(latest);
  if (children.ok())
    for (const std::string& c : *children) {
      std::string p = JoinPath(latest, c);
      auto target = env_->ReadLink(p);
      // (FileExists does not follow links: look at the target itself.)
      if (target.ok() && !env_->FileExists(JoinPath(latest, *target))) {
        (void)env_->RemoveFile(p);
        (void)env_->RemoveFile(p + "-rss.xml");
      }
    }
}

Status Runner::Run(DumpResult* result) {
  result->run_dir = run_dir_;
  pool_ = std::make_shared<stream::CompressPool>(Threads());
  // Earlier state of this run.
  auto info = ReadFileToString(env_, PublicPath("dumpruninfo.txt"));
  if (info.ok()) {
    DW_ASSIGN_OR_RETURN(states_, ParseRunInfoTxt(*info));
  } else if (!info.status().IsNotFound()) {
    return info.status();
  }
  std::vector<std::string> to_run;
  std::set<std::string> pseudo;
  DW_RETURN_IF_ERROR(SelectJobs(&to_run, &pseudo));
  std::set<std::string> skip(o_.skipjobs.begin(), o_.skipjobs.end());
  for (const std::string& j : s_.skipjobs)
    if (FindJob(jobs_, j) >= 0) skip.insert(j);

  if (o_.dryrun) {
    for (const std::string& j : to_run) {
      std::string what = skip.count(j)                                            ? "skip"
                         : (o_.skipdone && states_[j].status == JobStatus::kDone) ? "done, skip"
                                                                                  : "run";
      if (o_.on_dryrun) o_.on_dryrun(fmt::format("{} {}: {}", o_.wiki, j, what));
    }
    return Status::OK();
  }

  RunLock::Options lo;
  lo.stale_seconds = s_.staleage;
  lo.force = o_.force;
  DW_ASSIGN_OR_RETURN(
      auto lock, RunLock::Acquire(
                     env_, JoinPath(JoinPath(s_.private_dir, o_.wiki), LockFileName(o_.date)), lo));
  DW_RETURN_IF_ERROR(env_->CreateDirs(run_dir_));
  DW_RETURN_IF_ERROR(env_->CreateDirs(private_run_dir_));
  if (o_.jobs.empty()) CleanOldRuns();
  RemoveLeftovers();
  {
    DW_ASSIGN_OR_RETURN(auto wiki, factory_());
    DW_RETURN_IF_ERROR(LoadOrMakePlan(wiki.get()));
  }
  // A job interrupted by a crash is not running any more.
  for (auto& [name, st] : states_)
    if (st.status == JobStatus::kInProgress) st.status = JobStatus::kFailed;
  WriteStatusFiles(true);
  if (pseudo.count("createdirs") && to_run.empty()) {
    WriteStatusFiles(false);
    return lock->Release();
  }

  for (const std::string& name : to_run) {
    const JobSpec& job = jobs_[FindJob(jobs_, name)];
    if (skip.count(name)) {
      SetState(name, JobStatus::kSkipped);
      result->skipped.push_back(name);
      continue;
    }
    if (o_.skipdone && states_[name].status == JobStatus::kDone) {
      result->done.push_back(name);
      continue;
    }
    std::string missing;
    for (const std::string& p : job.prereqs) {
      JobStatus ps = states_[p].status;
      if (ps != JobStatus::kDone) missing = p;
    }
    if (!missing.empty()) {
      JobStatus ps = states_[missing].status;
      if (ps == JobStatus::kSkipped) {
        SetState(name, JobStatus::kSkipped);
        result->skipped.push_back(name);
      } else if (ps == JobStatus::kFailed) {
        LogError("{}: {}: prerequisite {} failed", o_.wiki, name, missing);
        SetState(name, JobStatus::kFailed);
        result->failed.push_back(name);
      } else {
        LogWarn("{}: {}: waiting, prerequisite {} is {} (use --prereqs)", o_.wiki, name, missing,
                JobStatusName(ps));
        result->waiting.push_back(name);
      }
      continue;
    }
    SetState(name, JobStatus::kInProgress);
    WriteStatusFiles(true);
    LogInfo("{}: {} started", o_.wiki, name);
    int64_t t0 = env_->MonotonicMicros();
    Status s = RunJob(job);
    double secs = (env_->MonotonicMicros() - t0) / 1e6;
    {
      std::lock_guard<std::mutex> lk(mu_);
      progress_.erase(name);
    }
    if (s.ok()) {
      SetState(name, JobStatus::kDone);
      result->done.push_back(name);
      LogInfo("{}: {} done in {:.1f} s", o_.wiki, name, secs);
    } else {
      SetState(name, JobStatus::kFailed);
      result->failed.push_back(name);
      LogError("{}: {} failed: {}", o_.wiki, name, s.ToString());
    }
    WriteStatusFiles(true);
  }
  UpdateLatestLinks();
  WriteStatusFiles(false);
  return lock->Release();
}

}  // namespace

Status RunDump(Env* env, const RunSettings& settings, const DumpOptions& options,
               const WikiDataFactory& wiki_data, DumpResult* result) {
  Runner r(env, settings, options, wiki_data);
  return r.Run(result);
}

}  // namespace dw::run
