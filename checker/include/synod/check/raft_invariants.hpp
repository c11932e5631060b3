// synod/check/raft_invariants.hpp - Raft's safety properties, written once.
//
// Shared by the checker's Raft model and the RapidCheck property tests (and
// usable by any test fixture's teardown). Two kinds of predicate, as in
// LogCabin's invariants: per-step transition checks on one node (previous ->
// next), and cluster checks across the nodes that are up, both against a
// ghost history that remembers what the properties need (leaders per term,
// entries seen committed) without touching the kernel.
//
// The properties are the extended Raft paper's Figure 3:
//   Election Safety      at most one leader per term (over all time)
//   Leader Append-Only   a leader never overwrites or deletes its entries
//   Log Matching         same index and term => identical logs up to there
//   Leader Completeness  a committed entry is in every later term's leader
//   State Machine Safety no two nodes commit different entries at an index
// plus: a node's commit index never decreases while it is up, and never
// passes the end of its log; and with pre-votes (thesis §9.6), becoming a
// pre-candidate changes neither term nor vote. For the thesis's extensions:
//   LinearizableRead       a read (ReadIndex, thesis §6.4) completes at an
//                          index that covers every entry committed before
//                          it was invoked
//   TransferTargetUpToDate a TimeoutNow (thesis §3.10) goes only to a
//                          target whose stored log holds the leader's last
//                          entry (or that has moved on to a later term)
//   LeaseRespected         a node in its leader lease (CheckQuorum, thesis
//                          §9.6) grants no (pre)vote for a later term but a
//                          transfer's
// and for snapshots (§7), where a log holds only the entries after its base:
//   SnapshotContent        the state machine a snapshot holds is the applied
//                          sequence of the node that took it (the ghost
//                          keeps each compaction's, by (index, term)); a
//                          node's snapshot is one some node took, and two
//                          taken at one (index, term) agree
//   BaseWithinCommit       a node's log base never passes its commit index
//   SnapshotAtBase         node.snapshot() names the log's base (index and
//                          term)
//   SnapshotSentIsStored   an InstallSnapshot names the snapshot its sender
//                          stores (so the bytes the application attaches
//                          are that snapshot's)
//   FollowerHoldsMatch     a leader's matchIndex for a follower of its term
//                          is held by that follower: its log reaches it and
//                          agrees with the leader's on the entries both
//                          hold (an acknowledged entry is never dropped in
//                          the term it was acknowledged in, snapshot or not)
// State Machine Safety then covers snapshots: what a node applied,
// snapshot included, is the committed sequence's prefix; Log Matching
// compares only the entries both logs hold.
//
// Node-local checks (check_node, check_step, check_send below: LogCabin's
// checkBasic/checkDelta idea) need no history: what one node's state, one
// step of it, or one message it sends must satisfy. The simulation core
// (synod/sim/cluster.hpp) runs them after every input in every harness.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <boost/container/static_vector.hpp>

#include "synod/hash.hpp"
#include "synod/ids.hpp"
#include "synod/raft/messages.hpp"
#include "synod/raft/types.hpp"

namespace synod::check::raft_invariants {

using raft::Index;
using raft::Term;

enum class Violation : std::uint8_t {
  none,
  election_safety,
  leader_append_only,
  log_matching,
  leader_completeness,
  state_machine_safety,
  commit_decreased,
  commit_past_log,
  history_full,  // the ghost's capacity was too small: a harness bug, not a protocol one
  // Node-local (check_node / check_step / check_send):
  applied_past_commit,     // applied index > commit index
  log_terms_decrease,      // log terms not non-decreasing, or past the current term
  durable_past_log,        // durable index > last index
  durable_not_on_disk,     // the node's durable prefix differs from its disk
  term_decreased,          // a node's term fell while it was up
  vote_changed_in_term,    // a node voted for two candidates in one term
  durability_contract,     // a message revealed state that was not yet durable
  // A transition the ghost records (History::record), with Options::pre_vote:
  pre_vote_changed_term,   // becoming a pre-candidate changed the node's term or vote
  // Reads, transfers and leases (ReadIndex, TimeoutNow, CheckQuorum):
  linearizable_read,       // a completed read's index misses an entry committed before the read
  transfer_target_behind,  // a TimeoutNow's target does not store the leader's last entry
  lease_not_respected,     // a node in its leader lease granted a (pre)vote for a later term
  // Snapshots (§7):
  snapshot_content,        // a node's snapshot was taken by no node, or two taken at one (index, term) differ
  base_past_commit,        // a node's log base passed its commit index
  snapshot_not_at_base,    // node.snapshot() is not the log's base (index, term)
  snapshot_not_stored,     // an InstallSnapshot names a snapshot its sender does not store
  match_not_held,          // a follower lacks an entry its leader counts as matched
};

constexpr const char* to_string(Violation v) {
  switch (v) {
    case Violation::none: return "none";
    case Violation::election_safety: return "ElectionSafety";
    case Violation::leader_append_only: return "LeaderAppendOnly";
    case Violation::log_matching: return "LogMatching";
    case Violation::leader_completeness: return "LeaderCompleteness";
    case Violation::state_machine_safety: return "StateMachineSafety";
    case Violation::commit_decreased: return "CommitIndexNeverDecreases";
    case Violation::commit_past_log: return "CommitIndexWithinLog";
    case Violation::history_full: return "HistoryCapacity";
    case Violation::applied_past_commit: return "AppliedWithinCommit";
    case Violation::log_terms_decrease: return "LogTermsNonDecreasing";
    case Violation::durable_past_log: return "DurableWithinLog";
    case Violation::durable_not_on_disk: return "DurableOnDisk";
    case Violation::term_decreased: return "TermNeverDecreases";
    case Violation::vote_changed_in_term: return "OneVotePerTerm";
    case Violation::durability_contract: return "DurabilityContract";
    case Violation::pre_vote_changed_term: return "PreVoteKeepsTerm";
    case Violation::linearizable_read: return "LinearizableRead";
    case Violation::transfer_target_behind: return "TransferTargetUpToDate";
    case Violation::lease_not_respected: return "LeaseRespected";
    case Violation::snapshot_content: return "SnapshotContent";
    case Violation::base_past_commit: return "BaseWithinCommit";
    case Violation::snapshot_not_at_base: return "SnapshotAtBase";
    case Violation::snapshot_not_stored: return "SnapshotSentIsStored";
    case Violation::match_not_held: return "FollowerHoldsMatch";
  }
  return "?";
}

// A log's base: the index its snapshot ends at (0: none).
template <class Log>
Index base_of(const Log& log) {
  return log.first_index() - 1;
}

// Log `a` is a prefix of log `b`, on the entries both hold (below a base
// the snapshot holds them: SnapshotContent and State Machine Safety check
// those).
template <class Log>
bool is_prefix(const Log& a, const Log& b) {
  if (a.last_index() > b.last_index()) return false;
  const Index from = std::max(base_of(a), base_of(b)) + 1;
  for (Index i = from; i <= a.last_index(); ++i)
    if (!(a.at(i) == b.at(i))) return false;
  return true;
}

// Log Matching for two logs: if both hold an entry with the same index and
// term, the logs are identical in all entries up through that index. With
// bases, "hold" counts a base (its term is the snapshot's), and only the
// entries both hold are compared: what lies below a base is in a snapshot,
// which holds committed entries only (checked against the ghost).
template <class Log>
bool logs_match(const Log& a, const Log& b) {
  const Index low = std::max(base_of(a), base_of(b));
  Index i = a.last_index() < b.last_index() ? a.last_index() : b.last_index();
  if (i < low) return true;  // one log ends below the other's base: nothing both hold
  for (; i > low; --i)
    if (a.term_at(i) == b.term_at(i)) break;
  for (Index j = low + 1; j <= i; ++j)
    if (!(a.at(j) == b.at(j))) return false;
  return true;
}

// ------------------------------------------------------------ node-local

// The log's base against the node's snapshot and commit index (see
// check_node; History::record checks it too, for the model checker).
template <class Node>
Violation check_base(const Node& n) {
  const auto& log = n.log();
  const Index base = base_of(log);
  if (base > n.commit_index()) return Violation::base_past_commit;
  if (n.snapshot().index != base || n.snapshot().term != log.term_at(base) || (base != 0 && log.term_at(base) == 0))
    return Violation::snapshot_not_at_base;
  return Violation::none;
}

// What one node's state must satisfy: commit <= last index, applied <=
// commit, durable <= last index, log terms non-decreasing and never above
// the node's term.
// With a base: the base never passes the commit index (a snapshot holds
// applied entries only), node.snapshot() names the base, and a base's
// term is a real one (>= 1).
template <class Node>
Violation check_node(const Node& n) {
  const auto& log = n.log();
  if (n.commit_index() > log.last_index()) return Violation::commit_past_log;
  if (n.applied_index() > n.commit_index()) return Violation::applied_past_commit;
  if (n.durable_index() > log.last_index()) return Violation::durable_past_log;
  if (const Violation v = check_base(n); v != Violation::none) return v;
  Term previous = log.term_at(base_of(log));
  for (Index i = base_of(log) + 1; i <= log.last_index(); ++i) {
    const Term t = log.term_at(i);
    if (t < previous || t > n.term()) return Violation::log_terms_decrease;
    previous = t;
  }
  return Violation::none;
}

// The node's durable prefix (its entries up to durable_index()) is on its
// disk, as the disk's log holds it; and, unless an installed snapshot is
// still to be persisted (Node::snapshot_dirty), the disk's base is the
// node's (the stored snapshot is the node's). `disk_log` is what the
// harness wrote through the node's persist requests (and compactions).
template <class Node, class Log>
Violation check_disk(const Node& n, const Log& disk_log) {
  const Index base = base_of(n.log());
  if (!n.snapshot_dirty() &&
      (base_of(disk_log) != base || disk_log.term_at(base) != n.log().term_at(base)))
    return Violation::durable_not_on_disk;
  if (n.durable_index() <= base) return Violation::none;
  if (disk_log.last_index() < n.durable_index() || base_of(disk_log) > base) return Violation::durable_not_on_disk;
  for (Index i = base + 1; i <= n.durable_index(); ++i)
    if (!(disk_log.at(i) == n.log().at(i))) return Violation::durable_not_on_disk;
  return Violation::none;
}

// One step of one node that stayed up: its term never falls, it never
// changes its vote within a term, its commit index never falls.
template <class Node>
Violation check_step(const Node& before, const Node& after) {
  if (after.term() < before.term()) return Violation::term_decreased;
  if (after.term() == before.term() && before.voted_for() != kNoNode && after.voted_for() != before.voted_for())
    return Violation::vote_changed_in_term;
  if (after.commit_index() < before.commit_index()) return Violation::commit_decreased;
  return Violation::none;
}

// The durability contract (Figure 2, "persist before responding"): every
// message leaves with a term that is durable (a pre-vote carries the term
// its sender would campaign in, one above its own; a granted pre-vote the
// asker's term, which claims nothing of the sender's); a granted vote only once the
// vote is durable (or superseded by a durable later term: a node that
// restarts from that cannot vote in the vote's term again); a successful
// AppendEntries response only for entries that are durable. `hard_state`
// and `disk_log` are the sender's disk.
template <class Message, class Log>
Violation check_send(const Message& m, const raft::HardState& hard_state, const Log& disk_log) {
  const bool carries_own_term = !(m.type == raft::MessageType::pre_vote_response && m.success);
  const raft::Term own_term = m.type == raft::MessageType::pre_vote ? m.term - 1 : m.term;
  if (carries_own_term && own_term > hard_state.term) return Violation::durability_contract;
  if (m.type == raft::MessageType::request_vote_response && m.success && hard_state.term == m.term &&
      hard_state.voted_for != m.to)
    return Violation::durability_contract;
  if (m.type == raft::MessageType::append_entries_response && m.success && disk_log.last_index() < m.log_index)
    return Violation::durability_contract;
  // The application attaches the bytes of the snapshot it stores.
  if (m.type == raft::MessageType::install_snapshot &&
      (base_of(disk_log) != m.log_index || disk_log.term_at(m.log_index) != m.log_term))
    return Violation::snapshot_not_stored;
  return Violation::none;
}

// TransferTargetUpToDate for one message on its way (in flight, or held by
// its sender): a TimeoutNow from the leader of term m.term reaches a target
// that stored (acknowledged as durable) the leader's last entry, whose
// index and term the message carries. The target's disk keeps that entry
// until a leader of a later term overwrites it, and the same persist then
// stores the later term: so the disk holds the entry, or a later term.
// `target` is the target's disk (hard state and log).
template <class Message, class Log>
Violation check_transfer(const Message& m, const raft::HardState& target_hard_state, const Log& target_log) {
  if (m.type != raft::MessageType::timeout_now) return Violation::none;
  if (target_hard_state.term > m.term) return Violation::none;
  if (m.log_index <= target_log.last_index() && target_log.term_at(m.log_index) == m.log_term) return Violation::none;
  return Violation::transfer_target_behind;
}

// LeaseRespected, in two halves around one delivery: a node in its leader
// lease (Node::in_leader_lease, with CheckQuorum) that is handed a PreVote,
// or a RequestVote for a later term that is not a transfer's
// (kTransferVote), must not grant it. lease_mark() counts, before the step,
// the grants to that request the node already holds (a duplicate asked
// before the lease began may have left one); lease_check() fails when the
// node emitted more: in `sent` (what the step sent: the outbox before it
// is drained, or what reached the network) plus what it holds afterwards.
struct LeaseMark {
  bool applies = false;       // the node was in its lease, and the request is one it must refuse
  std::size_t held_grants = 0;
};

template <class Message>
bool grants(const Message& reply, const Message& request) {
  const auto type = request.type == raft::MessageType::pre_vote ? raft::MessageType::pre_vote_response
                                                                : raft::MessageType::request_vote_response;
  return reply.type == type && reply.success && reply.to == request.from && reply.term == request.term;
}

template <class Node, class Message>
LeaseMark lease_mark(const Node& before, const Message& m) {
  LeaseMark mark;
  const bool vote = m.type == raft::MessageType::request_vote && m.context != raft::kTransferVote;
  if (!(vote || m.type == raft::MessageType::pre_vote) || m.term <= before.term() || !before.in_leader_lease())
    return mark;
  mark.applies = true;
  for (const auto& h : before.held()) mark.held_grants += grants(h, m) ? 1 : 0;
  return mark;
}

template <class Node, class Message, class Sent>
Violation lease_check(const LeaseMark& mark, const Message& m, const Node& after, const Sent& sent) {
  if (!mark.applies) return Violation::none;
  std::size_t count = 0;
  for (const auto& x : sent) count += grants(x, m) ? 1 : 0;
  for (const auto& h : after.held()) count += grants(h, m) ? 1 : 0;
  return count > mark.held_grants ? Violation::lease_not_respected : Violation::none;
}

// The clock assumption of lease reads (Options::lease_reads), for a harness
// that fires timers as actions rather than by ticks (the model checker, a
// trace's campaign and lease events). In real time a follower's lease on
// its leader lapses before its election timer fires, and, with clocks
// within the drift allowance, the followers that answered a leader's
// confirming round stay loyal until after that leader's lease ends. So:
// a follower in its leader lease does not campaign (its lease lapses
// first), and no node but a leader lets its lease lapse while some leader
// holds a read lease or awaits the answers to the round that will give it
// one (Node::lease_valid, Node::lease_round): a follower that answered
// that round lapses only after the lease it gives has ended, and the
// leader's lease_timeout() ends both. (Stricter than real time for a
// follower that did not hear the round: such a one might lapse earlier;
// without the others it elects no one.) Both checks read only what the kernel exposes, so the
// model (node summaries) and the trace runner (nodes) apply the same rule.
inline bool campaign_in_time(bool follower_in_lease) { return !follower_in_lease; }
inline bool lease_lapse_in_time(bool is_leader, bool some_leader_holds_read_lease) {
  return is_leader || !some_leader_holds_read_lease;
}

// The ghost history. A value (==, hash) so a checker can keep it in its states.
template <class Payload, std::size_t MaxLeaders, std::size_t MaxCommitted, std::size_t MaxReads = 64>
class History {
 public:
  using EntryT = raft::Entry<Payload>;

  struct Leader {
    Term term = 0;
    NodeId id = kNoNode;
    friend constexpr bool operator==(const Leader&, const Leader&) = default;
  };
  struct Committed {
    EntryT entry{};
    Term first_seen_in = 0;  // the lowest term in which a node had it committed
    friend constexpr bool operator==(const Committed&, const Committed&) = default;
  };
  // A client read (ReadIndex): its id and how many entries were committed
  // when it was first invoked with that id.
  struct Read {
    raft::ReadId id = 0;
    Index committed_before = 0;
    friend constexpr bool operator==(const Read&, const Read&) = default;
  };

  // A client invokes read `id` now: every entry committed so far must be
  // in what the read returns. An id invoked again keeps its first record
  // (the smaller count), so a completion is never held to more than the
  // earliest invocation it may answer.
  Violation read_invoked(raft::ReadId id) {
    for (const Read& r : reads_)
      if (r.id == id) return Violation::none;
    if (reads_.size() == reads_.capacity()) return Violation::history_full;
    reads_.push_back(Read{id, committed_.size()});
    return Violation::none;
  }

  // LinearizableRead: a completed read (ok) is served at an index that
  // covers every entry committed before it was invoked. A ReadState of an
  // id no client invoked is not checked (a harness that forges messages).
  Violation check_read(const raft::ReadState& r) const {
    if (!r.ok) return Violation::none;
    for (const Read& x : reads_)
      if (x.id == r.id) return r.index < x.committed_before ? Violation::linearizable_read : Violation::none;
    return Violation::none;
  }

  // A snapshot some node took (compacted its log at): the entries its
  // state machine had applied up to `index`, whose term is `term`. The
  // application stores these bytes and serves them (InstallSnapshot); a
  // node that installs or restarts from snapshot (index, term) loads them.
  struct Snapshot {
    Index index = 0;
    Term term = 0;
    std::vector<EntryT> content;
    friend bool operator==(const Snapshot&, const Snapshot&) = default;
  };

  // The content of snapshot (index, term), or null when no node took it.
  const std::vector<EntryT>* snapshot_content(Index index, Term term) const {
    for (const Snapshot& x : snapshots_)
      if (x.index == index && x.term == term) return &x.content;
    return nullptr;
  }

  // Entry i as node n's state machine has it: from its log above the base,
  // from its snapshot's content at or below it; null when neither holds it.
  template <class Node>
  const EntryT* entry_at(const Node& n, Index i) const {
    const Index base = base_of(n.log());
    if (i > base) return i <= n.log().last_index() ? &n.log().at(i) : nullptr;
    if (i == 0 || n.snapshot().index < i) return nullptr;
    const std::vector<EntryT>* c = snapshot_content(n.snapshot().index, n.snapshot().term);
    return c != nullptr && i <= c->size() ? &(*c)[i - 1] : nullptr;
  }

  // State Machine Safety for what a harness's state machine applied (the
  // simulation core's Local::applied): it agrees with the committed
  // sequence. Entries past the ghost's end were committed by this very
  // input: record() checks them against the node next.
  Violation check_applied(std::span<const EntryT> applied) const {
    const std::size_t n = std::min(applied.size(), committed_.size());
    for (std::size_t k = 0; k < n; ++k)
      if (!(applied[k] == committed_[k].entry)) return Violation::state_machine_safety;
    return Violation::none;
  }

  // Records what `after` shows and checks the transition from `before`
  // (nullptr when the node was down or just restarted: no transition).
  template <class Node>
  Violation record(const Node* before, const Node& after) {
    if (after.commit_index() > after.log().last_index()) return Violation::commit_past_log;
    if (Violation v = record_snapshot(before, after); v != Violation::none) return v;
    if (before != nullptr) {
      if (after.commit_index() < before->commit_index()) return Violation::commit_decreased;
      if (before->role() == raft::Role::leader && after.role() == raft::Role::leader &&
          before->term() == after.term() && !is_prefix(before->log(), after.log()))
        return Violation::leader_append_only;
      if (after.role() == raft::Role::pre_candidate && before->role() != raft::Role::pre_candidate &&
          !(after.hard_state() == before->hard_state()))
        return Violation::pre_vote_changed_term;
      // A leader that steps down in its own term: only CheckQuorum does that.
      if (before->role() == raft::Role::leader && after.role() == raft::Role::follower && before->term() == after.term())
        quorum_step_downs_ = 1;
      // A follower that holds more completed reads: a forwarded read answered.
      if (before->role() == raft::Role::follower && after.role() == raft::Role::follower &&
          completed_reads(after) > completed_reads(*before))
        follower_reads_ = 1;
      // A candidate whose vote requests are a transfer's (TimeoutNow).
      if (after.role() == raft::Role::candidate && before->role() != raft::Role::candidate &&
          asks_transfer_votes(after))
        if (Violation v = record_transfer(after.term(), after.id()); v != Violation::none) return v;
    }
    // Reads the node holds completed (a harness that takes them away, as
    // the simulation core does, checks them as it takes them: check_read).
    for (const raft::ReadState& r : after.read_states())
      if (Violation v = check_read(r); v != Violation::none) return v;
    if (after.role() == raft::Role::leader) {
      if (Violation v = record_leader(after.term(), after.id()); v != Violation::none) return v;
    }
    // Everything committed on `after` must agree with what anyone committed.
    // Entries at or below the base come from the node's snapshot.
    const Index from = before != nullptr ? before->commit_index() + 1 : 1;
    for (Index i = from; i <= after.commit_index(); ++i) {
      const EntryT* found = entry_at(after, i);
      if (found == nullptr) return Violation::snapshot_content;
      const EntryT& e = *found;
      if (i <= committed_.size()) {
        Committed& c = committed_[i - 1];
        if (!(c.entry == e)) return Violation::state_machine_safety;
        if (after.term() < c.first_seen_in) c.first_seen_in = after.term();
      } else {
        if (committed_.size() == committed_.capacity()) return Violation::history_full;
        committed_.push_back(Committed{e, after.term()});
      }
    }
    return Violation::none;
  }

  // Checks Log Matching, Leader Completeness and FollowerHoldsMatch across
  // the nodes that are up.
  template <class Node>
  Violation check_cluster(std::span<const Node* const> up) const {
    if (!log_matching_holds(up)) return Violation::log_matching;
    if (!leader_completeness_holds(up)) return Violation::leader_completeness;
    if (!match_held(up)) return Violation::match_not_held;
    return Violation::none;
  }

  // FollowerHoldsMatch: for each leader (up) and each up node of its term,
  // the node's log reaches the leader's matchIndex for it, and the entries
  // both hold up to there are the same (below a base, a snapshot holds
  // them).
  template <class Node>
  static bool match_held(std::span<const Node* const> up) {
    for (const Node* l : up) {
      if (l->role() != raft::Role::leader) continue;
      for (const Node* f : up) {
        if (f == l || f->term() != l->term()) continue;
        const Index match = l->match_index(f->id());
        if (match == 0) continue;
        if (f->log().last_index() < match) return false;
        const Index from = std::max(base_of(l->log()), base_of(f->log())) + 1;
        for (Index i = from; i <= match && i <= l->log().last_index(); ++i)
          if (!(l->log().at(i) == f->log().at(i))) return false;
      }
    }
    return true;
  }

  // Log Matching: every two logs of nodes that are up match.
  template <class Node>
  static bool log_matching_holds(std::span<const Node* const> up) {
    for (std::size_t a = 0; a < up.size(); ++a)
      for (std::size_t b = a + 1; b < up.size(); ++b)
        if (!logs_match(up[a]->log(), up[b]->log())) return false;
    return true;
  }

  // Leader Completeness: a leader (up) of a term after the one in which an
  // entry was first committed has that entry.
  template <class Node>
  bool leader_completeness_holds(std::span<const Node* const> up) const {
    for (const Node* n : up) {
      if (n->role() != raft::Role::leader) continue;
      for (Index i = 1; i <= committed_.size(); ++i) {
        const Committed& c = committed_[i - 1];
        if (n->term() <= c.first_seen_in) continue;
        const EntryT* e = entry_at(*n, i);
        if (e == nullptr || !(*e == c.entry)) return false;
      }
    }
    return true;
  }

  // Who led `term`, if anyone ever did.
  NodeId leader_of(Term term) const {
    for (const Leader& l : leaders_)
      if (l.term == term) return l.id;
    return kNoNode;
  }
  std::size_t leaders_elected() const { return leaders_.size(); }
  // Goals of the checker's model (what the ghost saw happen):
  // a leader stepped down in its own term (CheckQuorum);
  bool quorum_step_down_seen() const { return quorum_step_downs_ != 0; }
  // a follower's forwarded read completed;
  bool follower_read_seen() const { return follower_reads_ != 0; }
  // a candidate that campaigned for a transfer became leader of its term.
  bool transfer_elected_seen() const {
    for (const Leader& t : transfers_)
      if (leader_of(t.term) == t.id) return true;
    return false;
  }
  // a follower installed a snapshot and then appended entries after it.
  bool snapshot_append_seen() const { return snapshot_appends_ != 0; }
  std::size_t snapshots_taken() const { return snapshots_.size(); }
  std::size_t reads_invoked() const { return reads_.size(); }
  Index committed_count() const { return committed_.size(); }
  const EntryT& committed_entry(Index i) const { return committed_[i - 1].entry; }

  friend bool operator==(const History&, const History&) = default;

  void hash_append(Hasher& h, const Renaming& r = kIdentity) const {
    h.add(std::uint64_t{leaders_.size()});
    for (const Leader& l : leaders_) {
      h.add(l.term);
      h.add(std::uint64_t{r(l.id)});
    }
    h.add(std::uint64_t{committed_.size()});
    for (const Committed& c : committed_) {
      raft::hash_append(h, c.entry);
      h.add(c.first_seen_in);
    }
    // What histories without reads, transfers or step-downs leave empty
    // adds nothing, so their hashes stay what they were.
    if (reads_.empty() && transfers_.empty() && quorum_step_downs_ == 0 && follower_reads_ == 0 &&
        snapshots_.empty() && installed_ == 0 && snapshot_appends_ == 0)
      return;
    h.add(std::uint64_t{reads_.size()});
    for (const Read& x : reads_) {
      h.add(x.id);
      h.add(x.committed_before);
    }
    h.add(std::uint64_t{transfers_.size()});
    for (const Leader& t : transfers_) {
      h.add(t.term);
      h.add(std::uint64_t{r(t.id)});
    }
    h.add(std::uint64_t{quorum_step_downs_} | std::uint64_t{follower_reads_} << 8);
    if (snapshots_.empty() && installed_ == 0 && snapshot_appends_ == 0) return;
    h.add(std::uint64_t{snapshots_.size()});
    for (const Snapshot& x : snapshots_) {
      h.add(x.index);
      h.add(x.term);
      for (const EntryT& e : x.content) raft::hash_append(h, e);
    }
    std::uint64_t installed = 0;  // the node ids' bits, renamed
    for (NodeId id = 1; id < 64; ++id)
      if (installed_ >> id & 1u) installed |= std::uint64_t{1} << r(id);
    h.add(installed | std::uint64_t{snapshot_appends_} << 63);
  }

 private:
  // Node `after` took a snapshot (compacted) or installed one: a new
  // snapshot's content is the applied sequence of the node that took it
  // (as `before` had it); an installed or restored one must be known. A
  // compaction is at or below the commit index the node had (it snapshots
  // what it applied); an installed snapshot is above it (the kernel
  // refuses others), whether or not it is durable yet (a harness may
  // persist within the same input).
  // Also BaseWithinCommit and SnapshotAtBase, and the goal of a follower
  // that appends after a snapshot it installed.
  template <class Node>
  Violation record_snapshot(const Node* before, const Node& after) {
    const raft::SnapshotInfo& s = after.snapshot();
    const bool changed = before == nullptr ? s.index != 0
                                           : !(before->snapshot().index == s.index && before->snapshot().term == s.term);
    if (s.index == 0 && !changed) return Violation::none;
    if (const Violation v = check_base(after); v != Violation::none) return v;
    const std::uint64_t bit = after.id() < 64 ? std::uint64_t{1} << after.id() : 0;
    if (changed && before != nullptr && s.index <= before->commit_index()) {
      // Compaction: the state machine's applied entries up to s.index.
      Snapshot taken{s.index, s.term, {}};
      for (Index i = 1; i <= s.index; ++i) {
        const EntryT* e = entry_at(*before, i);
        if (e == nullptr) return Violation::snapshot_content;
        taken.content.push_back(*e);
      }
      installed_ &= ~bit;
      return add_snapshot(std::move(taken));
    }
    if (changed) {
      if (snapshot_content(s.index, s.term) == nullptr) return Violation::snapshot_content;
      if (before != nullptr) installed_ |= bit;  // installed (a restart restores a stored one)
      return Violation::none;
    }
    if (before != nullptr && (installed_ & bit) != 0 && after.role() == raft::Role::follower &&
        after.log().last_index() > s.index && after.log().last_index() > before->log().last_index())
      snapshot_appends_ = 1;
    return Violation::none;
  }

  // Kept sorted by (index, term) so equal histories compare and hash equal.
  Violation add_snapshot(Snapshot&& taken) {
    auto it = snapshots_.begin();
    while (it != snapshots_.end() && (it->index < taken.index || (it->index == taken.index && it->term < taken.term)))
      ++it;
    if (it != snapshots_.end() && it->index == taken.index && it->term == taken.term)
      return it->content == taken.content ? Violation::none : Violation::snapshot_content;
    snapshots_.insert(it, std::move(taken));
    return Violation::none;
  }

  Violation record_leader(Term term, NodeId id) {
    for (const Leader& l : leaders_)
      if (l.term == term) return l.id == id ? Violation::none : Violation::election_safety;
    if (leaders_.size() == leaders_.capacity()) return Violation::history_full;
    // Kept sorted by term so equal histories compare and hash equal.
    auto it = leaders_.begin();
    while (it != leaders_.end() && it->term < term) ++it;
    leaders_.insert(it, Leader{term, id});
    return Violation::none;
  }

  template <class Node>
  static std::size_t completed_reads(const Node& n) {
    std::size_t k = 0;
    for (const raft::ReadState& r : n.read_states()) k += r.ok ? 1 : 0;
    return k;
  }
  template <class Node>
  static bool asks_transfer_votes(const Node& n) {
    const auto transfer = [](const auto& m) {
      return m.type == raft::MessageType::request_vote && m.context == raft::kTransferVote;
    };
    return std::any_of(n.messages().begin(), n.messages().end(), transfer) ||
           std::any_of(n.held().begin(), n.held().end(), transfer);
  }
  Violation record_transfer(Term term, NodeId id) {
    for (const Leader& t : transfers_)
      if (t.term == term && t.id == id) return Violation::none;
    if (transfers_.size() == transfers_.capacity()) return Violation::history_full;
    auto it = transfers_.begin();  // sorted, as leaders_
    while (it != transfers_.end() && (it->term < term || (it->term == term && it->id < id))) ++it;
    transfers_.insert(it, Leader{term, id});
    return Violation::none;
  }

  boost::container::static_vector<Leader, MaxLeaders> leaders_;
  boost::container::static_vector<Committed, MaxCommitted> committed_;
  boost::container::static_vector<Read, MaxReads> reads_;
  // Candidates (term, id) that campaigned for a leadership transfer.
  boost::container::static_vector<Leader, MaxLeaders> transfers_;
  std::uint8_t quorum_step_downs_ = 0;  // 1: a leader stepped down in its own term
  std::uint8_t follower_reads_ = 0;     // 1: a follower's forwarded read completed
  std::vector<Snapshot> snapshots_;     // every snapshot taken, sorted by (index, term)
  std::uint64_t installed_ = 0;         // bit id: node id's snapshot is one it installed
  std::uint8_t snapshot_appends_ = 0;   // 1: a follower appended after a snapshot it installed
};

}  // namespace synod::check::raft_invariants
