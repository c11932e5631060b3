// synod/paxos/types.hpp - the vocabulary of the Basic Paxos kernel.
#pragma once

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "synod/hash.hpp"
#include "synod/ids.hpp"
#include "synod/paxos/ballot.hpp"

namespace synod::paxos {

// A value a proposer may propose. Opaque to the kernel: copied, compared and
// hashed (integral, or a hash_value(const V&) found by ADL), never inspected.
// It must not allocate (a fixed-size handle, an integer, a small struct).
template <class V>
concept PaxosValue = std::regular<V> && requires(Hasher& h, const V& v) { synod::hash_append(h, v); };

// Compile-time capacities and the value type (DESIGN.md principle 2). A
// project defines its own with the same members.
struct DefaultConfig {
  using Value = std::uint64_t;
  static constexpr std::size_t max_nodes = 7;         // node ids 1..max_nodes
  static constexpr std::size_t outbox_capacity = 32;  // messages that may leave now
  static constexpr std::size_t held_capacity = 32;    // messages waiting for durability
};

// A set of node ids (1..kMaxNodeId) as a bit mask: a value, no allocation.
class NodeSet {
 public:
  constexpr NodeSet() = default;
  // {1, ..., n}.
  static constexpr NodeSet first(std::size_t n) {
    NodeSet s;
    for (std::size_t id = 1; id <= n && id <= kMaxNodeId; ++id) s.insert(static_cast<NodeId>(id));
    return s;
  }
  constexpr bool contains(NodeId id) const {
    return id != kNoNode && id <= kMaxNodeId && ((bits_ >> id) & 1u) != 0;
  }
  // False (and no change) for ids outside 1..kMaxNodeId.
  constexpr bool insert(NodeId id) {
    if (id == kNoNode || id > kMaxNodeId) return false;
    bits_ = static_cast<std::uint16_t>(bits_ | (1u << id));
    return true;
  }
  constexpr void clear() { bits_ = 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr std::size_t size() const { return static_cast<std::size_t>(std::popcount(bits_)); }
  // The largest member, kNoNode when empty.
  constexpr NodeId max() const {
    for (std::size_t id = kMaxNodeId; id >= 1; --id)
      if (contains(static_cast<NodeId>(id))) return static_cast<NodeId>(id);
    return kNoNode;
  }
  constexpr std::uint16_t bits() const { return bits_; }

  // The set with every member renamed, so equal sets of renamed nodes hash
  // alike whatever their original ids.
  constexpr NodeSet renamed(const Renaming& r) const {
    NodeSet s;
    for (unsigned b = bits_; b != 0; b &= b - 1) s.insert(r(static_cast<NodeId>(std::countr_zero(b))));
    return s;
  }
  constexpr auto fields() const { return field_list(renamed_ids(bits_)); }
  constexpr void hash_append(Hasher& h, const Renaming& r = kIdentity) const {
    hash_fields(h, r, fields());
  }
  friend constexpr bool operator==(const NodeSet& a, const NodeSet& b) {
    return fields_equal(a.fields(), b.fields());
  }

 private:
  std::uint16_t bits_ = 0;  // bit i set: node i is a member; bit 0 never set
};

// The roles one node plays (Paxos Made Simple §1: proposers, acceptors,
// learners; "a single process may act as more than one agent").
struct Roles {
  bool proposer = true;
  bool acceptor = true;
  bool learner = true;
  friend constexpr bool operator==(const Roles&, const Roles&) = default;
};

// Run-time options of one node. Timeouts are in ticks.
struct Options {
  NodeId id = 1;
  std::uint8_t cluster_size = 1;  // nodes are ids 1..cluster_size
  Roles roles{};                  // this node's roles
  // Cluster-wide, the same on every node. This node is a member iff its
  // roles say so (check_options enforces it).
  NodeSet acceptors{};            // who accepts; empty means every node 1..cluster_size
  NodeSet learners{};             // who learns; empty means every node 1..cluster_size
  // A round that has not succeeded after a randomized timeout in
  // [retry_timeout_min, retry_timeout_max << min(failures, 3)] ticks is
  // retried with a higher round: randomized, growing backoff, so that two
  // dueling proposers soon stop pre-empting each other (§2.4: progress needs
  // a distinguished proposer; backoff elects one in practice).
  std::uint32_t retry_timeout_min = 10;
  std::uint32_t retry_timeout_max = 20;
  std::uint64_t seed = 1;         // the proposer's own generator
  friend constexpr bool operator==(const Options&, const Options&) = default;

  constexpr NodeSet acceptor_set() const { return acceptors.empty() ? NodeSet::first(cluster_size) : acceptors; }
  constexpr NodeSet learner_set() const { return learners.empty() ? NodeSet::first(cluster_size) : learners; }
};

// Why options are unusable; `ok` when a node can run with them.
enum class OptionsError : std::uint8_t {
  ok,
  bad_cluster_size,  // 0, or above Config::max_nodes
  bad_id,            // 0 or above cluster_size
  no_role,           // the node plays no role at all
  bad_acceptors,     // a member outside 1..cluster_size, or roles.acceptor disagrees with membership
  bad_learners,      // a member outside 1..cluster_size, or roles.learner disagrees with membership
  bad_timeouts,      // min 0, or min above max, or max so large the backoff overflows
};

constexpr const char* to_string(OptionsError e) {
  switch (e) {
    case OptionsError::ok: return "ok";
    case OptionsError::bad_cluster_size: return "cluster_size must be 1..max_nodes";
    case OptionsError::bad_id: return "id must be 1..cluster_size";
    case OptionsError::no_role: return "the node must play at least one role";
    case OptionsError::bad_acceptors:
      return "acceptors must be ids in 1..cluster_size, including this node iff roles.acceptor";
    case OptionsError::bad_learners:
      return "learners must be ids in 1..cluster_size, including this node iff roles.learner";
    case OptionsError::bad_timeouts: return "retry timeouts must satisfy 1 <= min <= max < 2^28";
  }
  return "?";
}

template <std::size_t MaxNodes>
constexpr OptionsError check_options(const Options& o) {
  if (o.cluster_size < 1 || o.cluster_size > MaxNodes || o.cluster_size > kMaxNodeId)
    return OptionsError::bad_cluster_size;
  if (o.id < 1 || o.id > o.cluster_size) return OptionsError::bad_id;
  if (!o.roles.proposer && !o.roles.acceptor && !o.roles.learner) return OptionsError::no_role;
  const NodeSet everyone = NodeSet::first(o.cluster_size);
  if ((o.acceptors.bits() & ~everyone.bits()) != 0) return OptionsError::bad_acceptors;
  if ((o.learners.bits() & ~everyone.bits()) != 0) return OptionsError::bad_learners;
  if (o.acceptor_set().contains(o.id) != o.roles.acceptor) return OptionsError::bad_acceptors;
  if (o.learner_set().contains(o.id) != o.roles.learner) return OptionsError::bad_learners;
  if (o.retry_timeout_min < 1 || o.retry_timeout_min > o.retry_timeout_max ||
      o.retry_timeout_max >= (1u << 28))
    return OptionsError::bad_timeouts;
  return OptionsError::ok;
}

// What a node must keep on stable storage (Paxos Made Simple §2.3: "an
// acceptor must remember this information even if it fails and then
// restarts"; a proposer must never reuse a proposal number). Write it as one
// atomic record.
template <class Value>
struct PersistentState {
  Ballot promised{};                   // acceptor: highest ballot promised
  Ballot accepted_ballot{};            // acceptor: ballot of the last acceptance (null: none)
  std::optional<Value> accepted_value; // acceptor: its value (empty iff accepted_ballot is null)
  Round proposer_round = 0;            // proposer: highest round it has used

  constexpr auto fields() const {
    return field_list(promised, accepted_ballot, accepted_value, proposer_round);
  }
  friend constexpr bool operator==(const PersistentState& a, const PersistentState& b) {
    return fields_equal(a.fields(), b.fields());
  }
  void hash_append(Hasher& h, const Renaming& r = kIdentity) const { hash_fields(h, r, fields()); }
};

// What must be durable before the held messages may leave: the whole
// persistent state, when it changed since the last persisted() call. The
// caller writes `state` atomically, then calls node.persisted(request).
template <class Value>
struct PersistRequest {
  bool changed = false;
  PersistentState<Value> state{};
  constexpr bool empty() const { return !changed; }
  friend constexpr bool operator==(const PersistRequest&, const PersistRequest&) = default;
};

enum class ProposeStatus : std::uint8_t {
  ok,              // the value is ours to propose; phase 1 has started
  not_proposer,    // this node has no proposer role
  busy,            // the proposer already has a value of its own (single decree)
  already_chosen,  // this node already knows the chosen value: see Node::learned()
};

constexpr const char* to_string(ProposeStatus s) {
  switch (s) {
    case ProposeStatus::ok: return "ok";
    case ProposeStatus::not_proposer: return "not_proposer";
    case ProposeStatus::busy: return "busy";
    case ProposeStatus::already_chosen: return "already_chosen";
  }
  return "?";
}

// What an input did. Dropping an outgoing message is what a lossy network
// may do anyway, so Paxos stays safe, and the proposer's retry restores
// progress; `overflow` says it happened so the caller can size capacities.
enum class [[nodiscard]] InputResult : std::uint8_t {
  ok,        // processed
  ignored,   // stale, malformed, misaddressed or not for any role here: no change
  overflow,  // processed, but an outgoing message did not fit and was dropped
};

constexpr const char* to_string(InputResult r) {
  switch (r) {
    case InputResult::ok: return "ok";
    case InputResult::ignored: return "ignored";
    case InputResult::overflow: return "overflow";
  }
  return "?";
}

}  // namespace synod::paxos
