// Test support shared by unit tests and the `generate` subcommand: fakes
// (fault-injecting Env), temporary directories, the synthetic wiki generator.
#pragma once

#include <cstdlib>

// Skips a test whose prerequisite (a reference tool, a server binary) is missing on a
// developer's machine. In CI (CI set in the environment), where scripts/install-deps.sh
// --test installs every prerequisite, a missing one is a failure, never a quiet skip.
#define DW_SKIP_UNLESS_CI(reason)                                                \
  do {                                                                           \
    if (std::getenv("CI") != nullptr) FAIL() << (reason) << " (required in CI)"; \
    GTEST_SKIP() << (reason);                                                    \
  } while (0)
