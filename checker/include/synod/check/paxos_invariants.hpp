// synod/check/paxos_invariants.hpp - Basic Paxos's safety properties, written once.
//
// Mirrors raft_invariants.hpp: a ghost history (a value: ==, hash) that
// remembers what the properties need - the values proposed, the durable
// acceptances, the values chosen, the value learned - and two kinds of
// check: per-step transitions of one node (previous -> next; previous is
// nullptr when the node was down or just restarted) and facts across the
// history. Shared by the property tests (tests/properties/) and meant for
// the checker's Paxos model.
//
// The properties are Paxos Made Simple §2.1's safety requirements:
//   Validity (ChosenWasProposed)  only a value that has been proposed may be chosen
//   Agreement (AtMostOneChosen)   only a single value is chosen
//   LearnedWasChosen              a process never learns a value that was not chosen
//   LearnersAgree                 no two learners learn different values
// plus the acceptor facts they rest on:
//   OneValuePerBallot             no two acceptors accept different values at one ballot
//   PromiseNeverFalls             promise and acceptance only rise while up
//   AcceptedWithinPromise         accepted ballot <= promised ballot
//   AcceptRespectsPromise         a newly accepted ballot is not below the
//                                 promise made before it (§2.2 P1a)
//   RestartKeepsDurableState      after a restart an acceptor's promise and
//                                 acceptance are at least what it made durable
//
// Node-local checks (check_node, check_step, check_send, check_restart
// below) need no history: what one node's state, one step of it, one
// message it sends, or a restart must satisfy (the roles' own invariants and
// the durability contract). The simulation core (synod/sim/cluster.hpp)
// runs them after every input in every harness.
//
// "Accepted" here means durably accepted (the node's durable_state()): an
// acceptance lost in a crash before it was persisted was never revealed, so
// it cannot have helped choose a value. A value is chosen when a majority of
// the acceptors durably accepted it at one ballot.
//
// The history is canonical, so that a checker storing it in its states does
// not tell apart runs that differ only in the order things happened:
// proposals are a set (kept sorted when values are ordered), acceptances are
// one record per ballot (value and set of acceptors) sorted by ballot, and
// hash_append(h, r) hashes what a renamed history would hold (acceptor sets
// and ballots renamed, re-sorted), so renamed-equal histories hash alike.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>

#include <boost/container/static_vector.hpp>

#include "synod/hash.hpp"
#include "synod/ids.hpp"
#include "synod/paxos/ballot.hpp"
#include "synod/paxos/messages.hpp"
#include "synod/paxos/proposer.hpp"
#include "synod/paxos/types.hpp"
#include "synod/quorum.hpp"

namespace synod::check::paxos_invariants {

using paxos::Ballot;

enum class Violation : std::uint8_t {
  none,
  chosen_was_proposed,
  at_most_one_chosen,
  learned_was_chosen,
  learners_agree,
  one_value_per_ballot,
  promise_never_falls,
  accepted_within_promise,
  restart_keeps_durable_state,
  accept_respects_promise,
  history_full,  // the ghost's capacity was too small: a harness bug, not a protocol one
  // Node-local (check_node / check_step / check_send / check_restart):
  acceptor_state,          // accepted above the promise, or an acceptance without its value
  proposer_state,          // the proposer's phase disagrees with its fields
  durable_ahead,           // the durable state is ahead of the state
  held_needlessly,         // messages held although everything is durable
  value_changed,           // a ballot's value, a chosen value or a learned value changed
  round_fell,              // a proposer's round fell (a ballot could be reused)
  durability_contract,     // a message revealed state that was not yet durable
  bad_address,             // a message not from its sender, or to itself
  learner_reported_twice,  // newly_learned() reported one value twice
  persist_ignored,         // a node ignored its own persist request
};

constexpr const char* to_string(Violation v) {
  switch (v) {
    case Violation::none: return "none";
    case Violation::chosen_was_proposed: return "ChosenWasProposed";
    case Violation::at_most_one_chosen: return "AtMostOneChosen";
    case Violation::learned_was_chosen: return "LearnedWasChosen";
    case Violation::learners_agree: return "LearnersAgree";
    case Violation::one_value_per_ballot: return "OneValuePerBallot";
    case Violation::promise_never_falls: return "PromiseNeverFalls";
    case Violation::accepted_within_promise: return "AcceptedWithinPromise";
    case Violation::restart_keeps_durable_state: return "RestartKeepsDurableState";
    case Violation::accept_respects_promise: return "AcceptRespectsPromise";
    case Violation::acceptor_state: return "AcceptorState";
    case Violation::proposer_state: return "ProposerState";
    case Violation::durable_ahead: return "DurableNotAhead";
    case Violation::held_needlessly: return "NothingHeldNeedlessly";
    case Violation::value_changed: return "ValueNeverChanges";
    case Violation::round_fell: return "RoundNeverFalls";
    case Violation::durability_contract: return "DurabilityContract";
    case Violation::bad_address: return "MessageAddress";
    case Violation::learner_reported_twice: return "LearnedReportedOnce";
    case Violation::persist_ignored: return "PersistAccepted";
    case Violation::history_full: return "HistoryCapacity";
  }
  return "?";
}

// ------------------------------------------------------------ node-local

// What one node's state must satisfy: an acceptor never accepts above its
// promise and an acceptance carries its value; the proposer's phase agrees
// with its fields; the durable state is never ahead of the state, and
// nothing is held once everything is durable.
template <class Node>
Violation check_node(const Node& n) {
  const auto& a = n.acceptor();
  if (a.accepted_ballot() > a.promised()) return Violation::acceptor_state;
  if (a.accepted_ballot().is_null() == a.accepted_value().has_value()) return Violation::acceptor_state;
  const auto& p = n.proposer();
  switch (p.phase()) {
    case paxos::Phase::idle:
      if (p.value()) return Violation::proposer_state;
      break;
    case paxos::Phase::preparing:
      if (p.value() || !p.own_value() || p.ballot().node != p.id()) return Violation::proposer_state;
      break;
    case paxos::Phase::accepting:
      if (!p.value() || p.ballot().node != p.id()) return Violation::proposer_state;
      break;
    case paxos::Phase::backoff:
      if (!p.own_value()) return Violation::proposer_state;
      break;
    case paxos::Phase::chosen:
      if (!p.value()) return Violation::proposer_state;
      break;
  }
  const auto now = n.persistent_state();
  const auto& durable = n.durable_state();
  if (durable.promised > now.promised || durable.accepted_ballot > now.accepted_ballot ||
      durable.proposer_round > now.proposer_round)
    return Violation::durable_ahead;
  if (now == durable && n.held_messages() != 0) return Violation::held_needlessly;
  return Violation::none;
}

// One step of one node that stayed up (Paxos Made Simple §2.2): promises and
// acceptances only rise, a ballot's value never changes, a proposer's round
// never falls, a chosen or learned value stays.
template <class Node>
Violation check_step(const Node& before, const Node& after) {
  const auto &a = after.acceptor(), &b = before.acceptor();
  if (a.promised() < b.promised() || a.accepted_ballot() < b.accepted_ballot()) return Violation::promise_never_falls;
  if (a.accepted_ballot() == b.accepted_ballot() && !(a.accepted_value() == b.accepted_value()))
    return Violation::value_changed;
  const auto &p = after.proposer(), &q = before.proposer();
  if (p.ballot().round < q.ballot().round) return Violation::round_fell;
  if (q.phase() == paxos::Phase::chosen && p.phase() == paxos::Phase::chosen && !(q.value() == p.value()))
    return Violation::value_changed;
  if (before.learner().learned() && !(before.learner().learned() == after.learner().learned()))
    return Violation::value_changed;
  return Violation::none;
}

// A restarted acceptor starts from at least what it made durable.
template <class Node, class Durable>
Violation check_restart(const Node& n, const Durable& disk) {
  const auto& a = n.acceptor();
  if (n.roles().acceptor && (a.promised() != disk.promised || a.accepted_ballot() != disk.accepted_ballot))
    return Violation::restart_keeps_durable_state;
  return Violation::none;
}

// The durability contract: what a message reveals (a prepare's round, a
// promise, an acceptance) is already on the sender's disk; a message comes
// from its sender and goes to another node.
template <class Message, class Durable>
Violation check_send(NodeId sender, const Message& m, const Durable& disk) {
  if (m.from != sender || m.to == sender) return Violation::bad_address;
  switch (m.type) {
    case paxos::MessageType::prepare:
      if (disk.proposer_round < m.ballot.round) return Violation::durability_contract;
      break;
    case paxos::MessageType::promise:
      if (disk.promised < m.ballot) return Violation::durability_contract;
      break;
    case paxos::MessageType::accepted:
      if (disk.accepted_ballot < m.ballot) return Violation::durability_contract;
      break;
    default:
      break;
  }
  return Violation::none;
}

template <class Value, std::size_t MaxProposals, std::size_t MaxAcceptances>
class History {
 public:
  // Every durable acceptance at one ballot: its value and who accepted it.
  struct Acceptance {
    Ballot ballot{};
    Value value{};
    paxos::NodeSet acceptors{};
    friend constexpr bool operator==(const Acceptance&, const Acceptance&) = default;
  };

  // A client proposed `v` (to any proposer). Call before the proposer sees it.
  Violation proposed(const Value& v) {
    for (const Value& p : proposals_)
      if (p == v) return Violation::none;
    if (proposals_.size() == proposals_.capacity()) return Violation::history_full;
    if constexpr (std::totally_ordered<Value>) {
      proposals_.insert(std::lower_bound(proposals_.begin(), proposals_.end(), v), v);
    } else {
      proposals_.push_back(v);
    }
    return Violation::none;
  }

  // Records what `after` shows and checks the transition from `before`
  // (nullptr when the node was down or just restarted).
  template <class Node>
  Violation record(const Node* before, const Node& after) {
    const NodeId id = after.id();
    if (id == kNoNode || id > kMaxNodeId) return Violation::history_full;
    const auto& a = after.acceptor();
    if (after.roles().acceptor) {
      if (a.accepted_ballot() > a.promised()) return Violation::accepted_within_promise;
      if (before != nullptr) {
        const auto& b = before->acceptor();
        if (a.promised() < b.promised() || a.accepted_ballot() < b.accepted_ballot())
          return Violation::promise_never_falls;
        if (a.accepted_ballot() != b.accepted_ballot() && a.accepted_ballot() < b.promised())
          return Violation::accept_respects_promise;
      } else if (a.promised() < durable_promised_[id] || a.accepted_ballot() < durable_accepted_[id]) {
        return Violation::restart_keeps_durable_state;
      }
      const auto& d = after.durable_state();
      if (d.promised > durable_promised_[id]) durable_promised_[id] = d.promised;
      if (!d.accepted_ballot.is_null() && d.accepted_ballot > durable_accepted_[id] && d.accepted_value) {
        durable_accepted_[id] = d.accepted_ballot;
        if (Violation v = record_acceptance(id, d.accepted_ballot, *d.accepted_value, after.acceptors());
            v != Violation::none)
          return v;
      }
    }
    if (after.roles().learner && after.learned()) {
      const Value& v = *after.learned();
      if (!is_chosen(v)) return Violation::learned_was_chosen;
      if (!learned_) learned_ = v;
      if (!(*learned_ == v)) return Violation::learners_agree;
    }
    return Violation::none;
  }

  bool is_chosen(const Value& v) const {
    for (const Value& c : chosen_)
      if (c == v) return true;
    return false;
  }
  std::size_t chosen_count() const { return chosen_.size(); }
  // The values chosen so far (at most one, or a violation was reported).
  std::span<const Value> chosen() const { return {chosen_.data(), chosen_.size()}; }
  // The first value any learner learned.
  const std::optional<Value>& learned() const { return learned_; }
  // Durable acceptances, one record per ballot, sorted by ballot.
  std::span<const Acceptance> acceptances() const { return {acceptances_.data(), acceptances_.size()}; }

  friend bool operator==(const History&, const History&) = default;

  void hash_append(Hasher& h, const Renaming& r = kIdentity) const {
    h.add(std::uint64_t{proposals_.size()});
    for (const Value& v : proposals_) synod::hash_append(h, v);
    // Acceptances as the renamed history would hold them: ballots renamed
    // (which may reorder ballots of one round) and acceptor sets renamed.
    h.add(std::uint64_t{acceptances_.size()});
    std::array<std::uint16_t, MaxAcceptances> order{};
    for (std::size_t k = 0; k < acceptances_.size(); ++k) order[k] = static_cast<std::uint16_t>(k);
    if (!r.is_identity()) {
      std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(acceptances_.size()),
                [&](std::uint16_t x, std::uint16_t y) {
                  return renamed(acceptances_[x].ballot, r) < renamed(acceptances_[y].ballot, r);
                });
    }
    for (std::size_t k = 0; k < acceptances_.size(); ++k) {
      const Acceptance& x = acceptances_[order[k]];
      x.ballot.hash_append(h, r);
      synod::hash_append(h, x.value);
      x.acceptors.hash_append(h, r);
    }
    h.add(learned_.has_value());
    if (learned_) synod::hash_append(h, *learned_);
    // Durable promises, in the renamed order of their acceptors.
    std::array<Ballot, kMaxNodeId + 1> promised{};
    for (std::size_t id = 1; id <= kMaxNodeId; ++id) {
      const NodeId to = r(static_cast<NodeId>(id));
      if (to != kNoNode && to <= kMaxNodeId) promised[to] = durable_promised_[id];
    }
    for (const Ballot& b : promised) b.hash_append(h, r);
  }

 private:
  Violation record_acceptance(NodeId id, Ballot b, const Value& v, paxos::NodeSet acceptors) {
    bool was_proposed = false;
    for (const Value& p : proposals_) was_proposed = was_proposed || p == v;
    if (!was_proposed) return Violation::chosen_was_proposed;
    auto at = std::lower_bound(acceptances_.begin(), acceptances_.end(), b,
                               [](const Acceptance& x, const Ballot& key) { return x.ballot < key; });
    if (at != acceptances_.end() && at->ballot == b) {
      if (!(at->value == v)) return Violation::one_value_per_ballot;
    } else {
      if (acceptances_.size() == acceptances_.capacity()) return Violation::history_full;
      at = acceptances_.insert(at, Acceptance{b, v, {}});
    }
    at->acceptors.insert(id);
    if (at->acceptors.size() >= quorum::majority(acceptors.size()) && !is_chosen(v)) {
      if (!chosen_.empty()) return Violation::at_most_one_chosen;
      if (chosen_.size() == chosen_.capacity()) return Violation::history_full;
      chosen_.push_back(v);
    }
    return Violation::none;
  }

  static constexpr Ballot renamed(Ballot b, const Renaming& r) { return Ballot{b.round, r(b.node)}; }

  static_assert(MaxAcceptances <= 0xFFFF, "hash_append orders acceptances by 16-bit index");
  boost::container::static_vector<Value, MaxProposals> proposals_;  // sorted when Value is ordered
  boost::container::static_vector<Acceptance, MaxAcceptances> acceptances_;  // one per ballot, sorted by ballot
  // Two slots: the first chosen value, and room to hold a second one would
  // be a violation (reported, never stored).
  boost::container::static_vector<Value, 2> chosen_;
  std::optional<Value> learned_{};
  std::array<Ballot, kMaxNodeId + 1> durable_promised_{};
  std::array<Ballot, kMaxNodeId + 1> durable_accepted_{};
};

}  // namespace synod::check::paxos_invariants
