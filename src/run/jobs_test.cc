#include "run/jobs.h"

#include <gtest/gtest.h>

namespace dw::run {
namespace {

std::vector<std::string> Names(const std::vector<JobSpec>& jobs) {
  std::vector<std::string> n;
  for (const auto& j : jobs) n.push_back(j.name);
  return n;
}

TEST(JobList, WikimediaOrderWithoutChunks) {
  JobListOptions o;
  o.tables = {"site_stats", "pagelinks"};
  EXPECT_EQ(Names(BuildJobList(o)),
            (std::vector<std::string>{
                "sitestatstable", "pagelinkstable", "namespaces", "namespacesv2", "pagetitlesdump",
                "allpagetitlesdump", "xmlstubsdump", "articlesdump", "metacurrentdump",
                "xmlpagelogsdump", "metahistorybz2dump", "metahistory7zdump"}));
}

TEST(JobList, ChunksAddRecombinesAndMultistream) {
  JobListOptions o;
  o.chunks = true;
  o.multistream = true;
  o.recombine_history = false;
  auto jobs = BuildJobList(o);
  EXPECT_EQ(Names(jobs), (std::vector<std::string>{
                             "namespaces", "namespacesv2", "pagetitlesdump", "allpagetitlesdump",
                             "xmlstubsdump", "xmlstubsdumprecombine", "articlesdump",
                             "articlesdumprecombine", "metacurrentdump", "metacurrentdumprecombine",
                             "xmlpagelogsdump", "metahistorybz2dump", "metahistory7zdump",
                             "articlesmultistreamdump", "articlesmultistreamdumprecombine"}));
  const JobSpec& r = jobs[FindJob(jobs, "articlesmultistreamdumprecombine")];
  EXPECT_EQ(r.prereqs, std::vector<std::string>{"articlesmultistreamdump"});
  EXPECT_EQ(r.outputs.size(), 2u);
  // Content jobs come after the stubs.
  EXPECT_EQ(jobs[FindJob(jobs, "metahistorybz2dump")].prereqs,
            std::vector<std::string>{"xmlstubsdump"});
  EXPECT_EQ(FindJob(jobs, "nosuchjob"), -1);
}

TEST(JobList, LogPartsAddTheirRecombine) {
  JobListOptions o;
  o.chunks = true;
  o.pagelog_chunks = true;
  auto jobs = BuildJobList(o);
  int logs = FindJob(jobs, "xmlpagelogsdump");
  ASSERT_GE(logs, 0);
  ASSERT_EQ(jobs[logs + 1].name, "xmlpagelogsdumprecombine");
  EXPECT_EQ(jobs[logs + 1].prereqs, std::vector<std::string>{"xmlpagelogsdump"});
  EXPECT_EQ(jobs[logs + 1].outputs.size(), 1u);
  EXPECT_EQ(jobs[logs + 1].outputs[0].dumpname, "pages-logging");
}

}  // namespace
}  // namespace dw::run
