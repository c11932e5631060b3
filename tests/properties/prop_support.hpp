// prop_support.hpp - how the property tests run: the case budget and seed
// (RapidCheck's RC_PARAMS first, then ours), what a case runs and checks,
// how many cases reached their subject, and what a failure prints (the
// seed, the shrunk schedule as a trace file, the replay commands). Every
// schedule runs on synod::trace::run (synod/trace/run.hpp), the runner
// synod-replay uses, so a trace a property writes replays there as it is.
//
// Environment (docs/testing.md):
//   RC_PARAMS="seed=S max_success=N ..."  RapidCheck's own parameters; every
//                        key it sets wins over the defaults below
//   SYNOD_PROP_CASES=N   cases per property (default: the CI budget)
//   SYNOD_PROP_SEED=S    the seed (default: fixed per property)
//   SYNOD_SOAK=1         fresh random seed, 20x the CI cases (unless set above;
//                        SYNOD_SOAK_FACTOR=F: Fx instead)
//   SYNOD_TRACE_DIR=DIR  where a failing case's shrunk trace is written (default: .)
//   SYNOD_PROP_NO_SHRINK=1  report the first failing case as found
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/detail/TestListenerAdapter.h>

#include <synod/trace/run.hpp>
#include <synod/trace/trace.hpp>

#include "prop_gen.hpp"

#ifndef SYNOD_REPLAY_COMMAND
#define SYNOD_REPLAY_COMMAND "synod-replay"
#endif

namespace synod::props {

using trace::Outcome;

// Simulation steps the good conditions after a schedule may take before a
// liveness case fails as not converging (trace::kStepLimit, the schedule's
// step_limit, which its trace keeps). The passing cases
// of the CI budget use under a thousand (printed per property as "liveness
// steps, most"); a stuck or message-storming run reaches this in a fraction
// of a second, so even shrinking it stays short.
inline constexpr std::size_t kLivenessStepLimit = 50'000;

inline std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long x = std::strtoull(v, &end, 10);
  if (end == v || *end != '\0') {
    std::cerr << name << "=" << v << " is not a number; using " << fallback << "\n";
    return fallback;
  }
  return x;
}

// Whether RC_PARAMS sets `key` ("key=value" words).
inline bool rc_params_sets(const std::string& key) {
  const char* v = std::getenv("RC_PARAMS");
  if (v == nullptr) return false;
  std::istringstream words(v);
  std::string w;
  while (words >> w)
    if (w.compare(0, key.size() + 1, key + "=") == 0 || w == key) return true;
  return false;
}

inline std::string trace_path_for(const std::string& id) {
  const char* dir = std::getenv("SYNOD_TRACE_DIR");
  std::string name = id;
  for (char& c : name)
    if (c == '/') c = '.';
  return std::string(dir != nullptr && *dir != '\0' ? dir : ".") + "/" + name + ".trace.json";
}

// What a property requires of its passing cases as a whole.
struct Requirements {
  // At most this fraction of cases may be vacuous: no Raft leader elected,
  // no Paxos value chosen.
  double max_vacuous = 0.5;
  // At least this fraction must overwrite a follower's entries (Raft).
  double min_overwriting = 0.0;
  // At least this fraction must complete a read (Raft, ReadIndex).
  double min_reading = 0.0;
  // At least this fraction must deliver a snapshot's last chunk (Raft, InstallSnapshot).
  double min_snapshotting = 0.0;
};

// One property's cases: runs schedules, fails the RapidCheck case on a
// violation (writing its trace first: during shrinking every failing
// candidate overwrites it, so what is left at the end is the shrunk
// counterexample), and counts what the passing cases reached.
class Cases {
 public:
  explicit Cases(std::string trace_path) : trace_path_(std::move(trace_path)) {}

  // Runs `s` on each kernel (cluster.kernel) in turn, a liveness schedule
  // with the step limit.
  void expect_ok(Schedule s, std::initializer_list<const char*> kernels) {
    if (s.liveness) s.step_limit = kLivenessStepLimit;
    Outcome first;
    bool have_first = false;
    for (const char* k : kernels) {
      s.kernel = k;
      const Outcome r = trace::run(s);
      if (!r.ok) {
        // The trace: the schedule without the events that did nothing, if
        // that still ends in the same violation (it does unless the
        // violation depends on the step counts in its detail).
        Schedule failing = trace::compact(s, r);
        Outcome again = trace::run(failing);
        if (again.ok || again.property != r.property) {
          failing = s;
          again = r;
        }
        failing = trace::expecting(failing, again);
        failing.source = "a failing property case, shrunk by RapidCheck";
        std::ofstream(trace_path_) << trace::to_text(failing) << "\n";
        RC_FAIL(r.property + " violated at step " + std::to_string(r.step) + " of " +
                std::to_string(s.events.size()) + " (kernel " + k + ", " + std::to_string(s.nodes) +
                " nodes; the trace keeps the " + std::to_string(failing.events.size()) +
                " events that did something, up to the violation): " + r.detail);
      }
      max_liveness_steps_ = std::max(max_liveness_steps_, r.liveness_steps);
      overwriting_ += r.overwrites != 0 ? 1 : 0;
      reading_ += r.reads_completed != 0 ? 1 : 0;
      snapshotting_ += r.snapshots_delivered != 0 ? 1 : 0;
      partial_ += r.partial_appends != 0 ? 1 : 0;
      ++runs_;
      if (!have_first) {
        first = r;
        have_first = true;
      }
    }
    const Outcome& o = first;
    ++cases_;
    vacuous_ += o.leaders == 0 ? 1 : 0;
    committed_ += o.committed != 0 ? 1 : 0;
    // The distribution RapidCheck prints on success.
    RC_TAG(std::to_string(s.nodes) + " nodes",
           s.events.size() < 200 ? "<200 events" : s.events.size() < 1000 ? "200-999 events" : ">=1000 events",
           o.leaders == 0 ? "no leader/chosen" : "leader/chosen",
           o.committed == 0 ? "none committed/learned" : "committed/learned");
  }

  std::size_t cases() const { return cases_; }
  std::size_t vacuous() const { return vacuous_; }

  // Checks the requirements; empty when met, else why not.
  // (With fewer than kMinCasesForRequirements cases - a quick run with a
  // small max_success - the fractions say too little and are not checked.)
  static constexpr std::size_t kMinCasesForRequirements = 100;
  std::string unmet(const Requirements& req) const {
    if (cases_ < kMinCasesForRequirements) return {};
    std::ostringstream why;
    const double vac = static_cast<double>(vacuous_) / static_cast<double>(cases_);
    if (vac > req.max_vacuous)
      why << vacuous_ << " of " << cases_ << " cases never elected a leader / chose a value (more than "
          << req.max_vacuous * 100 << "%): the generator does not reach the property's subject. ";
    const double ow = runs_ == 0 ? 0 : static_cast<double>(overwriting_) / static_cast<double>(runs_);
    if (ow < req.min_overwriting)
      why << overwriting_ << " of " << runs_ << " runs overwrote a follower's entries (fewer than "
          << req.min_overwriting * 100 << "%). ";
    const double rd = runs_ == 0 ? 0 : static_cast<double>(reading_) / static_cast<double>(runs_);
    if (rd < req.min_reading)
      why << reading_ << " of " << runs_ << " runs completed a read (fewer than " << req.min_reading * 100 << "%). ";
    const double sn = runs_ == 0 ? 0 : static_cast<double>(snapshotting_) / static_cast<double>(runs_);
    if (sn < req.min_snapshotting)
      why << snapshotting_ << " of " << runs_ << " runs delivered a snapshot (fewer than " << req.min_snapshotting * 100
          << "%). ";
    return why.str();
  }

  void print(std::ostream& os) const {
    auto pct = [](std::size_t k, std::size_t n) { return n == 0 ? 0.0 : 100.0 * static_cast<double>(k) / static_cast<double>(n); };
    os << "  vacuous (no leader / nothing chosen): " << vacuous_ << " of " << cases_ << " (" << pct(vacuous_, cases_)
       << "%); something committed / learned: " << committed_ << " (" << pct(committed_, cases_) << "%)\n";
    // Raft only: Paxos runs count neither.
    if (overwriting_ != 0 || partial_ != 0)
      os << "  runs overwriting a follower's entries: " << overwriting_ << " of " << runs_ << " ("
         << pct(overwriting_, runs_) << "%); with partial appends: " << partial_ << " (" << pct(partial_, runs_)
         << "%)\n";
    if (reading_ != 0)
      os << "  runs completing a read: " << reading_ << " of " << runs_ << " (" << pct(reading_, runs_) << "%)\n";
    if (snapshotting_ != 0)
      os << "  runs delivering a snapshot: " << snapshotting_ << " of " << runs_ << " (" << pct(snapshotting_, runs_)
         << "%)\n";
    if (max_liveness_steps_ != 0)
      os << "  liveness steps, most: " << max_liveness_steps_ << " (limit " << kLivenessStepLimit << ")\n";
  }

 private:
  std::string trace_path_;
  std::size_t cases_ = 0, vacuous_ = 0, committed_ = 0, runs_ = 0, overwriting_ = 0, partial_ = 0, reading_ = 0,
              snapshotting_ = 0;
  std::size_t max_liveness_steps_ = 0;
};

// The parameters: RapidCheck's configuration (RC_PARAMS) where it sets a
// key, else ours: the CI budget with a fixed seed per property, or the
// SYNOD_* environment.
inline rc::detail::TestParams params_for(const std::string& id, int ci_cases) {
  const bool soak = env_u64("SYNOD_SOAK", 0) != 0;
  rc::detail::TestParams p = rc::detail::configuration().testParams;
  if (!rc_params_sets("seed"))
    p.seed = env_u64("SYNOD_PROP_SEED", soak ? std::random_device{}() : std::hash<std::string>{}(id) & 0xFFFFFFFFu);
  const std::uint64_t factor = soak ? env_u64("SYNOD_SOAK_FACTOR", 20) : 1;
  if (!rc_params_sets("max_success"))
    p.maxSuccess = static_cast<int>(env_u64("SYNOD_PROP_CASES", factor * static_cast<std::uint64_t>(ci_cases)));
  if (!rc_params_sets("max_size")) p.maxSize = 100;
  if (!rc_params_sets("max_discard_ratio")) p.maxDiscardRatio = 10;
  if (!rc_params_sets("noshrink")) p.disableShrinking = env_u64("SYNOD_PROP_NO_SHRINK", 0) != 0;
  return p;
}

// Checks the property `body` (given a Cases to run its schedules through)
// and its Requirements; a failure names the seed, the trace and how to
// replay and rerun it.
template <class Body>
void check_property(int ci_cases, const Requirements& req, Body&& body) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string id = std::string(info->test_suite_name()) + "/" + info->name();
  const rc::detail::TestParams params = params_for(id, ci_cases);
  // First, so that a run stopped from outside (a soak's deadline, a CI
  // timeout) still names its seed.
  std::cout << id << ": seed " << params.seed << ", " << params.maxSuccess << " cases" << std::endl;
  rc::detail::TestMetadata metadata;
  metadata.id = id;
  metadata.description = info->name();
  const std::string trace = trace_path_for(id);
  std::remove(trace.c_str());
  // RapidCheck runs the body for each case and, after a failure, for each
  // shrink it tries; the counts are read only when every case passed.
  Cases cases(trace);
  const auto property = rc::detail::toProperty([&cases, &body] { body(cases); });
  const auto& reproduce = rc::detail::configuration().reproduce;
  rc::detail::TestListenerAdapter quiet;
  const auto result = reproduce.count(id) != 0
                          ? rc::detail::checkProperty(property, metadata, params, quiet, reproduce)
                          : rc::detail::checkProperty(property, metadata, params);
  const std::string rerun = "  rerun:        RC_PARAMS=\"seed=" + std::to_string(params.seed) +
                            " max_success=" + std::to_string(params.maxSuccess) + "\" <this test binary> --gtest_filter=" +
                            info->test_suite_name() + "." + info->name() + "\n";
  if (result.template is<rc::detail::SuccessResult>()) {
    const auto& success = result.template get<rc::detail::SuccessResult>();
    std::cout << id << ": " << success.numSuccess << " cases passed (seed " << params.seed << ")\n";
    for (const auto& [tags, count] : success.distribution) {
      std::cout << "  " << count << " x";
      for (const auto& t : tags) std::cout << " " << t << ";";
      std::cout << "\n";
    }
    cases.print(std::cout);
    const std::string why = cases.unmet(req);
    if (!why.empty()) FAIL() << id << ": " << why << "\n" << rerun;
    return;
  }
  std::ostringstream ss;
  rc::detail::printResultMessage(result, ss);
  FAIL() << ss.str() << "\n"
         << id << " failed with seed " << params.seed << ", " << params.maxSuccess << " cases.\n"
         << "  shrunk trace: " << trace << "\n"
         << "  replay it:    " << SYNOD_REPLAY_COMMAND << " " << trace << "\n"
         << rerun;
}

}  // namespace synod::props
