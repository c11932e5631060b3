// synod/paxos/acceptor.hpp - the acceptor role (Paxos Made Simple §2.2, §2.3).
//
// Pure decisions over a tiny state: the highest ballot promised and the last
// acceptance. The node around it routes the replies and holds them until the
// state they reveal is durable (§2.3: an acceptor "must remember this
// information even if it fails and then restarts").
#pragma once

#include <cstdint>
#include <optional>

#include "synod/hash.hpp"
#include "synod/ids.hpp"
#include "synod/paxos/ballot.hpp"
#include "synod/paxos/types.hpp"

namespace synod::paxos {

// What the acceptor decided about a prepare or accept request.
enum class AcceptorDecision : std::uint8_t {
  ignore,   // a duplicate of what we already did: no change, no reply
  promise,  // prepare: promised it (reply promise)
  accept,   // accept: accepted it (reply accepted to the learners)
  reject,   // below our promise (reply nack carrying promised())
};

template <class Config>
class Acceptor {
 public:
  using Value = typename Config::Value;

  constexpr Acceptor() = default;
  // An acceptor restarting from what it persisted. A record whose acceptance
  // outranks its promise cannot come from this kernel; the promise is raised
  // to cover it so the invariant promised >= accepted holds regardless. An
  // acceptance without a value is no acceptance.
  constexpr Acceptor(Ballot promised, Ballot accepted_ballot, const std::optional<Value>& accepted_value) {
    if (!accepted_ballot.is_null() && accepted_value) {
      accepted_ballot_ = accepted_ballot;
      accepted_value_ = accepted_value;
    }
    promised_ = promised < accepted_ballot_ ? accepted_ballot_ : promised;
  }

  // Phase 1b (§2.2): "If an acceptor receives a prepare request with number n
  // greater than that of any prepare request to which it has already
  // responded, then it responds ... with a promise not to accept any more
  // proposals numbered less than n and with the highest-numbered proposal (if
  // any) that it has accepted." A prepare at the ballot already promised is a
  // duplicate: nothing to do. Below it: reject, naming the promise.
  constexpr AcceptorDecision on_prepare(Ballot b) {
    if (b > promised_) {
      promised_ = b;
      return AcceptorDecision::promise;
    }
    return b == promised_ ? AcceptorDecision::ignore : AcceptorDecision::reject;
  }

  // Phase 2b (§2.2): "If an acceptor receives an accept request for a
  // proposal numbered n, it accepts the proposal unless it has already
  // responded to a prepare request having a number greater than n." Accepting
  // n also promises n (P1a keeps holding). Re-accepting the ballot already
  // accepted is a duplicate; a proposer issues one value per ballot, so a
  // second value under it can only be bogus and must not replace the first.
  constexpr AcceptorDecision on_accept(Ballot b, const Value& v) {
    if (b < promised_) return AcceptorDecision::reject;
    if (b == accepted_ballot_) return AcceptorDecision::ignore;
    promised_ = b;
    accepted_ballot_ = b;
    accepted_value_ = v;
    return AcceptorDecision::accept;
  }

  // Invariant: accepted_ballot() <= promised(); accepted_value() is set iff
  // accepted_ballot() is not null. Both ballots only ever rise.
  constexpr Ballot promised() const { return promised_; }
  constexpr Ballot accepted_ballot() const { return accepted_ballot_; }
  constexpr const std::optional<Value>& accepted_value() const { return accepted_value_; }

  constexpr auto fields() const { return field_list(promised_, accepted_ballot_, accepted_value_); }
  friend constexpr bool operator==(const Acceptor& a, const Acceptor& b) {
    return fields_equal(a.fields(), b.fields());
  }
  void hash_append(Hasher& h, const Renaming& r = kIdentity) const { hash_fields(h, r, fields()); }

 private:
  Ballot promised_{};                    // highest ballot promised (or accepted)
  Ballot accepted_ballot_{};             // ballot of the last acceptance, null if none
  std::optional<Value> accepted_value_;  // its value
};

}  // namespace synod::paxos
