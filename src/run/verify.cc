#include "run/verify.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>

#include "run/names.h"
#include "stream/hash.h"
#include "stream/input.h"
#include "stream/verify.h"

namespace dw::run {
namespace {

bool Run7zTest(const std::string& sevenzip, const std::string& path) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      dup2(devnull, 1);
      dup2(devnull, 2);
    }
    execlp(sevenzip.c_str(), sevenzip.c_str(), "t", path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// Scans the page ids of an XML dump (lines "    <id>N</id>" right after "<page>")
// or of a multistream index ("offset:id:title").
Status ScanIds(Env* env, const std::string& path, bool index,
               const std::function<void(int64_t id, uint64_t offset)>& fn) {
  DW_ASSIGN_OR_RETURN(auto in, stream::OpenInput(env, path));
  std::string carry, buf(1 << 20, '\0');
  bool after_page = false;
  while (true) {
    DW_ASSIGN_OR_RETURN(size_t n, in->Read(buf.data(), buf.size()));
    if (n == 0) break;
    carry.append(buf.data(), n);
    size_t start = 0, nl;
    while ((nl = carry.find('\n', start)) != std::string::npos) {
      std::string_view line(carry.data() + start, nl - start);
      start = nl + 1;
      if (index) {
        size_t c1 = line.find(':');
        size_t c2 = line.find(':', c1 + 1);
        if (c1 == std::string_view::npos || c2 == std::string_view::npos) continue;
        fn(std::stoll(std::string(line.substr(c1 + 1, c2 - c1 - 1))),
           std::stoull(std::string(line.substr(0, c1))));
        continue;
      }
      if (line == "  <page>") {
        after_page = true;
      } else if (after_page && line.starts_with("    <id>")) {
        after_page = false;
        fn(std::stoll(std::string(line.substr(8))), 0);
      }
    }
    carry.erase(0, start);
  }
  return Status::OK();
}

struct Digest {
  uint64_t size = 0;
  std::string md5, sha1;
};

Result<Digest> HashOf(Env* env, const std::string& path) {
  stream::Hasher h(stream::kMd5 | stream::kSha1);
  DW_ASSIGN_OR_RETURN(auto f, env->NewSequentialFile(path));
  std::string buf(1 << 20, '\0');
  Digest d;
  while (true) {
    DW_ASSIGN_OR_RETURN(size_t n, f->Read(buf.data(), buf.size()));
    if (n == 0) break;
    d.size += n;
    h.Update(std::string_view(buf.data(), n));
  }
  auto dg = h.Finish();
  d.md5 = dg.md5;
  d.sha1 = dg.sha1;
  return d;
}

class Verifier {
 public:
  Verifier(Env* env, const VerifyOptions& o, std::vector<std::string>* problems)
      : env_(env), o_(o), problems_(problems) {}

  void Problem(const std::string& path, const std::string& what) {
    problems_->push_back(fmt::format("{}: {}", path, what));
  }

  // One dump file. `wiki` may be "" (then guessed from the name).
  void CheckFile(const std::string& path, const std::string& wiki_hint) {
    ++checked_;
    std::string name = BaseName(path);
    std::optional<DumpName> d;
    if (!wiki_hint.empty()) d = DumpName::Parse(wiki_hint, name);
    for (size_t dash = name.find('-'); !d && dash != std::string::npos;
         dash = name.find('-', dash + 1))
      d = DumpName::Parse(name.substr(0, dash), name);
    std::string ext = d ? d->ext : name.substr(name.rfind('.') + 1);
    if (ext == "7z") {
      if (!Run7zTest(o_.sevenzip, path))
        Problem(path, "7z archive test failed (" + o_.sevenzip + " t)");
      return;
    }
    if (ext != "gz" && ext != "bz2") return;
    stream::VerifyResult vr;
    Status s = stream::VerifyCompressed(env_, path, &vr, 64);
    if (!s.ok()) {
      problems_->push_back(s.message());
      return;
    }
    if (!d) return;
    if (d->type == "xml") {
      std::string_view tail = vr.tail;
      while (!tail.empty() && tail.back() == '\n') tail.remove_suffix(1);
      if (!tail.ends_with("</mediawiki>"))
        Problem(path, "XML does not end with </mediawiki> (truncated)");
    }
    if (d->has_range()) {
      bool index = d->type == "txt";
      int64_t lo = 0, hi = 0, count = 0;
      Status ss = ScanIds(env_, path, index, [&](int64_t id, uint64_t) {
        if (count == 0 || id < lo) lo = id;
        if (count == 0 || id > hi) hi = id;
        ++count;
      });
      if (!ss.ok()) {
        problems_->push_back(ss.message());
      } else if (count > 0 && (lo < d->first_page || hi > d->last_page)) {
        Problem(path, fmt::format("holds pages {}..{}, outside its range p{}p{}", lo, hi,
                                  d->first_page, d->last_page));
      }
    }
  }

  void CheckRunDir(const std::string& dir) {
    auto children = env_->GetChildren(dir);
    if (!children.ok()) {
      problems_->push_back(children.status().message());
      return;
    }
    // The wiki and date: from dumpstatus.json's urls or the dir names.
    std::string date = BaseName(dir);
    std::string wiki = BaseName(DirName(dir));
    std::map<std::string, Digest> files;  // dump files of the run
    for (const std::string& c : *children) {
      if (c.ends_with(".inprog")) {
        Problem(JoinPath(dir, c), "temporary file left in a run directory");
        continue;
      }
      auto d = DumpName::Parse(wiki, c);
      if (!d || d->date != date) continue;
      if (d->dumpname == "md5sums" || d->dumpname == "sha1sums") continue;
      std::string p = JoinPath(dir, c);
      CheckFile(p, wiki);
      auto h = HashOf(env_, p);
      if (h.ok()) files[c] = *h;
    }
    // Checksum files.
    for (const char* hash : {"md5", "sha1"}) {
      auto get = [&](const Digest& d) { return std::string(hash) == "md5" ? d.md5 : d.sha1; };
      std::string txt_name = ChecksumFileName(wiki, date, hash, "txt");
      auto txt = ReadFileToString(env_, JoinPath(dir, txt_name));
      if (!txt.ok()) {
        Problem(JoinPath(dir, txt_name), "missing");
      } else {
        std::map<std::string, std::string> listed;
        std::string_view rest = *txt;
        while (!rest.empty()) {
          size_t nl = rest.find('\n');
          std::string_view line = rest.substr(0, nl);
          rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
          size_t sp = line.find("  ");
          if (sp == std::string_view::npos) continue;
          listed[std::string(line.substr(sp + 2))] = std::string(line.substr(0, sp));
        }
        for (const auto& [name, hex] : listed) {
          auto it = files.find(name);
          if (it == files.end())
            Problem(JoinPath(dir, txt_name), "lists " + name + ", which does not exist");
          else if (get(it->second) != hex)
            Problem(JoinPath(dir, name), fmt::format("{} {} does not match {} in {}", hash,
                                                     get(it->second), hex, txt_name));
        }
        for (const auto& [name, d] : files)
          if (!listed.count(name)) Problem(JoinPath(dir, txt_name), "does not list " + name);
      }
      std::string json_name = ChecksumFileName(wiki, date, hash, "json");
      auto js = ReadFileToString(env_, JoinPath(dir, json_name));
      if (js.ok()) {
        try {
          auto j = nlohmann::json::parse(*js);
          for (auto& [name, hex] : j.at(hash).at("files").items()) {
            auto it = files.find(name);
            if (it == files.end() || get(it->second) != hex.get<std::string>())
              Problem(JoinPath(dir, json_name), "disagrees with the bytes of " + name);
          }
        } catch (const std::exception& e) {
          Problem(JoinPath(dir, json_name), std::string("not valid: ") + e.what());
        }
      }
    }
    // dumpstatus.json.
    auto st = ReadFileToString(env_, JoinPath(dir, "dumpstatus.json"));
    if (!st.ok()) {
      Problem(JoinPath(dir, "dumpstatus.json"), "missing");
      return;
    }
    try {
      auto j = nlohmann::json::parse(*st);
      if (j.value("version", "") != "0.8")
        Problem(JoinPath(dir, "dumpstatus.json"), "version is not 0.8");
      for (auto& [job, jj] : j.at("jobs").items()) {
        if (!jj.contains("files")) continue;
        for (auto& [name, f] : jj["files"].items()) {
          if (!f.contains("md5")) continue;  // not done
          auto it = files.find(name);
          if (it == files.end()) {
            Problem(JoinPath(dir, "dumpstatus.json"), "job " + job + " lists missing file " + name);
            continue;
          }
          if (f.at("size").get<uint64_t>() != it->second.size ||
              f.at("md5").get<std::string>() != it->second.md5 ||
              f.at("sha1").get<std::string>() != it->second.sha1)
            Problem(JoinPath(dir, "dumpstatus.json"),
                    "size/md5/sha1 of " + name + " disagree with the file");
        }
      }
    } catch (const std::exception& e) {
      Problem(JoinPath(dir, "dumpstatus.json"), std::string("not valid: ") + e.what());
    }
  }

  int checked() const { return checked_; }

 private:
  Env* env_;
  const VerifyOptions& o_;
  std::vector<std::string>* problems_;
  int checked_ = 0;
};

}  // namespace

Status VerifyDump(Env* env, const std::vector<std::string>& paths, const VerifyOptions& options,
                  std::vector<std::string>* problems, int* checked) {
  Verifier v(env, options, problems);
  for (const std::string& p : paths) {
    auto children = env->GetChildren(p);
    if (children.ok()) {
      v.CheckRunDir(p);
    } else if (env->FileExists(p)) {
      v.CheckFile(p, "");
    } else {
      return Status::NotFound(p + ": no such file or run directory");
    }
  }
  if (checked) *checked = v.checked();
  return Status::OK();
}

}  // namespace dw::run
