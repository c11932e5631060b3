// run.hpp - runs one model through the engine and reports the result the way
// DESIGN.md's contract says: a summary on stdout, `--json` and `--trace`
// files, and the exit status (0 ok, 1 violation, 2 bad input, 3 vacuous).
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
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <synod/check/checker.hpp>

namespace synod::check::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitViolation = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitVacuous = 3;

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

struct RunConfig {
  Options options;
  std::string json_path;    // "" none, "-" stdout
  std::string trace_path;   // "" none
  std::string spec_path;    // "" when run by model name
  Expected expected;
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

// The replayable trace: the model and its bounds, the initial state's index,
// then per step the action (index in the model's documented action order and
// the action's fields), a one-line description, and the state after it.
template <class M>
nlohmann::json trace_json(const M& model, const Bounds& bounds, const Report<M>& report) {
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t i = 0; i < report.trace.size(); ++i) {
    const auto& step = report.trace[i];
    nlohmann::json s;
    s["step"] = i;
    s["action_index"] = step.action_index;
    if (i == 0) {
      s["action"] = nullptr;
      s["text"] = "initial state";
    } else {
      s["action"] = model.action_json(report.trace[i - 1].state, *step.action);
      s["text"] = model.format_action(report.trace[i - 1].state, *step.action);
    }
    s["state"] = model.state_json(step.state);
    steps.push_back(std::move(s));
  }
  return {{"format", "synod-check-trace/1"},
          {"model", model.name()},
          {"bounds", bounds},
          {"property", report.property},
          {"steps", std::move(steps)}};
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
  j["unreached"] = report.unreached;
  if (report.search == Search::random)
    j["random"] = {{"walks", cfg.options.walks}, {"depth", cfg.options.walk_depth}, {"seed", cfg.options.seed}};
  if (cfg.options.max_depth != 0) j["max_depth_bound"] = cfg.options.max_depth;
  bool matches = true;
  if (cfg.expected.result || cfg.expected.distinct_states) {
    nlohmann::json e;
    if (cfg.expected.result) {
      e["result"] = *cfg.expected.result;
      matches = matches && *cfg.expected.result == to_string(report.verdict);
    }
    if (cfg.expected.distinct_states) {
      e["distinct_states"] = *cfg.expected.distinct_states;
      matches = matches && *cfg.expected.distinct_states == report.distinct_states;
    }
    e["matches"] = matches;
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
  switch (report.verdict) {
    case Verdict::ok: fmt::print(out, "  result: ok (every invariant holds, every goal reached)\n"); break;
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
  if (j.contains("expected"))
    fmt::print(out, "  expected by spec: {} - {}\n", j["expected"].dump(), matches ? "matches" : "MISMATCH");
  std::fflush(out);

  try {
    if (!cfg.json_path.empty()) write_json_file(cfg.json_path, j);
    if (!cfg.trace_path.empty() && report.verdict == Verdict::violation) write_json_file(cfg.trace_path, trace);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "synod-check: %s\n", e.what());
    return kExitUsage;
  }
  switch (report.verdict) {
    case Verdict::ok: return kExitOk;
    case Verdict::violation: return kExitViolation;
    case Verdict::vacuous: return kExitVacuous;
  }
  return kExitOk;
}

}  // namespace synod::check::cli
