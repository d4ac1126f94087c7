// VerifyDump: what mwbzutils' checkforbz2footer and operators' hand checks do,
// for a published run directory or single files (`dumpworks verify`):
//   - every compressed file is complete (bz2 end-of-stream and CRC, gzip
//     trailer, `7za t` for 7z);
//   - every XML file ends with its closing </mediawiki> tag;
//   - a page-range file (-p<first>p<last>) holds only pages of that range, and
//     a multistream index only pages of its range, every offset at a stream;
//   - the md5sums/sha1sums files (.txt and .json) and dumpstatus.json agree
//     with the bytes, and list every dump file of the run.
// Each problem is one line naming the file. Streams: memory stays bounded.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "env/env.h"

namespace dw::run {

struct VerifyOptions {
  std::string sevenzip = "7za";
  bool progress = false;  // not used yet
};

// Checks `paths` (run directories or files). Appends one line per problem to
// *problems; *checked counts the files looked at. Returns an error only when a
// path cannot be read at all (the problem lines say the rest).
Status VerifyDump(Env* env, const std::vector<std::string>& paths, const VerifyOptions& options,
                  std::vector<std::string>* problems, int* checked);

}  // namespace dw::run
