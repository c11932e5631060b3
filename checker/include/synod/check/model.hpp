// synod/check/model.hpp - the model concept the checker explores.
//
// A model is a value with stateright's verbs (DESIGN.md, STYLE.md item 10):
//
//   using State, using Action            regular value types (copyable)
//   init_states(emit)                    calls emit(State) once per initial state
//   actions(state, emit)                 calls emit(const Action&) once per enabled
//                                        action, in a DETERMINISTIC order the model
//                                        documents; the position in that order is
//                                        the action's index, which parent links and
//                                        traces use to replay a path
//   next_state(state, action)            -> std::optional<State>; nullopt when the
//                                        action turns out to change nothing useful
//   within_boundary(state)               false: the state is dropped (not stored,
//                                        not checked, not expanded) - stateright's rule
//   properties()                         named always / sometimes predicates
//   fingerprint(state, seed)             64-bit hash of the state's meaning; two
//                                        seeds give the two halves of --fp128
//
// Optional:
//   canonical_fingerprint(state, seed)   the same for every renaming of node ids
//                                        (symmetry reduction); the checker only
//                                        uses it to deduplicate, it keeps and
//                                        replays the concrete states, so traces
//                                        always name real node ids
//   format_action(state, action)         one human line: who did what to whom
//   format_change(before, after)         what changed, for numbered trace steps
//   format_state(state)                  a whole state (the trace's first step)
//   fingerprint_base(state),             a successor's fingerprint without building
//   successor(state, base, action)       it (IncrementalModel below); the BFS then
//                                        builds only the successors it keeps
//   canonical_base(state),               the same for the canonical fingerprint
//   canonical_successor(state, base, a)  (IncrementalSymmetricModel), for --symmetry
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace synod::check {

// The two seeds the engine passes to fingerprint(): the first for 64-bit
// fingerprints, both for --fp128. Models that cache component hashes may cache
// one per seed.
inline constexpr std::uint64_t kPrimarySeed = 0x243f6a8885a308d3ULL;
inline constexpr std::uint64_t kSecondarySeed = 0x13198a2e03707344ULL;

enum class Expectation : std::uint8_t {
  always,     // an invariant: must hold in every reachable state
  sometimes,  // a reachability goal: must hold in at least one reachable state
};

template <class M>
struct Property {
  std::string_view name;
  Expectation expectation;
  bool (*holds)(const M& model, const typename M::State& state);
  // A goal the model's bounds can rule out (no crash budget: no restart)
  // says so here: when applicable(model) is false the goal is reported as
  // not applicable instead of failing the run as vacuous. nullptr: always
  // applicable.
  bool (*applicable)(const M& model) = nullptr;

  static constexpr Property always(std::string_view n, bool (*f)(const M&, const typename M::State&)) {
    return {n, Expectation::always, f, nullptr};
  }
  static constexpr Property sometimes(std::string_view n, bool (*f)(const M&, const typename M::State&),
                                      bool (*applicable)(const M&) = nullptr) {
    return {n, Expectation::sometimes, f, applicable};
  }
};

namespace detail {
template <class T>
struct Sink {
  void operator()(const T&) const {}
};
}  // namespace detail

template <class M>
concept Model = requires(const M& m, const typename M::State& s, const typename M::Action& a,
                         detail::Sink<typename M::State> state_sink,
                         detail::Sink<typename M::Action> action_sink, std::uint64_t seed) {
  requires std::copyable<typename M::State>;
  requires std::copyable<typename M::Action>;
  m.init_states(state_sink);
  m.actions(s, action_sink);
  { m.next_state(s, a) } -> std::same_as<std::optional<typename M::State>>;
  { m.within_boundary(s) } -> std::convertible_to<bool>;
  { m.fingerprint(s, seed) } -> std::same_as<std::uint64_t>;
  { m.properties() } -> std::convertible_to<std::span<const Property<M>>>;
};

// Optional, for any model: prepare_thread() const, which a BFS calls once
// on its calling thread before it starts, and once on each worker thread
// when that starts, while the levels go on without it on the calling thread
// alone; a model that keeps per-thread caches (Memo's) allocates them there.

template <class M>
concept SymmetricModel = Model<M> && requires(const M& m, const typename M::State& s, std::uint64_t seed) {
  { m.canonical_fingerprint(s, seed) } -> std::same_as<std::uint64_t>;
};

// What IncrementalModel::successor tells of next_state(state, action)
// without building it.
struct Successor {
  std::uint64_t fingerprint;  // fingerprint(next, kPrimarySeed)
  bool within_boundary;       // within_boundary(next)
};

// A model whose successors' primary fingerprints are cheaper than the
// successors: successor(s, fingerprint_base(s), a) is nullopt exactly when
// next_state(s, a) is, and otherwise equals what the built state gives. The
// BFS (64-bit fingerprints, no --symmetry) then fingerprints every successor
// this way and calls next_state only for the new ones; it checks each built
// state's fingerprint (fingerprint_from_base of its fingerprint_base, which
// it keeps for the state's own expansion) against the predicted one and
// stops with an error if they ever differ.
template <class M>
concept IncrementalModel = Model<M> && requires(const M& m, const typename M::State& s, const typename M::Action& a,
                                                std::uint64_t base) {
  { m.fingerprint_base(s) } -> std::same_as<std::uint64_t>;
  { m.fingerprint_from_base(base) } -> std::same_as<std::uint64_t>;  // == fingerprint(s, kPrimarySeed)
  { m.successor(s, base, a) } -> std::same_as<std::optional<Successor>>;
};

// The same for --symmetry: canonical_successor(s, canonical_base(s), a)
// gives canonical_fingerprint(next, kPrimarySeed) of next = next_state(s, a)
// (and its boundary check) without building it, and canonical_from_base of
// a state's canonical_base is that state's canonical fingerprint. The base
// is model-defined (e.g. one sum per renaming). A model whose canonical
// verbs cover only some configurations also defines
// canonical_incremental() -> bool; when false, --symmetry searches build
// every successor and use canonical_fingerprint.
template <class M>
concept IncrementalSymmetricModel =
    SymmetricModel<M> && std::copyable<typename M::CanonicalBase> &&
    requires(const M& m, const typename M::State& s, const typename M::Action& a,
             const typename M::CanonicalBase& base) {
      { m.canonical_base(s) } -> std::same_as<typename M::CanonicalBase>;
      { m.canonical_from_base(base) } -> std::same_as<std::uint64_t>;
      { m.canonical_successor(s, base, a) } -> std::same_as<std::optional<Successor>>;
    };

template <class M>
concept DescribedModel = Model<M> && requires(const M& m, const typename M::State& s, const typename M::Action& a) {
  { m.format_action(s, a) } -> std::convertible_to<std::string>;
  { m.format_change(s, s) } -> std::convertible_to<std::string>;
  { m.format_state(s) } -> std::convertible_to<std::string>;
};

}  // namespace synod::check
