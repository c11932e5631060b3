// run.hpp - runs one model through the engine and reports the result the way
// DESIGN.md's contract says: a summary on stdout, `--json` and `--trace`
// files, and the exit status (0 ok, 1 violation, 2 bad input, 3 vacuous,
// 4 a spec's pinned distinct-state count differs; see exit_status below).
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "emit_test.hpp"
#include "trace_html.hpp"
#include <synod/check/checker.hpp>

namespace synod::check::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitViolation = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitVacuous = 3;
// The result is the one the spec's [expect] names, but the distinct-state
// count is not: the explored space changed (a kernel or model change, or a
// stale spec). Not 1, so that scripts can tell "the space moved" from "an
// invariant failed"; a result that differs from the spec's exits 1.
inline constexpr int kExitCountMismatch = 4;

// Integer bounds, keyed by their JSON/TOML name (max_term); the flag is --max-term.
using Bounds = std::map<std::string, std::int64_t>;

struct BoundDef {
  std::string key;
  std::int64_t default_value;
  std::int64_t min;
  std::int64_t max;
  std::string help;
};

struct Expected {
  std::optional<std::string> result;
  std::optional<std::uint64_t> distinct_states;
};

// What differs between a spec's [expect] and the run: the result is checked
// first, since a different result (a search stopped at a violation, say)
// makes the count meaningless.
enum class Mismatch { none, result, distinct_states };

inline Mismatch compare(const Expected& expected, std::string_view result, std::uint64_t distinct_states) {
  if (expected.result && *expected.result != result) return Mismatch::result;
  if (expected.distinct_states && *expected.distinct_states != distinct_states) return Mismatch::distinct_states;
  return Mismatch::none;
}

inline const char* mismatch_name(Mismatch m) {
  switch (m) {
    case Mismatch::none: return "none";
    case Mismatch::result: return "result";
    case Mismatch::distinct_states: return "distinct_states";
  }
  return "none";
}

// The exit status: the verdict's (0 ok, 1 violation, 3 vacuous) when the run
// is what the spec expects; 1 when the spec expects another result (also
// when it expects a violation and the run is ok: the spec failed); 4 when
// only the distinct-state count differs.
inline int exit_status(Verdict verdict, Mismatch mismatch) {
  if (mismatch == Mismatch::result) return kExitViolation;
  if (mismatch == Mismatch::distinct_states) return kExitCountMismatch;
  switch (verdict) {
    case Verdict::ok: return kExitOk;
    case Verdict::violation: return kExitViolation;
    case Verdict::vacuous: return kExitVacuous;
  }
  return kExitOk;
}

struct RunConfig {
  Options options;
  std::string json_path;    // "" none, "-" stdout
  std::string trace_path;   // "" none
  std::string trace_html_path;  // "" none: the counterexample as an HTML page
  std::string emit_test_path;   // "" none: the counterexample as a GoogleTest source
  std::string command_line;     // how synod-check was run (for the emitted test)
  std::string spec_path;    // "" when run by model name
  Expected expected;
  bool expectations_voided = false;  // the spec has [expect], but flags changed the explored space
  bool quiet = false;
};

struct ModelEntry {
  std::string name;
  std::string help;
  std::vector<BoundDef> bounds;
  std::function<int(const Bounds&, const RunConfig&)> run;
};

inline std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024u;
}

inline std::string flag_name(const std::string& key) {
  std::string f = key;
  for (char& c : f)
    if (c == '_') c = '-';
  return f;
}

// The counterexample as a trace in the one format (synod/trace/trace.hpp,
// "synod-trace/2") that synod-replay and the tests run: for the protocol
// models, the cluster the model runs (trace_cluster) and each step's action
// as a trace action (trace_action), expecting the violated property; the
// checker adds its bounds, the initial state and, per step, the model's
// action index and the state after it, which the replayer ignores. Toy
// models give their own action objects: such traces are for reading only.
template <class M>
nlohmann::json trace_json(const M& model, const Bounds& bounds, const Report<M>& report) {
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t i = 1; i < report.trace.size(); ++i) {
    const auto& step = report.trace[i];
    const auto& before = report.trace[i - 1].state;
    nlohmann::json s;
    s["step"] = i;
    if constexpr (requires { model.trace_action(before, *step.action); }) {
      s["action"] = model.trace_action(before, *step.action);
    } else {
      s["action"] = model.action_json(before, *step.action);
    }
    s["text"] = model.format_action(before, *step.action);
    s["action_index"] = step.action_index;
    s["state"] = model.state_json(step.state);
    steps.push_back(std::move(s));
  }
  nlohmann::json j = {{"format", "synod-trace/2"},
                      {"protocol", model.name()},
                      {"source", "synod-check " + model.name() + " counterexample"},
                      {"expect", {{"result", "violation"}, {"property", report.property}}},
                      {"liveness", false},
                      {"bounds", bounds}};
  if constexpr (requires { model.trace_cluster(); }) j["cluster"] = model.trace_cluster();
  if (!report.trace.empty()) j["initial_state"] = model.state_json(report.trace.front().state);
  j["steps"] = std::move(steps);
  return j;
}

inline void write_json_file(const std::string& path, const nlohmann::json& j) {
  if (path == "-") {
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << j.dump(2) << "\n";
}

inline std::string with_commas(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

template <class M>
int run_model(const M& model, const Bounds& bounds, const RunConfig& cfg) {
  Report<M> report;
  try {
    report = check(model, cfg.options);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "synod-check: %s\n", e.what());
    return kExitUsage;
  }
  const std::uint64_t rss = peak_rss_bytes();
  const double per_state =
      report.distinct_states ? static_cast<double>(report.seen_set_bytes) / static_cast<double>(report.distinct_states) : 0;

  nlohmann::json j;
  j["model"] = model.name();
  if (!cfg.spec_path.empty()) j["spec"] = cfg.spec_path;
  j["result"] = std::string(to_string(report.verdict));
  if (report.verdict != Verdict::ok) j["property"] = report.property;
  j["states_generated"] = report.states_generated;
  j["distinct_states"] = report.distinct_states;
  j["max_depth"] = report.max_depth;
  j["seconds"] = report.seconds;
  j["states_per_second"] = report.states_per_second();
  j["peak_rss_bytes"] = rss;
  j["threads"] = report.threads;
  j["bounds"] = bounds;
  j["collision_probability"] = report.collision_probability;
  j["search"] = std::string(to_string(report.search));
  j["symmetry"] = report.symmetry;
  j["fingerprint_bits"] = report.fingerprint_bits;
  j["complete"] = report.complete;
  j["seen_set_bytes"] = report.seen_set_bytes;
  j["seen_set_bytes_per_state"] = per_state;
  j["parent_link_bytes"] = report.parent_link_bytes;
  if (report.search == Search::bfs)
    j["bfs_phase_seconds"] = {{"expand", report.expand_seconds},
                              {"merge", report.merge_seconds},
                              {"build", report.build_seconds}};
  // What the run checked: every invariant ("always") and goal ("sometimes")
  // of the model, by name.
  // Each goal with the number of distinct states where it held.
  std::vector<std::string> invariants, goals, goals_counted;
  nlohmann::json goal_states = nlohmann::json::object();
  const auto props = model.properties();
  for (std::size_t i = 0; i < props.size(); ++i) {
    const auto& p = props[i];
    if (p.expectation == Expectation::always) {
      invariants.emplace_back(p.name);
      continue;
    }
    goals.emplace_back(p.name);
    const std::uint64_t n = i < report.goal_states.size() ? report.goal_states[i] : 0;
    const bool applicable = std::find(report.not_applicable.begin(), report.not_applicable.end(), p.name) ==
                            report.not_applicable.end();
    goal_states[std::string(p.name)] = applicable ? nlohmann::json(n) : nlohmann::json(nullptr);
    goals_counted.push_back(std::string(p.name) + (applicable ? " (" + with_commas(n) + ")" : " (n/a)"));
  }
  j["invariants"] = invariants;
  j["goals"] = goals;
  j["goal_states"] = goal_states;
  j["unreached"] = report.unreached;
  j["not_applicable"] = report.not_applicable;
  if (report.search == Search::random)
    j["random"] = {{"walks", cfg.options.walks}, {"depth", cfg.options.walk_depth}, {"seed", cfg.options.seed}};
  if (cfg.options.max_depth != 0) j["max_depth_bound"] = cfg.options.max_depth;
  const Mismatch mismatch = compare(cfg.expected, to_string(report.verdict), report.distinct_states);
  if (cfg.expected.result || cfg.expected.distinct_states) {
    nlohmann::json e;
    if (cfg.expected.result) e["result"] = *cfg.expected.result;
    if (cfg.expected.distinct_states) e["distinct_states"] = *cfg.expected.distinct_states;
    e["matches"] = mismatch == Mismatch::none;
    e["mismatch"] = mismatch == Mismatch::none ? nlohmann::json(nullptr) : nlohmann::json(mismatch_name(mismatch));
    j["expected"] = e;
  }
  nlohmann::json trace;
  if (report.verdict == Verdict::violation) {
    trace = trace_json(model, bounds, report);
    j["trace"] = trace;
  }

  // The summary goes to stdout, unless the JSON does.
  FILE* out = cfg.json_path == "-" ? stderr : stdout;
  std::string bounds_line;
  for (const auto& [k, v] : bounds) bounds_line += fmt::format(" --{}={}", flag_name(k), v);
  fmt::print(out, "synod-check {}{}\n", model.name(), cfg.spec_path.empty() ? "" : " (spec " + cfg.spec_path + ")");
  fmt::print(out, "  bounds:{}\n", bounds_line);
  fmt::print(out, "  search: {}, {} thread{}, symmetry {}, {}-bit fingerprints{}\n", to_string(report.search),
             report.threads, report.threads == 1 ? "" : "s", report.symmetry ? "on" : "off", report.fingerprint_bits,
             report.complete ? "" : " (not exhaustive)");
  fmt::print(out, "  states: {} generated, {} distinct, max depth {}\n", with_commas(report.states_generated),
             with_commas(report.distinct_states), report.max_depth);
  fmt::print(out, "  time: {:.2f} s, {} distinct states/s, peak RSS {:.1f} MiB\n", report.seconds,
             with_commas(static_cast<std::uint64_t>(report.states_per_second())),
             static_cast<double>(rss) / (1024.0 * 1024.0));
  fmt::print(out, "  seen set: {:.1f} bytes/state, collision probability {:.2g}\n", per_state,
             report.collision_probability);
  fmt::print(out, "  invariants ({}): {}\n", invariants.size(), fmt::join(invariants, ", "));
  fmt::print(out, "  goals ({}, with the states where each held): {}\n", goals.size(), fmt::join(goals_counted, "; "));
  if (!report.not_applicable.empty()) {
    fmt::print(out, "  goals not applicable within these bounds:");
    for (const auto& g : report.not_applicable) fmt::print(out, " \"{}\"", g);
    fmt::print(out, "\n");
  }
  switch (report.verdict) {
    case Verdict::ok:
      fmt::print(out, "  result: ok (every invariant holds, every {}goal reached)\n",
                 report.not_applicable.empty() ? "" : "applicable ");
      break;
    case Verdict::vacuous:
      fmt::print(out, "  result: VACUOUS - goal never reached:");
      for (const auto& u : report.unreached) fmt::print(out, " \"{}\"", u);
      fmt::print(out, "\n");
      break;
    case Verdict::violation:
      fmt::print(out, "  result: VIOLATION of \"{}\" after {} steps\n", report.property,
                 report.trace.empty() ? 0 : report.trace.size() - 1);
      if (!cfg.quiet) fmt::print(out, "  counterexample:\n{}", format_trace(model, report.trace));
      break;
  }
  if (cfg.expected.result || cfg.expected.distinct_states) {
    std::string expected_line;
    if (cfg.expected.result) expected_line += "result " + *cfg.expected.result;
    if (cfg.expected.distinct_states)
      expected_line += (expected_line.empty() ? "" : ", ") + with_commas(*cfg.expected.distinct_states) + " distinct states";
    switch (mismatch) {
      case Mismatch::none: fmt::print(out, "  expected by spec: {} - matches\n", expected_line); break;
      case Mismatch::result:
        fmt::print(out, "  expected by spec: {} - MISMATCH: the result is {}, not {}\n", expected_line,
                   to_string(report.verdict), *cfg.expected.result);
        break;
      case Mismatch::distinct_states:
        fmt::print(out, "  expected by spec: {} - MISMATCH: {} distinct states, not {} (exit {})\n", expected_line,
                   with_commas(report.distinct_states), with_commas(*cfg.expected.distinct_states), kExitCountMismatch);
        break;
    }
  } else if (cfg.expectations_voided) {
    fmt::print(out, "  expected by spec: not checked (flags change the explored space)\n");
  }
  std::fflush(out);

  try {
    if (!cfg.json_path.empty()) write_json_file(cfg.json_path, j);
    if (!cfg.trace_path.empty() && report.verdict == Verdict::violation) write_json_file(cfg.trace_path, trace);
    if (!cfg.trace_html_path.empty() && report.verdict == Verdict::violation) {
      std::ofstream page(cfg.trace_html_path);
      if (!page || !(page << trace_html(trace))) throw std::runtime_error("cannot write " + cfg.trace_html_path);
    }
    if (!cfg.emit_test_path.empty() && report.verdict == Verdict::violation) {
      std::ofstream test(cfg.emit_test_path);
      if (!test || !(test << emit_test(trace, format_trace(model, report.trace), cfg.command_line)))
        throw std::runtime_error("cannot write " + cfg.emit_test_path);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "synod-check: %s\n", e.what());
    return kExitUsage;
  }
  return exit_status(report.verdict, mismatch);
}

}  // namespace synod::check::cli
