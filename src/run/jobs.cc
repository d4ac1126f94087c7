#include "run/jobs.h"

namespace dw::run {

std::vector<JobSpec> BuildJobList(const JobListOptions& o) {
  std::vector<JobSpec> jobs;
  auto add = [&](JobSpec j) { jobs.push_back(std::move(j)); };
  auto recombine = [&](const std::string& of, std::string description, std::string detail) {
    const JobSpec* src = nullptr;
    for (const JobSpec& j : jobs)
      if (j.name == of) src = &j;
    JobSpec r{of + "recombine",
              JobKind::kRecombine,
              std::move(description),
              std::move(detail),
              {of},
              src->outputs,
              of,
              ""};
    add(std::move(r));
  };

  for (const std::string& t : o.tables) {
    std::string dumpname = t;
    std::string job;
    for (char c : t)
      if (c != '_') job += c;
    add({job + "table",
         JobKind::kTable,
         "Dump of " + t + " table (SQL).",
         "",
         {},
         {{dumpname, "sql", "gz"}},
         "",
         t});
  }
  add({"namespaces",
       JobKind::kNamespaces,
       "Namespaces, namespace aliases, magic words.",
       "",
       {},
       {{"siteinfo-namespaces", "json", "gz"}},
       "",
       ""});
  add({"namespacesv2",
       JobKind::kNamespacesV2,
       "Namespaces, namespace aliases, magic words.",
       "",
       {},
       {{"siteinfo2-namespacesv2", "json", "gz"}},
       "",
       ""});
  add({"pagetitlesdump",
       JobKind::kPageTitles,
       "List of page titles in main namespace",
       "",
       {},
       {{"all-titles-in-ns0", "", "gz"}},
       "",
       ""});
  add({"allpagetitlesdump",
       JobKind::kAllPageTitles,
       "List of all page titles",
       "",
       {},
       {{"all-titles", "", "gz"}},
       "",
       ""});
  add({"xmlstubsdump",
       JobKind::kStubs,
       "Deprecated: First-pass for page XML data dumps",
       "These files contain no page text, only revision metadata.",
       {},
       {{"stub-meta-history", "xml", "gz"},
        {"stub-meta-current", "xml", "gz"},
        {"stub-articles", "xml", "gz"}},
       "",
       ""});
  if (o.chunks)
    recombine("xmlstubsdump", "Recombine first-pass for page XML data dumps",
              "These files contain no page text, only revision metadata.");
  add({"articlesdump",
       JobKind::kArticles,
       "Articles, templates, media/file descriptions, and primary meta-pages.",
       "This contains current versions of article content, and is the archive most mirror sites "
       "will probably want.",
       {"xmlstubsdump"},
       {{"pages-articles", "xml", "bz2"}},
       "",
       ""});
  if (o.chunks)
    recombine("articlesdump",
              "Recombine articles, templates, media/file descriptions, and primary meta-pages.",
              "This contains current versions of article content, and is the archive most mirror "
              "sites will probably want.");
  add({"metacurrentdump",
       JobKind::kMetaCurrent,
       "Deprecated: All pages, current versions only.",
       "Discussion and user pages are included in this complete archive. Most mirrors won't want "
       "this extra material.",
       {"xmlstubsdump"},
       {{"pages-meta-current", "xml", "bz2"}},
       "",
       ""});
  if (o.chunks && o.recombine_meta_current)
    recombine("metacurrentdump", "Recombine all pages, current versions only.",
              "Discussion and user pages are included in this complete archive. Most mirrors won't "
              "want this extra material.");
  add({"xmlpagelogsdump",
       JobKind::kPageLogs,
       "Log events to all pages and users.",
       "This contains the log of actions performed on pages and users.",
       {},
       {{"pages-logging", "xml", "gz"}},
       "",
       ""});
  if (o.pagelog_chunks)
    recombine("xmlpagelogsdump", "Recombine log events to all pages and users.",
              "This contains the log of actions performed on pages and users.");
  add({"metahistorybz2dump",
       JobKind::kMetaHistoryBz2,
       "Deprecated: All pages with complete page edit history (.bz2)",
       "These dumps can be *very* large, uncompressing up to 20 times the archive download size. "
       "Suitable for archival and statistical use, most mirror sites won't want or need this.",
       {"xmlstubsdump"},
       {{"pages-meta-history", "xml", "bz2"}},
       "",
       ""});
  if (o.chunks && o.recombine_history)
    recombine("metahistorybz2dump", "Recombine all pages with complete edit history (.bz2)",
              "These dumps can be *very* large, uncompressing up to 100 times the archive download "
              "size. Suitable for archival and statistical use, most mirror sites won't want or "
              "need this.");
  add({"metahistory7zdump",
       JobKind::kMetaHistory7z,
       "Deprecated: All pages with complete edit history (.7z)",
       "These dumps can be *very* large, uncompressing up to 100 times the archive download size. "
       "Suitable for archival and statistical use, most mirror sites won't want or need this.",
       {"metahistorybz2dump"},
       {{"pages-meta-history", "xml", "7z"}},
       "",
       ""});
  if (o.chunks && o.recombine_history) {
    recombine("metahistory7zdump", "Recombine all pages with complete edit history (.7z)",
              "These dumps can be *very* large, uncompressing up to 100 times the archive download "
              "size. Suitable for archival and statistical use, most mirror sites won't want or "
              "need this.");
    // Made from the recombined bz2 file (7z archives cannot be joined).
    jobs.back().prereqs.push_back("metahistorybz2dumprecombine");
  }
  if (o.multistream) {
    add({"articlesmultistreamdump",
         JobKind::kMultistream,
         "Articles, templates, media/file descriptions, and primary meta-pages, in multiple bz2 "
         "streams, 100 pages per stream",
         "pages-articles-multistream.xml.bz2 -- Articles, templates, media/file descriptions, and "
         "primary meta-pages, in multiple bz2 streams, 100 pages per stream",
         {"articlesdump"},
         {{"pages-articles-multistream", "xml", "bz2"},
          {"pages-articles-multistream-index", "txt", "bz2"}},
         "",
         ""});
    if (o.chunks)
      recombine("articlesmultistreamdump",
                "Recombine articles, templates, media/file descriptions, and primary meta-pages, "
                "in multiple bz2 streams, 100 pages per stream",
                "");
  }
  return jobs;
}

int FindJob(const std::vector<JobSpec>& jobs, std::string_view name) {
  for (size_t i = 0; i < jobs.size(); ++i)
    if (jobs[i].name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace dw::run
