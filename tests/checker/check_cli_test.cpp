// The synod-check contract (DESIGN.md): exit codes 0/1/2/3, the --json
// summary's fields, the replayable --trace, spec files, and the pinned
// distinct-state counts of the quick specs.
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "toy/two_phase_commit.hpp"

namespace {

struct Run {
  int status;
  std::string out;
};

// Runs synod-check in DIR (the source root unless given).
Run run_in(const std::string& dir, const std::string& args) {
  const std::string cmd = "cd '" + dir + "' && " SYNOD_CHECK_BINARY " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (p && std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  const int raw = p ? pclose(p) : -1;
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

Run run(const std::string& args) { return run_in(SYNOD_SOURCE_DIR, args); }

// A fresh directory for one test's files, removed with everything in it.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("synod_check_test_" + std::to_string(::getpid()) + "_" + name)) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

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

// A run names what it checked: every invariant and goal of the model, in
// the JSON and in the text summary; --version names the tool.
// 1234567 -> "1,234,567", as synod-check prints counts.
std::string with_commas(std::uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

TEST(CheckCli, RunListsItsInvariantsAndGoals) {
  const std::string json = temp_path("checked.json");
  const auto r = run("raft-prevote-quick --no-progress --json " + json);
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = load(json);
  const auto invariants = j["invariants"].get<std::vector<std::string>>();
  const auto goals = j["goals"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(invariants.begin(), invariants.end(), "ElectionSafety"), invariants.end());
  EXPECT_NE(std::find(invariants.begin(), invariants.end(), "PreVoteKeepsTerm"), invariants.end());
  EXPECT_NE(std::find(goals.begin(), goals.end(), "a leader is elected"), goals.end());
  EXPECT_NE(r.out.find("invariants (" + std::to_string(invariants.size()) + "): ElectionSafety, "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("goals (" + std::to_string(goals.size()) + ", with the states where each held): a leader is elected ("),
            std::string::npos)
      << r.out;
  // Each goal with the distinct states where it held: within the states
  // explored, null for a goal the bounds rule out, the same for any number
  // of threads.
  const auto counts = j["goal_states"];
  ASSERT_EQ(counts.size(), goals.size());
  const auto leader = counts["a leader is elected"].get<std::uint64_t>();
  EXPECT_GT(leader, 0u);
  EXPECT_LT(leader, j["distinct_states"].get<std::uint64_t>());
  EXPECT_TRUE(counts["a transfer elects its target"].is_null());
  EXPECT_NE(r.out.find("a leader is elected (" + with_commas(leader) + ")"), std::string::npos) << r.out;
  const std::string json2 = temp_path("checked2.json");
  ASSERT_EQ(run("raft-prevote-quick --no-progress --threads 2 --json " + json2).status, 0);
  EXPECT_EQ(load(json2)["goal_states"], counts);
  std::filesystem::remove(json2);
  std::filesystem::remove(json);
  const auto v = run("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("synod-check ", 0), 0u) << v.out;
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
  EXPECT_EQ(t["format"], "synod-trace/2");
  EXPECT_EQ(t["expect"]["result"], "violation");
  EXPECT_EQ(t["expect"]["property"], "no RM commits while another aborts");

  // Replay: rebuild the model from the trace's bounds, match each recorded
  // action among the enabled ones, compare the recorded state summaries.
  using synod::check::toy::TwoPhaseCommit;
  const TwoPhaseCommit model(t["bounds"]["rms"].get<std::size_t>(), t["bounds"]["buggy_tm"].get<int>() != 0);
  TwoPhaseCommit::State s;
  model.init_states([&](const TwoPhaseCommit::State& init) { s = init; });
  const auto& steps = t["steps"];
  ASSERT_GE(steps.size(), 1u);
  EXPECT_EQ(model.state_json(s), t["initial_state"]);
  for (std::size_t i = 0; i < steps.size(); ++i) {
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
    if (p.name == t["expect"]["property"]) consistent = p.holds(model, s);
  EXPECT_FALSE(consistent) << "the replayed trace must end in the violation";
  std::filesystem::remove(json);
  std::filesystem::remove(trace);
}

// The quick specs, specs/*-quick.toml: the model checks CI runs (make verify
// runs the same list), sorted by name.
std::vector<std::string> quick_specs() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(SYNOD_SOURCE_DIR "/specs")) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 11 && name.substr(name.size() - 11) == "-quick.toml") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Each quick spec records its distinct-state count: a change in the explored
// space that does not also change the file fails here. One test per spec, so
// ctest runs them side by side, each under its own time limit.
class QuickSpec : public ::testing::TestWithParam<std::string> {};

TEST_P(QuickSpec, KeepsItsRecordedCount) {
  const std::string name = GetParam();
  const std::string json = temp_path(name + ".json");
  const auto r = run("specs/" + name + " --quiet --json " + json);
  EXPECT_EQ(r.status, 0) << name << " does not meet its [expect]: " << r.out;
  const auto j = load(json);
  ASSERT_TRUE(j.contains("expected")) << name << " has no [expect] section";
  EXPECT_TRUE(j["expected"].contains("distinct_states")) << name;
  EXPECT_TRUE(j["expected"]["matches"].get<bool>()) << name << ": " << r.out;
  EXPECT_EQ(j["expected"]["result"], j["result"]) << name;
  EXPECT_TRUE(j["complete"].get<bool>()) << name << ": a quick spec explores its whole space";
  std::filesystem::remove(json);
}

// Test names from spec names: raft-log-quick.toml -> raft_log_quick.
std::string spec_test_name(const ::testing::TestParamInfo<std::string>& param) {
  std::string id = param.param.substr(0, param.param.size() - 5);  // no .toml
  std::replace(id.begin(), id.end(), '-', '_');
  return id;
}

INSTANTIATE_TEST_SUITE_P(CheckCli, QuickSpec, ::testing::ValuesIn(quick_specs()), spec_test_name);

TEST(CheckCli, ThereAreQuickSpecs) { EXPECT_GE(quick_specs().size(), 1u); }

// The shapes CI must model-check (issue 33): quorum arithmetic that is right
// only for odd sizes passes 3- and 5-node runs, and log bugs need several
// entries of two terms, a crash and a lost message. Each quick spec's bounds
// come from its --json (a depth-1 run: the bounds, not the search, matter).
TEST(CheckCli, QuickSpecsCoverEvenClustersAndLongLogs) {
  std::set<int> raft_nodes, paxos_acceptors;
  bool raft_log_shape = false;
  for (const auto& name : quick_specs()) {
    const std::string json = temp_path(name + ".bounds.json");
    run("specs/" + name + " --quiet --max-depth 1 --json " + json);
    const auto j = load(json);
    const auto& b = j["bounds"];
    if (j["model"] == "raft") {
      raft_nodes.insert(b["nodes"].get<int>());
      if (b["max_log"].get<int>() >= 3 && b["max_term"].get<int>() >= 2 && b["crashes"].get<int>() >= 1 &&
          b["drops"].get<int>() >= 1)
        raft_log_shape = true;
    } else if (j["model"] == "paxos") {
      paxos_acceptors.insert(b["acceptors"].get<int>());
    }
    std::filesystem::remove(json);
  }
  for (const int n : {2, 3, 4}) {
    EXPECT_TRUE(raft_nodes.count(n)) << "no quick spec runs a " << n << "-node Raft cluster";
    EXPECT_TRUE(paxos_acceptors.count(n)) << "no quick spec runs Paxos with " << n << " acceptors";
  }
  EXPECT_TRUE(raft_log_shape) << "no quick Raft spec with a log of >= 3 entries, terms >= 2, a crash and a drop";
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

// A spec whose [expect] the run does not meet fails: a different result
// exits 1, the same result with another distinct-state count exits 4, and
// --json says which. two-phase-commit with 3 RMs has 288 distinct states.
TEST(CheckCli, SpecExpectationMismatchExitsNonZero) {
  const TempDir dir("expect");
  const std::string spec = dir.file("tpc.toml"), json = dir.file("out.json");
  const auto write_spec = [&](int buggy_tm, const std::string& expect) {
    std::ofstream(spec) << "protocol = \"two-phase-commit\"\n[bounds]\nrms = 3\nbuggy_tm = " << buggy_tm
                        << "\n[expect]\n" << expect;
  };

  write_spec(0, "result = \"ok\"\ndistinct_states = 288\n");
  auto r = run(spec + " --quiet --json " + json);
  EXPECT_EQ(r.status, 0) << r.out;
  auto j = load(json);
  EXPECT_TRUE(j["expected"]["matches"].get<bool>());
  EXPECT_TRUE(j["expected"]["mismatch"].is_null());

  write_spec(0, "result = \"ok\"\ndistinct_states = 287\n");
  r = run(spec + " --quiet --json " + json);
  EXPECT_EQ(r.status, 4) << r.out;
  EXPECT_NE(r.out.find("MISMATCH: 288 distinct states, not 287"), std::string::npos) << r.out;
  j = load(json);
  EXPECT_EQ(j["result"], "ok");
  EXPECT_EQ(j["expected"]["distinct_states"], 287);
  EXPECT_FALSE(j["expected"]["matches"].get<bool>());
  EXPECT_EQ(j["expected"]["mismatch"], "distinct_states");

  // Flags that change the explored space turn the spec's expectations off.
  r = run(spec + " --quiet --rms 2 --json " + json);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_FALSE(load(json).contains("expected"));
  EXPECT_NE(r.out.find("not checked"), std::string::npos) << r.out;
  // Threads do not: the count is the same at any thread count.
  EXPECT_EQ(run(spec + " --quiet --threads 2").status, 4);

  write_spec(0, "result = \"violation\"\n");
  r = run(spec + " --quiet --json " + json);
  EXPECT_EQ(r.status, 1) << r.out;
  j = load(json);
  EXPECT_EQ(j["result"], "ok");
  EXPECT_EQ(j["expected"]["mismatch"], "result");

  write_spec(1, "result = \"ok\"\ndistinct_states = 288\n");
  r = run(spec + " --quiet --json " + json);
  EXPECT_EQ(r.status, 1) << r.out;
  j = load(json);
  EXPECT_EQ(j["result"], "violation");
  EXPECT_EQ(j["expected"]["mismatch"], "result") << "a different result is reported before a different count";

  // An expected violation that happens is still exit 1, as without a spec.
  write_spec(1, "result = \"violation\"\n");
  r = run(spec + " --quiet --json " + json);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(load(json)["expected"]["matches"].get<bool>());
}

// Spec names resolve in the working directory first, then in the source
// tree's specs/, from any working directory.
TEST(CheckCli, SpecNamesResolveFromAnyDirectory) {
  const TempDir dir("cwd");
  const std::string json = dir.file("out.json");
  const std::string quick = std::string(SYNOD_SOURCE_DIR) + "/specs/raft-quick.toml";
  // --max-depth keeps the run short (and turns the spec's expectations off).
  for (const std::string name : {"raft-quick", "raft-quick.toml", "specs/raft-quick"}) {
    const auto r = run_in(dir.path.string(), name + " --quiet --max-depth 2 --json " + json);
    EXPECT_NE(r.status, 2) << name << ": " << r.out;
    EXPECT_EQ(std::filesystem::path(load(json)["spec"].get<std::string>()), std::filesystem::path(quick)) << name;
    std::filesystem::remove(json);
  }
  // A file in the working directory comes first.
  std::ofstream(dir.file("raft-quick.toml")) << "protocol = \"two-phase-commit\"\n";
  auto r = run_in(dir.path.string(), "raft-quick --quiet --json " + json);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(load(json)["model"], "two-phase-commit");
  // Not found: the message names every place looked at.
  r = run_in(dir.path.string(), "no-such-spec");
  EXPECT_EQ(r.status, 2);
  for (const std::string& place : {dir.file("no-such-spec"), dir.file("no-such-spec.toml"),
                                  std::string(SYNOD_SOURCE_DIR) + "/specs/no-such-spec",
                                  std::string(SYNOD_SOURCE_DIR) + "/specs/no-such-spec.toml"})
    EXPECT_NE(r.out.find(place), std::string::npos) << place << " not in: " << r.out;
}

// An output file that cannot be written is found before the search (no
// summary is printed), exits 2, and leaves no new empty file behind.
TEST(CheckCli, UnwritableOutputFailsBeforeTheSearch) {
  const TempDir dir("unwritable");
  const std::string missing_dir = dir.file("no-such-dir/out.json");
  auto r = run("two-phase-commit --json " + missing_dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("cannot write --json file " + missing_dir), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("states:"), std::string::npos) << "searched before failing: " << r.out;

  r = run("two-phase-commit --buggy-tm 1 --trace " + dir.path.string());
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("cannot write --trace file"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("states:"), std::string::npos) << r.out;

  // A new --json file is not left behind empty when --trace fails; an
  // existing one keeps its contents.
  const std::string fresh = dir.file("fresh.json"), kept = dir.file("kept.json");
  r = run("two-phase-commit --json " + fresh + " --trace " + missing_dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_FALSE(std::filesystem::exists(fresh));
  std::ofstream(kept) << "{\"earlier\": 1}\n";
  r = run("two-phase-commit --json " + kept + " --trace " + missing_dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_EQ(load(kept)["earlier"], 1);

  // Writable paths still work, and a trace file is written only on a violation.
  r = run("two-phase-commit --quiet --json " + fresh + " --trace " + dir.file("t.json"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(load(fresh)["result"], "ok");
  EXPECT_FALSE(std::filesystem::exists(dir.file("t.json")));
}

}  // namespace
