// synod/sim/show.hpp - how kernel messages, logs, ballots and nodes print
// for people: one line each, the same in the checker's counterexamples,
// the scenario files (tests/*/testdata) and the replayer, so a message
// reads the same wherever it appears. A protocol's new message field is
// printed here once.
//
// Raft:  AppendEntries 1->2 term=1 prev=0@0 commit=0 entries=1:7,1:8
//        leader term=1 vote=1 lead=1 commit=1 last=2@1
// Paxos: Promise 2->4 (1,4) accepted=(1,5):7
//        proposer propose ballot=(1,4) value=7 own=7 | learned=-
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "synod/paxos/node.hpp"
#include "synod/raft/node.hpp"

namespace synod::sim {

// ------------------------------------------------------------------ Raft

// Entries [first, last] of a log as term:payload, or "(empty)".
template <class Log>
std::string show_entries(const Log& log, raft::Index first, raft::Index last) {
  std::string s;
  for (raft::Index i = first; i <= last; ++i)
    s += (s.empty() ? "" : " ") + std::to_string(log.at(i).term) + ":" + std::to_string(log.at(i).payload);
  return s.empty() ? "(empty)" : s;
}
template <class Log>
std::string show_log(const Log& log) {
  const raft::Index base = log.first_index() - 1;
  const std::string snap = base == 0 ? std::string() : "snap=" + std::to_string(base) + "@" + std::to_string(log.term_at(base)) + " ";
  return "[" + snap + (log.last_index() == base ? std::string() : show_entries(log, base + 1, log.last_index())) + "]";
}

template <class Config>
std::string show(const raft::Message<Config>& m) {
  std::string s = std::string(raft::to_string(m.type)) + " " + std::to_string(m.from) + "->" + std::to_string(m.to) +
                  " term=" + std::to_string(m.term);
  switch (m.type) {
    case raft::MessageType::request_vote:
    case raft::MessageType::pre_vote:
      s += " last=" + std::to_string(m.log_index) + "@" + std::to_string(m.log_term);
      if (m.type == raft::MessageType::request_vote && m.context == raft::kTransferVote) s += " transfer";
      break;
    case raft::MessageType::request_vote_response:
    case raft::MessageType::pre_vote_response: s += m.success ? " granted" : " rejected"; break;
    case raft::MessageType::append_entries:
      s += " prev=" + std::to_string(m.log_index) + "@" + std::to_string(m.log_term) +
           " commit=" + std::to_string(m.commit);
      if (m.context != 0) s += " round=" + std::to_string(m.context);
      if (!m.entries.empty()) {
        s += " entries=";
        for (std::size_t k = 0; k < m.entries.size(); ++k)
          s += (k ? "," : "") + std::to_string(m.entries[k].term) + ":" + std::to_string(m.entries[k].payload);
      }
      break;
    case raft::MessageType::append_entries_response:
      s += (m.success ? " success index=" : " reject hint=") + std::to_string(m.log_index);
      if (m.context != 0) s += " round=" + std::to_string(m.context);
      break;
    case raft::MessageType::timeout_now:
      s += " last=" + std::to_string(m.log_index) + "@" + std::to_string(m.log_term);
      break;
    case raft::MessageType::read_index: s += " read=" + std::to_string(m.context); break;
    case raft::MessageType::read_index_response:
      s += " read=" + std::to_string(m.context) +
           (m.success ? " index=" + std::to_string(m.log_index) : std::string(" failed"));
      break;
    case raft::MessageType::install_snapshot:
      s += " snap=" + std::to_string(m.log_index) + "@" + std::to_string(m.log_term) + " chunk=" +
           std::to_string(m.context) + (m.success ? " last" : "") + " commit=" + std::to_string(m.commit);
      break;
    case raft::MessageType::install_snapshot_response:
      s += " snap=" + std::to_string(m.log_index) + "@" + std::to_string(m.log_term) +
           (m.success ? " took, next=" : " refused, next=") + std::to_string(m.context);
      break;
    case raft::MessageType::none: s += " index=" + std::to_string(m.log_index) + (m.success ? " success" : ""); break;
  }
  return s;
}

// Role, term, vote, leader, commit index, last entry, held messages, and a
// leader's match indexes.
template <class Config>
std::string show(const raft::Node<Config>& x) {
  std::string s = std::string(raft::to_string(x.role())) + " term=" + std::to_string(x.term()) +
                  " vote=" + std::to_string(x.voted_for()) + " lead=" + std::to_string(x.leader_id()) +
                  " commit=" + std::to_string(x.commit_index()) + " last=" + std::to_string(x.log().last_index()) +
                  "@" + std::to_string(x.log().last_term());
  if (x.held_messages() != 0) s += " held=" + std::to_string(x.held_messages());
  if (x.role() == raft::Role::leader && x.cluster_size() > 1) {
    s += " match=";
    for (NodeId p = 1; p <= x.cluster_size(); ++p) {
      if (p == x.id()) continue;
      s += (s.back() == '=' ? "" : ",") + std::to_string(p) + ":" + std::to_string(x.match_index(p));
    }
  }
  return s;
}

// ------------------------------------------------------------------ Paxos

inline std::string show(paxos::Ballot b) {
  return b.is_null() ? "-" : "(" + std::to_string(b.round) + "," + std::to_string(b.node) + ")";
}
template <class V>
std::string show_value(const std::optional<V>& v) {
  return v ? std::to_string(*v) : "-";
}

template <class Config>
std::string show(const paxos::Message<Config>& m) {
  std::string s = std::string(paxos::to_string(m.type)) + " " + std::to_string(m.from) + "->" +
                  std::to_string(m.to) + " " + show(m.ballot);
  switch (m.type) {
    case paxos::MessageType::promise: s += " accepted=" + show(m.accepted_ballot) + ":" + show_value(m.value); break;
    case paxos::MessageType::accept:
    case paxos::MessageType::accepted: s += " value=" + show_value(m.value); break;
    case paxos::MessageType::nack: s += " promised=" + show(m.promised); break;
    default: break;
  }
  return s;
}

// Each role the node has, then held messages.
template <class Config>
std::string show(const paxos::Node<Config>& x) {
  std::vector<std::string> parts;
  if (x.roles().proposer) {
    const auto& p = x.proposer();
    parts.push_back("proposer " + std::string(paxos::to_string(p.phase())) + " ballot=" + show(p.ballot()) +
                    " value=" + show_value(p.value()) + " own=" + show_value(p.own_value()));
  }
  if (x.roles().acceptor) {
    const auto& a = x.acceptor();
    parts.push_back("acceptor promised=" + show(a.promised()) + " accepted=" + show(a.accepted_ballot()) + ":" +
                    show_value(a.accepted_value()));
  }
  if (x.roles().learner) parts.push_back("learned=" + show_value(x.learned()));
  std::string s;
  for (std::size_t k = 0; k < parts.size(); ++k) s += (k ? " | " : "") + parts[k];
  if (x.held_messages() != 0) s += " held=" + std::to_string(x.held_messages());
  return s;
}

// What a node's disk holds.
template <class V>
std::string show(const paxos::PersistentState<V>& d) {
  return "promised=" + show(d.promised) + " accepted=" + show(d.accepted_ballot) + ":" + show_value(d.accepted_value) +
         " round=" + std::to_string(d.proposer_round);
}

}  // namespace synod::sim
