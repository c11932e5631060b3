// synod/paxos/messages.hpp - the Paxos messages as one value type.
//
// One flat struct (fields a type does not use stay at their defaults) keeps
// messages regular values: cheap to copy, compare and hash in the checker's
// network. Paxos Made Simple §2.2 names the two phases; we name the messages
// after the usual 1a/1b/2a/2b reading of them, plus a rejection.
#pragma once

#include <cstdint>
#include <optional>

#include "synod/hash.hpp"
#include "synod/ids.hpp"
#include "synod/paxos/ballot.hpp"
#include "synod/paxos/types.hpp"

namespace synod::paxos {

enum class MessageType : std::uint8_t {
  none,
  prepare,   // 1a  proposer -> acceptors: ballot
  promise,   // 1b  acceptor -> proposer: ballot promised, plus its last acceptance
  accept,    // 2a  proposer -> acceptors: ballot, value
  accepted,  // 2b  acceptor -> learners (and the ballot's proposer): ballot, value
  nack,      //     acceptor -> proposer: ballot rejected, promised = the higher promise
};

// Whether `t` names a message that travels (`none`, an empty Message's type,
// does not): decoders check the byte they read with it.
constexpr bool is_valid(MessageType t) {
  switch (t) {
    case MessageType::prepare:
    case MessageType::promise:
    case MessageType::accept:
    case MessageType::accepted:
    case MessageType::nack:
      return true;
    case MessageType::none:
      return false;
  }
  return false;
}

constexpr const char* to_string(MessageType t) {
  switch (t) {
    case MessageType::none: return "none";
    case MessageType::prepare: return "Prepare";
    case MessageType::promise: return "Promise";
    case MessageType::accept: return "Accept";
    case MessageType::accepted: return "Accepted";
    case MessageType::nack: return "Nack";
  }
  return "?";
}

template <class Config>
struct Message {
  using Value = typename Config::Value;

  MessageType type = MessageType::none;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  // prepare/accept: the proposer's ballot. promise/accepted/nack: the ballot
  // answered (promised, accepted, or rejected).
  Ballot ballot{};
  // promise: the acceptor's last acceptance (null: none), value in `value`.
  Ballot accepted_ballot{};
  // nack: the acceptor's promise that outranks `ballot`, so the proposer can
  // skip past it instead of climbing one round at a time.
  Ballot promised{};
  // accept/accepted: the value. promise: the value accepted at accepted_ballot.
  std::optional<Value> value{};

  constexpr auto fields() const {
    return field_list(type, renamed_id(from), renamed_id(to), ballot, accepted_ballot, promised,
                      value);
  }
  friend constexpr bool operator==(const Message& a, const Message& b) {
    return fields_equal(a.fields(), b.fields());
  }

  static constexpr Message prepare(NodeId from, NodeId to, Ballot b) {
    Message m;
    m.type = MessageType::prepare;
    m.from = from;
    m.to = to;
    m.ballot = b;
    return m;
  }
  static constexpr Message promise(NodeId from, NodeId to, Ballot b, Ballot accepted_ballot,
                                   const std::optional<Value>& accepted_value) {
    Message m;
    m.type = MessageType::promise;
    m.from = from;
    m.to = to;
    m.ballot = b;
    m.accepted_ballot = accepted_ballot;
    m.value = accepted_value;
    return m;
  }
  static constexpr Message accept(NodeId from, NodeId to, Ballot b, const Value& v) {
    Message m;
    m.type = MessageType::accept;
    m.from = from;
    m.to = to;
    m.ballot = b;
    m.value = v;
    return m;
  }
  static constexpr Message accepted(NodeId from, NodeId to, Ballot b, const Value& v) {
    Message m;
    m.type = MessageType::accepted;
    m.from = from;
    m.to = to;
    m.ballot = b;
    m.value = v;
    return m;
  }
  static constexpr Message nack(NodeId from, NodeId to, Ballot rejected, Ballot promised_ballot) {
    Message m;
    m.type = MessageType::nack;
    m.from = from;
    m.to = to;
    m.ballot = rejected;
    m.promised = promised_ballot;
    return m;
  }

  // Well formed as far as the message alone can tell: a known type, a sender,
  // a recipient, ballots that make sense for the type. Roles are checked by
  // the node that receives it.
  constexpr bool well_formed() const {
    if (from == kNoNode || to == kNoNode) return false;
    if (ballot.is_null() || ballot.round > kMaxRound || ballot.node == kNoNode) return false;
    switch (type) {
      case MessageType::prepare:
        return ballot.node == from && accepted_ballot.is_null() && promised.is_null() && !value;
      case MessageType::accept:
        return ballot.node == from && accepted_ballot.is_null() && promised.is_null() && value.has_value();
      case MessageType::promise:
        // The acceptance it reports predates the promise, and carries a value iff it exists.
        return accepted_ballot < ballot && value.has_value() == !accepted_ballot.is_null() &&
               promised.is_null();
      case MessageType::accepted:
        return accepted_ballot.is_null() && promised.is_null() && value.has_value();
      case MessageType::nack:
        return ballot < promised && promised.round <= kMaxRound && accepted_ballot.is_null() && !value;
      case MessageType::none:
        return false;
    }
    return false;
  }

  void hash_append(Hasher& h, const Renaming& r = kIdentity) const { hash_fields(h, r, fields()); }
};

}  // namespace synod::paxos
