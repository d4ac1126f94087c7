// The job list of one wiki's dump run, in Wikimedia's order (DumpItemList), with
// prerequisites, descriptions (as index.html shows them) and the files each job
// publishes. Pure data: no I/O. The runner (run/runner.h) executes the list.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dw::run {

enum class JobKind {
  kTable,           // <table>.sql.gz (sqldump), one job per table
  kNamespaces,      // siteinfo-namespaces.json.gz (formatversion 1)
  kNamespacesV2,    // siteinfo2-namespacesv2.json.gz (formatversion 2)
  kPageTitles,      // all-titles-in-ns0.gz
  kAllPageTitles,   // all-titles.gz
  kStubs,           // stub-meta-history, stub-meta-current, stub-articles (.xml.gz)
  kArticles,        // pages-articles.xml.bz2
  kMetaCurrent,     // pages-meta-current.xml.bz2
  kPageLogs,        // pages-logging.xml.gz
  kMetaHistoryBz2,  // pages-meta-history.xml.bz2
  kMetaHistory7z,   // pages-meta-history.xml.7z (from the bz2 files)
  kMultistream,     // pages-articles-multistream.xml.bz2 + -index.txt.bz2
  kRecombine,       // joins the parts of `recombines`
};

struct JobSpec {
  std::string name;  // "articlesdump"
  JobKind kind;
  std::string description;  // the title line of index.html
  std::string detail;       // the detail line of index.html ("" for none)
  std::vector<std::string> prereqs;
  // Dump names (with type and ext) of the files this job publishes, e.g.
  // {"pages-articles", "xml", "bz2"}; parts and page ranges are added by the runner.
  struct Output {
    std::string dumpname;
    std::string type;
    std::string ext;
  };
  std::vector<Output> outputs;
  std::string recombines;  // kRecombine: the job whose parts it joins
  std::string table;       // kTable: the table name (unprefixed)
};

struct JobListOptions {
  bool chunks = false;  // [chunks] chunksEnabled with more than one part
  bool recombine_history = true;
  bool recombine_meta_current = true;
  bool multistream = false;         // [otherformats] multistream
  bool pagelog_chunks = false;      // logs in parts (chunksForPagelogs / logitemsPerPagelogs)
  std::vector<std::string> tables;  // table jobs to include (existing tables), in order
};

// The jobs in run order.
std::vector<JobSpec> BuildJobList(const JobListOptions& options);

// The index of a job by name, or -1.
int FindJob(const std::vector<JobSpec>& jobs, std::string_view name);

}  // namespace dw::run
