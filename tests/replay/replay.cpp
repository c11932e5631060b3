// synod-replay: re-run a trace against the kernel.
//
//   synod-replay [--steps] [--check-expected] TRACE.json
//
// TRACE.json is a "synod-trace/1" file (what a failing property test writes,
// see docs/testing.md). Prints what the run found. Exit status: 0 no
// violation, 1 violation, 2 bad usage or input. With --check-expected the
// status is 0 exactly when the run ends as the trace's "violation" says (its
// property, or no violation when the trace has none), 1 otherwise.
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

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
  synod::props::Schedule s;
  try {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "synod-replay: cannot open " << path << "\n";
      return 2;
    }
    j = nlohmann::json::parse(in);
    s = synod::props::from_trace(j);
  } catch (const std::exception& e) {
    std::cerr << "synod-replay: " << path << ": " << e.what() << "\n";
    return 2;
  }

  if (steps)
    for (std::size_t i = 0; i < s.events.size(); ++i)
      std::cout << "  " << (i + 1) << ". " << synod::props::describe(s.events[i]) << "\n";

  const synod::props::Outcome o = synod::props::run(s);
  std::cout << s.model << ", " << int{s.nodes} << " nodes, " << s.events.size() << " events"
            << (s.liveness ? " + liveness phase" : "") << ": ";
  if (o.ok) {
    std::cout << "ok\n";
  } else {
    std::cout << "violation of " << o.property << " at step " << o.step << ": " << o.detail << "\n";
  }
  if (!check_expected) return o.ok ? 0 : 1;
  std::string expected;
  if (j.contains("violation") && j.at("violation").is_object() && j.at("violation").contains("property")) {
    expected = j.at("violation").at("property").get<std::string>();
  } else if (j.contains("property") && j.at("property").is_string()) {
    expected = j.at("property").get<std::string>();  // a checker trace
  }
  const bool as_expected = expected.empty() ? o.ok : (!o.ok && o.property == expected);
  if (!as_expected)
    std::cout << "expected " << (expected.empty() ? std::string("no violation") : expected) << "\n";
  return as_expected ? 0 : 1;
}
