// synod/paxos/proposer.hpp - the proposer role (Paxos Made Simple §2.2, §2.4).
//
// Phase 1a: pick a ballot above any it has used or seen rejected, send
// prepare to the acceptors. Phase 2a: on promises from a majority, send
// accept with the value of the highest-ballot acceptance they reported, or
// its own value if none (P2c). A round that does not finish is retried with
// a higher ballot after a randomized, growing timeout, so that dueling
// proposers separate (§2.4 needs a distinguished proposer for progress; the
// backoff is how one emerges without a leader election).
//
// Pure decisions: the node around it sends the messages and persists the
// round (a proposer must never reuse a ballot across a crash).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "synod/hash.hpp"
#include "synod/ids.hpp"
#include "synod/paxos/ballot.hpp"
#include "synod/paxos/types.hpp"
#include "synod/quorum.hpp"
#include "synod/random.hpp"

namespace synod::paxos {

enum class Phase : std::uint8_t {
  idle,       // no value of its own yet (or restarted): nothing to do
  preparing,  // phase 1: prepare sent for ballot(), collecting promises
  accepting,  // phase 2: accept(ballot(), value()) sent, collecting acceptances
  backoff,    // a higher ballot rejected ours: waiting out the retry timer
  chosen,     // a value is known chosen (value()); the proposer is done
};

// Whether `p` is one of the phases above (for code that reads one back from
// bytes: an enum with a fixed underlying type holds any of its values).
constexpr bool is_valid(Phase p) {
  switch (p) {
    case Phase::idle:
    case Phase::preparing:
    case Phase::accepting:
    case Phase::backoff:
    case Phase::chosen:
      return true;
  }
  return false;
}

constexpr const char* to_string(Phase p) {
  switch (p) {
    case Phase::idle: return "idle";
    case Phase::preparing: return "preparing";
    case Phase::accepting: return "accepting";
    case Phase::backoff: return "backoff";
    case Phase::chosen: return "chosen";
  }
  return "?";
}

template <class Config>
class Proposer {
 public:
  using Value = typename Config::Value;

  // The backoff window doubles per consecutive failure up to this many times.
  static constexpr std::uint32_t kMaxBackoffDoublings = 3;

  constexpr Proposer() = default;
  // A proposer whose rounds so far reach `last_round` (0 for a new one; the
  // persisted round after a crash, so no ballot is ever reused).
  constexpr Proposer(NodeId id, Round last_round, const Options& o)
      : id_(id),
        ballot_{last_round, last_round == 0 ? kNoNode : id},
        timeout_min_(o.retry_timeout_min),
        timeout_max_(o.retry_timeout_max),
        // Mix the round in so a restarted proposer does not replay the same
        // backoff sequence it used before the crash.
        rng_(o.seed ^ Hasher::mix(last_round + id)) {
    draw_timeout();
  }

  // ---------------------------------------------------------------- inputs

  // The proposer's own value (a client request). One per proposer: a single
  // decree is decided once.
  constexpr ProposeStatus set_value(const Value& v) {
    if (phase_ == Phase::chosen) return ProposeStatus::already_chosen;
    if (own_value_) return ProposeStatus::busy;
    own_value_ = v;
    return ProposeStatus::ok;
  }

  // Whether begin_round() may run: it has a value and no value is known chosen.
  constexpr bool can_begin_round() const {
    return own_value_.has_value() && phase_ != Phase::chosen && next_round() <= kMaxRound;
  }

  // Phase 1a: a new ballot above every round used or seen; the caller sends
  // prepare(ballot()) to every acceptor. A round still in flight counts as
  // failed (it timed out), widening the backoff window.
  constexpr Ballot begin_round() {
    if (!can_begin_round()) return kNullBallot;
    if (phase_ == Phase::preparing || phase_ == Phase::accepting) failures_ = std::min(failures_ + 1, 16u);
    ballot_ = Ballot{next_round(), id_};
    phase_ = Phase::preparing;
    value_.reset();
    promises_.clear();
    accepted_by_.clear();
    best_accepted_ballot_ = kNullBallot;
    best_accepted_value_.reset();
    draw_timeout();
    return ballot_;
  }

  // Phase 1b received. Returns true when this promise completes a majority:
  // the proposer is now accepting value() and the caller sends
  // accept(ballot(), value()) to every acceptor.
  constexpr bool on_promise(NodeId from, Ballot b, Ballot accepted_ballot,
                            const std::optional<Value>& accepted_value, NodeSet acceptors) {
    if (phase_ != Phase::preparing || b != ballot_ || !acceptors.contains(from) || promises_.contains(from))
      return false;
    promises_.insert(from);
    // P2c: remember the highest-numbered acceptance among the promises.
    if (accepted_value && accepted_ballot > best_accepted_ballot_) {
      best_accepted_ballot_ = accepted_ballot;
      best_accepted_value_ = accepted_value;
    }
    if (promises_.size() < quorum::majority(acceptors.size())) return false;
    phase_ = Phase::accepting;
    value_ = best_accepted_value_ ? best_accepted_value_ : own_value_;
    return true;
  }

  // Phase 2b received (acceptors tell the ballot's proposer too). Returns true
  // when a majority accepted our ballot: the value is chosen.
  constexpr bool on_accepted(NodeId from, Ballot b, NodeSet acceptors) {
    if (phase_ != Phase::accepting || b != ballot_ || !acceptors.contains(from)) return false;
    accepted_by_.insert(from);
    if (accepted_by_.size() < quorum::majority(acceptors.size())) return false;
    phase_ = Phase::chosen;
    failures_ = 0;
    return true;
  }

  // An acceptor rejected ballot `b` because it promised `promised`. If that is
  // our current round, abandon it (another proposer outranks us) and back
  // off; the next round starts above `promised`. Returns true if abandoned.
  constexpr bool on_nack(NodeId from, Ballot b, Ballot promised, NodeSet acceptors) {
    if ((phase_ != Phase::preparing && phase_ != Phase::accepting) || b != ballot_ ||
        !acceptors.contains(from) || promised <= ballot_)
      return false;
    highest_round_seen_ = std::max(highest_round_seen_, promised.round);
    phase_ = Phase::backoff;
    failures_ = std::min(failures_ + 1, 16u);
    draw_timeout();
    return true;
  }

  // The node's learner learned `v`: the decree is decided, stop proposing.
  constexpr void on_learned(const Value& v) {
    phase_ = Phase::chosen;
    value_ = v;
    failures_ = 0;
  }

  // One tick. Returns true when the retry timer fires: the caller starts a
  // new round (begin_round) at once.
  constexpr bool tick() {
    if (phase_ != Phase::preparing && phase_ != Phase::accepting && phase_ != Phase::backoff) return false;
    return ++elapsed_ >= timeout_;
  }

  // ----------------------------------------------------------------- state

  constexpr NodeId id() const { return id_; }
  constexpr Phase phase() const { return phase_; }
  // The current (or last) ballot; its round is the highest this proposer used.
  constexpr Ballot ballot() const { return ballot_; }
  // The value sent in phase 2 of ballot(), or the chosen value; empty before.
  constexpr const std::optional<Value>& value() const { return value_; }
  // The value a client asked this proposer to propose.
  constexpr const std::optional<Value>& own_value() const { return own_value_; }
  constexpr NodeSet promises() const { return promises_; }
  constexpr NodeSet accepted_by() const { return accepted_by_; }
  constexpr Round highest_round_seen() const { return highest_round_seen_; }
  constexpr Ballot best_accepted_ballot() const { return best_accepted_ballot_; }
  // Timers: not protocol state (excluded from hash_append and protocol_equal).
  constexpr std::uint32_t elapsed() const { return elapsed_; }
  constexpr std::uint32_t timeout() const { return timeout_; }
  constexpr std::uint32_t failures() const { return failures_; }

  // Protocol state only: elapsed ticks, the drawn timeout, the failure count
  // and the generator are left out, so the checker (where a timeout is one
  // action) does not multiply states by timer values.
  constexpr auto protocol_fields() const {
    return field_list(renamed_id(id_), phase_, ballot_, value_, own_value_, highest_round_seen_,
                      promises_, accepted_by_, best_accepted_ballot_, best_accepted_value_);
  }
  // The timer and its generator.
  constexpr auto other_fields() const {
    return field_list(timeout_min_, timeout_max_, elapsed_, timeout_, failures_, rng_);
  }

  friend constexpr bool operator==(const Proposer& a, const Proposer& b) {
    return fields_equal(a.protocol_fields(), b.protocol_fields()) &&
           fields_equal(a.other_fields(), b.other_fields());
  }
  // == without the timer and its generator.
  constexpr bool protocol_equal(const Proposer& o) const {
    return fields_equal(protocol_fields(), o.protocol_fields());
  }

  void hash_append(Hasher& h, const Renaming& r = kIdentity) const {
    hash_fields(h, r, protocol_fields());
  }

 private:
  constexpr Round next_round() const { return std::max(ballot_.round, highest_round_seen_) + 1; }

  constexpr void draw_timeout() {
    elapsed_ = 0;
    const std::uint32_t doublings = std::min(failures_, kMaxBackoffDoublings);
    const std::uint32_t max = std::max(timeout_min_, timeout_max_ << doublings);
    timeout_ = rng_.uniform(timeout_min_, max);
  }

  NodeId id_ = kNoNode;
  Phase phase_ = Phase::idle;
  Ballot ballot_{};                        // round never falls; node is id_ once a round began
  std::optional<Value> own_value_{};       // set once by set_value()
  std::optional<Value> value_{};           // set from accepting on; never changes once chosen
  Round highest_round_seen_ = 0;           // highest round in a nack of our ballot
  NodeSet promises_{};                     // acceptors that promised ballot_ (preparing)
  NodeSet accepted_by_{};                  // acceptors that accepted ballot_ (accepting)
  Ballot best_accepted_ballot_{};          // highest acceptance reported in promises_
  std::optional<Value> best_accepted_value_{};
  // Timer state (not protocol state).
  std::uint32_t timeout_min_ = 10;
  std::uint32_t timeout_max_ = 20;
  std::uint32_t elapsed_ = 0;
  std::uint32_t timeout_ = 10;
  std::uint32_t failures_ = 0;             // consecutive failed rounds, capped
  SplitMix64 rng_{1};
};

}  // namespace synod::paxos
