// prop_support.hpp - how the property tests run: generators for schedules,
// fixed seeds and case counts for CI, the soak knobs, and what a failure
// prints (the seed, the shrunk schedule as a trace file, the replay command).
//
// Environment (docs/testing.md):
//   SYNOD_PROP_CASES=N   cases per property (default: the CI budget below)
//   SYNOD_PROP_SEED=S    the seed (default: fixed per property)
//   SYNOD_SOAK=1         fresh random seed, 20x the CI cases (unless SYNOD_PROP_CASES)
//   SYNOD_TRACE_DIR=DIR  where a failing case's shrunk trace is written (default: .)
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <synod/trace/run.hpp>
#include <synod/trace/trace.hpp>

#ifndef SYNOD_REPLAY_COMMAND
#define SYNOD_REPLAY_COMMAND "synod-replay"
#endif

namespace synod::props {

using trace::Event;
using trace::Op;
using trace::Outcome;
using trace::Schedule;

// RapidCheck prints a counterexample with showValue: ours is the trace.
inline void showValue(const Schedule& s, std::ostream& os) { os << trace::to_text(s); }

// Weights of the events a generator draws.
struct Mix {
  int tick = 20, campaign = 0, heartbeat = 0, start_round = 0, deliver = 30, drop = 3, duplicate = 3,
      partition = 1, heal = 1, crash = 1, restart = 2, persist = 15, propose = 5;
};

inline rc::Gen<Event> gen_event(const Mix& mix) {
  namespace gen = rc::gen;
  // Nodes are drawn for the largest cluster and folded onto the real one by
  // gen_schedule, so events and cluster size shrink independently.
  const auto node = gen::inRange<std::uint8_t>(1, 6);
  const auto index = gen::inRange<std::uint32_t>(0, 48);
  auto node_op = [node](Op op) {
    return gen::map(node, [op](std::uint8_t n) { return Event{op, n, 0, {}}; });
  };
  auto net_op = [index](Op op) {
    return gen::map(index, [op](std::uint32_t k) { return Event{op, 0, k, {}}; });
  };
  std::vector<std::pair<std::size_t, rc::Gen<Event>>> choices;
  auto add = [&](int w, rc::Gen<Event> g) {
    if (w > 0) choices.emplace_back(static_cast<std::size_t>(w), std::move(g));
  };
  add(mix.deliver, net_op(Op::deliver));
  add(mix.tick, node_op(Op::tick));
  add(mix.persist, node_op(Op::persist));
  add(mix.campaign, node_op(Op::campaign));
  add(mix.start_round, node_op(Op::start_round));
  add(mix.heartbeat, node_op(Op::heartbeat));
  // Half the proposals go to node 0: the Raft leader (Paxos: node 1).
  add(mix.propose, gen::map(gen::pair(gen::inRange<std::uint8_t>(0, 10), gen::inRange<std::uint32_t>(1, 1000)),
                            [](const std::pair<std::uint8_t, std::uint32_t>& p) {
                              const std::uint8_t at = p.first < 5 ? 0 : static_cast<std::uint8_t>(p.first - 4);
                              return Event{Op::propose, at, p.second, {}};
                            }));
  add(mix.drop, net_op(Op::drop));
  add(mix.duplicate, net_op(Op::duplicate));
  add(mix.crash, node_op(Op::crash));
  add(mix.restart, node_op(Op::restart));
  add(mix.partition, gen::map(gen::inRange<std::uint32_t>(1, 63),
                              [](std::uint32_t m) { return Event{Op::partition, 0, m << 1, {}}; }));
  add(mix.heal, gen::just(Event{Op::heal, 0, 0, {}}));
  // A weighted choice that shrinks towards the first choices (RapidCheck's
  // weightedOneOf only takes an initializer list).
  std::size_t total = 0;
  for (const auto& c : choices) total += c.first;
  return gen::mapcat(gen::inRange<std::size_t>(0, total), [choices](std::size_t x) {
    for (const auto& [weight, g] : choices) {
      if (x < weight) return g;
      x -= weight;
    }
    return choices.back().second;
  });
}

// A cluster of 3 or 5 nodes and up to 20 * scale events (RapidCheck's size
// grows from 0 to 100 over the cases, so the longest runs are 20 * scale *
// 100 / 100 events; scale 20 gives up to 2000).
inline rc::Gen<Schedule> gen_schedule(std::string protocol, const Mix& mix, int scale, bool liveness) {
  namespace gen = rc::gen;
  return gen::apply(
      [protocol, liveness](std::uint8_t nodes, std::uint32_t seed, std::vector<Event> events) {
        Schedule s;
        s.protocol = protocol;
        s.kernel = "test";
        s.nodes = nodes;
        s.seed = seed;
        s.liveness = liveness;
        const std::uint32_t all = (1u << (nodes + 1)) - 2u;
        for (Event& e : events) {
          if (e.node != 0) e.node = static_cast<std::uint8_t>((e.node - 1) % nodes + 1);
          if (e.node == 0 && protocol == "paxos") e.node = 1;  // "the leader" is a Raft notion
          if (e.op == Op::partition) e.arg &= all;
        }
        s.events = std::move(events);
        return s;
      },
      gen::element<std::uint8_t>(3, 5), gen::inRange<std::uint32_t>(0, 1000),
      gen::scale(scale, gen::container<std::vector<Event>>(gen_event(mix))));
}

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

inline std::string trace_path_for(const std::string& id) {
  const char* dir = std::getenv("SYNOD_TRACE_DIR");
  std::string name = id;
  for (char& c : name)
    if (c == '/') c = '.';
  return std::string(dir != nullptr && *dir != '\0' ? dir : ".") + "/" + name + ".trace.json";
}

// Runs `s` and fails the RapidCheck case on a violation, first writing the
// schedule as a trace: during shrinking every failing candidate overwrites
// it, so what is left at the end is the shrunk counterexample.
inline void expect_ok(const Schedule& s, const std::string& trace_path) {
  const Outcome o = trace::run(s);
  // The distribution printed on success shows the cases were not vacuous.
  RC_TAG(s.events.size() < 200 ? "<200 events" : s.events.size() < 1000 ? "200-999 events" : ">=1000 events",
         o.leaders == 0 ? "no leader/chosen" : "leader/chosen", o.committed == 0 ? "none committed/learned"
                                                                                : "committed/learned");
  if (!o.ok) {
    Schedule failing = trace::expecting(s, o);
    failing.source = "a failing property case, shrunk by RapidCheck";
    std::ofstream(trace_path) << trace::to_text(failing) << "\n";
    RC_FAIL(o.property + " violated at step " + std::to_string(o.step) + " of " + std::to_string(s.events.size()) +
            ": " + o.detail);
  }
}

// Checks the property `body` with fixed parameters (the CI budget) or the
// environment's, and reports a failure with the seed and the replay command.
template <class Testable>
void check_property(int ci_cases, Testable&& body) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string id = std::string(info->test_suite_name()) + "/" + info->name();
  const bool soak = env_u64("SYNOD_SOAK", 0) != 0;
  rc::detail::TestParams params;
  params.seed = env_u64("SYNOD_PROP_SEED", soak ? std::random_device{}() : std::hash<std::string>{}(id) & 0xFFFFFFFFu);
  params.maxSuccess = static_cast<int>(env_u64("SYNOD_PROP_CASES", soak ? 20u * static_cast<unsigned>(ci_cases)
                                                                        : static_cast<unsigned>(ci_cases)));
  params.maxSize = 100;
  params.maxDiscardRatio = 10;
  params.disableShrinking = env_u64("SYNOD_PROP_NO_SHRINK", 0) != 0;
  rc::detail::TestMetadata metadata;
  metadata.id = id;
  metadata.description = info->name();
  const std::string trace = trace_path_for(id);
  std::remove(trace.c_str());
  const auto result = rc::detail::checkProperty(rc::detail::toProperty([&, body] { body(trace); }), metadata, params);
  if (result.template is<rc::detail::SuccessResult>()) {
    const auto& success = result.template get<rc::detail::SuccessResult>();
    std::cout << id << ": " << success.numSuccess << " cases passed (seed " << params.seed << ")\n";
    for (const auto& [tags, count] : success.distribution) {
      std::cout << "  " << count << " x";
      for (const auto& t : tags) std::cout << " " << t << ";";
      std::cout << "\n";
    }
    return;
  }
  std::ostringstream ss;
  rc::detail::printResultMessage(result, ss);
  FAIL() << ss.str() << "\n"
         << id << " failed with seed " << params.seed << ", " << params.maxSuccess << " cases.\n"
         << "  shrunk trace: " << trace << "\n"
         << "  replay it:    " << SYNOD_REPLAY_COMMAND << " " << trace << "\n"
         << "  rerun:        SYNOD_PROP_SEED=" << params.seed << " SYNOD_PROP_CASES=" << params.maxSuccess
         << " <this test binary> --gtest_filter=" << info->test_suite_name() << "." << info->name() << "\n";
}

}  // namespace synod::props
