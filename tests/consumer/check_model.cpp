// A user's own model checked with the installed (or vendored) synod::check:
// the tutorial model of docs/tutorial-model.md.
#include <cstdio>

#include "lost_update.hpp"

int main() {
  const tutorial::LostUpdate model;
  const auto report = synod::check::Checker(model).run();
  std::fputs(synod::check::format_trace(model, report.trace).c_str(), stdout);
  if (report.verdict != synod::check::Verdict::violation) return 1;
  if (report.property != "no update is lost") return 2;
  if (report.trace.size() != 5) return 3;  // the initial state + 4 steps
  if (report.trace.back().state.counter != 1) return 4;
  // Both clients finishing is reachable, so no goal is unreached.
  if (!report.unreached.empty()) return 5;
  std::printf("check_model: %llu distinct states, counterexample of %zu steps\n",
              static_cast<unsigned long long>(report.distinct_states), report.trace.size() - 1);
  return 0;
}
