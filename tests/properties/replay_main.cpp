// synod-prop-replay: runs a trace a property test wrote on the property
// tests' runner (prop_run.hpp), with the kernel its "prop kernel" note
// names and the properties' step limit, and checks that it ends as the
// trace expects. synod-replay runs the same traces on trace::run, which
// has neither the one-entry Raft kernel nor the step limit.
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "prop_support.hpp"

int main(int argc, char** argv) {
  using namespace synod;
  if (argc != 2 || std::string(argv[1]).empty() || argv[1][0] == '-') {
    std::cerr << "usage: synod-prop-replay TRACE.json\n"
                 "Runs a trace a failing property test wrote (docs/testing.md) and checks that it\n"
                 "ends as it expects. Exit status: 0 as expected, 1 not, 2 bad usage or trace.\n";
    return 2;
  }
  trace::Schedule s;
  try {
    std::ifstream in(argv[1]);
    if (!in) {
      std::cerr << "synod-prop-replay: cannot read " << argv[1] << "\n";
      return 2;
    }
    s = trace::from_json(nlohmann::json::parse(in));
  } catch (const std::exception& e) {
    std::cerr << "synod-prop-replay: " << argv[1] << ": " << e.what() << "\n";
    return 2;
  }
  if (s.kernel != "test") {
    std::cerr << "synod-prop-replay: kernel \"" << s.kernel << "\" is the checker's: run it with synod-replay\n";
    return 2;
  }
  const props::Kernel k = props::kernel_of(s);
  const props::RunResult r = props::run(s, k, props::kLivenessStepLimit);
  std::cout << s.protocol << ", " << int{s.nodes} << " nodes (kernel " << props::to_string(k) << "), "
            << s.events.size() << " events: "
            << (r.outcome.ok ? std::string("ok") : r.outcome.property + " at step " + std::to_string(r.outcome.step) +
                                                       ": " + r.outcome.detail)
            << "\n";
  std::string why;
  if (!trace::as_expected(s, r.outcome, why)) {
    std::cout << "NOT AS EXPECTED: " << why << "\n";
    return 1;
  }
  std::cout << "as expected\n";
  return 0;
}
