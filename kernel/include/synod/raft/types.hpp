// synod/raft/types.hpp - the vocabulary of the Raft kernel.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synod/hash.hpp"
#include "synod/ids.hpp"

namespace synod::raft {

using Term = std::uint64_t;
using Index = std::uint64_t;  // log indexes start at 1; 0 is "before the log"

// One log entry. The payload is opaque to the kernel: a regular, trivially
// copyable value (an integer, a fixed-size handle) that hash_append accepts.
template <class Payload>
struct Entry {
  Term term = 0;
  Payload payload{};
  friend constexpr bool operator==(const Entry&, const Entry&) = default;
};

template <class Payload>
constexpr void hash_append(Hasher& h, const Entry<Payload>& e) {
  h.add(e.term);
  synod::hash_append(h, e.payload);
}

// The part of a node's state that must survive a crash besides the log
// (Raft Figure 2, "Persistent state on all servers").
struct HardState {
  Term term = 0;                // latest term this server has seen
  NodeId voted_for = kNoNode;   // candidate voted for in `term`, or nobody
  friend constexpr bool operator==(const HardState&, const HardState&) = default;
};

enum class Role : std::uint8_t { follower, candidate, leader };

constexpr const char* to_string(Role r) {
  switch (r) {
    case Role::follower: return "follower";
    case Role::candidate: return "candidate";
    case Role::leader: return "leader";
  }
  return "?";
}

// Compile-time capacities and the payload type (DESIGN.md principle 2).
// A project defines its own with the same members.
struct DefaultConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = 7;                // voters, ids 1..max_nodes
  static constexpr std::size_t max_entries_per_message = 16; // AppendEntries batch
  static constexpr std::size_t log_capacity = 4096;          // in-memory LogWindow
  static constexpr std::size_t outbox_capacity = 64;         // messages awaiting drain
};

// Run-time options of one node. Timeouts are in ticks.
struct Options {
  NodeId id = 1;
  std::uint8_t cluster_size = 1;             // voters are ids 1..cluster_size
  std::uint32_t election_timeout_min = 10;   // randomized in [min, max] (Raft §5.2)
  std::uint32_t election_timeout_max = 20;
  std::uint32_t heartbeat_interval = 3;
  std::uint64_t seed = 1;                    // the node's own generator
  // Thesis §6.4: a new leader appends an entry of its term (Payload{}) so
  // that entries of earlier terms commit without waiting for a client.
  bool append_noop_on_election = false;
  friend constexpr bool operator==(const Options&, const Options&) = default;
};

enum class ProposeStatus : std::uint8_t {
  ok,          // appended at `index`; commits later (or never, if leadership is lost)
  not_leader,  // ask `leader_hint` (kNoNode when unknown)
  busy,        // the log window or the outbox is full; retry later
};

struct [[nodiscard]] ProposeResult {
  ProposeStatus status = ProposeStatus::not_leader;
  Index index = 0;
  NodeId leader_hint = kNoNode;
};

// What must be made durable before the node's held messages may leave.
// Storage first drops every entry at index >= first, then writes entries
// [first, last] of node.log() (none when first > last), and the hard state
// when hard_state_changed. Then it calls node.persisted(request).
struct PersistRequest {
  bool hard_state_changed = false;
  HardState hard_state{};
  Index first = 1;
  Index last = 0;
  constexpr bool has_entries() const { return first <= last; }
  constexpr bool empty() const { return !hard_state_changed && !has_entries(); }
  friend constexpr bool operator==(const PersistRequest&, const PersistRequest&) = default;
};

}  // namespace synod::raft
