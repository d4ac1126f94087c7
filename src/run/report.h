// Run-level status documents of one wiki's dump run, rendered from the run's
// state: dumpruninfo.txt/.json, dumpstatus.json (StatusAPI version "0.8"),
// report.json, the md5/sha1 checksum files (.txt and .json), index.html,
// status.html and the RSS feeds of latest/. Formats follow Wikimedia's
// (docs/dump.md lists them). Pure functions: no I/O; the runner writes the
// results atomically.
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "run/jobs.h"

namespace dw::run {

enum class JobStatus { kWaiting, kInProgress, kDone, kFailed, kSkipped };
const char* JobStatusName(JobStatus s);  // "waiting", "in-progress", "done", "failed", "skipped"
std::optional<JobStatus> ParseJobStatus(std::string_view s);

struct JobState {
  JobStatus status = JobStatus::kWaiting;
  std::string updated;  // "YYYY-MM-DD HH:MM:SS" UTC, "" if never started
  bool operator==(const JobState&) const = default;
};
using JobStates = std::map<std::string, JobState, std::less<>>;

// "YYYY-MM-DD HH:MM:SS" for seconds since the epoch (UTC).
std::string FormatUpdated(int64_t unix_seconds);

// dumpruninfo.txt: "name:X; status:Y; updated:Z" lines in reverse job order.
std::string RenderRunInfoTxt(const std::vector<JobSpec>& jobs, const JobStates& states);
// Parses dumpruninfo.txt (unknown jobs are kept; bad lines are an error naming the line).
Result<JobStates> ParseRunInfoTxt(std::string_view text);
// dumpruninfo.json: {"jobs": {name: {"status": .., "updated": ..}}}, reverse job order.
std::string RenderRunInfoJson(const std::vector<JobSpec>& jobs, const JobStates& states);

// A file of a job, as the status documents show it.
struct FileEntry {
  std::string name;  // final file name
  enum class State { kMissing, kInProgress, kDone } state = State::kMissing;
  uint64_t size = 0;  // done: the file's size; in progress: the .inprog file's size
  std::string md5;    // done files only
  std::string sha1;
};
using JobFiles = std::map<std::string, std::vector<FileEntry>, std::less<>>;  // job -> files

struct RunView {
  std::string wiki;
  std::string date;        // YYYYMMDD
  std::string url_prefix;  // path part of [output] webroot ("" for a root), no trailing '/'
  std::vector<JobSpec> jobs;
  JobStates states;
  JobFiles files;
  std::map<std::string, std::string, std::less<>> progress;  // job -> progress line while running
  std::string previous_date;              // the newest earlier run dir, "" if none
  std::string notice;                     // notice.txt's text
  bool running = false;                   // a worker is still working on the run
  bool all_wikis_index = false;           // <public>/<index> exists (then linked from index.html)
  std::string index_name = "index.html";  // [output] index
  std::string updated;                    // when this view was taken ("YYYY-MM-DD HH:MM:SS")
};

// dumpstatus.json, version "0.8".
std::string RenderDumpStatusJson(const RunView& v);
// report.json: {"jobs": {job: {"files": {name: {"size": .., "url": ..}}}}}.
std::string RenderReportJson(const RunView& v);
// "<hex>  <file>\n" lines (hash "md5" or "sha1") of the done files, in job order.
std::string RenderChecksumsTxt(const RunView& v, std::string_view hash);
// {"md5": {"files": {name: hex}}}.
std::string RenderChecksumsJson(const RunView& v, std::string_view hash);

// The run's index.html. `tmpl` is a report.html template with %(db)s %(date)s
// %(notice)s %(status)s %(previous)s %(items)s %(checksum)s %(index)s
// placeholders, or "" for the built-in one.
std::string RenderIndexHtml(const RunView& v, std::string_view tmpl = "");
// status.html: one <li> summary line (and the running jobs while in progress).
std::string RenderStatusHtml(const RunView& v);
// The overall status span ("Dump complete", "Partial dump", "Dump in progress").
std::string RunStatusHtml(const RunView& v);

// An RSS 2.0 feed announcing one published file (latest/<wiki>-latest-X-rss.xml).
// `webroot` is [output] webroot; `mtime` the file's modification time.
std::string RenderRss(std::string_view webroot, std::string_view wiki, std::string_view date,
                      std::string_view file_name, int64_t mtime);

// Wikimedia's pretty_size: "512 bytes", "12 KB", "1.5 MB", "2.0 GB".
std::string PrettySize(uint64_t bytes);
// HTML escaping of text and attribute values.
std::string HtmlEscape(std::string_view s);
// Python's json.dumps of a string (ensure_ascii, with quotes).
std::string PyJsonString(std::string_view s);

}  // namespace dw::run
