// synod/raft/types.hpp - the vocabulary of the Raft kernel.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synod/hash.hpp"
#include "synod/ids.hpp"

namespace synod::raft {

using Term = std::uint64_t;
using Index = std::uint64_t;  // log indexes start at 1; 0 is "before the log"
// The highest term a node takes. A message with a term above it is refused
// (a node could not increment that term: its next election would wrap to
// 0), and a node at kMaxTerm does not campaign, so a term never wraps or
// moves backwards whatever a peer sends.
inline constexpr Term kMaxTerm = ~Term{0} - 1;

// One log entry. The payload is opaque to the kernel: a regular, trivially
// copyable value (an integer, a fixed-size handle) that hash_append accepts.
template <class Payload>
struct Entry {
  Term term = 0;
  Payload payload{};

  constexpr auto fields() const { return field_list(term, payload); }
  friend constexpr bool operator==(const Entry& a, const Entry& b) {
    return fields_equal(a.fields(), b.fields());
  }
};

template <class Payload>
constexpr void hash_append(Hasher& h, const Entry<Payload>& e) {
  hash_fields(h, kIdentity, e.fields());
}

// The part of a node's state that must survive a crash besides the log
// (Raft Figure 2, "Persistent state on all servers").
struct HardState {
  Term term = 0;                // latest term this server has seen
  NodeId voted_for = kNoNode;   // candidate voted for in `term`, or nobody

  constexpr auto fields() const { return field_list(term, renamed_id(voted_for)); }
  friend constexpr bool operator==(const HardState& a, const HardState& b) {
    return fields_equal(a.fields(), b.fields());
  }
};

// pre_candidate: with Options::pre_vote, a node whose election timer fired
// asks for pre-votes first; its term and vote do not change until a
// majority would vote for it (thesis §9.6).
enum class Role : std::uint8_t { follower, candidate, leader, pre_candidate };

// Whether `r` is one of the roles above (for code that reads a role back
// from bytes: an enum with a fixed underlying type holds any of its values).
constexpr bool is_valid(Role r) {
  switch (r) {
    case Role::follower:
    case Role::candidate:
    case Role::leader:
    case Role::pre_candidate:
      return true;
  }
  return false;
}

constexpr const char* to_string(Role r) {
  switch (r) {
    case Role::follower: return "follower";
    case Role::candidate: return "candidate";
    case Role::leader: return "leader";
    case Role::pre_candidate: return "pre_candidate";
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
  static constexpr std::size_t max_pending_reads = 64;       // ReadIndex requests in progress
};

// Config::max_pending_reads, or 16 for a Config written before reads.
template <class Config>
constexpr std::size_t max_pending_reads() {
  if constexpr (requires { Config::max_pending_reads; }) {
    return Config::max_pending_reads;
  } else {
    return 16;
  }
}

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
  // Thesis §9.6: an election timeout first asks for pre-votes (term + 1,
  // nothing persisted), and only a node a majority would elect raises its
  // term, so a node cut off from the others cannot depose a working leader
  // with the high term it reaches alone once its log is behind.
  bool pre_vote = true;
  // Thesis §6.2, §9.6: a leader that has not heard from a quorum within an
  // election timeout (election_timeout_min ticks) steps down, and a node
  // that heard from a live leader within one (or leads) ignores
  // (pre)votes for later terms unless they are a leadership transfer.
  bool check_quorum = true;
  // Lease reads (thesis §6.4.1), only with check_quorum: after a read round
  // a majority answered, the leader answers reads at once, without a round,
  // until election_timeout_min - lease_drift_ticks ticks after it sent that
  // round. The clock assumption: over any span, no node's clock advances
  // more than lease_drift_ticks ticks less than another's in an election
  // timeout. Followers that answered the round ignore votes for an election
  // timeout after they heard it, so no other leader exists before the lease
  // ends. A leader that sent TimeoutNow in its term (a transfer) serves no
  // lease reads for the rest of the term, and a restarted node grants no
  // vote for an election timeout.
  bool lease_reads = false;
  std::uint32_t lease_drift_ticks = 2;
  friend constexpr bool operator==(const Options&, const Options&) = default;
};

enum class ProposeStatus : std::uint8_t {
  ok,          // appended at `index`; commits later (or never, if leadership is lost)
  not_leader,  // ask `leader_hint` (kNoNode when unknown)
  busy,        // the log window is full (of entries not yet applied and
               // compacted: see Node::compact), the outbox is full, or a
               // leadership transfer is in progress; retry later
};

// What an input (tick, step, campaign, broadcast_heartbeat, persisted,
// applied) did. Losing an outgoing message is what the network may do
// anyway, so Raft stays safe and the next heartbeat or timeout repeats it;
// `overflow` says it happened so the caller can size its capacities.
enum class [[nodiscard]] InputResult : std::uint8_t{
    // Processed. It may still have changed nothing (a duplicate vote, a
    // refused append below the commit index).
    ok,
    // No effect at all: the node is == to what it was and produced nothing.
    // step: malformed (unknown type, entries on a type without them, a term
    //   above kMaxTerm), not
    //   addressed to this node, from an unknown sender or itself; a response
    //   of a stale term; a response this role does not take (a vote to a
    //   non-candidate, an append acknowledgement to a non-leader); an
    //   acknowledgement of an index past the leader's log; a (pre)vote
    //   for a later term while the node follows a live leader or leads
    //   (Options::check_quorum: leader stickiness), unless it is a
    //   leadership transfer. (A request of a stale term is answered with
    //   our term, so it is `ok`.)
    // campaign: a leader, or a node at kMaxTerm. broadcast_heartbeat: not a leader.
    // lease_timeout: nothing to check or forget (see Node::lease_timeout).
    // transfer_leadership: not a leader, or the target is not a peer.
    // compact: the index is at or below the log's base, or past the
    //   applied index, or the snapshot has no chunks, or an installed
    //   snapshot is not yet durable.
    // persisted: nothing became durable and nothing was waiting to leave.
    // applied: the applied index did not rise (at or below applied_index(),
    //   or nothing more is committed).
    // tick is never ignored: the timers always advance.
    ignored,
    // Processed, but something was dropped because a capacity was hit: a
    // message (or a whole broadcast, or the held messages) because the outbox
    // or the held list was full, or entries because the log was full (the
    // append is acknowledged as far as it fitted; a new leader's no-op entry
    // is skipped).
    overflow,
};

constexpr const char* to_string(InputResult r) {
  switch (r) {
    case InputResult::ok:
      return "ok";
    case InputResult::ignored:
      return "ignored";
    case InputResult::overflow:
      return "overflow";
  }
  return "?";
}

struct [[nodiscard]] ProposeResult {
  ProposeStatus status = ProposeStatus::not_leader;
  Index index = 0;
  NodeId leader_hint = kNoNode;
};

// ReadIndex (thesis §6.4). The caller names each read with an id of its
// choice; the node answers with a ReadState for it: once `index` is applied,
// reading the state machine is linearizable. ok = false: the read failed
// (leadership was lost, or the leader could not take it); retry.
using ReadId = std::uint64_t;
struct ReadState {
  ReadId id = 0;
  Index index = 0;
  bool ok = false;
  constexpr auto fields() const { return field_list(id, index, ok); }
  friend constexpr bool operator==(const ReadState& a, const ReadState& b) {
    return fields_equal(a.fields(), b.fields());
  }
};

// What read_index() did: ok (queued at the leader, or forwarded to it: a
// ReadState follows, unless the message or the leadership is lost, so time
// reads out), not_leader (no leader known; leader_hint as for proposals),
// busy (too many reads pending, or no room to send; retry).
struct [[nodiscard]] ReadResult {
  ProposeStatus status = ProposeStatus::not_leader;
  NodeId leader_hint = kNoNode;
};

// A snapshot of the state machine (Raft §7): it holds the effect of every
// entry up to `index`, whose term is `term`; the application stores it and
// serves it in `chunks` pieces (InstallSnapshot), numbered from 0. The
// kernel never holds its bytes.
struct SnapshotInfo {
  Index index = 0;
  Term term = 0;
  std::uint32_t chunks = 0;
  constexpr auto fields() const { return field_list(index, term, chunks); }
  friend constexpr bool operator==(const SnapshotInfo& a, const SnapshotInfo& b) {
    return fields_equal(a.fields(), b.fields());
  }
};

// A chunk of a snapshot a follower accepted (InstallSnapshot): the caller
// keeps its bytes as piece `chunk` of snapshot (index, term); chunk 0 starts
// a new snapshot. The last chunk is followed by a PersistRequest that
// installs the snapshot.
struct SnapshotChunk {
  Index index = 0;
  Term term = 0;
  std::uint64_t chunk = 0;
  bool last = false;
  friend constexpr bool operator==(const SnapshotChunk&, const SnapshotChunk&) = default;
};

// What must be made durable before the node's held messages may leave.
// First, when has_snapshot(): the snapshot the node received (its chunks
// as accepted, see SnapshotChunk) becomes the stored snapshot at
// (snapshot_index, snapshot_term), the log's base moves there, and stored
// entries up to snapshot_index go; the state machine is replaced by the
// snapshot (applied_index() is snapshot_index already). Then storage drops
// every entry at index >= first, writes entries [first, last] of
// node.log() (none when first > last), and the hard state when
// hard_state_changed. Then it calls node.persisted(request).
struct PersistRequest {
  bool hard_state_changed = false;
  HardState hard_state{};
  Index first = 1;
  Index last = 0;
  Index snapshot_index = 0;  // 0: no snapshot to install
  Term snapshot_term = 0;
  constexpr bool has_entries() const { return first <= last; }
  constexpr bool has_snapshot() const { return snapshot_index != 0; }
  constexpr bool empty() const { return !hard_state_changed && !has_entries() && !has_snapshot(); }
  friend constexpr bool operator==(const PersistRequest&, const PersistRequest&) = default;
};

}  // namespace synod::raft
