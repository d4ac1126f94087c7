#include "testing/generator.h"

#include <fmt/format.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

namespace dw::testing {
namespace {

// xoshiro256** seeded by splitmix64: small, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) (n > 0); the tiny modulo bias does not matter here.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_;
};

// Syllable tables: every entry of a table has the same length in code points,
// so that a sequence of digits maps to a unique string (bijective names).
struct Script {
  const char* name;
  std::array<const char*, 16> lower;
  std::array<const char*, 16> upper;  // the same syllables, first letter capitalised
  const char* space;                  // word separator
};

const Script kScripts[] = {
    {"latin",
     {"ka", "lo", "mi", "ra", "te", "su", "vi", "do", "ne", "pa", "zu", "be", "fi", "go", "ho",
      "ju"},
     {"Ka", "Lo", "Mi", "Ra", "Te", "Su", "Vi", "Do", "Ne", "Pa", "Zu", "Be", "Fi", "Go", "Ho",
      "Ju"},
     " "},
    {"cyrillic",
     {"ка", "ло", "ми", "ра", "те", "су", "ви", "до", "не", "па", "зу", "бе", "фи", "го", "жу",
      "що"},
     {"Ка", "Ло", "Ми", "Ра", "Те", "Су", "Ви", "До", "Не", "Па", "Зу", "Бе", "Фи", "Го", "Жу",
      "Що"},
     " "},
    {"greek",
     {"κα", "λο", "μι", "ρα", "τε", "συ", "βι", "δο", "νε", "πα", "ζυ", "βε", "φι", "γο", "θη",
      "ξω"},
     {"Κα", "Λο", "Μι", "Ρα", "Τε", "Συ", "Βι", "Δο", "Νε", "Πα", "Ζυ", "Βε", "Φι", "Γο", "Θη",
      "Ξω"},
     " "},
    {"cjk",
     {"山", "川", "日", "月", "木", "水", "火", "土", "金", "人", "大", "小", "中", "天", "花",
      "鳥"},
     {"山", "川", "日", "月", "木", "水", "火", "土", "金", "人", "大", "小", "中", "天", "花",
      "鳥"},
     ""},
    {"arabic",
     {"كا", "لو", "مي", "را", "تي", "سو", "في", "دو", "نا", "با", "زي", "بي", "فو", "جا", "هو",
      "شي"},
     {"كا", "لو", "مي", "را", "تي", "سو", "في", "دو", "نا", "با", "زي", "بي", "فو", "جا", "هو",
      "شي"},
     " "},
    {"devanagari",
     {"का", "लो", "मि", "रा", "ते", "सु", "वि", "दो", "ने", "पा", "जू", "बे", "गो", "हो", "तू", "नी"},
     {"का", "लो", "मि", "रा", "ते", "सु", "वि", "दो", "ने", "पा", "जू", "बे", "गो", "हो", "तू", "नी"},
     " "},
};
constexpr int kNumScripts = sizeof(kScripts) / sizeof(kScripts[0]);

// Latin is the most common script, as on most wikis.
const Script& ScriptFor(uint64_t k) {
  static constexpr int kPick[10] = {0, 0, 0, 0, 1, 2, 3, 4, 5, 0};
  return kScripts[kPick[k % 10]];
}

// The base-16 digits of n (n >= 1), most significant first, as syllables; the
// first one capitalised. Distinct n give distinct strings within one script.
std::string Encode(const Script& s, uint64_t n) {
  std::vector<int> digits;
  do {
    digits.push_back(static_cast<int>(n % 16));
    n /= 16;
  } while (n);
  std::string out;
  for (size_t i = digits.size(); i-- > 0;) {
    out += (i + 1 == digits.size()) ? s.upper[digits[i]] : s.lower[digits[i]];
  }
  return out;
}

// A random word of 1-3 syllables.
std::string Word(Rng& r, const Script& s, bool cap = false) {
  std::string w;
  const int n = 1 + static_cast<int>(r.Below(3));
  for (int i = 0; i < n; i++) w += (cap && i == 0) ? s.upper[r.Below(16)] : s.lower[r.Below(16)];
  return w;
}

const char* const kNsNames[] = {"",          "Talk",           "User",     "User talk",
                                "Genwiki",   "Genwiki talk",   "File",     "File talk",
                                "MediaWiki", "MediaWiki talk", "Template", "Template talk",
                                "Help",      "Help talk",      "Category", "Category talk"};

// The user name of registered user `id` (1-based): unique, stable, in one of
// several scripts, sometimes two words.
std::string UserName(uint64_t id) {
  const Script& s = ScriptFor(id * 7 + 3);
  std::string name = Encode(s, id);
  if (id % 3 == 0) {
    name += " ";
    name += Encode(s, id % 97 + 1);
  }
  return name;
}

// htmlspecialchars() as the two-pass writer applies it: & < > " (not ').
void AppendEscaped(std::string* out, std::string_view s) {
  size_t start = 0;
  for (size_t i = 0; i < s.size(); i++) {
    const char* rep;
    switch (s[i]) {
      case '&':
        rep = "&amp;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      case '"':
        rep = "&quot;";
        break;
      default:
        continue;
    }
    out->append(s.data() + start, i - start);
    out->append(rep);
    start = i + 1;
  }
  out->append(s.data() + start, s.size() - start);
}

std::string Timestamp(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

enum class Model { kWikitext, kScribunto, kJavascript, kCss, kJson };

struct ModelInfo {
  const char* model;
  const char* format;
};
ModelInfo Info(Model m) {
  switch (m) {
    case Model::kScribunto:
      return {"Scribunto", "text/plain"};
    case Model::kJavascript:
      return {"javascript", "text/javascript"};
    case Model::kCss:
      return {"css", "text/css"};
    case Model::kJson:
      return {"json", "application/json"};
    default:
      return {"wikitext", "text/x-wiki"};
  }
}

struct PagePlan {
  int ns = 0;
  std::string title;  // without namespace prefix, spaces (not underscores)
  Model model = Model::kWikitext;
  bool redirect = false;
  std::string redirect_target;  // full prefixed title
};

class Generator {
 public:
  Generator(const GeneratorOptions& o, Sink* out, GeneratorStats* stats,
            const GeneratorProgress& progress)
      : o_(o), out_(out), stats_(stats), progress_(progress), rng_(o.seed) {
    users_ = std::max<uint64_t>(5, o.revisions / 20);
    buf_.reserve(kFlushAt + 256 * 1024);
  }

  Status Run() {
    PlanRevisionCounts();
    Header();
    int64_t t_page = 1072915200 + static_cast<int64_t>(rng_.Below(86400 * 200));  // 2004
    const int64_t span = 20LL * 365 * 86400;
    uint64_t page_id = 1, rev_id = 1;
    for (uint64_t k = 0; k < o_.pages; k++) {
      const PagePlan plan = Plan(k);
      const uint64_t nrev = counts_[k];
      buf_ += "  <page>\n    <title>";
      AppendEscaped(&buf_, NsPrefix(plan.ns) + plan.title);
      buf_ += fmt::format("</title>\n    <ns>{}</ns>\n    <id>{}</id>\n", plan.ns, page_id);
      if (plan.redirect) {
        buf_ += "    <redirect title=\"";
        AppendEscaped(&buf_, plan.redirect_target);
        buf_ += "\" />\n";
        stats_->redirects++;
      }
      // Revisions of this page spread over what is left of the 20 years.
      const int64_t page_span =
          std::max<int64_t>(static_cast<int64_t>(nrev), span - (t_page - 1072915200) + 86400 * 30);
      const int64_t max_gap = std::max<int64_t>(2, page_span / static_cast<int64_t>(nrev));
      int64_t t = t_page;
      uint64_t parent = 0;
      std::string text, prev_text;
      blanked_ = false;
      for (uint64_t j = 0; j < nrev; j++) {
        const bool last = j + 1 == nrev;
        prev_text = text;
        NextText(plan, j, last, &text, prev_text);
        Revision(plan, rev_id, parent, t, text);
        parent = rev_id;
        rev_id += 1 + (rng_.Chance(0.2) ? rng_.Below(3) : 0);  // deleted revisions leave gaps
        t += 1 + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(max_gap)));
        DW_RETURN_IF_ERROR(MaybeFlush());
      }
      buf_ += "  </page>\n";
      stats_->pages++;
      page_id += 1 + (rng_.Chance(0.1) ? rng_.Below(4) : 0);
      t_page += 1 + static_cast<int64_t>(rng_.Below(
                        static_cast<uint64_t>(std::max<int64_t>(2, span / 4 / o_.pages))));
    }
    buf_ += "</mediawiki>";  // the two-pass form ends without a newline
    DW_RETURN_IF_ERROR(out_->Append(buf_));
    buf_.clear();
    stats_->users = static_cast<uint64_t>(std::count(seen_user_.begin(), seen_user_.end(), true));
    if (progress_) progress_(stats_->revisions);
    return Status::OK();
  }

 private:
  static constexpr size_t kFlushAt = 1 << 20;
  // Page texts stay below this (a few pages of a real wiki are larger, most are
  // smaller: sample (a) averages 2.1 KB per revision).
  static constexpr size_t kMaxText = 12 * 1024;

  std::string NsPrefix(int ns) const {
    if (ns == 0) return "";
    if (ns == 4) return o_.sitename + ":";
    if (ns == 5) return o_.sitename + " talk:";
    if (ns == 828) return "Module:";
    if (ns == 829) return "Module talk:";
    return std::string(kNsNames[ns]) + ":";
  }

  Status MaybeFlush() {
    if (buf_.size() < kFlushAt) return Status::OK();
    DW_RETURN_IF_ERROR(out_->Append(buf_));
    buf_.clear();
    if (progress_ && stats_->revisions - last_progress_ >= 20000) {
      last_progress_ = stats_->revisions;
      progress_(stats_->revisions);
    }
    return Status::OK();
  }

  // Revisions per page: every page has one; the rest go to pages with a
  // heavy-tailed (Pareto) weight, so a few pages get very many.
  void PlanRevisionCounts() {
    Rng r(o_.seed ^ 0x5eed);
    counts_.assign(o_.pages, 1);
    const uint64_t extra = o_.revisions - o_.pages;
    std::vector<double> w(o_.pages);
    double sum = 0;
    for (auto& x : w) {
      x = std::pow(1.0 - r.Unit(), -1.0 / 1.2) - 1.0;  // Pareto, alpha 1.2
      if (r.Chance(0.4)) x = 0;                        // many pages are never edited again
      sum += x;
    }
    uint64_t given = 0;
    if (sum > 0) {
      for (uint64_t k = 0; k < o_.pages; k++) {
        const auto add = static_cast<uint64_t>(std::floor(static_cast<double>(extra) * w[k] / sum));
        counts_[k] += add;
        given += add;
      }
    }
    for (uint64_t k = 0; given < extra; k = (k + 1) % o_.pages, given++) counts_[k]++;
  }

  void Header() {
    buf_ +=
        "<mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.11/\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:schemaLocation=\"http://www.mediawiki.org/xml/export-0.11/ "
        "http://www.mediawiki.org/xml/export-0.11.xsd\" version=\"0.11\" xml:lang=\"en\">\n"
        "  <siteinfo>\n    <sitename>";
    AppendEscaped(&buf_, o_.sitename);
    buf_ += "</sitename>\n    <dbname>";
    AppendEscaped(&buf_, o_.dbname);
    buf_ += "</dbname>\n    <base>";
    AppendEscaped(&buf_, o_.server + "/wiki/Main_Page");
    buf_ += "</base>\n    <generator>";
    AppendEscaped(&buf_, o_.generator);
    buf_ += "</generator>\n    <case>first-letter</case>\n    <namespaces>\n";
    for (int ns : {-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 828, 829}) {
      std::string name = ns == -2    ? "Media"
                         : ns == -1  ? "Special"
                         : ns == 4   ? o_.sitename
                         : ns == 5   ? o_.sitename + " talk"
                         : ns < 16   ? kNsNames[ns]
                         : ns == 828 ? "Module"
                                     : "Module talk";
      if (name.empty()) {
        buf_ += fmt::format("      <namespace key=\"{}\" case=\"first-letter\" />\n", ns);
      } else {
        buf_ += fmt::format("      <namespace key=\"{}\" case=\"first-letter\">", ns);
        AppendEscaped(&buf_, name);
        buf_ += "</namespace>\n";
      }
    }
    buf_ += "    </namespaces>\n  </siteinfo>\n";
  }

  // Title, namespace and model of page k. Titles are unique: they end in k
  // encoded in the page's script.
  PagePlan Plan(uint64_t k) {
    PagePlan p;
    Rng r(o_.seed * 0x100000001b3ULL + k);
    const Script& s = ScriptFor(k * 3 + r.Below(10));
    const uint64_t roll = r.Below(100);
    p.ns = roll < 55   ? 0
           : roll < 65 ? 1
           : roll < 75 ? 2
           : roll < 83 ? 3
           : roll < 86 ? 4
           : roll < 92 ? 10
           : roll < 97 ? 14
                       : 828;
    if (p.ns == 2 || p.ns == 3) {
      p.title = UserName(1 + r.Below(users_));
      p.title += "/" + Encode(s, k + 1);
      if (p.ns == 2) {
        const uint64_t m = r.Below(10);
        if (m == 0) {
          p.title += "/common.js";
          p.model = Model::kJavascript;
        }
        if (m == 1) {
          p.title += "/common.css";
          p.model = Model::kCss;
        }
        if (m == 2) {
          p.title += "/data.json";
          p.model = Model::kJson;
        }
      }
    } else {
      p.title = Word(r, s, true) + " " + Encode(s, k + 1);
      if (r.Chance(0.1)) p.title += " (" + Word(r, kScripts[0]) + ")";
      if (p.ns == 828) p.model = r.Chance(0.8) ? Model::kScribunto : Model::kWikitext;
      if (p.ns == 828 && p.model == Model::kWikitext) p.title += "/doc";
    }
    if (p.model == Model::kWikitext && (p.ns == 0 || p.ns == 4 || p.ns == 10 || p.ns == 14) &&
        k > 0 && r.Chance(0.08)) {
      p.redirect = true;
      // An earlier page (it exists), sometimes in another namespace.
      const uint64_t target = r.Below(k);
      PagePlan t = Plan(target);
      p.redirect_target = NsPrefix(t.ns) + t.title;
    }
    return p;
  }

  void Sentence(std::string* text, const Script& s) {
    const int n = 4 + static_cast<int>(rng_.Below(14));
    for (int i = 0; i < n; i++) {
      if (i) *text += s.space;
      const uint64_t x = rng_.Below(40);
      if (x == 0) {
        *text += "[[" + Word(rng_, s, true) + "]]";
      } else if (x == 1) {
        *text += "'''" + Word(rng_, s) + "'''";
      } else if (x == 2) {
        *text += "{{" + Word(rng_, kScripts[0], true) + "|" + Word(rng_, s) + "}}";
      } else if (x == 3) {
        *text += "&amp; \"" + Word(rng_, s) + "\" <br/>";
      } else if (x == 4 && rng_.Chance(0.1)) {
        *text += "😀";
      } else {
        *text += Word(rng_, s, i == 0);
      }
    }
    *text += s.space[0] ? "." : "。";
  }

  void Body(const PagePlan& p, uint64_t j, std::string* text) {
    const Script& s = ScriptFor(rng_.Below(10));
    switch (p.model) {
      case Model::kScribunto:
        *text += fmt::format("local p = {{}}\n\nfunction p.f{}(frame)\n  return \"", j);
        Sentence(text, s);
        *text += "\"\nend\n\nreturn p\n";
        return;
      case Model::kJavascript:
        *text += fmt::format(
            "// rev {}\nmw.loader.using('mediawiki.util', function () {{\n  "
            "console.log('{}');\n}});\n",
            j, Word(rng_, kScripts[0]));
        return;
      case Model::kCss:
        *text += fmt::format(".gen-{} {{ color: #{:06x}; margin: {}px; }}\n",
                             Word(rng_, kScripts[0]), rng_.Below(0x1000000), rng_.Below(20));
        return;
      case Model::kJson:
        break;
      case Model::kWikitext:
        if (p.ns == 1 || p.ns == 3) {
          *text += "== " + Word(rng_, s, true) + " ==\n";
          Sentence(text, s);
          const uint64_t u = 1 + rng_.Below(users_);
          *text += " [[User:" + UserName(u) + "|" + UserName(u) + "]] " +
                   Timestamp(1100000000 + static_cast<int64_t>(rng_.Below(600000000))) +
                   " (UTC)\n\n";
        } else {
          if (rng_.Chance(0.2)) *text += "== " + Word(rng_, s, true) + " ==\n";
          Sentence(text, s);
          if (rng_.Chance(0.5)) Sentence(&(*text += " "), s);
          *text += "\n\n";
        }
        return;
    }
  }

  // The text of revision j of page p: an edit of the previous text.
  void NextText(const PagePlan& p, uint64_t j, bool last, std::string* text,
                const std::string& prev) {
    if (p.redirect && last) {
      *text = (rng_.Chance(0.3) ? "#redirect [[" : "#REDIRECT [[") + p.redirect_target + "]]";
      if (rng_.Chance(0.3)) *text += "\n\n{{R from move}}";
      if (*text == prev) *text += "\n";
      return;
    }
    if (p.model == Model::kJson) {
      *text = fmt::format("{{\n    \"revision\": {},\n    \"name\": \"{}\",\n    \"items\": [", j,
                          Word(rng_, ScriptFor(j)));
      const uint64_t n = 1 + rng_.Below(8);
      for (uint64_t i = 0; i < n; i++)
        *text += fmt::format("{}\n        {}", i ? "," : "", rng_.Below(100000));
      *text += "\n    ]\n}";
      return;
    }
    if (j == 0) {
      text->clear();
      const int paras = 1 + static_cast<int>(rng_.Below(6));
      for (int i = 0; i < paras; i++) Body(p, j, text);
      if (p.model == Model::kWikitext && p.ns == 0 && rng_.Chance(0.5))
        *text += "[[Category:" + Word(rng_, kScripts[0], true) + "]]";
      return;
    }
    // Vandalism (blanking) and its revert.
    if (blanked_) {
      *text = before_blank_;
      blanked_ = false;
      return;
    }
    if (!last && prev.size() > 100 && rng_.Chance(0.01)) {
      before_blank_ = prev;
      blanked_ = true;
      text->clear();
      return;
    }
    const uint64_t op = rng_.Below(100);
    if (op < 45 || text->size() < 200) {
      Body(p, j, text);  // append
    } else if (op < 75) {
      // Change a few bytes somewhere: replace one ASCII letter run.
      size_t pos = rng_.Below(text->size());
      while (pos < text->size() && !(((*text)[pos] >= 'a' && (*text)[pos] <= 'z'))) pos++;
      if (pos >= text->size()) {
        Body(p, j, text);
      } else {
        size_t end = pos;
        while (end < text->size() && (*text)[end] >= 'a' && (*text)[end] <= 'z') end++;
        text->replace(pos, end - pos, Word(rng_, kScripts[0]) + Word(rng_, kScripts[0]));
      }
    } else if (op < 90) {
      // Insert a sentence in the middle, at a line start.
      size_t pos = text->find('\n', rng_.Below(text->size()));
      std::string add;
      Body(p, j, &add);
      if (pos == std::string::npos)
        *text += add;
      else
        text->insert(pos + 1, add);
    } else {
      // Remove a line.
      size_t a = text->find('\n', rng_.Below(text->size()));
      if (a != std::string::npos) {
        size_t b = text->find('\n', a + 1);
        text->erase(a, (b == std::string::npos ? text->size() : b) - a);
      }
      Body(p, j, text);
    }
    // Bounded: long pages get trimmed from the front (archived talk, split article).
    while (text->size() > kMaxText) {
      size_t cut = text->find('\n', text->size() - kMaxText / 2);
      if (cut == std::string::npos) cut = text->size() - kMaxText / 2;
      // Stay on a UTF-8 character boundary.
      while (cut < text->size() && (static_cast<unsigned char>((*text)[cut]) & 0xC0) == 0x80) cut++;
      text->erase(0, cut);
    }
    if (*text == prev) *text += "\n.";
  }

  std::string Comment(const PagePlan& p, bool minor) {
    const uint64_t x = rng_.Below(100);
    const Script& s = ScriptFor(rng_.Below(10));
    if (x < 20) return "";  // absent: MediaWiki writes no <comment> for an empty one
    if (x < 35) return "/* " + Word(rng_, s, true) + " */ " + (minor ? "typo" : "expand");
    if (x < 45) return "Reverted edits by [[Special:Contributions/" + Ipv4() + "]]";
    if (x < 55) return "fix \"quotes\" & <tags>";
    if (x < 60 && p.redirect) return "Redirect";
    std::string c = Word(rng_, s, true);
    const int n = static_cast<int>(rng_.Below(8));
    for (int i = 0; i < n; i++) c += s.space + Word(rng_, s);
    return c;
  }

  std::string Ipv4() {
    return fmt::format("{}.{}.{}.{}", 1 + rng_.Below(223), rng_.Below(256), rng_.Below(256),
                       1 + rng_.Below(254));
  }
  // As MediaWiki stores it (IPUtils::sanitizeIP): upper case, no leading zeros,
  // no "::" abbreviation.
  std::string Ipv6() {
    std::string a = fmt::format("2001:DB8:{:X}", rng_.Below(0x10000));
    for (int i = 0; i < 5; i++)
      a += fmt::format(":{:X}", rng_.Chance(0.3) ? 0 : rng_.Below(0x10000));
    return a;
  }

  void Revision(const PagePlan& p, uint64_t id, uint64_t parent, int64_t t,
                const std::string& text) {
    buf_ += fmt::format("    <revision>\n      <id>{}</id>\n", id);
    if (parent) buf_ += fmt::format("      <parentid>{}</parentid>\n", parent);
    buf_ += "      <timestamp>" + Timestamp(t) + "</timestamp>\n      <contributor>\n";
    const bool anon = rng_.Chance(0.15);
    bool minor = false;
    if (anon) {
      buf_ += "        <ip>" + (rng_.Chance(0.3) ? Ipv6() : Ipv4()) + "</ip>\n";
      stats_->anonymous++;
    } else {
      // Skewed: a few users make most edits.
      const double u = rng_.Unit();
      const uint64_t uid = 1 + static_cast<uint64_t>(u * u * u * static_cast<double>(users_));
      if (seen_user_.size() <= uid) seen_user_.resize(uid + 1, false);
      seen_user_[uid] = true;
      buf_ += "        <username>";
      AppendEscaped(&buf_, UserName(uid));
      buf_ += fmt::format("</username>\n        <id>{}</id>\n", uid);
      minor = rng_.Chance(0.3);
    }
    buf_ += "      </contributor>\n";
    if (minor) {
      buf_ += "      <minor />\n";
      stats_->minor++;
    }
    const std::string comment = Comment(p, minor);
    if (!comment.empty()) {
      buf_ += "      <comment>";
      AppendEscaped(&buf_, comment);
      buf_ += "</comment>\n";
    }
    const ModelInfo mi = Info(p.model);
    const std::string sha1 = Sha1Base36(text);
    buf_ += fmt::format(
        "      <origin>{}</origin>\n      <model>{}</model>\n      <format>{}</format>\n", id,
        mi.model, mi.format);
    if (text.empty()) {
      buf_ += fmt::format("      <text bytes=\"0\" sha1=\"{}\" />\n", sha1);
    } else {
      buf_ += fmt::format("      <text bytes=\"{}\" sha1=\"{}\" xml:space=\"preserve\">",
                          text.size(), sha1);
      AppendEscaped(&buf_, text);
      buf_ += "</text>\n";
    }
    buf_ += "      <sha1>" + sha1 + "</sha1>\n    </revision>\n";
    stats_->revisions++;
    stats_->text_bytes += text.size();
  }

  const GeneratorOptions& o_;
  Sink* out_;
  GeneratorStats* stats_;
  const GeneratorProgress& progress_;
  Rng rng_;
  uint64_t users_ = 0;
  std::vector<uint32_t> counts_;
  std::vector<bool> seen_user_;
  std::string buf_;
  uint64_t last_progress_ = 0;
  bool blanked_ = false;
  std::string before_blank_;
};

}  // namespace

std::string Sha1Base36(std::string_view text) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), md);
  // Repeated division of the 160-bit big-endian number by 36.
  std::array<unsigned char, SHA_DIGEST_LENGTH> n;
  std::copy(md, md + SHA_DIGEST_LENGTH, n.begin());
  std::string out;
  for (int digit = 0; digit < 31; digit++) {
    unsigned rem = 0;
    for (auto& b : n) {
      const unsigned cur = rem * 256 + b;
      b = static_cast<unsigned char>(cur / 36);
      rem = cur % 36;
    }
    out.push_back("0123456789abcdefghijklmnopqrstuvwxyz"[rem]);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Status GenerateWiki(const GeneratorOptions& options, Sink* out, GeneratorStats* stats,
                    const GeneratorProgress& progress) {
  if (options.pages == 0) return Status::InvalidArgument("--pages must be at least 1");
  if (options.revisions < options.pages) {
    return Status::InvalidArgument(
        fmt::format("--revisions ({}) must be at least --pages ({}): every page has a revision",
                    options.revisions, options.pages));
  }
  if (options.revisions > (1ULL << 31)) {
    return Status::InvalidArgument("--revisions must be below 2^31 (MediaWiki's rev_id range)");
  }
  GeneratorStats local;
  Generator g(options, out, stats ? stats : &local, progress);
  return g.Run();
}

std::string GenerateSiteinfoJson(const GeneratorOptions& o) {
  using nlohmann::ordered_json;
  ordered_json general = {
      {"mainpage", "Main Page"}, {"base", o.server + "/wiki/Main_Page"},
      {"sitename", o.sitename},  {"generator", o.generator},
      {"case", "first-letter"},  {"lang", "en"},
      {"server", o.server},      {"articlepath", "/wiki/$1"},
      {"scriptpath", "/w"},      {"wikiid", o.dbname},
  };
  ordered_json namespaces = ordered_json::object();
  for (int ns : {-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 828, 829}) {
    std::string name = ns == -2    ? "Media"
                       : ns == -1  ? "Special"
                       : ns == 4   ? o.sitename
                       : ns == 5   ? o.sitename + " talk"
                       : ns < 16   ? kNsNames[ns]
                       : ns == 828 ? "Module"
                                   : "Module talk";
    std::string canonical = ns == 4 ? "Project" : ns == 5 ? "Project talk" : name;
    ordered_json e = {{"id", ns},
                      {"case", "first-letter"},
                      {"name", name},
                      {"subpages", ns > 0 && ns != 6 && ns != 14},
                      {"canonical", canonical},
                      {"content", ns == 0},
                      {"nonincludable", false}};
    if (ns == 0) e.erase("canonical");
    namespaces[std::to_string(ns)] = e;
  }
  ordered_json doc = {{"batchcomplete", true},
                      {"query",
                       {{"general", general},
                        {"namespaces", namespaces},
                        {"namespacealiases", ordered_json::array()}}}};
  return doc.dump(1, '\t') + "\n";
}

}  // namespace dw::testing
