// synod-replay: re-run a trace against the kernel.
//
//   synod-replay [--steps] [--check-expected] TRACE.json
//
// TRACE.json is a "synod-trace/1" file (what a failing property test writes,
// see docs/testing.md) or a "synod-check-trace/1" file (what synod-check
// --trace writes; Raft ones run as the same events, Paxos ones through
// paxos_checker_replay.hpp on the model's cluster). Prints what the run
// found. Exit status: 0 no violation, 1 violation (or the kernel as built
// could not follow the trace: ReplayDiverged), 2 bad usage or input.
//
// With --check-expected the status is 0 exactly when the run ends as the
// trace expects, 1 otherwise. The expectation: the trace's "expect" member
// when present, else "reproduced" when it names a violated property
// ("violation": {"property": ...} or a checker trace's "property"), else
// "ok".
//   "ok"              the run ends without a violation (nor a divergence)
//   "reproduced"      the run ends in the named property's violation
//   "not-reproduced"  the run does NOT end in the named property's violation:
//                     it ends ok, or diverges because the kernel as built no
//                     longer takes the trace's steps (a trace the checker
//                     found on a seeded bug, kept as a regression test: on
//                     the bug it reproduces, so the status is 1). A different
//                     violation still fails.
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "paxos_checker_replay.hpp"
#include "schedule.hpp"

namespace {

int usage() {
  std::cerr << "usage: synod-replay [--steps] [--check-expected] TRACE.json\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool steps = false, check_expected = false;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--steps") {
      steps = true;
    } else if (a == "--check-expected") {
      check_expected = true;
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "synod-replay: unknown flag " << a << "\n";
      return usage();
    } else if (path.empty()) {
      path = a;
    } else {
      return usage();
    }
  }
  if (path.empty()) return usage();

  nlohmann::json j;
  std::string expected, expect;
  try {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "synod-replay: cannot open " << path << "\n";
      return 2;
    }
    j = nlohmann::json::parse(in);
    if (!j.is_object()) throw std::runtime_error("trace: the top level must be a JSON object");
    if (j.contains("violation") && j.at("violation").is_object() && j.at("violation").contains("property") &&
        j.at("violation").at("property").is_string()) {
      expected = j.at("violation").at("property").get<std::string>();
    } else if (j.contains("property") && j.at("property").is_string()) {
      expected = j.at("property").get<std::string>();  // a checker trace
    }
    expect = expected.empty() ? "ok" : "reproduced";
    if (j.contains("expect")) {
      if (!j.at("expect").is_string()) throw std::runtime_error("trace: \"expect\" must be a string");
      expect = j.at("expect").get<std::string>();
      if (expect != "ok" && expect != "reproduced" && expect != "not-reproduced")
        throw std::runtime_error("trace: \"expect\" must be \"ok\", \"reproduced\" or \"not-reproduced\"");
      if (expect != "ok" && expected.empty())
        throw std::runtime_error("trace: \"expect\": \"" + expect + "\" needs the violated \"property\"");
    }
  } catch (const std::exception& e) {
    std::cerr << "synod-replay: " << path << ": " << e.what() << "\n";
    return 2;
  }

  synod::props::Outcome o;
  try {
    if (synod::replay::is_paxos_checker_trace(j)) {
      const synod::replay::PaxosCheckerTrace t = synod::replay::parse_paxos_checker_trace(j);
      if (steps)
        for (std::size_t i = 0; i < t.actions.size(); ++i)
          std::cout << "  " << (i + 1) << ". " << synod::replay::describe(t.actions[i]) << "\n";
      o = synod::replay::run_paxos_checker_trace(t);
      std::cout << "paxos (checker trace), " << t.acceptors << " acceptors, " << t.proposers << " proposers, "
                << t.actions.size() << " actions" << (t.lossy_disk ? ", lossy disk (seeded harness fault)" : "")
                << ": ";
    } else {
      nlohmann::json schedule = j;
      // A Raft checker trace reads as the same events (see schedule.hpp).
      if (schedule.contains("format") && schedule.at("format") == "synod-check-trace/1") schedule["format"] = "synod-trace/1";
      const synod::props::Schedule s = synod::props::from_trace(schedule);
      if (steps)
        for (std::size_t i = 0; i < s.events.size(); ++i)
          std::cout << "  " << (i + 1) << ". " << synod::props::describe(s.events[i]) << "\n";
      o = synod::props::run(s);
      std::cout << s.model << ", " << int{s.nodes} << " nodes, " << s.events.size() << " events"
                << (s.liveness ? " + liveness phase" : "") << ": ";
    }
  } catch (const std::exception& e) {
    std::cerr << "synod-replay: " << path << ": " << e.what() << "\n";
    return 2;
  }

  if (o.ok) {
    std::cout << "ok\n";
  } else {
    std::cout << "violation of " << o.property << " at step " << o.step << ": " << o.detail << "\n";
  }
  if (!check_expected) return o.ok ? 0 : 1;
  bool as_expected = false;
  if (expect == "ok") {
    as_expected = o.ok;
    if (!as_expected) std::cout << "expected no violation\n";
  } else if (expect == "reproduced") {
    as_expected = !o.ok && o.property == expected;
    if (!as_expected) std::cout << "expected " << expected << "\n";
  } else {  // not-reproduced
    as_expected = o.ok || o.property == "ReplayDiverged";
    if (as_expected)
      std::cout << "as expected, " << expected << " is not reproduced"
                << (o.ok ? " (the trace runs to its end without a violation)\n"
                         : " (the kernel no longer takes the trace's steps)\n");
    else
      std::cout << "expected " << expected << " not to be reproduced, nor any other violation\n";
  }
  return as_expected ? 0 : 1;
}
