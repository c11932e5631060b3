// synod/check/frontier.hpp - the sequential frontier policies: depth-first
// search from a stack, and random walks that each extend one path.
//
// Both discover states through SearchCore's steps, like the breadth-first
// search (parallel_bfs.hpp), which takes its frontier a level at a time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <synod/check/search.hpp>
#include <synod/random.hpp>

namespace synod::check::detail {

// Depth-first: a stack of states to expand, the lowest action index first.
template <class M, class Fp>
void depth_first(SearchCore<M, Fp>& core) {
  using State = typename M::State;
  using Action = typename M::Action;
  struct Frame {
    State state;
    std::uint64_t id;
    std::uint64_t depth;
  };
  const M& model = core.model();
  const Options& options = core.options();
  Report<M>& report = core.report();
  std::vector<Frame> stack;
  if (!core.discover_initial([&](const State& s, std::uint64_t id) { stack.push_back(Frame{s, id, 0}); })) return;
  std::reverse(stack.begin(), stack.end());  // first initial state on top
  ActionList<Action> acts;
  std::vector<Frame> children;
  while (!stack.empty()) {
    Frame frame = std::move(stack.back());
    stack.pop_back();
    report.max_depth = std::max(report.max_depth, frame.depth);
    if (options.max_depth != 0 && frame.depth >= options.max_depth) {
      report.complete = false;
      continue;
    }
    core.collect_actions(frame.state, acts);
    children.clear();
    for (std::uint32_t i = 0; i < acts.size(); ++i) {
      auto next = model.next_state(frame.state, acts[i]);
      if (!next) continue;
      ++report.states_generated;
      if (!model.within_boundary(*next)) continue;
      if (!core.seen().insert(core.fingerprint(*next))) continue;
      const std::uint64_t id = core.parents().size();
      core.parents().push_back(pack_link(frame.id, i));
      const int v = core.evaluate(*next, core.reached());
      if (v >= 0) {
        report.max_depth = std::max(report.max_depth, frame.depth + 1);
        core.violation(v, id);
        return;
      }
      children.push_back(Frame{std::move(*next), id, frame.depth + 1});
    }
    // Push in reverse so the lowest action index is explored first.
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(std::move(*it));
    core.progress(report.states_generated, stack.size(), frame.depth);
  }
}

// Random walks: options.walks paths of up to options.walk_depth steps, each
// from a random initial state, taking a random enabled action at each step.
// A walk never exhausts the space, so the search is never complete; the
// seen set only counts the distinct states met.
template <class M, class Fp>
void random_walks(SearchCore<M, Fp>& core) {
  using State = typename M::State;
  using Action = typename M::Action;
  const M& model = core.model();
  const Options& options = core.options();
  Report<M>& report = core.report();
  report.complete = false;
  std::vector<std::pair<State, std::uint32_t>> initial;
  {
    std::uint32_t index = 0;
    model.init_states([&](const State& s) {
      ++report.states_generated;
      if (model.within_boundary(s)) initial.emplace_back(s, index);
      ++index;
    });
  }
  if (initial.empty()) return;
  SplitMix64 rng(options.seed);
  ActionList<Action> acts;
  std::vector<std::uint32_t> candidates;
  std::vector<std::uint32_t> path;
  for (std::uint64_t w = 0; w < options.walks; ++w) {
    const auto& start = initial[rng.uniform(0, static_cast<std::uint32_t>(initial.size() - 1))];
    State s = start.first;
    path.clear();
    std::uint64_t depth = 0;
    for (;;) {
      if (core.seen().insert(core.fingerprint(s))) core.parents().push_back(0);  // distinct count only
      const int v = core.evaluate(s, core.reached());
      if (v >= 0) {
        core.violation(v, start.second, path);
        return;
      }
      if (depth >= options.walk_depth) break;
      core.collect_actions(s, acts);
      candidates.resize(acts.size());
      for (std::uint32_t i = 0; i < acts.size(); ++i) candidates[i] = i;
      std::optional<State> next;
      while (!candidates.empty()) {
        const std::uint32_t j = rng.uniform(0, static_cast<std::uint32_t>(candidates.size() - 1));
        const std::uint32_t i = candidates[j];
        next = model.next_state(s, acts[i]);
        if (next) ++report.states_generated;
        if (next && model.within_boundary(*next)) {
          path.push_back(i);
          break;
        }
        next.reset();
        candidates[j] = candidates.back();
        candidates.pop_back();
      }
      if (!next) break;  // no enabled action: the walk ends here
      s = std::move(*next);
      ++depth;
      report.max_depth = std::max(report.max_depth, depth);
    }
    core.progress(report.states_generated, options.walks - w, depth);
  }
}

}  // namespace synod::check::detail
