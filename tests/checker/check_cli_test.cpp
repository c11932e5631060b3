// The synod-check contract (DESIGN.md): exit codes 0/1/2/3, the --json
// summary's fields, the replayable --trace, spec files, and the pinned
// distinct-state counts of the quick specs.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "toy/two_phase_commit.hpp"

namespace {

struct Run {
  int status;
  std::string out;
};

Run run(const std::string& args) {
  const std::string cmd = "cd " SYNOD_SOURCE_DIR " && " SYNOD_CHECK_BINARY " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (p && std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  const int raw = p ? pclose(p) : -1;
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("synod_check_test_" + std::to_string(::getpid()) + "_" + name)).string();
}

nlohmann::json load(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(CheckCli, BadUsageExitsTwoWithAClearMessage) {
  auto r = run("no-such-model");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("neither a model"), std::string::npos) << r.out;
  r = run("water-jug --no-such-flag");
  EXPECT_EQ(r.status, 2);
  r = run("water-jug --nodes 3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("no bound --nodes"), std::string::npos) << r.out;
  r = run("two-phase-commit --rms 99");
  EXPECT_EQ(r.status, 2);
  r = run("two-phase-commit --search dfs --threads 2");
  EXPECT_EQ(r.status, 2);
  r = run("water-jug --symmetry");
  EXPECT_EQ(r.status, 2);
  r = run("");
  EXPECT_EQ(r.status, 2);
  const std::string bad = temp_path("bad.toml");
  std::ofstream(bad) << "protocol = \"two-phase-commit\"\n[bounds]\nrms = 3\ncolour = 2\n";
  r = run(bad);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("no bound 'colour'"), std::string::npos) << r.out;
  std::ofstream(bad) << "protocol = \"two-phase-commit\"\n[bounds\n";
  r = run(bad);
  EXPECT_EQ(r.status, 2);
  std::ofstream(bad) << "protocol = \"two-phase-commit\"\nspeed = 3\n";
  r = run(bad);
  EXPECT_EQ(r.status, 2);
  std::filesystem::remove(bad);
  EXPECT_EQ(run("--help").status, 0);
}

TEST(CheckCli, JsonSummaryHasTheContractFields) {
  const std::string json = temp_path("ok.json");
  auto r = run("two-phase-commit --quiet --json " + json);
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = load(json);
  for (const char* key : {"model", "result", "states_generated", "distinct_states", "max_depth", "seconds",
                          "states_per_second", "peak_rss_bytes", "threads", "bounds", "collision_probability"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["model"], "two-phase-commit");
  EXPECT_EQ(j["result"], "ok");
  EXPECT_EQ(j["distinct_states"], 288);
  EXPECT_EQ(j["bounds"]["rms"], 3);
  EXPECT_FALSE(j.contains("trace"));
  // Threads change nothing but the thread count.
  r = run("two-phase-commit --quiet --threads 2 --json " + json);
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(load(json)["distinct_states"], 288);
  EXPECT_EQ(load(json)["threads"], 2);
  std::filesystem::remove(json);
}

TEST(CheckCli, VacuousRunExitsThree) {
  const auto r = run("two-phase-commit --max-depth 2 --json -");
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.out.find("\"result\": \"vacuous\""), std::string::npos);
}

TEST(CheckCli, ViolationPrintsNumberedStepsAndAReplayableTrace) {
  const std::string json = temp_path("v.json"), trace = temp_path("v.trace.json");
  const auto r = run("two-phase-commit --buggy-tm 1 --json " + json + " --trace " + trace);
  ASSERT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("1. RM 1 prepares"), std::string::npos) << r.out;
  const auto j = load(json);
  EXPECT_EQ(j["result"], "violation");
  EXPECT_EQ(j["property"], "no RM commits while another aborts");
  const auto t = load(trace);
  EXPECT_EQ(j["trace"], t);
  EXPECT_EQ(t["format"], "synod-check-trace/1");

  // Replay: rebuild the model from the trace's bounds, match each recorded
  // action among the enabled ones, compare the recorded state summaries.
  using synod::check::toy::TwoPhaseCommit;
  const TwoPhaseCommit model(t["bounds"]["rms"].get<std::size_t>(), t["bounds"]["buggy_tm"].get<int>() != 0);
  TwoPhaseCommit::State s;
  model.init_states([&](const TwoPhaseCommit::State& init) { s = init; });
  const auto& steps = t["steps"];
  ASSERT_GE(steps.size(), 2u);
  EXPECT_EQ(model.state_json(s), steps[0]["state"]);
  for (std::size_t i = 1; i < steps.size(); ++i) {
    std::optional<TwoPhaseCommit::Action> chosen;
    std::uint32_t index = 0, chosen_index = 0;
    model.actions(s, [&](const TwoPhaseCommit::Action& a) {
      if (!chosen && model.action_json(s, a) == steps[i]["action"]) {
        chosen = a;
        chosen_index = index;
      }
      ++index;
    });
    ASSERT_TRUE(chosen) << "step " << i << " not enabled";
    EXPECT_EQ(chosen_index, steps[i]["action_index"]);
    s = *model.next_state(s, *chosen);
    EXPECT_EQ(model.state_json(s), steps[i]["state"]) << "step " << i;
  }
  bool consistent = true;
  for (const auto& p : model.properties())
    if (p.name == t["property"]) consistent = p.holds(model, s);
  EXPECT_FALSE(consistent) << "the replayed trace must end in the violation";
  std::filesystem::remove(json);
  std::filesystem::remove(trace);
}

// Each quick spec records its distinct-state count: a change in the explored
// space that does not also change the file fails here.
TEST(CheckCli, QuickSpecsKeepTheirRecordedCounts) {
  std::size_t specs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SYNOD_SOURCE_DIR "/specs")) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 11 || name.substr(name.size() - 11) != "-quick.toml") continue;
    ++specs;
    const std::string json = temp_path(name + ".json");
    const auto r = run("specs/" + name + " --quiet --json " + json);
    const auto j = load(json);
    ASSERT_TRUE(j.contains("expected")) << name << " has no [expect] section";
    EXPECT_TRUE(j["expected"].contains("distinct_states")) << name;
    EXPECT_TRUE(j["expected"]["matches"].get<bool>()) << name << ": " << r.out;
    EXPECT_EQ(j["expected"]["result"], j["result"]) << name;
    std::filesystem::remove(json);
  }
  EXPECT_GE(specs, 1u);
}

// With no flags a protocol model runs its quick configuration: the same
// space as its quick spec.
TEST(CheckCli, DefaultBoundsAreTheQuickSpecs) {
  for (const std::string model : {"raft", "paxos"}) {
    const std::string a = temp_path(model + ".default.json"), b = temp_path(model + ".spec.json");
    ASSERT_EQ(run(model + " --quiet --json " + a).status, 0) << model;
    ASSERT_EQ(run("specs/" + model + "-quick.toml --quiet --json " + b).status, 0) << model;
    EXPECT_EQ(load(a)["distinct_states"], load(b)["distinct_states"]) << model;
    EXPECT_EQ(load(a)["bounds"], load(b)["bounds"]) << model;
    std::filesystem::remove(a);
    std::filesystem::remove(b);
  }
}

}  // namespace
