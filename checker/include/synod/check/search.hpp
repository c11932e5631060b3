// synod/check/search.hpp - what every search shares: its options and
// report, and the steps by which it discovers states.
//
// One skeleton, three frontier policies:
//   * every search discovers states through the same steps (SearchCore):
//     generate the successors of a state by action index, drop those
//     outside the boundary, fingerprint (canonically under --symmetry),
//     insert into the seen set, record a parent link (parent id, action
//     index), evaluate the properties;
//   * BFS takes its frontier one level at a time (parallel_bfs.hpp), DFS
//     from a stack and a random walk from one path it extends at random
//     (frontier.hpp).
//
// Counterexamples. A parent link (parent_links.hpp) names the state's
// parent and the index of the action that led from it. The trace is
// rebuilt by following links to an initial state and replaying the action
// indices from it, so the steps are the concrete states the search stored
// (never a symmetric image): with --symmetry only the deduplication uses
// canonical fingerprints.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <synod/check/model.hpp>
#include <synod/check/parent_links.hpp>
#include <synod/check/seen_set.hpp>

namespace synod::check {

enum class Search : std::uint8_t { bfs, dfs, random };
enum class Verdict : std::uint8_t { ok, violation, vacuous };

constexpr std::string_view to_string(Search s) {
  switch (s) {
    case Search::bfs: return "bfs";
    case Search::dfs: return "dfs";
    case Search::random: return "random";
  }
  return "?";
}
constexpr std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::ok: return "ok";
    case Verdict::violation: return "violation";
    case Verdict::vacuous: return "vacuous";
  }
  return "?";
}

struct Options {
  Search search = Search::bfs;
  unsigned threads = 1;          // BFS only; DFS and random walks are sequential
  bool symmetry = false;         // deduplicate by canonical fingerprint
  bool fp128 = false;            // 128-bit fingerprints
  std::uint64_t max_depth = 0;   // 0: unbounded; states at this depth are not expanded
  std::uint64_t walks = 1000;    // random: number of walks
  std::uint64_t walk_depth = 100;  // random: steps per walk
  std::uint64_t seed = 1;        // random: generator seed
  bool progress = false;         // a line on stderr about once a second
};

template <class M>
struct TraceStep {
  std::optional<typename M::Action> action;  // none for the initial state
  std::uint32_t action_index = 0;            // initial state: its index among init_states
  typename M::State state;
};

template <class M>
struct Report {
  Verdict verdict = Verdict::ok;
  std::string property;                 // violated invariant, or first unreached goal
  std::vector<std::string> unreached;   // every sometimes-property never reached
  std::vector<std::string> not_applicable;  // goals the bounds rule out (not searched for)
  // Per property (in properties() order): the distinct states where a goal
  // held (random walks: the states visited, repeats included); 0 for
  // invariants and goals not applicable. On a violation, up to where the
  // search stopped.
  std::vector<std::uint64_t> goal_states;
  std::uint64_t states_generated = 0;   // successors computed, duplicates included
  std::uint64_t distinct_states = 0;
  std::uint64_t max_depth = 0;
  double seconds = 0;
  unsigned threads = 1;
  Search search = Search::bfs;
  bool symmetry = false;
  unsigned fingerprint_bits = 64;
  double collision_probability = 0;     // n^2 / 2^(bits+1)
  bool complete = true;                 // the bounded space was exhausted
  std::size_t seen_set_bytes = 0;
  std::size_t parent_link_bytes = 0;
  // BFS: wall-clock seconds in each phase of the levels (expanding states,
  // merging candidates into the seen set, building and checking the new
  // states); the rest of `seconds` is serial bookkeeping between phases.
  double expand_seconds = 0, merge_seconds = 0, build_seconds = 0;
  std::vector<TraceStep<M>> trace;      // on violation: initial state first

  double states_per_second() const { return seconds > 0 ? static_cast<double>(distinct_states) / seconds : 0.0; }
};

namespace detail {

inline constexpr std::uint64_t kSeedLo = kPrimarySeed;
inline constexpr std::uint64_t kSeedHi = kSecondarySeed;

// The actions enabled in one state, refilled for every state. Its append
// is always inlined into the model's actions() (GCC at -O2 does not inline
// std::vector's push_back there); it keeps its storage between states.
template <class A>
class ActionList {
 public:
  ActionList() = default;
  ActionList(const ActionList&) = delete;
  ActionList& operator=(const ActionList&) = delete;
  ActionList(ActionList&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), cap_(std::exchange(o.cap_, 0)) {}
  ~ActionList() {
    clear();
    if (data_ != nullptr) std::allocator<A>{}.deallocate(data_, cap_);
  }

  void clear() {
    std::destroy_n(data_, size_);
    size_ = 0;
  }
  [[gnu::always_inline]] void push_back(const A& a) {
    if (size_ == cap_) [[unlikely]]
      grow();
    std::construct_at(data_ + size_, a);
    ++size_;
  }
  std::size_t size() const { return size_; }
  const A& operator[](std::size_t i) const { return data_[i]; }

 private:
  [[gnu::noinline]] void grow() {
    const std::size_t cap = cap_ < 32 ? 64 : 2 * cap_;
    A* fresh = std::allocator<A>{}.allocate(cap);
    std::uninitialized_move_n(data_, size_, fresh);
    std::destroy_n(data_, size_);
    if (data_ != nullptr) std::allocator<A>{}.deallocate(data_, cap_);
    data_ = fresh;
    cap_ = cap;
  }
  A* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

inline double collision_probability(std::uint64_t n, unsigned bits) {
  const double dn = static_cast<double>(n);
  return std::min(1.0, dn * dn / std::ldexp(1.0, static_cast<int>(bits) + 1));
}

// The goals reached so far (a bit per property index) and, per property,
// in how many states each held. A thread of a parallel search keeps its
// own and merges it with |=.
struct Reached {
  std::uint64_t mask = 0;
  std::array<std::uint64_t, 64> states{};
  Reached& operator|=(const Reached& o) {
    mask |= o.mask;
    for (std::size_t i = 0; i < states.size(); ++i) states[i] += o.states[i];
    return *this;
  }
  void clear_counts() { states.fill(0); }
};

// A search's state and the steps every frontier policy discovers states
// by: the model and its properties, the seen set, the parent links, the
// goals reached so far and the report being filled in.
template <Model M, class Fp>
class SearchCore {
 public:
  using State = typename M::State;
  using Action = typename M::Action;

  SearchCore(const M& model, const Options& options) : model_(model), options_(options) {
    const auto props = model_.properties();
    properties_.assign(props.begin(), props.end());
    if (properties_.size() > 64) throw std::invalid_argument("a model may declare at most 64 properties");
    for (std::size_t i = 0; i < properties_.size(); ++i) {
      if (properties_[i].expectation == Expectation::sometimes) {
        if (properties_[i].applicable != nullptr && !properties_[i].applicable(model_)) {
          report_.not_applicable.emplace_back(properties_[i].name);
        } else {
          sometimes_all_ |= std::uint64_t{1} << i;
        }
      } else {
        always_.push_back(properties_[i].holds);
        always_index_.push_back(static_cast<int>(i));
      }
    }
    if (options_.symmetry && !SymmetricModel<M>)
      throw std::invalid_argument("this model does not support --symmetry (no canonical fingerprint)");
    if (options_.threads == 0) options_.threads = 1;
  }

  const M& model() const { return model_; }
  const Options& options() const { return options_; }
  SeenSet<Fp>& seen() { return seen_; }
  LinkArray& parents() { return parents_; }  // parent link per distinct state id
  Report<M>& report() { return report_; }
  // The sometimes-properties reached so far, and their state counts.
  Reached& reached() { return reached_; }

  // Starts the clock and fills in what the report says about the search.
  void start() {
    start_ = std::chrono::steady_clock::now();
    last_progress_ = start_;
    report_.threads = options_.search == Search::bfs ? options_.threads : 1;
    report_.search = options_.search;
    report_.symmetry = options_.symmetry;
    report_.fingerprint_bits = FingerprintTraits<Fp>::bits;
  }

  Fp fingerprint(const State& s) const {
    auto one = [&](std::uint64_t seed) -> std::uint64_t {
      if constexpr (SymmetricModel<M>) {
        if (options_.symmetry) return model_.canonical_fingerprint(s, seed);
      }
      return model_.fingerprint(s, seed);
    };
    if constexpr (std::is_same_v<Fp, Fp128>) {
      return Fp128{one(kSeedLo), one(kSeedHi)};
    } else {
      return one(kSeedLo);
    }
  }

  // Index of the first violated invariant, or -1; the goals that hold in
  // `s` go to `reached`.
  int evaluate(const State& s, Reached& reached) const {
    int violated = -1;
    for (std::size_t k = 0; k < always_.size(); ++k) {
      if (!always_[k](model_, s)) {
        violated = always_index_[k];
        break;
      }
    }
    for (std::uint64_t todo = sometimes_all_; todo != 0; todo &= todo - 1) {
      const int i = std::countr_zero(todo);
      if (properties_[static_cast<std::size_t>(i)].holds(model_, s)) {
        reached.mask |= std::uint64_t{1} << i;
        ++reached.states[static_cast<std::size_t>(i)];
      }
    }
    return violated;
  }

  void collect_actions(const State& s, ActionList<Action>& out) const {
    out.clear();
    model_.actions(s, [&out](const Action& a) __attribute__((always_inline)) { out.push_back(a); });
    if (out.size() >= kMaxActions) throw std::length_error("more than 2^24 actions enabled in one state");
  }

  // Initial states in boundary, each discovered once; returns false on a violation.
  template <class Keep>
  bool discover_initial(Keep&& keep) {
    std::uint32_t index = 0;
    bool ok = true;
    model_.init_states([&](const State& s) {
      const std::uint32_t my_index = index++;
      ++report_.states_generated;
      if (!ok || !model_.within_boundary(s)) return;
      if (!seen_.insert(fingerprint(s))) return;
      const std::uint64_t id = parents_.size();
      parents_.push_back(pack_link(kNoParent, my_index));
      const int v = evaluate(s, reached_);
      if (v >= 0) {
        violation(v, id);
        ok = false;
        return;
      }
      keep(s, id);
    });
    return ok;
  }

  // Property `property` fails in state `id`: the verdict, and the trace
  // rebuilt from the parent links.
  void violation(int property, std::uint64_t id) {
    std::vector<std::uint32_t> path;
    std::uint64_t link = parents_[id];
    while (link_parent(link) != kNoParent) {
      path.push_back(link_action(link));
      link = parents_[link_parent(link)];
    }
    std::reverse(path.begin(), path.end());
    violation(property, link_action(link), path);
  }
  // The same for the state reached from the init_index-th initial state by
  // the action indices in `path`.
  void violation(int property, std::uint32_t init_index, const std::vector<std::uint32_t>& path) {
    report_.verdict = Verdict::violation;
    report_.property = std::string(properties_[static_cast<std::size_t>(property)].name);
    report_.trace = replay(init_index, path);
  }

  // Rebuilds the concrete path: the init_index-th initial state, then each
  // action index in turn. Throws std::logic_error if the model is not
  // deterministic (the path cannot be replayed).
  std::vector<TraceStep<M>> replay(std::uint32_t init_index, const std::vector<std::uint32_t>& path) const {
    std::vector<TraceStep<M>> steps;
    std::uint32_t k = 0;
    std::optional<State> s;
    model_.init_states([&](const State& x) {
      if (k++ == init_index) s = x;
    });
    if (!s) throw std::logic_error("trace replay: initial state missing");
    steps.push_back(TraceStep<M>{std::nullopt, init_index, *s});
    ActionList<Action> acts;
    for (std::uint32_t a : path) {
      collect_actions(*s, acts);
      if (a >= acts.size()) throw std::logic_error("trace replay: action index out of range (model not deterministic?)");
      auto next = model_.next_state(*s, acts[a]);
      if (!next) throw std::logic_error("trace replay: action disabled (model not deterministic?)");
      steps.push_back(TraceStep<M>{acts[a], a, *next});
      s = std::move(next);
    }
    return steps;
  }

  // A line on stderr about once a second, with --progress.
  void progress(std::uint64_t generated, std::uint64_t queue, std::uint64_t depth) {
    if (!options_.progress) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress_ < std::chrono::seconds(1)) return;
    last_progress_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const std::uint64_t distinct = parents_.size();
    std::fprintf(stderr, "[%6.1fs] states %llu  distinct %llu  queue %llu  depth %llu  %.0f distinct/s\n", secs,
                 static_cast<unsigned long long>(generated), static_cast<unsigned long long>(distinct),
                 static_cast<unsigned long long>(queue), static_cast<unsigned long long>(depth),
                 secs > 0 ? static_cast<double>(distinct) / secs : 0.0);
  }

  // The report's totals, and the verdict for goals never reached.
  Report<M> finish() {
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    report_.distinct_states = parents_.size();
    report_.collision_probability = collision_probability(report_.distinct_states, report_.fingerprint_bits);
    report_.seen_set_bytes = seen_.bytes();
    report_.parent_link_bytes = parents_.bytes();
    for (std::size_t i = 0; i < properties_.size(); ++i) {
      if ((sometimes_all_ >> i & 1u) && !(reached_.mask & (std::uint64_t{1} << i)))
        report_.unreached.emplace_back(properties_[i].name);
    }
    report_.goal_states.assign(reached_.states.begin(), reached_.states.begin() + static_cast<std::ptrdiff_t>(properties_.size()));
    if (report_.verdict == Verdict::ok && !report_.unreached.empty()) {
      report_.verdict = Verdict::vacuous;
      report_.property = report_.unreached.front();
    }
    return std::move(report_);
  }

 private:
  const M& model_;
  Options options_;
  std::vector<Property<M>> properties_;
  std::uint64_t sometimes_all_ = 0;
  // The always-properties' predicates, and their indices, in order.
  std::vector<bool (*)(const M&, const State&)> always_;
  std::vector<int> always_index_;
  Reached reached_;
  SeenSet<Fp> seen_;
  LinkArray parents_;
  Report<M> report_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_progress_;
};

}  // namespace detail

}  // namespace synod::check
