// synod/paxos/node.hpp - one Paxos process: any combination of proposer,
// acceptor and learner, as a pure, deterministic state machine.
//
// Calls in: propose(value), tick(), start_round(), step(message),
// persisted(request). Values out: messages() that may leave now,
// persist_request() (what must be durable before the held messages may
// leave), and learned() with a newly_learned() flag that reports the chosen
// value once.
//
// Durability (DESIGN.md principle 4). The persistent state is the acceptor's
// promise and acceptance and the proposer's highest round (Paxos Made Simple
// §2.3; a proposer must never reuse a ballot). Every message the node
// produces while that state is not yet durable is *held*, tagged with the
// state it reveals. The caller drains messages(), writes persist_request()
// atomically, then calls persisted(request): held messages whose state is now
// durable move to messages(). An `accepted` message leaves only while its
// acceptance is the durable one, so every acceptance any learner counts was
// durable at some point (one superseded before it became durable is dropped). A caller that does this cannot break a promise
// or lose an acceptance across a crash; after one it rebuilds the node with
// Node::restart(options, what it persisted).
//
// Messages a node sends to itself (its proposer to its own acceptor, its
// acceptor to its own learner) never reach messages(): they are delivered
// inside the node, under the same durability rule.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include <boost/container/static_vector.hpp>

#include "synod/assert.hpp"
#include "synod/hash.hpp"
#include "synod/ids.hpp"
#include "synod/paxos/acceptor.hpp"
#include "synod/paxos/ballot.hpp"
#include "synod/paxos/learner.hpp"
#include "synod/paxos/messages.hpp"
#include "synod/paxos/proposer.hpp"
#include "synod/paxos/types.hpp"

namespace synod::paxos {

template <class Config = DefaultConfig>
  requires PaxosValue<typename Config::Value>
class Node {
 public:
  using Value = typename Config::Value;
  using MessageT = Message<Config>;
  using State = PersistentState<Value>;
  using Request = PersistRequest<Value>;
  using AcceptorT = Acceptor<Config>;
  using ProposerT = Proposer<Config>;
  using LearnerT = Learner<Config>;

  static_assert(Config::max_nodes >= 1 && Config::max_nodes <= kMaxNodeId,
                "cluster size must fit the node-id space");
  static_assert(Config::outbox_capacity >= 1 && Config::held_capacity >= 1);

  // Why `options` cannot run (OptionsError::ok when they can). Constructing a
  // node with bad options is a caller bug (SYNOD_ASSERT): check first when
  // options come from users.
  static constexpr OptionsError check(const Options& o) { return check_options<Config::max_nodes>(o); }
  static constexpr bool valid(const Options& o) { return check(o) == OptionsError::ok; }

  // A fresh node: nothing promised, accepted, proposed or learned.
  explicit Node(const Options& options) : Node(options, State{}) {}

  // A node coming back from a crash with only what it had persisted; every
  // other field (the proposer's value and round in flight, the learner's
  // knowledge, messages not yet sent) is volatile and starts afresh.
  static Node restart(const Options& options, const State& persisted_state) { return Node(options, persisted_state); }

  // ------------------------------------------------------------------ inputs

  // A client asks this node to get `v` chosen: it becomes the proposer's own
  // value and phase 1 starts at once. The value actually chosen may be
  // another one (P2c); learned() tells.
  [[nodiscard]] ProposeStatus propose(const Value& v) {
    if (!options_.roles.proposer) return ProposeStatus::not_proposer;
    if (learner_.learned()) return ProposeStatus::already_chosen;
    const ProposeStatus status = proposer_.set_value(v);
    if (status == ProposeStatus::ok) (void)start_round();
    return status;
  }

  // One tick of logical time: the proposer's retry timer.
  InputResult tick() {
    if (!options_.roles.proposer) return InputResult::ignored;
    begin_input();
    if (proposer_.tick()) begin_round();
    return end_input(true);
  }

  // The retry timer fires now: start phase 1 with a higher ballot (the
  // checker's "timeout" action; applications may use it to retry at once).
  // Ignored without a value of our own or once a value is known chosen.
  InputResult start_round() {
    if (!options_.roles.proposer || !proposer_.can_begin_round()) return InputResult::ignored;
    begin_input();
    begin_round();
    return end_input(true);
  }

  // A message from the network. Malformed, misaddressed ones and those for a
  // role this node lacks are `ignored`; stale and duplicate ones are handled
  // as the protocol says (mostly: no change, no reply). Nothing corrupts the
  // state.
  InputResult step(const MessageT& m) {
    begin_input();
    const bool handled = handle(m);
    return end_input(handled);
  }

  // The caller made `request` (taken from persist_request()) durable. Held
  // messages whose state it covers may now leave (or be delivered here). A
  // request that does not describe a state this node had, or none newer than
  // what is already durable, changes nothing and is `ignored`.
  InputResult persisted(const Request& request) {
    if (request.empty() || !plausible(request.state) || !covers(request.state, mark_of(durable_)) ||
        request.state == durable_)
      return InputResult::ignored;
    begin_input();
    durable_ = request.state;
    release_held();
    return end_input(true);
  }

  // ----------------------------------------------------------------- outputs

  // Messages that may leave now, in the order produced; none is addressed to
  // this node.
  std::span<const MessageT> messages() const { return {outbox_.data(), outbox_.size()}; }
  void clear_messages() { outbox_.clear(); }

  // What to make durable before the held messages may leave; empty when the
  // persistent state is already durable.
  Request persist_request() const {
    Request r;
    r.state = persistent_state();
    r.changed = !(r.state == durable_);
    return r;
  }
  std::size_t held_messages() const { return held_.size(); }
  // The i-th held message (i < held_messages()), oldest first.
  const MessageT& held_message(std::size_t i) const {
    SYNOD_ASSERT(i < held_.size());
    return held_[i].message;
  }

  // The chosen value, once this node's learner learned it.
  const std::optional<Value>& learned() const { return learner_.learned(); }
  // True from the input that made the learner learn until clear_newly_learned():
  // report the chosen value to the application once.
  bool newly_learned() const { return newly_learned_; }
  void clear_newly_learned() { newly_learned_ = false; }

  // ------------------------------------------------------------------- state

  NodeId id() const { return options_.id; }
  const Options& options() const { return options_; }
  const Roles& roles() const { return options_.roles; }
  NodeSet acceptors() const { return acceptors_; }
  NodeSet learners() const { return learners_; }
  const AcceptorT& acceptor() const { return acceptor_; }
  const ProposerT& proposer() const { return proposer_; }
  const LearnerT& learner() const { return learner_; }
  // The persistent state now, and as last reported durable.
  State persistent_state() const {
    return State{acceptor_.promised(), acceptor_.accepted_ballot(), acceptor_.accepted_value(),
                 proposer_.ballot().round};
  }
  const State& durable_state() const { return durable_; }

  // Protocol state only, node ids renamed: the proposer's timer is left out
  // (see Proposer::protocol_fields); options are configuration, not state.
  // Both queues leave into a network that keeps no order (the outbox when
  // drained, held messages when release_held lets them through, a filter
  // that does not reorder what it keeps), so the hash takes them as
  // multisets: hashed in queue order, a broadcast's peer order would tell a
  // node from its renamed twin.
  auto protocol_fields() const {
    return field_list(renamed_id(options_.id), acceptor_, protocol_view(proposer_), learner_,
                      durable_, as_multiset(outbox_), as_multiset(held_), newly_learned_);
  }
  // What protocol_fields() leaves out or sees only in part. (acceptors_ and
  // learners_ follow from options_; the scratch members are empty between
  // inputs.)
  auto other_fields() const { return field_list(options_, proposer_); }

  friend bool operator==(const Node& a, const Node& b) {
    return fields_equal(a.protocol_fields(), b.protocol_fields()) &&
           fields_equal(a.other_fields(), b.other_fields());
  }

  // == without the proposer's timer (elapsed ticks, drawn timeout, failure
  // count, generator).
  bool protocol_equal(const Node& o) const {
    return fields_equal(protocol_fields(), o.protocol_fields());
  }

  void hash_append(Hasher& h, const Renaming& r = kIdentity) const {
    hash_fields(h, r, protocol_fields());
  }

 private:
  // The ballots and round of a persistent state: enough to order states,
  // since every component only rises and a ballot fixes its value.
  struct Mark {
    Ballot promised{};
    Ballot accepted_ballot{};
    Round proposer_round = 0;
    constexpr auto fields() const { return field_list(promised, accepted_ballot, proposer_round); }
    friend constexpr bool operator==(const Mark& a, const Mark& b) {
      return fields_equal(a.fields(), b.fields());
    }
  };
  struct Held {
    MessageT message{};
    Mark mark{};  // the persistent state it reveals; it leaves once that is durable
    constexpr auto fields() const { return field_list(message, mark); }
    friend constexpr bool operator==(const Held& a, const Held& b) {
      return fields_equal(a.fields(), b.fields());
    }
  };

  Node(const Options& options, const State& s)
      : options_(options), acceptors_(options.acceptor_set()), learners_(options.learner_set()) {
    SYNOD_ASSERT(valid(options));
    if (options_.roles.acceptor) acceptor_ = AcceptorT(s.promised, s.accepted_ballot, s.accepted_value);
    proposer_ = ProposerT(options_.id, options_.roles.proposer ? s.proposer_round : 0, options_);
    durable_ = persistent_state();
  }

  static constexpr Mark mark_of(const State& s) { return Mark{s.promised, s.accepted_ballot, s.proposer_round}; }
  Mark current_mark() const { return Mark{acceptor_.promised(), acceptor_.accepted_ballot(), proposer_.ballot().round}; }
  // Whether state `s` includes everything `m` reveals.
  static constexpr bool covers(const State& s, const Mark& m) {
    return s.promised >= m.promised && s.accepted_ballot >= m.accepted_ballot && s.proposer_round >= m.proposer_round;
  }
  // Whether `s` can be a state this node had: no component beyond the current
  // one, and the current acceptance's value if it names the current ballot.
  bool plausible(const State& s) const {
    if (!covers(persistent_state(), mark_of(s))) return false;
    if (s.accepted_ballot.is_null() != !s.accepted_value.has_value()) return false;
    if (s.accepted_ballot == acceptor_.accepted_ballot() && s.accepted_value != acceptor_.accepted_value())
      return false;
    return s.accepted_ballot <= s.promised;
  }

  void begin_input() { overflow_ = false; }
  InputResult end_input(bool handled) {
    SYNOD_ASSERT(!self_pending_);
    if (!handled) return InputResult::ignored;
    return overflow_ ? InputResult::overflow : InputResult::ok;
  }

  // ------------------------------------------------------------ sending

  // A message produced now: held if it reveals state not yet durable.
  void emit(const MessageT& m) {
    const Mark mark = current_mark();
    if (!covers(durable_, mark)) {
      if (held_.size() == held_.capacity()) {
        overflow_ = true;  // lost, as the network may lose it
        return;
      }
      held_.push_back(Held{m, mark});
      return;
    }
    send_now(m);
  }

  // A message that may leave: to the outbox, or to ourselves.
  void send_now(const MessageT& m) {
    if (m.to == id()) {
      // Each handled message makes at most one message to ourselves, and it is
      // delivered before the next; a second one would be a kernel bug, but
      // losing it is still safe.
      if (self_pending_) {
        overflow_ = true;
        return;
      }
      self_pending_ = m;
      deliver_to_self();
      return;
    }
    if (outbox_.size() == outbox_.capacity()) {
      overflow_ = true;
      return;
    }
    outbox_.push_back(m);
  }

  // Delivers what we sent ourselves, and what that produces for us in turn.
  // Re-entrant calls (from inside a delivery) leave the work to the outer loop.
  void deliver_to_self() {
    if (delivering_) return;
    delivering_ = true;
    while (self_pending_) {
      const MessageT m = *self_pending_;
      self_pending_.reset();
      (void)handle(m);
    }
    delivering_ = false;
  }

  void release_held() {
    for (std::size_t i = 0; i < held_.size();) {
      if (!covers(durable_, held_[i].mark)) {
        ++i;
        continue;
      }
      const MessageT m = held_[i].message;
      held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
      // An acceptance superseded by a later one before it became durable was
      // never durable itself: announcing it would be safe (it precedes the
      // durable state), but then "accepted" would no longer mean "durably
      // accepted" for the learners and for the checker's ghost. Drop it; the
      // later acceptance has its own announcements.
      if (m.type == MessageType::accepted && durable_.accepted_ballot != m.ballot) continue;
      // May append newly held messages (never covered yet) behind i.
      send_now(m);
    }
  }

  // ----------------------------------------------------------- protocol

  // Phase 1a: a new ballot, prepare to every acceptor (ourselves included).
  void begin_round() {
    const Ballot b = proposer_.begin_round();
    if (b.is_null()) return;
    for_each(acceptors_, [&](NodeId a) { emit(MessageT::prepare(id(), a, b)); });
  }

  // Routes a message to the roles that take it. False when malformed,
  // misaddressed, or for no role of ours.
  bool handle(const MessageT& m) {
    if (m.to != id() || m.from > options_.cluster_size || !m.well_formed()) return false;
    switch (m.type) {
      case MessageType::prepare:
        if (!options_.roles.acceptor) return false;
        on_prepare(m);
        return true;
      case MessageType::accept:
        if (!options_.roles.acceptor) return false;
        on_accept(m);
        return true;
      case MessageType::promise:
        if (!options_.roles.proposer || !acceptors_.contains(m.from)) return false;
        on_promise(m);
        return true;
      case MessageType::accepted:
        if ((!options_.roles.learner && !options_.roles.proposer) || !acceptors_.contains(m.from)) return false;
        on_accepted(m);
        return true;
      case MessageType::nack:
        if (!options_.roles.proposer || !acceptors_.contains(m.from)) return false;
        (void)proposer_.on_nack(m.from, m.ballot, m.promised, acceptors_);
        return true;
      case MessageType::none:
        return false;
    }
    return false;
  }

  // Acceptor, phase 1b: promise (reporting our last acceptance) or reject.
  void on_prepare(const MessageT& m) {
    switch (acceptor_.on_prepare(m.ballot)) {
      case AcceptorDecision::promise:
        emit(MessageT::promise(id(), m.from, m.ballot, acceptor_.accepted_ballot(), acceptor_.accepted_value()));
        break;
      case AcceptorDecision::reject:
        emit(MessageT::nack(id(), m.from, m.ballot, acceptor_.promised()));
        break;
      case AcceptorDecision::accept:
      case AcceptorDecision::ignore:
        break;
    }
  }

  // Acceptor, phase 2b: accept and tell every learner and the ballot's
  // proposer (so a proposer that is not a learner knows when it is done).
  void on_accept(const MessageT& m) {
    switch (acceptor_.on_accept(m.ballot, *m.value)) {
      case AcceptorDecision::accept: {
        NodeSet to = learners_;
        if (m.ballot.node <= options_.cluster_size) to.insert(m.ballot.node);
        for_each(to, [&](NodeId n) { emit(MessageT::accepted(id(), n, m.ballot, *m.value)); });
        break;
      }
      case AcceptorDecision::reject:
        emit(MessageT::nack(id(), m.from, m.ballot, acceptor_.promised()));
        break;
      case AcceptorDecision::promise:
      case AcceptorDecision::ignore:
        break;
    }
  }

  // Proposer, phase 1b received: on a majority, phase 2a to every acceptor.
  void on_promise(const MessageT& m) {
    if (!proposer_.on_promise(m.from, m.ballot, m.accepted_ballot, m.value, acceptors_)) return;
    const Ballot b = proposer_.ballot();
    const Value v = *proposer_.value();
    for_each(acceptors_, [&](NodeId a) { emit(MessageT::accept(id(), a, b, v)); });
  }

  // Learner (and proposer), phase 2b received.
  void on_accepted(const MessageT& m) {
    if (options_.roles.learner && learner_.on_accepted(m.from, m.ballot, *m.value, acceptors_)) {
      newly_learned_ = true;
      if (options_.roles.proposer) proposer_.on_learned(*learner_.learned());
    }
    if (options_.roles.proposer) (void)proposer_.on_accepted(m.from, m.ballot, acceptors_);
  }

  template <class F>
  static void for_each(NodeSet s, F&& f) {
    for (std::size_t n = 1; n <= kMaxNodeId; ++n)
      if (s.contains(static_cast<NodeId>(n))) f(static_cast<NodeId>(n));
  }

  Options options_;
  NodeSet acceptors_;  // resolved from options: who receives prepare/accept
  NodeSet learners_;   // resolved from options: who receives accepted
  AcceptorT acceptor_{};  // default (nothing promised) unless roles.acceptor
  ProposerT proposer_{};  // idle forever unless roles.proposer
  LearnerT learner_{};    // learns nothing unless roles.learner
  // What the caller last reported durable. Invariant: every component is at
  // or below persistent_state()'s.
  State durable_{};
  boost::container::static_vector<MessageT, Config::outbox_capacity> outbox_;
  // Invariant: no held message is covered by durable_ (release_held runs
  // whenever durable_ rises).
  boost::container::static_vector<Held, Config::held_capacity> held_;
  bool newly_learned_ = false;
  // Scratch for one input; false / empty between inputs (so not hashed).
  bool overflow_ = false;
  bool delivering_ = false;
  std::optional<MessageT> self_pending_{};
};

}  // namespace synod::paxos
