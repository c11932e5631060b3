// synod/paxos/invariants.hpp - what must hold of every Paxos state and step,
// written once: the checker's properties, the test driver's ghost and the
// property tests all call these (STYLE.md: invariants as code, state
// predicates and previous -> next transition predicates).
//
// Each returns nullptr when the invariant holds, else a short description of
// the broken one (a string literal, for counterexample reports).
#pragma once

#include "synod/paxos/acceptor.hpp"
#include "synod/paxos/learner.hpp"
#include "synod/paxos/node.hpp"
#include "synod/paxos/proposer.hpp"

namespace synod::paxos::invariants {

// An acceptor never accepts above its promise (accepting promises), and an
// acceptance always carries its value.
template <class Config>
constexpr const char* acceptor_state(const Acceptor<Config>& a) {
  if (a.accepted_ballot() > a.promised()) return "acceptor: accepted ballot above the promise";
  if (a.accepted_ballot().is_null() == a.accepted_value().has_value())
    return "acceptor: an acceptance without a value, or a value without an acceptance";
  return nullptr;
}

// §2.2: promises and acceptances only rise; a ballot's value never changes.
// Holds across every input, including crash + restart of a node that
// followed the durability contract (the restart starts from the durable
// state, which is at or above everything it ever revealed).
template <class Config>
constexpr const char* acceptor_step(const Acceptor<Config>& before, const Acceptor<Config>& after) {
  if (after.promised() < before.promised()) return "acceptor: promise fell";
  if (after.accepted_ballot() < before.accepted_ballot()) return "acceptor: acceptance fell";
  if (after.accepted_ballot() == before.accepted_ballot() && !(after.accepted_value() == before.accepted_value()))
    return "acceptor: value changed under one ballot";
  return nullptr;
}

// The proposer's phase agrees with its fields.
template <class Config>
constexpr const char* proposer_state(const Proposer<Config>& p) {
  switch (p.phase()) {
    case Phase::idle:
      if (p.value()) return "proposer: idle with a phase-2 value";
      break;
    case Phase::preparing:
      if (p.value()) return "proposer: preparing with a phase-2 value";
      if (!p.own_value()) return "proposer: a round without a value of its own";
      if (p.ballot().node != p.id()) return "proposer: a ballot that is not its own";
      break;
    case Phase::accepting:
      if (!p.value()) return "proposer: accepting without a value";
      if (p.ballot().node != p.id()) return "proposer: a ballot that is not its own";
      break;
    case Phase::backoff:
      if (!p.own_value()) return "proposer: backing off without a value of its own";
      break;
    case Phase::chosen:
      if (!p.value()) return "proposer: chosen without a value";
      break;
  }
  return nullptr;
}

// A proposer's round never falls (no ballot is ever reused, even across a
// restart that followed the durability contract); once chosen, the value stays.
template <class Config>
constexpr const char* proposer_step(const Proposer<Config>& before, const Proposer<Config>& after) {
  if (after.ballot().round < before.ballot().round) return "proposer: round fell";
  if (before.phase() == Phase::chosen && after.phase() == Phase::chosen && !(before.value() == after.value()))
    return "proposer: chosen value changed";
  return nullptr;
}

// A learner's value, once learned, never changes.
template <class Config>
constexpr const char* learner_step(const Learner<Config>& before, const Learner<Config>& after) {
  if (before.learned() && !(before.learned() == after.learned())) return "learner: learned value changed";
  return nullptr;
}

// The whole node: its roles, and durability (what is durable is never ahead
// of the state; nothing held is already covered by the durable state).
template <class Config>
const char* node_state(const Node<Config>& n) {
  if (const char* e = acceptor_state(n.acceptor())) return e;
  if (const char* e = proposer_state(n.proposer())) return e;
  const auto now = n.persistent_state();
  const auto& durable = n.durable_state();
  if (durable.promised > now.promised || durable.accepted_ballot > now.accepted_ballot ||
      durable.proposer_round > now.proposer_round)
    return "node: durable state ahead of the state";
  if (now == durable && n.held_messages() != 0) return "node: messages held although everything is durable";
  return nullptr;
}

// A step of one node without a crash in between.
template <class Config>
const char* node_step(const Node<Config>& before, const Node<Config>& after) {
  if (const char* e = acceptor_step(before.acceptor(), after.acceptor())) return e;
  if (const char* e = proposer_step(before.proposer(), after.proposer())) return e;
  if (const char* e = learner_step(before.learner(), after.learner())) return e;
  return nullptr;
}

}  // namespace synod::paxos::invariants
