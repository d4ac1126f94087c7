#include "run/report.h"

#include <fmt/format.h>

#include <ctime>

namespace dw::run {

const char* JobStatusName(JobStatus s) {
  switch (s) {
    case JobStatus::kWaiting:
      return "waiting";
    case JobStatus::kInProgress:
      return "in-progress";
    case JobStatus::kDone:
      return "done";
    case JobStatus::kFailed:
      return "failed";
    case JobStatus::kSkipped:
      return "skipped";
  }
  return "waiting";
}

std::optional<JobStatus> ParseJobStatus(std::string_view s) {
  for (JobStatus st : {JobStatus::kWaiting, JobStatus::kInProgress, JobStatus::kDone,
                       JobStatus::kFailed, JobStatus::kSkipped})
    if (s == JobStatusName(st)) return st;
  return std::nullopt;
}

std::string FormatUpdated(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

namespace {

JobState StateOf(const RunView& v, const std::string& job) {
  auto it = v.states.find(job);
  return it == v.states.end() ? JobState{} : it->second;
}

const std::vector<FileEntry>* FilesOf(const RunView& v, const std::string& job) {
  auto it = v.files.find(job);
  return it == v.files.end() ? nullptr : &it->second;
}

}  // namespace

std::string PyJsonString(std::string_view s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20)
            out += fmt::format("\\u{:04x}", c);
          else
            out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence; invalid bytes become U+FFFD.
    uint32_t cp = 0xFFFD;
    int len = 1;
    if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) {
      cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
      len = 2;
    } else if ((c & 0xF0) == 0xE0 && i + 2 < s.size()) {
      cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      len = 3;
    } else if ((c & 0xF8) == 0xF0 && i + 3 < s.size()) {
      cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) |
           (s[i + 3] & 0x3F);
      len = 4;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
    } else {
      out += fmt::format("\\u{:04x}", cp);
    }
    i += len;
  }
  out += "\"";
  return out;
}

std::string RenderRunInfoTxt(const std::vector<JobSpec>& jobs, const JobStates& states) {
  std::string out;
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
    auto st = states.find(it->name);
    JobState s = st == states.end() ? JobState{} : st->second;
    out += fmt::format("name:{}; status:{}; updated:{}\n", it->name, JobStatusName(s.status),
                       s.updated);
  }
  return out;
}

Result<JobStates> ParseRunInfoTxt(std::string_view text) {
  JobStates states;
  int lineno = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++lineno;
    if (line.empty()) continue;
    std::string name, status, updated;
    bool ok = true;
    while (!line.empty()) {
      size_t semi = line.find("; ");
      std::string_view field = line.substr(0, semi);
      line = semi == std::string_view::npos ? std::string_view() : line.substr(semi + 2);
      size_t colon = field.find(':');
      if (colon == std::string_view::npos) {
        ok = false;
        break;
      }
      std::string_view k = field.substr(0, colon), val = field.substr(colon + 1);
      if (k == "name")
        name = val;
      else if (k == "status")
        status = val;
      else if (k == "updated")
        updated = val;
    }
    auto st = ParseJobStatus(status);
    if (!ok || name.empty() || !st)
      return Status::Corruption(fmt::format("dumpruninfo.txt:{}: not a job line", lineno));
    states[name] = JobState{*st, updated};
  }
  return states;
}

std::string RenderRunInfoJson(const std::vector<JobSpec>& jobs, const JobStates& states) {
  std::string out = "{\"jobs\": {";
  bool first = true;
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
    auto st = states.find(it->name);
    JobState s = st == states.end() ? JobState{} : st->second;
    if (!first) out += ", ";
    first = false;
    out += fmt::format("{}: {{\"status\": {}, \"updated\": {}}}", PyJsonString(it->name),
                       PyJsonString(JobStatusName(s.status)), PyJsonString(s.updated));
  }
  out += "}}";
  return out;
}

namespace {
std::string FileUrl(const RunView& v, std::string_view name) {
  return fmt::format("{}/{}/{}/{}", v.url_prefix, v.wiki, v.date, name);
}
}  // namespace

std::string RenderDumpStatusJson(const RunView& v) {
  std::string out = "{\"jobs\": {";
  bool first = true;
  for (auto it = v.jobs.rbegin(); it != v.jobs.rend(); ++it) {
    JobState s = StateOf(v, it->name);
    if (!first) out += ", ";
    first = false;
    out += fmt::format("{}: {{\"status\": {}, \"updated\": {}", PyJsonString(it->name),
                       PyJsonString(JobStatusName(s.status)), PyJsonString(s.updated));
    if (const auto* files = FilesOf(v, it->name); files && !files->empty()) {
      out += ", \"files\": {";
      bool ffirst = true;
      for (const FileEntry& f : *files) {
        if (!ffirst) out += ", ";
        ffirst = false;
        out += PyJsonString(f.name) + ": ";
        switch (f.state) {
          case FileEntry::State::kMissing:
            out += "{}";
            break;
          case FileEntry::State::kInProgress:
            out += fmt::format("{{\"size\": {}}}", f.size);
            break;
          case FileEntry::State::kDone:
            out += fmt::format("{{\"size\": {}, \"url\": {}, \"md5\": {}, \"sha1\": {}}}", f.size,
                               PyJsonString(FileUrl(v, f.name)), PyJsonString(f.md5),
                               PyJsonString(f.sha1));
            break;
        }
      }
      out += "}";
    }
    out += "}";
  }
  out += "}, \"version\": \"0.8\"}";
  return out;
}

std::string RenderReportJson(const RunView& v) {
  std::string out = "{\"jobs\": {";
  bool first = true;
  for (auto it = v.jobs.rbegin(); it != v.jobs.rend(); ++it) {
    if (!first) out += ", ";
    first = false;
    out += PyJsonString(it->name) + ": {\"files\": {";
    if (const auto* files = FilesOf(v, it->name)) {
      bool ffirst = true;
      for (const FileEntry& f : *files) {
        if (!ffirst) out += ", ";
        ffirst = false;
        out += PyJsonString(f.name) + ": ";
        if (f.state == FileEntry::State::kDone)
          out += fmt::format("{{\"size\": {}, \"url\": {}}}", f.size,
                             PyJsonString(FileUrl(v, f.name)));
        else if (f.state == FileEntry::State::kInProgress)
          out += fmt::format("{{\"size\": {}}}", f.size);
        else
          out += "{}";
      }
    }
    out += "}}";
  }
  out += "}}";
  return out;
}

std::string RenderChecksumsTxt(const RunView& v, std::string_view hash) {
  std::string out;
  for (const JobSpec& j : v.jobs) {
    const auto* files = FilesOf(v, j.name);
    if (!files) continue;
    for (const FileEntry& f : *files) {
      if (f.state != FileEntry::State::kDone) continue;
      out += fmt::format("{}  {}\n", hash == "md5" ? f.md5 : f.sha1, f.name);
    }
  }
  return out;
}

std::string RenderChecksumsJson(const RunView& v, std::string_view hash) {
  std::string out = fmt::format("{{{}: {{\"files\": {{", PyJsonString(hash));
  bool first = true;
  for (const JobSpec& j : v.jobs) {
    const auto* files = FilesOf(v, j.name);
    if (!files) continue;
    for (const FileEntry& f : *files) {
      if (f.state != FileEntry::State::kDone) continue;
      if (!first) out += ", ";
      first = false;
      out += PyJsonString(f.name) + ": " + PyJsonString(hash == "md5" ? f.md5 : f.sha1);
    }
  }
  out += "}}}";
  return out;
}

std::string PrettySize(uint64_t bytes) {
  double size = static_cast<double>(bytes);
  if (size < 1024) return fmt::format("{} bytes", bytes);
  size /= 1024;
  if (size < 1024) return fmt::format("{} KB", static_cast<uint64_t>(size));
  size /= 1024;
  if (size < 1024) return fmt::format("{:.1f} MB", size);
  size /= 1024;
  if (size < 1024) return fmt::format("{:.1f} GB", size);
  return fmt::format("{:.1f} TB", size / 1024);
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string DateWithDashes(std::string_view d) {
  if (d.size() != 8) return std::string(d);
  return fmt::format("{}-{}-{}", d.substr(0, 4), d.substr(4, 2), d.substr(6, 2));
}

int FailedCount(const RunView& v) {
  int n = 0;
  for (const JobSpec& j : v.jobs)
    if (StateOf(v, j.name).status == JobStatus::kFailed) ++n;
  return n;
}

bool AllFinished(const RunView& v) {
  for (const JobSpec& j : v.jobs) {
    JobStatus s = StateOf(v, j.name).status;
    if (s != JobStatus::kDone && s != JobStatus::kFailed && s != JobStatus::kSkipped) return false;
  }
  return true;
}

std::string JobItem(const RunView& v, const JobSpec& j) {
  JobState s = StateOf(v, j.name);
  const char* st = JobStatusName(s.status);
  std::string out = fmt::format(
      "<li class='{}'><span class='updates'>{}</span> <span class='status'>{}</span> <span "
      "class='title'>{}</span>",
      st, HtmlEscape(s.updated), st, HtmlEscape(j.description));
  std::string inner;
  if (auto p = v.progress.find(j.name); p != v.progress.end() && s.status == JobStatus::kInProgress)
    inner += fmt::format("<li class='in-progress'>{}</li>", HtmlEscape(p->second));
  if (!j.detail.empty()) inner += fmt::format("<li class='detail'>{}</li>", HtmlEscape(j.detail));
  if (const auto* files = FilesOf(v, j.name)) {
    for (const FileEntry& f : *files) {
      switch (f.state) {
        case FileEntry::State::kDone:
          inner += fmt::format("<li class='file'><a href=\"{}\">{}</a> {}</li>", HtmlEscape(f.name),
                               HtmlEscape(f.name), PrettySize(f.size));
          break;
        case FileEntry::State::kInProgress:
          inner += fmt::format("<li class='file'>{} {} (written) </li>", HtmlEscape(f.name),
                               PrettySize(f.size));
          break;
        case FileEntry::State::kMissing:
          inner += fmt::format("<li class='missing'>{}</li>", HtmlEscape(f.name));
          break;
      }
    }
  }
  if (!inner.empty()) out += "<ul>" + inner + "</ul>";
  out += "</li>\n";
  return out;
}

constexpr std::string_view kBuiltinTemplate = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%(db)s dump progress on %(date)s</title>
<style>
body { font-family: sans-serif; margin: 1em 2em; }
.done { color: #0a0; } .in-progress { color: #c60; } .failed { color: #c00; }
.waiting, .skipped, .missing { color: #777; }
li.file, li.detail, li.missing { color: #000; list-style: none; }
.updates { font-family: monospace; } .status { font-weight: bold; }
.notice { border: 1px solid #c60; padding: 0.5em; }
</style>
</head>
<body>
<h1>%(db)s dump progress on %(date)s</h1>
%(notice)s
%(index)s
%(previous)s
<p>Machine-readable status: <a href="dumpstatus.json">dumpstatus.json</a>.</p>
<h2>%(status)s</h2>
%(checksum)s
<ul>
%(items)s</ul>
</body>
</html>
)";

std::string Substitute(std::string_view tmpl, const std::map<std::string, std::string>& vars) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl.compare(i, 2, "%(") == 0) {
      size_t close = tmpl.find(")s", i + 2);
      if (close != std::string_view::npos) {
        auto it = vars.find(std::string(tmpl.substr(i + 2, close - i - 2)));
        if (it != vars.end()) {
          out += it->second;
          i = close + 2;
          continue;
        }
      }
    }
    if (tmpl.compare(i, 2, "%%") == 0) {
      out += '%';
      i += 2;
      continue;
    }
    out += tmpl[i++];
  }
  return out;
}

}  // namespace

std::string RunStatusHtml(const RunView& v) {
  int failed = FailedCount(v);
  std::string cls, text;
  if (v.running) {
    cls = "in-progress";
    text = "Dump in progress";
  } else if (AllFinished(v)) {
    cls = "done";
    text = "Dump complete";
  } else {
    cls = "partial-dump";
    text = "Partial dump";
  }
  if (failed > 0) {
    cls += " failed";
    text += fmt::format(", {} item(s) failed", failed);
  }
  return fmt::format("<span class='{}'>{}</span>", cls, text);
}

std::string RenderIndexHtml(const RunView& v, std::string_view tmpl) {
  std::map<std::string, std::string> vars;
  vars["db"] = HtmlEscape(v.wiki);
  vars["date"] = HtmlEscape(v.date);
  vars["notice"] =
      v.notice.empty() ? "" : fmt::format("<p class='notice'>{}</p>", HtmlEscape(v.notice));
  vars["status"] = RunStatusHtml(v);
  if (v.previous_date.empty()) {
    vars["previous"] = "<p>No prior dumps of this database stored.</p>";
  } else if (v.running) {
    vars["previous"] = fmt::format(
        "<p>This dump is in progress; see also the <a href=\"../{}/index.html\">previous dump "
        "from {}</a></p>",
        HtmlEscape(v.previous_date), DateWithDashes(v.previous_date));
  } else {
    vars["previous"] = fmt::format("<p><a href=\"../{}/index.html\">Last dumped on {}</a></p>",
                                   HtmlEscape(v.previous_date), DateWithDashes(v.previous_date));
  }
  std::string items;
  for (auto it = v.jobs.rbegin(); it != v.jobs.rend(); ++it) items += JobItem(v, *it);
  vars["items"] = items;
  std::string md5 = fmt::format("{}-{}-md5sums.txt", v.wiki, v.date);
  std::string sha1 = fmt::format("{}-{}-sha1sums.txt", v.wiki, v.date);
  vars["checksum"] = fmt::format(
      "<p class='checksum'>Verify downloaded files against the <a href=\"{}\">(md5)</a>, <a "
      "href=\"{}\">(sha1)</a> checksums to check for corrupted files.</p>",
      HtmlEscape(md5), HtmlEscape(sha1));
  vars["index"] = v.all_wikis_index
                      ? fmt::format("<p><a href=\"../../{}\">Back to all databases</a></p>",
                                    HtmlEscape(v.index_name))
                      : "";
  return Substitute(tmpl.empty() ? kBuiltinTemplate : tmpl, vars);
}

std::string RenderStatusHtml(const RunView& v) {
  std::string out =
      fmt::format("<li>{} <a href=\"{}/{}\">{}</a>: {}", HtmlEscape(v.updated), HtmlEscape(v.wiki),
                  HtmlEscape(v.date), HtmlEscape(v.wiki), RunStatusHtml(v));
  if (v.running) {
    std::string active;
    for (auto it = v.jobs.rbegin(); it != v.jobs.rend(); ++it)
      if (StateOf(v, it->name).status == JobStatus::kInProgress) active += JobItem(v, *it);
    if (!active.empty()) out += "<ul>" + active + "</ul>";
  }
  out += "</li>";
  return out;
}

std::string RenderRss(std::string_view webroot, std::string_view wiki, std::string_view date,
                      std::string_view file_name, int64_t mtime) {
  std::time_t t = static_cast<std::time_t>(mtime);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[64];
  std::strftime(when, sizeof when, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  std::string link = fmt::format("{}/{}", webroot, wiki);
  std::string file_url = fmt::format("{}/{}/{}/{}", webroot, wiki, date, file_name);
  std::string title = fmt::format("{}/{}/{}", wiki, date, file_name);
  std::string desc = HtmlEscape(fmt::format("<a href=\"{}\">{}</a>", file_url, file_name));
  return fmt::format(
      "<?xml version=\"1.0\"?>\n"
      "<rss version=\"2.0\">\n"
      "  <channel>\n"
      "    <title>{0}</title>\n"
      "    <link>{1}</link>\n"
      "    <description>{2}</description>\n"
      "    <lastBuildDate>{3}</lastBuildDate>\n"
      "    <item>\n"
      "      <title>{0}</title>\n"
      "      <link>{1}</link>\n"
      "      <description>{2}</description>\n"
      "      <pubDate>{3}</pubDate>\n"
      "    </item>\n"
      "  </channel>\n"
      "</rss>\n",
      HtmlEscape(title), HtmlEscape(link), desc, when);
}

}  // namespace dw::run
