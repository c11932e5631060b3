// synod/check/checker.hpp - the model checker's entry point: check(model,
// options), the Checker builder, and format_trace for counterexamples.
//
// The engine is in parts, each in its own header:
//   search.hpp        options, report, and the steps every search shares
//                     (SearchCore: fingerprint, seen set, parent links,
//                     properties, trace replay)
//   parallel_bfs.hpp  breadth-first search, a level at a time, on T threads
//                     with the same result for every T
//   bfs_chunks.hpp    what a BFS level's threads hand each other
//   frontier.hpp      depth-first search and random walks
//   worker_pool.hpp   the threads a parallel BFS runs its phases on
//   level_buffer.hpp  the arrays a BFS level lives in
//   parent_links.hpp  (parent id, action index) per distinct state
//   memory.hpp        where the big arrays get their memory
#pragma once

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <synod/check/frontier.hpp>
#include <synod/check/model.hpp>
#include <synod/check/parallel_bfs.hpp>
#include <synod/check/search.hpp>

namespace synod::check {

// One search of a model: the frontier policy that options.search names,
// over the steps every search shares.
template <Model M, class Fp>
class Engine {
 public:
  using State = typename M::State;
  using Action = typename M::Action;

  Engine(const M& model, const Options& options) : core_(model, options) {}

  Report<M> run() {
    core_.start();
    switch (core_.options().search) {
      case Search::bfs: detail::breadth_first(core_); break;
      case Search::dfs: detail::depth_first(core_); break;
      case Search::random: detail::random_walks(core_); break;
    }
    return core_.finish();
  }

  // Rebuilds the concrete path: the init_index-th initial state, then each
  // action index in turn. Throws std::logic_error if the model is not
  // deterministic (the path cannot be replayed).
  std::vector<TraceStep<M>> replay(std::uint32_t init_index, const std::vector<std::uint32_t>& path) const {
    return core_.replay(init_index, path);
  }

 private:
  detail::SearchCore<M, Fp> core_;
};

// Runs one search; the fingerprint width follows options.fp128.
template <Model M>
[[nodiscard]] Report<M> check(const M& model, const Options& options) {
  if (options.fp128) return Engine<M, Fp128>(model, options).run();
  return Engine<M, std::uint64_t>(model, options).run();
}

// The builder (STYLE.md item 10): every setter and run() is [[nodiscard]], so a
// configured run cannot be silently dropped.
template <Model M>
class Checker {
 public:
  explicit Checker(const M& model) : model_(model) {}
  [[nodiscard]] Checker& search(Search s) { options_.search = s; return *this; }
  [[nodiscard]] Checker& threads(unsigned t) { options_.threads = t; return *this; }
  [[nodiscard]] Checker& symmetry(bool on = true) { options_.symmetry = on; return *this; }
  [[nodiscard]] Checker& fp128(bool on = true) { options_.fp128 = on; return *this; }
  [[nodiscard]] Checker& max_depth(std::uint64_t d) { options_.max_depth = d; return *this; }
  [[nodiscard]] Checker& random_walks(std::uint64_t walks, std::uint64_t depth, std::uint64_t seed) {
    options_.search = Search::random;
    options_.walks = walks;
    options_.walk_depth = depth;
    options_.seed = seed;
    return *this;
  }
  [[nodiscard]] Checker& progress(bool on = true) { options_.progress = on; return *this; }
  [[nodiscard]] Checker& options(const Options& o) { options_ = o; return *this; }
  [[nodiscard]] Report<M> run() const { return check(model_, options_); }

 private:
  const M& model_;
  Options options_;
};

// A counterexample as numbered steps a person can read without the source.
template <DescribedModel M>
std::string format_trace(const M& model, const std::vector<TraceStep<M>>& trace) {
  std::ostringstream out;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (i == 0) {
      out << "  0. initial state\n" << model.format_state(trace[0].state);
      continue;
    }
    out << "  " << i << ". " << model.format_action(trace[i - 1].state, *trace[i].action) << "\n";
    out << model.format_change(trace[i - 1].state, trace[i].state);
  }
  return out.str();
}

}  // namespace synod::check
