// synod/paxos/learner.hpp - the learner role (Paxos Made Simple §2.4).
//
// "To learn that a value has been chosen, a learner must find out that a
// proposal has been accepted by a majority of acceptors." The learner keeps,
// per acceptor, the highest-ballot acceptance it has heard of, and learns a
// value when a majority of acceptors report the same ballot. It learns once;
// what it learned never changes (a different value would break safety and is
// not taken).
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "synod/hash.hpp"
#include "synod/ids.hpp"
#include "synod/paxos/ballot.hpp"
#include "synod/paxos/types.hpp"
#include "synod/quorum.hpp"

namespace synod::paxos {

template <class Config>
class Learner {
 public:
  using Value = typename Config::Value;
  static constexpr std::size_t kSlots = Config::max_nodes + 1;  // indexed by acceptor id

  constexpr Learner() = default;

  // An acceptance (phase 2b) by acceptor `from` of (b, v), out of the
  // `acceptors` set. Returns true when this makes the learner learn. Stale
  // reports (a ballot at or below what we heard from that acceptor) change
  // nothing: an acceptor's acceptances only rise.
  constexpr bool on_accepted(NodeId from, Ballot b, const Value& v, NodeSet acceptors) {
    if (!acceptors.contains(from) || from >= kSlots) return false;
    if (b <= heard_ballot_[from]) return false;
    heard_ballot_[from] = b;
    heard_value_[from] = v;
    if (learned_) return false;
    std::size_t same = 0;
    for (std::size_t id = 1; id < kSlots; ++id)
      if (acceptors.contains(static_cast<NodeId>(id)) && heard_ballot_[id] == b) ++same;
    if (same < quorum::majority(acceptors.size())) return false;
    learned_ = v;
    return true;
  }

  // The chosen value, once learned; never changes afterwards.
  constexpr const std::optional<Value>& learned() const { return learned_; }
  // The highest acceptance heard from acceptor `id` (null ballot: none).
  constexpr Ballot heard_ballot(NodeId id) const { return id < kSlots ? heard_ballot_[id] : Ballot{}; }
  constexpr const Value& heard_value(NodeId id) const { return heard_value_[id < kSlots ? id : 0]; }

  constexpr auto fields() const { return field_list(Heard{heard_ballot_, heard_value_}, learned_); }
  friend constexpr bool operator==(const Learner& a, const Learner& b) {
    return fields_equal(a.fields(), b.fields());
  }
  void hash_append(Hasher& h, const Renaming& r = kIdentity) const { hash_fields(h, r, fields()); }

 private:
  // What each acceptor reported: compared slot by slot; hashed in the order
  // of the acceptors' renamed ids, empty slots left out, so two learners that
  // heard the same things from renamed acceptors hash alike.
  struct Heard {
    const std::array<Ballot, kSlots>& ballots;
    const std::array<Value, kSlots>& values;
    friend constexpr bool operator==(const Heard& a, const Heard& b) {
      return a.ballots == b.ballots && a.values == b.values;
    }
    void hash_append(Hasher& h, const Renaming& r) const {
      std::array<NodeId, kMaxNodeId + 1> original{};  // renamed id -> original id
      for (std::size_t id = 1; id < kSlots; ++id) {
        const NodeId to = r(static_cast<NodeId>(id));
        if (to <= kMaxNodeId) original[to] = static_cast<NodeId>(id);
      }
      for (std::size_t renamed = 1; renamed <= kMaxNodeId; ++renamed) {
        const NodeId id = original[renamed];
        if (id == kNoNode || ballots[id].is_null()) continue;
        h.add(std::uint64_t{renamed});
        hash_field(h, r, ballots[id]);
        synod::hash_append(h, values[id]);
      }
    }
  };

  // Invariant: heard_value_[i] is meaningful iff heard_ballot_[i] is not
  // null; otherwise it stays Value{} so == and the hash see no slack.
  std::array<Ballot, kSlots> heard_ballot_{};
  std::array<Value, kSlots> heard_value_{};
  std::optional<Value> learned_{};
};

}  // namespace synod::paxos
