// synod/check/model_support.hpp - the pieces every kernel model of the
// checker needs around the engine: interned components with cached hashes,
// a canonical in-flight network, a cheap hash combiner and memo keys for
// node transitions.
//
// A model keeps each distinct component of its states (a kernel node, a
// disk, a message, a ghost history) once, in a ComponentPool, and stores
// 32-bit references in its states (collapse compression, see intern.hpp).
// Interning computes the component's hashes once: under the first `Cached`
// renamings of the model's symmetry group with the primary seed, and under
// the identity with the secondary seed; a fingerprint then adds cached
// terms (sum_hash below). Hashes under other renamings or seeds are computed
// on demand (same numbers, only slower). The identity/primary hash and the
// component's summary (a few bits actions() reads) also live in the
// InternPool's dense side table (InternPool::hot): the hot path (actions,
// network order, the identity fingerprint) reads 16 bytes per component
// there, not the interned record.
//
// The network is a sorted multiset of message references in a fixed array:
// by the message's identity hash, then by content (a model-given strict weak
// order), so two states with the same messages in flight hold the same array
// whatever order the messages were sent in, and nothing depends on a
// reference's number. Adding keeps it sorted (insertion, no allocation);
// removing shifts down.
//
// Nothing here allocates on the hot path (interning a new component does,
// once per distinct component) or calls virtual functions; everything is a
// template inlined into the model.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <synod/check/intern.hpp>
#include <synod/check/model.hpp>
#include <synod/hash.hpp>
#include <synod/ids.hpp>

namespace synod::check {

// ------------------------------------------------------------------ hashing

// Combines already-strong 64-bit hashes in order: a cheap step per hash,
// one strong finish (Hasher::mix). (Memo keys of sums, e.g.)
class Combiner {
 public:
  explicit constexpr Combiner(std::uint64_t seed) : h_(seed) {}
  constexpr void add(std::uint64_t x) { h_ = std::rotl(h_ ^ x, 27) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL; }
  std::uint64_t value() const { return Hasher::mix(h_); }

 private:
  std::uint64_t h_;
};

// An additive fingerprint: the state's hash is finish(sum of terms), one
// term per component, term(component hash, salt of the component's slot).
// The sum is a multiset hash (equal messages in flight add equal terms, in
// any order), and a successor's sum is its parent's with the changed terms
// swapped, so a model can compute a successor's fingerprint from a memoised
// step without building the successor (IncrementalModel in model.hpp).
// Terms are strong mixes of distinct (hash, salt) pairs, so two different
// states' sums are equal with probability about 2^-64, like any fingerprint.
namespace sum_hash {
// Salt of slot `index` of component kind `kind` (a few kinds, a few slots).
constexpr std::uint64_t salt(std::uint64_t kind, std::uint64_t index) {
  return Hasher::mix(0x8a5cd789635d2dffULL + kind * 0x9e3779b97f4a7c15ULL + index);
}
constexpr std::uint64_t term(std::uint64_t hash, std::uint64_t salt) { return Hasher::mix(hash ^ salt); }
constexpr std::uint64_t finish(std::uint64_t sum, std::uint64_t seed) { return Hasher::mix(sum ^ seed); }

// A model under symmetry keeps one sum per renaming; SumLanes holds them in
// vector registers (two 64-bit lanes each, GCC/Clang vector types) while a
// state's or a successor's sums are accumulated: adding a component's terms
// under every renaming is then N/2 vector additions, and the sums never
// round-trip through memory.
template <std::size_t N>
using Sums = std::array<std::uint64_t, N>;
namespace detail {
typedef std::uint64_t Lanes __attribute__((vector_size(16)));
}  // namespace detail
template <std::size_t N>
class SumLanes {
 public:
  SumLanes() = default;
  explicit SumLanes(const Sums<N>& s) {
    for (std::size_t k = 0; k < kPairs; ++k) std::memcpy(&pair_[k], &s[2 * k], sizeof pair_[k]);
    if constexpr (N % 2 == 1) tail_ = s[N - 1];
  }
  void add(const Sums<N>& t) {
    for (std::size_t k = 0; k < kPairs; ++k) pair_[k] += load(t, k);
    if constexpr (N % 2 == 1) tail_ += t[N - 1];
  }
  void sub(const Sums<N>& t) {
    for (std::size_t k = 0; k < kPairs; ++k) pair_[k] -= load(t, k);
    if constexpr (N % 2 == 1) tail_ -= t[N - 1];
  }
  void add_each(std::uint64_t x) {
    for (std::size_t k = 0; k < kPairs; ++k) pair_[k] += x;
    if constexpr (N % 2 == 1) tail_ += x;
  }
  // The smallest sum; `unused` has all ones in the lanes past the model's
  // last renaming (never the minimum). Read straight from the registers.
  std::uint64_t min(const Sums<N>& unused) const {
    if constexpr (kPairs == 0) {
      return tail_;  // one sum
    } else {
      std::uint64_t best = pair_[0][0];
      auto take = [&best](std::uint64_t x) { best = x < best ? x : best; };
      take(pair_[0][1] | unused[1]);
      for (std::size_t k = 1; k < kPairs; ++k) {
        take(pair_[k][0] | unused[2 * k]);
        take(pair_[k][1] | unused[2 * k + 1]);
      }
      if constexpr (N % 2 == 1) take(tail_ | unused[N - 1]);
      return best;
    }
  }
  Sums<N> value() const {
    Sums<N> s{};
    for (std::size_t k = 0; k < kPairs; ++k) std::memcpy(&s[2 * k], &pair_[k], sizeof pair_[k]);
    if constexpr (N % 2 == 1) s[N - 1] = tail_;
    return s;
  }

 private:
  static constexpr std::size_t kPairs = N / 2;
  static detail::Lanes load(const Sums<N>& t, std::size_t k) {
    detail::Lanes x;
    std::memcpy(&x, &t[2 * k], sizeof x);
    return x;
  }
  detail::Lanes pair_[kPairs == 0 ? 1 : kPairs] = {};
  std::uint64_t tail_ = 0;
};

// The terms the protocol models share. Kinds of salt: 0 node slots, 1 disk
// slots, 2 messages, 3 ghost histories, 4 the budgets' word, 5 per-slot
// flags (model-defined). A node or disk term is salted by the slot its node
// takes (under a renaming, the slot of the id it is renamed to); a message
// or history term is the same in every slot.
template <std::size_t Slots>
struct Terms {
  static constexpr std::array<std::uint64_t, Slots> kNodeSalts = [] {
    std::array<std::uint64_t, Slots> a{};
    for (std::size_t i = 0; i < Slots; ++i) a[i] = salt(0, i);
    return a;
  }();
  static constexpr std::array<std::uint64_t, Slots> kDiskSalts = [] {
    std::array<std::uint64_t, Slots> a{};
    for (std::size_t i = 0; i < Slots; ++i) a[i] = salt(1, i);
    return a;
  }();
  // A down node's term in each slot.
  static constexpr std::array<std::uint64_t, Slots> kDown = [] {
    std::array<std::uint64_t, Slots> a{};
    for (std::size_t i = 0; i < Slots; ++i) a[i] = term(0, kNodeSalts[i]);
    return a;
  }();
  static std::uint64_t node(std::size_t slot, std::uint64_t h) { return term(h, kNodeSalts[slot]); }
  static std::uint64_t disk(std::size_t slot, std::uint64_t h) { return term(h, kDiskSalts[slot]); }
  static std::uint64_t message(std::uint64_t h) { return term(h, salt(2, 0)); }
  static std::uint64_t history(std::uint64_t h) { return term(h, salt(3, 0)); }
  static std::uint64_t budgets(std::uint64_t word) { return term(word, salt(4, 0)); }
};

// The smallest of a symmetric model's sums, one per renaming, from an
// array (SumLanes::min's rule).
template <std::size_t N>
std::uint64_t min_sum(const Sums<N>& sums, const Sums<N>& unused) {
  return SumLanes<N>(sums).min(unused);
}
}  // namespace sum_hash

// What memoised steps add to a symmetric model's sums (one per renaming),
// interned: a step result keeps a 32-bit reference (NodeStepResult::sums_delta).
template <std::size_t N>
class SumsDeltas {
 public:
  Ref intern(const sum_hash::Sums<N>& v) {
    Combiner h(kPrimarySeed);
    for (const std::uint64_t x : v) h.add(x);
    return pool_.intern(
        h.value(), v, [](const sum_hash::Sums<N>& a, const sum_hash::Sums<N>& b) { return a == b; }, [&] { return v; });
  }
  const sum_hash::Sums<N>& operator[](Ref ref) const { return pool_[ref]; }

 private:
  InternPool<sum_hash::Sums<N>> pool_;
};

// The hash of a memo key made of two 64-bit words (pack references and small
// enums into them). It only places keys in memo tables (equal keys are then
// compared), so one strong mix is enough.
inline std::uint64_t memo_key_hash(std::uint64_t a, std::uint64_t b) {
  return Hasher::mix(a * 0x9e3779b97f4a7c15ULL ^ std::rotl(b, 29) ^ 0x632be59bd9b4e019ULL);
}

// ------------------------------------------------------------- components

// An interned component and its hashes (the hashes first: one cache line for
// Cached <= 7). Its summary is the pool's hot tag (ComponentPool::summary).
template <class V, std::size_t Cached>
struct Interned {
  std::array<std::uint64_t, Cached> hash{};  // [r]: under renaming r, primary seed (r < number of renamings)
  std::uint64_t secondary = 0;               // identity, secondary seed
  V value;
};

// How a ComponentPool hashes, compares and summarises its values (the
// summary: model-defined bits actions() reads, e.g. a message's destination
// or a node's role). The default: V::hash_append(Hasher&, const Renaming&),
// ==, summary 0. A model
// passes its own traits type (all three static, any subset may forward to
// these) to hash a value differently, intern up to a weaker equality (e.g.
// Node::protocol_equal, which leaves timers out) or summarise it.
struct ComponentTraits {
  template <class V>
  static std::uint64_t hash(const V& v, const Renaming& r, std::uint64_t seed) {
    Hasher h(seed);
    v.hash_append(h, r);
    return h.value();
  }
  template <class V>
  static bool equal(const V& a, const V& b) {
    return a == b;
  }
  template <class V>
  static std::uint32_t summary(const V&) {
    return 0;
  }
};

// A pool of interned components of type V. `renamings` (passed to the calls
// that hash) is the model's symmetry group, renamings[0] the identity; the
// same span must be passed on every call.
template <class V, std::size_t Cached, class Traits = ComponentTraits>
class ComponentPool {
 public:
  static_assert(Cached >= 1, "the identity's hash is always cached");
  using Record = Interned<V, Cached>;

  ComponentPool() = default;
  ComponentPool(const ComponentPool&) = delete;
  ComponentPool& operator=(const ComponentPool&) = delete;

  // The reference of the stored value Traits::equal to v, storing v (with its
  // hashes and `aux`, which must be the same for equal values: see aux())
  // when there is none. Thread-safe.
  Ref intern(const V& v, std::span<const Renaming> renamings, std::uint32_t aux = 0) {
    const std::uint64_t h0 = Traits::hash(v, kIdentity, kPrimarySeed);
    return pool_.intern(
        h0, v, [](const Record& stored, const V& key) { return Traits::equal(stored.value, key); },
        [&] {
          Record rec{{}, Traits::hash(v, kIdentity, kSecondarySeed), v};
          rec.hash[0] = h0;
          for (std::size_t r = 1; r < Cached && r < renamings.size(); ++r)
            rec.hash[r] = Traits::hash(v, renamings[r], kPrimarySeed);
          return rec;
        },
        Traits::summary(v), aux);
  }

  const Record& operator[](Ref ref) const { return pool_[ref]; }
  const V& value(Ref ref) const { return pool_[ref].value; }
  // From the dense side table: the summary, and the identity hash with the
  // primary seed (what orders the network and the identity fingerprint uses).
  std::uint32_t summary(Ref ref) const { return pool_.hot(ref).tag; }
  std::uint64_t identity_hash(Ref ref) const { return pool_.hot(ref).hash; }
  // The model-defined word given when the value was interned.
  std::uint32_t aux(Ref ref) const { return pool_.hot(ref).aux; }

  // The component's hash under renamings[r] with `seed`: cached when it can
  // be (and `cached`; false recomputes, for tests of the cache), else
  // computed now.
  std::uint64_t hash(Ref ref, std::size_t r, std::uint64_t seed, std::span<const Renaming> renamings,
                     bool cached = true) const {
    if (cached && seed == kPrimarySeed && r == 0) return pool_.hot(ref).hash;
    const Record& rec = pool_[ref];
    if (cached && seed == kPrimarySeed && r < Cached) return rec.hash[r];
    if (cached && seed == kSecondarySeed && r == 0) return rec.secondary;
    return Traits::hash(rec.value, renamings[r], seed);
  }

  // Whether a sorts before b in a canonical network: by identity hash, then
  // by content (`content_less`, a strict weak order that equates only equal
  // values).
  template <class ContentLess>
  bool ordered_before(Ref a, Ref b, ContentLess&& content_less) const {
    const std::uint64_t ha = pool_.hot(a).hash, hb = pool_.hot(b).hash;
    if (ha != hb) return ha < hb;
    return content_less(pool_[a].value, pool_[b].value);
  }

  std::size_t size() const { return pool_.size(); }
  std::size_t bytes() const { return pool_.bytes(); }

 private:
  InternPool<Record> pool_;
};

// ---------------------------------------------------------------- network

// Adds message m to the sorted multiset network[0, in_flight), keeping it
// sorted by `before` (e.g. [&](Ref a, Ref b) { return messages.ordered_before(a, b, less); }).
// False, and no change, when it is full.
template <std::size_t N, class Before>
bool network_add(std::array<Ref, N>& network, std::uint8_t& in_flight, Ref m, Before&& before) {
  static_assert(N <= 255, "in_flight is 8 bits");
  if (in_flight == N) return false;
  std::size_t k = in_flight;
  while (k > 0 && before(m, network[k - 1])) {
    network[k] = network[k - 1];
    --k;
  }
  network[k] = m;
  ++in_flight;
  return true;
}

// Removes the message at position k < in_flight; the slot freed at the end
// is reset to kNoRef (states are compared field-wise).
template <std::size_t N>
void network_remove(std::array<Ref, N>& network, std::uint8_t& in_flight, std::size_t k) {
  for (std::size_t j = k + 1; j < in_flight; ++j) network[j - 1] = network[j];
  --in_flight;
  network[in_flight] = kNoRef;
}

// Calls f(k) for the first position k of each run of equal messages: the
// distinct messages in flight (delivering either copy of a duplicate leads
// to the same state).
template <std::size_t N, class F>
void for_each_distinct_message(const std::array<Ref, N>& network, std::size_t in_flight, F&& f) {
  for (std::size_t k = 0; k < in_flight; ++k)
    if (k == 0 || network[k] != network[k - 1]) f(static_cast<std::uint8_t>(k));
}

// ------------------------------------------------------------- memo keys

// One input to one interned node: (node, argument[, disk]) -> NodeStepResult.
// `Kind` is the model's action enum (value-initialised: its first member).
template <class Kind>
struct NodeStepKey {
  static_assert(sizeof(Kind) <= 4, "a step key is 16 bytes");
  Ref node = kNoRef;
  Ref arg = 0;        // deliver: the message; otherwise model-defined (0 when unused)
  Ref disk = kNoRef;  // only for inputs whose outcome depends on the disk (persist)
  Kind kind{};
  std::array<std::uint8_t, 4 - sizeof(Kind)> padding{};  // always zero: keys compare as two words
  std::uint64_t hash() const {
    return memo_key_hash(std::uint64_t{node} << 32 | arg, std::uint64_t{disk} << 8 | static_cast<std::uint64_t>(kind));
  }
  friend bool operator==(const NodeStepKey& a, const NodeStepKey& b) {
    std::uint64_t x[2], y[2];
    std::memcpy(x, &a, sizeof x);
    std::memcpy(y, &b, sizeof y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
};
static_assert(sizeof(NodeStepKey<std::uint8_t>) == 16);

// The node after the input, its disk, the messages it sent (interned).
template <std::size_t MaxSent>
struct NodeStepResult {
  Ref node = kNoRef;
  Ref disk = kNoRef;
  std::array<Ref, MaxSent> sent{};
  std::uint8_t sent_count = 0;
  bool ok = false;     // false: refused, or it sent more than MaxSent
  bool record = true;  // false: the model knows the ghost cannot change nor see a violation
  std::uint8_t bits = 0;  // model-defined facts about the step (a function of the key)
  // A violation the step itself shows (the model's Violation code, 0: none),
  // seen on the node before it and after it with its outbox not yet taken.
  std::uint8_t violation = 0;
  // For models with additive fingerprints (sum_hash): what the step adds to
  // the state's sum (new terms minus old ones), a function of the key.
  std::uint64_t sum_delta = 0;
  // Model-defined: e.g. a reference to what the step adds to each sum of a
  // symmetric model (one per renaming).
  Ref sums_delta = kNoRef;

  // Moves node n's outbox into `sent`, each message interned by `intern`,
  // and empties the outbox; false when it held more than MaxSent messages.
  template <class N, class Intern>
  bool take_outbox(N& n, Intern&& intern) {
    bool fits = true;
    for (const auto& m : n.messages()) {
      if (sent_count == MaxSent) {
        fits = false;
        break;
      }
      sent[sent_count++] = intern(m);
    }
    n.clear_messages();
    return fits;
  }
};

// One ghost-history update: (history, node before, node after) ->
// RecordResult. before is kNoRef for a node that was down (just restarted).
struct RecordKey {
  Ref history = kNoRef;
  Ref before = kNoRef;
  Ref after = kNoRef;
  std::uint64_t hash() const { return memo_key_hash(std::uint64_t{history} << 32 | before, after); }
  friend bool operator==(const RecordKey&, const RecordKey&) = default;
};

template <class Violation>
struct RecordResult {
  Ref history = kNoRef;
  Violation violation{};  // value-initialised: the enum's `none`
};

// The memoised ghost update both models make after a node changes: the
// history `history` records before -> after (before kNoRef: the node was
// down) through History::record(const Node* before, const Node& after),
// which returns the first violation its checks see; an unchanged history
// keeps its reference.
template <class Violation, class Memo, class NodePool, class HistoryPool>
RecordResult<Violation> memoised_record(Memo& memo, const NodePool& nodes, HistoryPool& histories, Ref history,
                                        Ref before, Ref after, std::span<const Renaming> renamings) {
  const RecordKey key{history, before, after};
  const std::uint64_t h = key.hash();
  RecordResult<Violation> result;
  if (!memo.find(h, key, result)) {
    auto updated = histories.value(history);
    result.violation = updated.record(before == kNoRef ? nullptr : &nodes.value(before), nodes.value(after));
    result.history = updated == histories.value(history) ? history : histories.intern(updated, renamings);
    memo.insert(h, key, result);
  }
  return result;
}

}  // namespace synod::check
