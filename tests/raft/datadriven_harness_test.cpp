// The scenario-file harness (synod/sim/datadriven.hpp, synod/sim/scenario.hpp)
// can fail: a wrong expected block is reported with its file:line and a
// diff, rewrite mode fixes it, malformed files and unknown commands are
// errors in either mode, a run that does not converge says what it saw, and
// a ghost-check violation shows in the output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <synod/sim/datadriven.hpp>

#include "scenario.hpp"

namespace synod::test {
namespace {

namespace dd = sim::datadriven;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A scratch copy of a scenario file, removed at the end of the test.
struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = std::filesystem::temp_directory_path() /
           (std::string("synod_datadriven_") + info->name() + "_" + std::to_string(::getpid()) + ".txt");
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

dd::Report run(const std::filesystem::path& p, bool rewrite) {
  RaftScenario s;
  return dd::run_file(p.string(), [&s](const dd::Command& c) { return s(c); }, rewrite);
}

// Line 6 is `elect`; its expected block names the wrong leader.
const char* kWrong =
    "# a comment that must survive a rewrite\n"
    "cluster nodes=3\n"
    "----\n"
    "\n"
    "# who leads?\n"
    "elect\n"
    "----\n"
    "n2 leads term 9\n"
    "\n"
    "ok\n"
    "----\n"
    "ok\n";

TEST(ScenarioHarness, WrongExpectedBlockFailsWithFileLineAndDiff) {
  TempFile f(kWrong);
  const dd::Report r = run(f.path, false);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.blocks, 3u);
  EXPECT_EQ(r.mismatches, 1u);
  EXPECT_NE(r.message.find(f.path.string() + ":6: elect"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("  -n2 leads term 9\n"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("  +n3 leads term 1\n"), std::string::npos) << r.message;
  EXPECT_FALSE(r.rewritten);
  EXPECT_EQ(read(f.path), kWrong) << "a failing run must not touch the file";
}

TEST(ScenarioHarness, RewriteModeFixesTheFileInPlace) {
  TempFile f(kWrong);
  const dd::Report r = run(f.path, true);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_TRUE(r.rewritten);
  const std::string fixed = read(f.path);
  EXPECT_EQ(fixed,
            "# a comment that must survive a rewrite\n"
            "cluster nodes=3\n"
            "----\n"
            "\n"
            "# who leads?\n"
            "elect\n"
            "----\n"
            "n3 leads term 1\n"
            "\n"
            "ok\n"
            "----\n"
            "ok\n");
  const dd::Report again = run(f.path, false);
  EXPECT_TRUE(again.ok) << again.message;
  EXPECT_EQ(again.mismatches, 0u);
  // A run that matches leaves the file alone in rewrite mode too.
  EXPECT_FALSE(run(f.path, true).rewritten);
}

TEST(ScenarioHarness, MalformedFilesAndUnknownCommandsFailInEitherMode) {
  for (bool rewrite : {false, true}) {
    {
      TempFile f("cluster nodes=3\nelect\n----\n");
      const dd::Report r = run(f.path, rewrite);
      EXPECT_FALSE(r.ok);
      EXPECT_NE(r.message.find(f.path.string() + ":1: error: `cluster nodes=3` must be followed by a line `----`"),
                std::string::npos)
          << r.message;
    }
    {
      TempFile f("cluster nodes=3\n----\n\nfly 1\n----\n");
      const std::string before = read(f.path);
      const dd::Report r = run(f.path, rewrite);
      EXPECT_FALSE(r.ok);
      EXPECT_NE(r.message.find(":4: error: `fly 1`: unknown command `fly`"), std::string::npos) << r.message;
      EXPECT_EQ(read(f.path), before);
    }
    {
      TempFile f("elect\n----\n");
      EXPECT_NE(run(f.path, rewrite).message.find("no cluster yet"), std::string::npos);
    }
    {
      TempFile f("cluster nodes=3\n----\n\ncampaign 9\n----\n\npropose 1 x\n----\n");
      const dd::Report r = run(f.path, rewrite);
      EXPECT_FALSE(r.ok);
      EXPECT_NE(r.message.find(":4: error: `campaign 9`: no node 9 in a cluster of 3"), std::string::npos) << r.message;
    }
  }
  // A command may not print an empty line: it would end its block.
  const dd::Report r = dd::run_text("mem.txt", "say\n----\n", [](const dd::Command&) {
    return dd::Outcome{"a\n\nb\n", std::nullopt};
  }, false);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("mem.txt:1: error: `say` printed an empty line"), std::string::npos) << r.message;
}

// A run that does not converge stops at its step limit and prints what it
// saw (so its expected block fails), instead of spinning.
TEST(ScenarioHarness, NonConvergingRunsStopAndShowWhatTheySaw) {
  RaftScenario s;
  auto cmd = [&s](const std::string& line) {
    const dd::Outcome o = s(dd::parse_command("mem.txt", 1, line));
    EXPECT_FALSE(o.error) << *o.error;
    return o.output;
  };
  cmd("cluster nodes=3");
  cmd("partition 1|2|3");
  EXPECT_EQ(cmd("elect max-rounds=50").rfind("no leader after 50 rounds:\n", 0), 0u);
  const std::string out = cmd("run-until applied=1 max-rounds=5");
  EXPECT_EQ(out.rfind("not applied=1 after 5 rounds:\nn1: ", 0), 0u) << out;
  EXPECT_NE(out.find("n3: candidate"), std::string::npos) << out;
  cmd("heal");
  EXPECT_NE(cmd("elect").find(" leads term "), std::string::npos);
  // More than `max` deliveries: deliver all stops and lists what is left.
  for (int i = 0; i < 3; ++i) cmd("put type=AppendEntriesResponse from=1 to=3 term=1");
  EXPECT_EQ(cmd("deliver all max=2").rfind("deliver all: stopped after 2 deliveries, 1 still in flight:\n0: ", 0), 0u);
}

// The ghost checks run under the commands: a seeded harness fault (a disk
// that loses the vote) lets a node vote twice in a term, and the output of
// the command that did it says so.
TEST(ScenarioHarness, GhostViolationShowsInTheOutput) {
  RaftScenario s;
  std::string all;
  for (const char* line : {"cluster nodes=3", "lossy-disk on", "campaign 1", "deliver all", "crash 2", "crash 3",
                           "restart 2", "restart 3", "campaign 2", "deliver all", "ok"}) {
    const dd::Outcome o = s(dd::parse_command("mem.txt", 1, line));
    ASSERT_FALSE(o.error) << *o.error;
    all += o.output;
  }
  // Node 2, restarted with term and vote lost, wins term 1 a second time.
  EXPECT_NE(all.find("ghost: ElectionSafety (history check, n2"), std::string::npos) << all;
  EXPECT_EQ(all.find("ghost: "), all.rfind("ghost: ")) << "reported once: " << all;
  // `ok` prints the verdict: the violation, not "ok".
  EXPECT_EQ(all.substr(all.rfind('\n', all.size() - 2) + 1).rfind("ElectionSafety (", 0), 0u) << all;
}

}  // namespace
}  // namespace synod::test
