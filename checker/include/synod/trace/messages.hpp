// synod/trace/messages.hpp - kernel messages as trace JSON, written once:
// synod-check names the messages of a counterexample this way, and the
// runner (synod/trace/run.hpp) finds the in-flight message a trace names.
#pragma once

#include <nlohmann/json.hpp>

#include "synod/paxos/messages.hpp"
#include "synod/raft/messages.hpp"

namespace synod::trace {

template <class Config>
nlohmann::json message_json(const raft::Message<Config>& m) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : m.entries) entries.push_back({e.term, e.payload});
  nlohmann::json j{{"type", raft::to_string(m.type)}, {"from", m.from},         {"to", m.to},
                   {"term", m.term},                  {"log_index", m.log_index}, {"log_term", m.log_term},
                   {"commit", m.commit},              {"success", m.success},   {"context", m.context},
                   {"entries", entries}};
  return j;
}

inline nlohmann::json ballot_json(paxos::Ballot b) { return {b.round, b.node}; }

template <class Config>
nlohmann::json message_json(const paxos::Message<Config>& m) {
  nlohmann::json j{{"type", paxos::to_string(m.type)},
                   {"from", m.from},
                   {"to", m.to},
                   {"ballot", ballot_json(m.ballot)},
                   {"accepted_ballot", ballot_json(m.accepted_ballot)},
                   {"promised", ballot_json(m.promised)}};
  j["value"] = m.value ? nlohmann::json(*m.value) : nlohmann::json(nullptr);
  return j;
}

// Whether every member of `want` (a trace's partial message) equals the
// same member of `have` (a whole message's JSON).
inline bool message_matches(const nlohmann::json& want, const nlohmann::json& have) {
  for (auto it = want.begin(); it != want.end(); ++it)
    if (!have.contains(it.key()) || !(have.at(it.key()) == it.value())) return false;
  return true;
}

}  // namespace synod::trace
