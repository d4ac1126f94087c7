#include <gtest/gtest.h>

#include "cli/command.h"

namespace dw::cli {
namespace {

TEST(CommandsTest, FindsEveryCommandByName) {
  for (const auto& c : Commands()) EXPECT_EQ(FindCommand(c.name), &c);
  EXPECT_EQ(FindCommand("nope"), nullptr);
}

TEST(CommandsTest, SuggestsNearest) {
  EXPECT_EQ(SuggestCommand("exprot"), "export");
  EXPECT_EQ(SuggestCommand("improt"), "import");
  EXPECT_EQ(SuggestCommand("trans"), "transfer");
  EXPECT_EQ(SuggestCommand("zzzzzzzz"), "");
}

}  // namespace
}  // namespace dw::cli
