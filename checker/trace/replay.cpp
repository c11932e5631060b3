// synod-replay: runs a synod-trace/2 file (a counterexample synod-check
// wrote with --trace, a failing property test's shrunk schedule, or a trace
// written by hand) against the kernel as built, and checks that it ends as
// the trace expects.
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "synod/trace/run.hpp"
#include "synod/trace/trace.hpp"

namespace {

constexpr const char* kHelp = R"(usage: synod-replay [--steps] TRACE.json

Runs a synod-trace/2 trace against the kernel as built: a counterexample
that `synod-check --trace FILE` wrote, the shrunk schedule a failing property
test wrote, or one written by hand (docs/testing.md describes the format).
The trace names its protocol, its cluster (size, kernel capacities, seeds,
seeded faults such as a lossy disk) and its steps; the shared invariants are
checked after every step, as in the checker and the property tests, which
run their schedules on this same runner (with "liveness": true and a
"step_limit", a liveness phase that does not converge within that many
simulation steps ends as PropStepLimit).

The trace's "expect" says how the run must end:
  "ok"              no violation
  "violation"       a violation of the named property
  "not-reproduced"  not the named property's violation: the run ends ok, or
                    diverges because the kernel no longer takes the trace's
                    steps (a seeded bug's counterexample kept as a test)

Options:
  --steps    print the steps before running them
  --version  print the version and exit
  -h, --help this text

Exit status:
  0  the run ended as the trace expects (for a counterexample: reproduced)
  1  it did not: a different result, or the run diverged from the trace
  2  bad usage or a malformed trace (the message names the member at fault)
)";

int usage() {
  std::cerr << "usage: synod-replay [--steps] TRACE.json   (--help for more)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool steps = false;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--steps") {
      steps = true;
    } else if (a == "-h" || a == "--help") {
      std::cout << kHelp;
      return 0;
    } else if (a == "--version") {
      std::cout << "synod-replay " << SYNOD_VERSION << "\n";
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

  synod::trace::Schedule s;
  try {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "synod-replay: cannot open " << path << "\n";
      return 2;
    }
    s = synod::trace::from_json(nlohmann::json::parse(in));
  } catch (const std::exception& e) {
    std::cerr << "synod-replay: " << path << ": " << e.what() << "\n";
    return 2;
  }

  if (steps)
    for (std::size_t i = 0; i < s.events.size(); ++i)
      std::cout << "  " << (i + 1) << ". " << synod::trace::describe(s.events[i]) << "\n";
  const synod::trace::Outcome o = synod::trace::run(s);
  std::cout << s.protocol << ", " << int{s.nodes} << " nodes (kernel " << s.kernel << ")"
            << (s.lossy_disk ? ", lossy disk (seeded fault)" : "") << ", " << s.events.size() << " steps"
            << (s.liveness ? " + liveness phase" : "")
            << (s.step_limit != 0 ? " (step limit " + std::to_string(s.step_limit) + ")" : std::string()) << ": ";
  if (o.ok) {
    std::cout << "ok\n";
  } else {
    std::cout << "violation of " << o.property << " at step " << o.step << ": " << o.detail << "\n";
  }
  std::string why;
  if (synod::trace::as_expected(s, o, why)) {
    std::cout << (s.expect == synod::trace::Expect::violation ? "reproduced, as the trace expects\n"
                                                              : "as the trace expects\n");
    return 0;
  }
  std::cout << why << "\n";
  return 1;
}
