// synod/raft/node.hpp - one Raft server as a pure, deterministic state machine.
//
// Calls in: tick(), step(message), propose(payload), read_index(id),
// campaign(), broadcast_heartbeat(), lease_timeout(),
// transfer_leadership(target), persisted(request), applied(index),
// compact(index, chunks). Each input but propose() and read_index() returns
// an InputResult (ok / ignored / overflow, see types.hpp); they return a
// ProposeResult and a ReadResult. Values out: messages() that may leave now,
// persist_request() (what must be durable before the held messages may
// leave), the committed range (applied_index(), commit_index()],
// read_states() (reads that may be served once their index is applied), and
// accepted_chunk() (a snapshot chunk to keep).
//
// Snapshots (Raft §7). The application snapshots its state machine at an
// applied index, makes the snapshot durable, and calls compact(index,
// chunks): the log's base moves there and the entries up to it go. A
// follower that needs entries below the leader's base gets the snapshot
// instead, chunk by chunk (messages of type install_snapshot name the
// snapshot and the chunk; the application attaches the bytes when it sends
// one and keeps them when accepted_chunk() says the node took one); after
// the last chunk, persist_request() asks to install it.
//
// The contract follows the extended Raft paper's Figure 2. Section numbers
// in comments refer to it ("§5.4.2") or to Ongaro's thesis ("thesis §6.4").
//
// Durability (DESIGN.md principle 4). Every message the node produces while
// its term or vote is not yet durable, and every append acknowledgement that
// covers entries not yet durable, is *held*. The caller drains messages(),
// makes persist_request() durable, then calls persisted(request): the held
// messages move to messages(). A caller that does this cannot lose a vote or
// an acknowledged entry across a crash. persisted() must be called before any
// other input once the request has been taken.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>

#include <boost/container/static_vector.hpp>

#include "synod/assert.hpp"
#include "synod/hash.hpp"
#include "synod/ids.hpp"
#include "synod/quorum.hpp"
#include "synod/random.hpp"
#include "synod/raft/log_window.hpp"
#include "synod/raft/messages.hpp"
#include "synod/raft/progress.hpp"
#include "synod/raft/types.hpp"

namespace synod::raft {

template <class Config, class Log = LogWindow<typename Config::Payload, Config::log_capacity>>
  requires RaftLog<Log>
class Node {
 public:
  using Payload = typename Config::Payload;
  using MessageT = Message<Config>;
  using EntryT = Entry<Payload>;
  using LogT = Log;

  static_assert(Config::max_nodes >= 1 && Config::max_nodes <= kMaxNodeId,
                "cluster size must fit the node-id space");
  static_assert(Config::max_entries_per_message >= 1);
  static_assert(Config::outbox_capacity >= Config::max_nodes,
                "the outbox must hold one message per peer");

  // Options the node can run with: an id in 1..cluster_size, a cluster that
  // fits Config::max_nodes, sane timeouts. Constructing with others is a
  // caller bug (SYNOD_ASSERT); check with this first when options come from
  // users.
  static constexpr bool valid(const Options& o) {
    return o.cluster_size >= 1 && o.cluster_size <= Config::max_nodes && o.id >= 1 &&
           o.id <= o.cluster_size && o.election_timeout_min >= 1 &&
           o.election_timeout_min <= o.election_timeout_max && o.heartbeat_interval >= 1 &&
           (!o.lease_reads || (o.check_quorum && o.lease_drift_ticks < o.election_timeout_min));
  }

  // A fresh server: term 0, no vote, empty log, follower.
  explicit Node(const Options& options) : Node(options, HardState{}, Log{}) {}

  // A server coming back from a crash with only what it had persisted
  // (Figure 2: currentTerm, votedFor, log[]; §7: the snapshot at the log's
  // base, which the application loads into its state machine, served in
  // `snapshot_chunks` chunks). Everything else is volatile; the commit and
  // applied indexes start at the base.
  static Node restart(const Options& options, const HardState& hard_state, const Log& log,
                      std::uint32_t snapshot_chunks = 1) {
    Node n(options, hard_state, log);
    if (n.snapshot_.index != 0) n.snapshot_.chunks = snapshot_chunks == 0 ? 1 : snapshot_chunks;
    // With lease reads, a leader may count on an answer this node gave
    // before it crashed: honour it by granting no vote for an election
    // timeout, as if it had just heard from that leader.
    n.heard_from_leader_ = options.lease_reads;
    return n;
  }

  // ------------------------------------------------------------------ inputs

  // One tick of logical time (§5.2: election timeout; §5.3: heartbeats).
  // Every election_timeout_min ticks a leader's lease times out (see
  // lease_timeout), and a follower's lease on its leader lapses
  // election_timeout_min ticks after it last heard from it.
  // Never `ignored`; `overflow` when the broadcast it fires did not fit.
  InputResult tick() {
    ++ticks_;
    if (lease_valid_ && ticks_ >= lease_until_) lease_valid_ = false;
    if (role_ == Role::leader) {
      if (++election_elapsed_ >= options_.election_timeout_min) {
        election_elapsed_ = 0;
        (void)lapse_lease(false);  // the read lease ends by its own clock (lease_until_)
      }
      if (role_ == Role::leader && ++heartbeat_elapsed_ >= options_.heartbeat_interval) send_heartbeats();
      return finish_input(true);
    }
    if (++election_elapsed_ >= options_.election_timeout_min) heard_from_leader_ = false;
    if (election_elapsed_ >= randomized_timeout_ && term() < kMaxTerm) return campaign();
    return finish_input(true);
  }

  // An election timeout (election_timeout_min ticks) has passed; tick()
  // calls this, a checker that fires timers as actions calls it directly.
  // A leader abandons a leadership transfer still in progress and, with
  // Options::check_quorum, steps down (same term, no leader known) unless
  // a majority, itself included, answered it since the last call; then it
  // forgets who answered; it also gives up its read lease and the round
  // that would renew it (lease reads; tick() ends a lease by its own clock). A follower forgets that it heard from its
  // leader, so it may grant (pre)votes again. `ignored` when nothing changes.
  InputResult lease_timeout() { return finish_input(lapse_lease(true)); }

  // Leadership transfer (thesis §3.10): the leader stops taking proposals
  // (busy), brings `target` up to date, then sends it TimeoutNow; the
  // target campaigns at once, and voters grant it even while they hear from
  // this leader. The transfer is abandoned at the next lease_timeout() (at
  // most an election timeout) or when this node stops leading.
  InputResult transfer_leadership(NodeId target) {
    if (role_ != Role::leader || !valid_peer(target) || target == id()) return InputResult::ignored;
    transfer_target_ = target;
    lease_valid_ = false;  // its votes ignore stickiness: the lease guarantees nothing now
    if (progress_[target].match_index == log_.last_index()) {
      send_timeout_now(target);
    } else {
      send_append(target);
    }
    return finish_input(true);
  }

  // A linearizable read (ReadIndex, thesis §6.4), named `id` by the caller.
  // On the leader: once it has committed an entry of its term and a
  // majority answered a heartbeat round sent after the read arrived, a
  // ReadState {id, commit index at arrival} appears in read_states(). Reads
  // that arrive while a round is in flight share the next round. On a
  // follower: the request goes to the leader, whose answer becomes the
  // ReadState. Either way, serve the read once applied_index() reaches the
  // ReadState's index. Pending reads are failed (ok = false) when the
  // leader steps down; a forwarded read whose answer is lost never
  // completes, so callers time reads out.
  ReadResult read_index(ReadId read) {
    if (within_lease() && read_states_.size() < read_states_.capacity()) {
      read_states_.push_back(ReadState{read, commit_index_, true});  // within the lease
      return {ProposeStatus::ok, id()};
    }
    if (role_ == Role::leader) {
      const bool taken = accept_read(read, id());
      (void)finish_input(true);
      return {taken ? ProposeStatus::ok : ProposeStatus::busy, id()};
    }
    if (role_ != Role::follower || leader_id_ == kNoNode) return {ProposeStatus::not_leader, leader_id_};
    MessageT m;
    m.type = MessageType::read_index;
    m.to = leader_id_;
    m.context = read;
    const bool sent = send(m);
    (void)finish_input(true);
    return {sent ? ProposeStatus::ok : ProposeStatus::busy, leader_id_};
  }

  // The election timer fires now: become a candidate in the next term and
  // ask every peer for its vote (§5.2), or with Options::pre_vote a
  // pre-candidate that asks whether it could win first (thesis §9.6). A
  // leader ignores it.
  InputResult campaign() {
    if (role_ == Role::leader || term() >= kMaxTerm) return InputResult::ignored;
    if (options_.pre_vote) {
      become_pre_candidate();
    } else {
      become_candidate();
    }
    return finish_input(true);
  }

  // The heartbeat timer fires now: the leader sends AppendEntries to every
  // peer, carrying whatever entries that peer still lacks (§5.2, §5.3).
  // Others ignore it.
  InputResult broadcast_heartbeat() {
    if (role_ != Role::leader) return InputResult::ignored;
    send_heartbeats();
    return finish_input(true);
  }

  // A message from the network. Anything malformed, misaddressed or stale is
  // ignored or answered as the protocol says; it never corrupts the state.
  InputResult step(const MessageT& m) {
    has_accepted_chunk_ = false;
    if (!well_formed(m)) return InputResult::ignored;
    // Leader stickiness (thesis §9.6, with check_quorum): while we lead or
    // hear from a live leader, a (pre)vote for a later term comes from a
    // node that could only disrupt it; it is ignored, term and all, unless
    // the leader itself asked for the election (a transfer).
    if ((m.type == MessageType::request_vote || m.type == MessageType::pre_vote) && m.term > term() &&
        in_leader_lease() && !(m.type == MessageType::request_vote && m.context == kTransferVote))
      return InputResult::ignored;
    // Pre-votes never change a term by themselves (thesis §9.6).
    if (m.type == MessageType::pre_vote) {
      handle_pre_vote(m);
      return finish_input(true);
    }
    if (m.type == MessageType::pre_vote_response && (m.success || m.term <= term()))
      return finish_input(handle_pre_vote_response(m));

    // Layer 1: terms (§5.1). A higher term makes us a follower of it; a
    // lower term is stale: requests get our term so the sender steps down,
    // responses are dropped.
    bool took = false;  // whether the message had any effect
    if (m.term > term()) {
      const bool from_leader = m.type == MessageType::append_entries || m.type == MessageType::install_snapshot;
      become_follower(m.term, from_leader ? m.from : kNoNode);
      took = true;
    } else if (m.term < term()) {
      if (m.type == MessageType::request_vote) {
        reply(m, MessageType::request_vote_response, false, 0);
      } else if (m.type == MessageType::append_entries) {
        reply(m, MessageType::append_entries_response, false, log_.last_index());
      } else if (m.type == MessageType::read_index) {
        reply(m, MessageType::read_index_response, false, 0);
      } else if (m.type == MessageType::install_snapshot) {
        reply_snapshot(m, false, 0);
      } else {
        return InputResult::ignored;
      }
      return finish_input(true);
    }

    // Layer 2 and 3: messages every role treats alike, then per role.
    switch (m.type) {
      case MessageType::request_vote:
        handle_request_vote(m);
        took = true;
        break;
      case MessageType::request_vote_response:
        if (role_ != Role::candidate) break;
        handle_vote_response(m);
        took = true;
        break;
      case MessageType::append_entries:
        // §5.2: a candidate that hears from a leader of its term steps down.
        // A leader never receives one for its own term (Election Safety).
        if (role_ == Role::leader) break;
        if (role_ != Role::follower || leader_id_ != m.from) become_follower(m.term, m.from);
        election_elapsed_ = 0;
        heard_from_leader_ = options_.check_quorum;
        handle_append_entries(m);
        took = true;
        break;
      case MessageType::append_entries_response:
        if (role_ == Role::leader && handle_append_response(m)) took = true;
        break;
      case MessageType::install_snapshot:
        // As an AppendEntries: from the leader of our term.
        if (role_ == Role::leader) break;
        if (role_ != Role::follower || leader_id_ != m.from) become_follower(m.term, m.from);
        election_elapsed_ = 0;
        heard_from_leader_ = options_.check_quorum;
        handle_install_snapshot(m);
        took = true;
        break;
      case MessageType::install_snapshot_response:
        if (role_ == Role::leader) took = handle_install_snapshot_response(m);
        break;
      case MessageType::timeout_now:
        // Thesis §3.10: our leader hands over; campaign now, no pre-vote.
        if (role_ != Role::follower || term() >= kMaxTerm) break;
        become_candidate(true);
        took = true;
        break;
      case MessageType::read_index:
        took = true;
        if (within_lease()) {
          reply(m, MessageType::read_index_response, true, commit_index_);  // within the lease
        } else if (role_ != Role::leader || !accept_read(m.context, m.from)) {
          reply(m, MessageType::read_index_response, false, 0);
        }
        break;
      case MessageType::read_index_response:
        took = true;
        if (read_states_.size() == read_states_.capacity()) {
          overflow_ = true;
          break;
        }
        read_states_.push_back(ReadState{m.context, m.success ? m.log_index : 0, m.success});
        break;
      case MessageType::pre_vote:           // handled above
      case MessageType::pre_vote_response:  // a refusal of a higher term: stepped down above
      case MessageType::none:
        break;
    }
    return finish_input(took);
  }

  // A client command. Only the leader appends it (§5.3); others say who leads.
  ProposeResult propose(const Payload& payload) {
    if (role_ != Role::leader) return {ProposeStatus::not_leader, 0, leader_id_};
    if (transfer_target_ != kNoNode) return {ProposeStatus::busy, 0, id()};
    // Capacity first: the entry must fit the log and its AppendEntries the outbox.
    if (log_.full() || !room_for_broadcast()) return {ProposeStatus::busy, 0, id()};
    if (!log_.append(EntryT{term(), payload})) return {ProposeStatus::busy, 0, id()};
    const Index index = log_.last_index();
    // Pipelining: followers that are caught up get the new entry at once;
    // lagging ones get it with their next heartbeat or acknowledgement.
    for (NodeId peer = 1; peer <= cluster_size(); ++peer)
      if (peer != id() && progress_[peer].next_index == index) send_append(peer);
    maybe_commit();
    return {ProposeStatus::ok, index, id()};
  }

  // The caller made `request` (taken from persist_request() with no input in
  // between) durable. Held messages may now leave. `ignored` when nothing
  // became durable and nothing was waiting to leave; `overflow` when the
  // held messages did not fit the outbox and were lost.
  InputResult persisted(const PersistRequest& request) {
    const bool was_dirty = hard_dirty_;
    const bool was_snapshot_dirty = snapshot_dirty_;
    const Index was_durable = durable_index_;
    const Index was_commit = commit_index_;
    const std::size_t was_held = held_.size();
    if (request.hard_state_changed && request.hard_state == hard_) hard_dirty_ = false;
    if (request.has_snapshot() && request.snapshot_index == snapshot_.index &&
        request.snapshot_term == snapshot_.term)
      snapshot_dirty_ = false;
    if (request.has_entries() && request.first <= durable_index_ + 1 &&
        request.last <= log_.last_index() && request.last > durable_index_) {
      durable_index_ = request.last;
    }
    if (role_ == Role::leader) maybe_commit();  // the leader's own copy now counts
    release_held();
    return finish_input(hard_dirty_ != was_dirty || snapshot_dirty_ != was_snapshot_dirty ||
                        durable_index_ != was_durable ||
                        commit_index_ != was_commit || held_.size() != was_held);
  }

  // The caller holds a durable snapshot of its state machine at `upto` (an
  // index it has applied), which it serves in `chunks` chunks: the log's
  // base moves to `upto` and the entries up to it go, so the log window
  // has room again. A follower that later needs entries below the base gets
  // this snapshot (InstallSnapshot). Keep the snapshot until the next
  // compaction or installed snapshot replaces it.
  // `ignored` when `upto` is at or below the base or past applied_index(),
  // or chunks is 0, or while a snapshot this node installed is not yet
  // durable (its persist request names that snapshot: make it durable
  // first, then compact).
  InputResult compact(Index upto, std::uint32_t chunks = 1) {
    if (upto < log_.first_index() || upto > applied_index_ || chunks == 0 || snapshot_dirty_)
      return InputResult::ignored;
    snapshot_ = SnapshotInfo{upto, log_.term_at(upto), chunks};
    log_.compact(upto);
    if (durable_index_ < upto) durable_index_ = upto;  // the snapshot holds them, durably
    release_held();
    return finish_input(true);
  }

  // The caller applied committed entries up to `upto` (never past commit).
  // `ignored` when the applied index does not rise.
  InputResult applied(Index upto) {
    const Index upto_committed = upto < commit_index_ ? upto : commit_index_;
    if (upto_committed <= applied_index_) return InputResult::ignored;
    applied_index_ = upto_committed;
    return InputResult::ok;
  }

  // ----------------------------------------------------------------- outputs

  std::span<const MessageT> messages() const { return {outbox_.data(), outbox_.size()}; }
  void clear_messages() { outbox_.clear(); }

  PersistRequest persist_request() const {
    PersistRequest r;
    r.hard_state_changed = hard_dirty_;
    r.hard_state = hard_;
    r.first = durable_index_ + 1;
    r.last = log_.last_index();
    if (snapshot_dirty_) {
      r.snapshot_index = snapshot_.index;
      r.snapshot_term = snapshot_.term;
    }
    return r;
  }
  std::size_t held_messages() const { return held_.size(); }
  std::span<const MessageT> held() const { return {held_.data(), held_.size()}; }

  // The snapshot chunk the last step() accepted, or null: keep its bytes
  // (see SnapshotChunk). Valid until the next step().
  const SnapshotChunk* accepted_chunk() const { return has_accepted_chunk_ ? &accepted_chunk_ : nullptr; }

  // Reads that completed since the last clear (see read_index).
  std::span<const ReadState> read_states() const { return {read_states_.data(), read_states_.size()}; }
  void clear_read_states() { read_states_.clear(); }

  // ------------------------------------------------------------------- state

  NodeId id() const { return options_.id; }
  std::uint8_t cluster_size() const { return options_.cluster_size; }
  Role role() const { return role_; }
  Term term() const { return hard_.term; }
  NodeId voted_for() const { return hard_.voted_for; }
  const HardState& hard_state() const { return hard_; }
  NodeId leader_id() const { return leader_id_; }
  const Log& log() const { return log_; }
  Index commit_index() const { return commit_index_; }
  Index applied_index() const { return applied_index_; }
  Index durable_index() const { return durable_index_; }
  const Options& options() const { return options_; }
  // The snapshot at the log's base (index 0: none yet), and whether an
  // installed one is not yet durable.
  const SnapshotInfo& snapshot() const { return snapshot_; }
  bool snapshot_dirty() const { return snapshot_dirty_; }
  // Follower: the snapshot being received (index 0: none) and the next
  // chunk it needs.
  Index incoming_snapshot_index() const { return incoming_.index; }
  std::uint64_t incoming_snapshot_chunk() const { return incoming_.next_chunk; }
  // Leader: the snapshot in flight to `peer` (0: none).
  Index snapshot_in_flight(NodeId peer) const { return valid_peer(peer) ? progress_[peer].snapshot_index : 0; }
  Index match_index(NodeId peer) const { return valid_peer(peer) ? progress_[peer].match_index : 0; }
  Index next_index(NodeId peer) const { return valid_peer(peer) ? progress_[peer].next_index : 0; }
  const VoteTally& votes() const { return votes_; }
  std::uint32_t election_elapsed() const { return election_elapsed_; }
  // Whether (pre)votes for later terms are ignored now: with check_quorum,
  // while this node leads or has heard from its leader within an election
  // timeout.
  bool in_leader_lease() const {
    return options_.check_quorum && (role_ == Role::leader || (role_ == Role::follower && heard_from_leader_));
  }
  // The peer a leadership transfer is handing over to, or kNoNode.
  NodeId transfer_target() const { return transfer_target_; }
  std::size_t pending_reads() const { return reads_.size(); }
  // The leader's latest read round (ReadIndex), 0 in a term without reads.
  std::uint64_t read_round() const { return read_round_; }
  // Lease reads: whether the leader answers reads at once now, and the
  // round whose answers will renew the lease (0: none in flight).
  bool lease_valid() const { return lease_valid_; }
  std::uint64_t lease_round() const { return lease_round_; }
  // Lease reads: whether the leader sent TimeoutNow in this term.
  bool sent_timeout_now() const { return sent_timeout_now_; }
  std::uint32_t randomized_election_timeout() const { return randomized_timeout_; }

  // The protocol state: everything that decides how the node answers any
  // input except tick(). Timers (elapsed ticks, the randomized timeout, the
  // generator) are left out, so a checker that fires timeouts as actions
  // does not multiply states by them; so is the rest of the configuration
  // and the progress of a node that does not lead (stale, unused until it
  // leads again, and then reset). Node ids pass through the renaming. The
  // outbox and the held messages are multisets to the hash: each leaves as
  // a whole (the outbox when drained, the held messages when released) into
  // a network that does not keep order, and hashing one in queue order
  // would tell a node from its renamed twin by the order of a broadcast
  // (peers in id order), which the renaming does not change.
  auto protocol_fields() const {
    return field_list(renamed_id(options_.id), options_.cluster_size, role_, hard_,
                      renamed_id(leader_id_), hard_dirty_, durable_index_, commit_index_,
                      applied_index_, log_, votes_,
                      LeaderProgress{progress_, role_, options_.cluster_size}, as_multiset(outbox_),
                      as_multiset(held_), heard_from_leader_, renamed_id(transfer_target_),
                      read_round_, reads_, read_states_, lease_valid_, lease_round_, sent_timeout_now_,
                      snapshot_, snapshot_dirty_, incoming_);
  }
  // Every member protocol_fields() leaves out or sees only in part.
  auto other_fields() const {
    return field_list(options_, progress_, election_elapsed_, heartbeat_elapsed_,
                      randomized_timeout_, rng_, ticks_, lease_until_, lease_round_sent_);
  }

  friend bool operator==(const Node& a, const Node& b) {
    return fields_equal(a.protocol_fields(), b.protocol_fields()) &&
           fields_equal(a.other_fields(), b.other_fields());
  }

  // == without the timers (see protocol_fields).
  bool protocol_equal(const Node& o) const {
    return fields_equal(protocol_fields(), o.protocol_fields());
  }

  void hash_append(Hasher& h, const Renaming& r = kIdentity) const {
    hash_fields(h, r, protocol_fields());
  }

  std::uint64_t hash(const Renaming& r = kIdentity) const {
    Hasher h;
    hash_append(h, r);
    return h.value();
  }

 private:
  using Outbox = boost::container::static_vector<MessageT, Config::outbox_capacity>;
  using ProgressArray = std::array<Progress, Config::max_nodes + 1>;
  static constexpr std::size_t kMaxReads = max_pending_reads<Config>();
  static_assert(kMaxReads >= 1);

  // A snapshot a follower is receiving: the next chunk it needs.
  struct Incoming {
    Index index = 0;
    Term term = 0;
    std::uint64_t next_chunk = 0;
    auto fields() const { return field_list(index, term, next_chunk); }
    friend bool operator==(const Incoming& a, const Incoming& b) { return fields_equal(a.fields(), b.fields()); }
  };

  // A read the leader holds until a heartbeat round confirms it still leads.
  struct PendingRead {
    ReadId id = 0;
    NodeId from = kNoNode;      // who asked: this node, or a follower
    Index index = 0;            // the commit index to serve at; 0 until an own-term entry commits
    std::uint64_t round = 0;    // the first round sent after the read arrived
    auto fields() const { return field_list(id, renamed_id(from), index, round); }
    friend bool operator==(const PendingRead& a, const PendingRead& b) {
      return fields_equal(a.fields(), b.fields());
    }
    void hash_append(Hasher& h, const Renaming& r) const { hash_fields(h, r, fields()); }
  };
  using Reads = boost::container::static_vector<PendingRead, kMaxReads>;
  using ReadStates = boost::container::static_vector<ReadState, kMaxReads>;

  // The leader's progress, a protocol field only while the node leads:
  // compared whole, hashed peer by peer in the renamed order (the peer
  // renamed to j comes j-th).
  struct LeaderProgress {
    const ProgressArray& progress;
    const Role& role;
    const std::uint8_t& cluster_size;
    friend bool operator==(const LeaderProgress& a, const LeaderProgress& b) {
      const bool leader = a.role == Role::leader;
      return leader == (b.role == Role::leader) && (!leader || a.progress == b.progress);
    }
    void hash_append(Hasher& h, const Renaming& r) const {
      if (role != Role::leader) return;
      std::array<NodeId, kMaxNodeId + 1> inverse{};
      for (NodeId peer = 1; peer <= cluster_size; ++peer) inverse[r(peer)] = peer;
      for (NodeId j = 1; j <= cluster_size; ++j) hash_field(h, r, progress[inverse[j]]);
    }
  };

  // Ends an input that `took` effect (or not): ok, or overflow when
  // something was dropped on the way (see InputResult).
  InputResult finish_input(bool took) {
    const bool dropped = overflow_;
    overflow_ = false;
    if (!took) return InputResult::ignored;
    return dropped ? InputResult::overflow : InputResult::ok;
  }

  Node(const Options& options, const HardState& hard_state, const Log& log)
      : options_(options),
        hard_(hard_state),
        log_(log),
        commit_index_(log.first_index() - 1),
        applied_index_(log.first_index() - 1),
        durable_index_(log.last_index()),
        rng_(options.seed),
        snapshot_{log.first_index() - 1, log.term_at(log.first_index() - 1), log.first_index() > 1 ? 1u : 0u} {
    SYNOD_ASSERT(valid(options));
    reset_election_timer();
  }

  // ------------------------------------------------------------ role changes
  // Only these four functions write role_.

  void become_follower(Term term, NodeId leader) {
    if (term > hard_.term) {
      hard_.term = term;
      hard_.voted_for = kNoNode;
      hard_dirty_ = true;
    }
    stop_leading();
    role_ = Role::follower;
    leader_id_ = leader;
    heard_from_leader_ = false;
    votes_.reset();
    reset_election_timer();
  }

  // What only a leader holds goes when it stops leading: a transfer, and
  // its pending reads (its own fail; a follower's time out at the follower).
  void stop_leading() {
    if (role_ != Role::leader) return;
    transfer_target_ = kNoNode;
    for (const auto& r : reads_)
      if (r.from == id()) push_read_state(ReadState{r.id, 0, false});
    reads_.clear();
    read_round_ = 0;
    lease_valid_ = false;
    lease_round_ = 0;
    sent_timeout_now_ = false;
  }

  // §5.2: increment currentTerm, vote for self, reset the election timer,
  // send RequestVote to all other servers. The vote for self is persisted
  // before the requests leave (they are held while hard_dirty_).
  // `transfer`: the leader asked for this election (TimeoutNow).
  void become_candidate(bool transfer = false) {
    role_ = Role::candidate;
    hard_.term += 1;
    hard_.voted_for = id();
    hard_dirty_ = true;
    leader_id_ = kNoNode;
    heard_from_leader_ = false;
    votes_.reset();
    votes_.record(id(), true);
    reset_election_timer();
    if (votes_.result(cluster_size()) == quorum::VoteResult::won) {
      become_leader();
      return;
    }
    request_votes(MessageType::request_vote, term(), transfer ? kTransferVote : 0);
  }

  // Thesis §9.6: the election timer fired with pre-votes on. Ask every peer
  // whether it would vote for us in term + 1; term and vote stay as they
  // are, so nothing needs to be durable first. A majority of grants
  // (ourselves included) starts the real election.
  void become_pre_candidate() {
    role_ = Role::pre_candidate;
    leader_id_ = kNoNode;
    heard_from_leader_ = false;
    votes_.reset();
    votes_.record(id(), true);
    reset_election_timer();
    if (votes_.result(cluster_size()) == quorum::VoteResult::won) {
      become_candidate();
      return;
    }
    request_votes(MessageType::pre_vote, term() + 1);
  }

  // A RequestVote or PreVote for `t` to every peer, carrying our last log
  // index and term; lost whole when it does not fit (the next timeout
  // repeats it).
  void request_votes(MessageType type, Term t, std::uint64_t context = 0) {
    if (!room_for_broadcast()) {
      overflow_ = true;
      return;
    }
    for (NodeId peer = 1; peer <= cluster_size(); ++peer) {
      if (peer == id()) continue;
      MessageT m;
      m.type = type;
      m.to = peer;
      m.log_index = log_.last_index();
      m.log_term = log_.term_at(log_.last_index());
      m.context = context;
      send(m, t);
    }
  }

  // §5.4.1: the candidate's log (last index and term in m) is at least as
  // up-to-date as ours.
  bool log_up_to_date(const MessageT& m) const {
    const Term our_last_term = log_.term_at(log_.last_index());
    return m.log_term > our_last_term || (m.log_term == our_last_term && m.log_index >= log_.last_index());
  }

  // §5.3: on election, nextIndex = last log index + 1, matchIndex = 0, and
  // an empty AppendEntries to every peer to establish authority.
  void become_leader() {
    role_ = Role::leader;
    leader_id_ = id();
    votes_.reset();
    heartbeat_elapsed_ = 0;
    election_elapsed_ = 0;
    for (auto& p : progress_) p = Progress{log_.last_index() + 1, 0, false, 0, 0, 0};
    incoming_ = {};
    if (options_.append_noop_on_election) {
      if (!log_.append(EntryT{term(), Payload{}}))
        overflow_ = true;  // the window is full: no no-op
    }
    send_heartbeats();
    maybe_commit();
  }

  // ---------------------------------------------------------------- handlers

  // §5.2, §5.4.1: grant at most one vote per term, and only to a candidate
  // whose log is at least as up-to-date as ours (the election restriction).
  void handle_request_vote(const MessageT& m) {
    const bool free_to_vote = hard_.voted_for == kNoNode || hard_.voted_for == m.from;
    const bool up_to_date = log_up_to_date(m);
    const bool grant = role_ == Role::follower && free_to_vote && up_to_date;
    if (grant) {
      if (hard_.voted_for != m.from) {
        hard_.voted_for = m.from;
        hard_dirty_ = true;
      }
      election_elapsed_ = 0;  // §5.2: granting a vote resets the timer
    }
    reply(m, MessageType::request_vote_response, grant, 0);
  }

  // Thesis §9.6: grant a pre-vote for a term above ours to a candidate
  // whose log is at least as up-to-date as ours (§5.4.1), without changing
  // our term or vote. A grant carries the asked term, so the pre-candidate
  // counts it; a refusal carries ours, so a pre-candidate behind in terms
  // learns the term.
  void handle_pre_vote(const MessageT& m) {
    const bool up_to_date = log_up_to_date(m);
    const bool grant = m.term > term() && up_to_date;
    MessageT r;
    r.type = MessageType::pre_vote_response;
    r.to = m.from;
    r.success = grant;
    send(r, grant ? m.term : term());
  }

  // A grant for the term we would campaign in, or a refusal of our own
  // term; false when it is not for this pre-candidacy.
  bool handle_pre_vote_response(const MessageT& m) {
    if (role_ != Role::pre_candidate) return false;
    if (m.success ? m.term != term() + 1 : m.term != term()) return false;
    votes_.record(m.from, m.success);
    if (votes_.result(cluster_size()) == quorum::VoteResult::won) become_candidate();
    return true;
  }

  void handle_vote_response(const MessageT& m) {
    votes_.record(m.from, m.success);
    if (votes_.result(cluster_size()) == quorum::VoteResult::won) become_leader();
  }

  // §5.3: the consistency check on (prevLogIndex, prevLogTerm); delete a
  // conflicting entry and all that follow it, never an entry that matches
  // (a delayed AppendEntries must not erase entries we acknowledged); append
  // what is new; commitIndex = min(leaderCommit, index of last new entry).
  void handle_append_entries(const MessageT& m) {
    const Index prev = m.log_index;
    const Index base = log_.first_index() - 1;
    std::size_t skip = 0;  // entries at or below our base: in our snapshot already
    if (prev < base) {
      // Our snapshot holds committed entries only, and they match the
      // leader's (Leader Completeness): check from the base instead.
      const Index below = base - prev;
      skip = below < m.entries.size() ? static_cast<std::size_t>(below) : m.entries.size();
    } else if (prev > log_.last_index()) {
      reply(m, MessageType::append_entries_response, false, log_.last_index());
      return;
    } else if (log_.term_at(prev) != m.log_term) {
      // Hint: skip back over every entry of the conflicting term at once,
      // but never below what we know is committed (it matches the leader).
      const Term conflict = log_.term_at(prev);
      Index hint = prev - 1;
      while (hint > commit_index_ && log_.term_at(hint) == conflict) --hint;
      reply(m, MessageType::append_entries_response, false, hint);
      return;
    }
    Index index = prev < base ? base : prev;
    for (std::size_t k = skip; k < m.entries.size(); ++k) {
      const auto& e = m.entries[k];
      const Index at = index + 1;
      if (at <= log_.last_index()) {
        if (log_.term_at(at) == e.term) {
          index = at;  // already have it: keep it
          continue;
        }
        // A conflict below the commit index cannot come from a real leader
        // (Leader Completeness); refuse rather than lose committed entries.
        if (at <= commit_index_) return;
        log_.truncate_after(at - 1);
        if (durable_index_ > at - 1) durable_index_ = at - 1;
        drop_held_acks_after(at - 1);
      }
      if (!log_.append(e)) {  // window full: acknowledge what fits
        overflow_ = true;
        break;
      }
      index = at;
    }
    const Index last_new = index;
    if (m.commit > commit_index_) {
      const Index bound = m.commit < last_new ? m.commit : last_new;
      if (bound > commit_index_) commit_index_ = bound;
    }
    reply(m, MessageType::append_entries_response, true, last_new);
  }

  // False when the acknowledgement is of an index we never had (no effect).
  bool handle_append_response(const MessageT& m) {
    Progress& p = progress_[m.from];
    if (m.success && m.log_index > log_.last_index()) return false;  // cannot match what we never had
    // Any answer in our term shows the peer still follows us (CheckQuorum),
    // and confirms the read round it echoes (ReadIndex).
    if (options_.check_quorum) p.recent_active = true;
    if (m.context > p.read_round && m.context <= read_round_) {
      p.read_round = m.context;
      confirm_reads();
    }
    if (m.success) {
      if (p.snapshot_index != 0 && m.log_index >= p.snapshot_index) p.snapshot_index = 0;  // installed
      if (m.log_index > p.match_index) p.match_index = m.log_index;
      if (p.next_index <= p.match_index) p.next_index = p.match_index + 1;
      maybe_commit();
      if (p.next_index <= log_.last_index()) send_append(m.from);
      if (transfer_target_ == m.from && p.match_index == log_.last_index()) send_timeout_now(m.from);
      return true;
    }
    // Rejected: retry from just past the hint (never at or below match).
    const Index hint = m.log_index < log_.last_index() ? m.log_index : log_.last_index();
    Index next = hint + 1 < p.next_index ? hint + 1 : p.next_index;
    if (next <= p.match_index) next = p.match_index + 1;
    p.next_index = next;
    send_append(m.from);
    return true;
  }

  // §7, in chunks: take chunk m.context of snapshot (m.log_index,
  // m.log_term) if it is the next one we need (chunk 0 starts over); after
  // the last, install the snapshot. A snapshot at or below our commit index
  // brings nothing: say how far our log matches instead.
  void handle_install_snapshot(const MessageT& m) {
    const Index index = m.log_index;
    const Term t = m.log_term;
    const std::uint64_t chunk = m.context;
    if (index <= commit_index_) {
      incoming_ = {};
      reply(m, MessageType::append_entries_response, true, commit_index_);
      return;
    }
    if (chunk == 0) incoming_ = Incoming{index, t, 0};
    const bool same = incoming_.index == index && incoming_.term == t;
    if (!same || chunk != incoming_.next_chunk) {
      reply_snapshot(m, false, same ? incoming_.next_chunk : 0);
      return;
    }
    accepted_chunk_ = SnapshotChunk{index, t, chunk, m.success};
    has_accepted_chunk_ = true;
    if (!m.success) {
      ++incoming_.next_chunk;
      reply_snapshot(m, true, incoming_.next_chunk);
      return;
    }
    incoming_ = {};
    install_snapshot(SnapshotInfo{index, t, static_cast<std::uint32_t>(chunk + 1)});
    reply(m, MessageType::append_entries_response, true, index);  // held until the snapshot is durable
  }

  // The received snapshot replaces the log up to its index: entries that
  // follow a matching entry are kept (§7), otherwise the whole log goes.
  // The state machine becomes the snapshot (applied = commit = its index).
  // Until it is durable (persisted()), every message is held.
  void install_snapshot(const SnapshotInfo& s) {
    if (s.index <= log_.last_index() && log_.term_at(s.index) == s.term) {
      log_.compact(s.index);
      if (durable_index_ < s.index) durable_index_ = s.index;
    } else {
      // Entries above our commit index may differ from the snapshot's: an
      // acknowledgement of them must never leave (see drop_held_acks_after).
      drop_held_acks_after(commit_index_);
      log_.reset(s.index, s.term);
      durable_index_ = s.index;
    }
    commit_index_ = s.index;
    applied_index_ = s.index;
    snapshot_ = s;
    snapshot_dirty_ = true;
  }

  // The answer to a chunk: in our term, so it shows the peer follows us.
  // It names the next chunk the follower needs; send it (unless it is the
  // one we already sent: the heartbeat repeats that).
  bool handle_install_snapshot_response(const MessageT& m) {
    Progress& p = progress_[m.from];
    if (options_.check_quorum) p.recent_active = true;
    if (p.snapshot_index == 0 || m.log_index != p.snapshot_index || m.context == p.snapshot_chunk) return true;
    p.snapshot_chunk = m.context < snapshot_.chunks ? m.context : 0;
    send_append(m.from);
    return true;
  }

  // §5.3, §5.4.2: commitIndex = the largest N replicated on a majority with
  // log[N].term == currentTerm. Entries of earlier terms are never committed
  // by counting replicas (Figure 8); they commit with the first entry of ours.
  void maybe_commit() {
    std::array<Index, Config::max_nodes> match{};
    for (NodeId peer = 1; peer <= cluster_size(); ++peer)
      match[peer - 1] = peer == id() ? durable_index_ : progress_[peer].match_index;
    const Index n = quorum::quorum_min(match, cluster_size());
    if (n > commit_index_ && log_.term_at(n) == term()) {
      commit_index_ = n;
      confirm_reads();  // reads wait for the first entry of our term to commit
    }
  }

  // ------------------------------------------------------------------ reads

  bool committed_own_term() const { return commit_index_ > 0 && log_.term_at(commit_index_) == term(); }
  // Lease reads: the leader may answer a read now, without a round.
  bool within_lease() const { return role_ == Role::leader && lease_valid_ && committed_own_term(); }

  // Queues a read from `from` (this node or a follower); false when full.
  // It waits for the first round sent after now; if no round is in flight,
  // that round starts at once.
  bool accept_read(ReadId read, NodeId from) {
    if (reads_.size() + read_states_.size() >= kMaxReads) return false;
    // Rounds only grow along reads_: a round is in flight iff the oldest read's was sent.
    const bool in_flight = !reads_.empty() && reads_.front().round <= read_round_;
    reads_.push_back(PendingRead{read, from, committed_own_term() ? commit_index_ : 0, read_round_ + 1});
    if (!in_flight) send_heartbeats();
    confirm_reads();
    return true;
  }

  // Completes the reads whose round a majority (this node included) has
  // echoed, once an entry of our term has committed (before that, the
  // commit index may miss entries earlier leaders committed); then starts
  // the round the waiting reads need.
  void confirm_reads() {
    if (reads_.empty()) return;
    std::array<std::uint64_t, Config::max_nodes> echoed{};
    for (NodeId peer = 1; peer <= cluster_size(); ++peer)
      echoed[peer - 1] = peer == id() ? read_round_ : progress_[peer].read_round;
    const std::uint64_t confirmed = quorum::quorum_min(echoed, cluster_size());
    if (lease_round_ != 0 && lease_round_ <= confirmed) {
      // A majority heard the round sent at lease_round_sent_: none of them
      // votes for another leader for an election timeout after that.
      lease_valid_ = !sent_timeout_now_;
      lease_until_ = lease_round_sent_ + options_.election_timeout_min - options_.lease_drift_ticks;
      lease_round_ = 0;
    }
    if (!committed_own_term()) return;
    std::size_t done = 0;
    for (auto& r : reads_) {
      if (r.index == 0) r.index = commit_index_;
      if (r.round > confirmed) continue;
      ++done;
      if (r.from == id()) {
        push_read_state(ReadState{r.id, r.index, true});
      } else {
        MessageT m;
        m.type = MessageType::read_index_response;
        m.to = r.from;
        m.context = r.id;
        m.log_index = r.index;
        m.success = true;
        (void)send(m);
      }
    }
    if (done == 0) return;
    // Rounds only grow, so the confirmed reads are a prefix.
    reads_.erase(reads_.begin(), reads_.begin() + static_cast<std::ptrdiff_t>(done));
    if (!reads_.empty() && reads_.front().round > read_round_) send_heartbeats();
  }

  void push_read_state(const ReadState& r) {
    if (read_states_.size() == read_states_.capacity()) {
      overflow_ = true;
      return;
    }
    read_states_.push_back(r);
  }

  // ----------------------------------------------------------- lease, transfer

  bool lapse_lease(bool end_read_lease) {
    if (role_ != Role::leader) {
      const bool was = heard_from_leader_;
      heard_from_leader_ = false;
      return was;
    }
    bool took = transfer_target_ != kNoNode || (end_read_lease && (lease_valid_ || lease_round_ != 0));
    transfer_target_ = kNoNode;
    if (end_read_lease) {
      // An answer to a round sent an election timeout ago would renew the
      // lease only until a time already past: forget that round too.
      lease_valid_ = false;
      lease_round_ = 0;
    }
    if (!options_.check_quorum) return took;
    std::size_t active = 1;  // ourselves
    for (NodeId peer = 1; peer <= cluster_size(); ++peer) {
      if (peer == id() || !progress_[peer].recent_active) continue;
      ++active;
      progress_[peer].recent_active = false;
      took = true;
    }
    if (active < quorum::majority(cluster_size())) {
      become_follower(term(), kNoNode);  // thesis §6.2: no quorum heard, step down
      return true;
    }
    return took;
  }

  // The target's log matches ours to the end: it can win the election.
  void send_timeout_now(NodeId target) {
    MessageT m;
    m.type = MessageType::timeout_now;
    m.to = target;
    m.log_index = log_.last_index();
    m.log_term = log_.term_at(m.log_index);
    sent_timeout_now_ = options_.lease_reads;  // only lease reads need to remember it
    lease_valid_ = false;
    (void)send(m);
  }

  // ------------------------------------------------------------------ output

  // AppendEntries to every peer, whole or not at all (room_for_broadcast).
  void send_heartbeats() {
    heartbeat_elapsed_ = 0;
    // Reads waiting for a round: this broadcast is it. With lease reads,
    // the first round after the last renewal also renews the lease.
    if (!reads_.empty() && reads_.back().round > read_round_) {
      ++read_round_;
      if (options_.lease_reads && lease_round_ == 0) {
        lease_round_ = read_round_;
        lease_round_sent_ = ticks_;
      }
    }
    if (!room_for_broadcast()) {
      overflow_ = true;  // lost whole; the next heartbeat repeats it
      return;
    }
    for (NodeId peer = 1; peer <= cluster_size(); ++peer)
      if (peer != id()) send_append(peer);
  }

  void send_append(NodeId peer) {
    Progress& p = progress_[peer];
    if (p.next_index < log_.first_index()) {
      send_snapshot(peer);  // the entries it needs are compacted
      return;
    }
    p.snapshot_index = 0;
    MessageT m;
    m.type = MessageType::append_entries;
    m.to = peer;
    m.log_index = p.next_index - 1;
    m.log_term = log_.term_at(m.log_index);
    m.commit = commit_index_;
    m.context = read_round_;
    for (Index i = p.next_index; i <= log_.last_index() && m.entries.size() < m.entries.capacity(); ++i)
      m.entries.push_back(log_.at(i));
    if (!send(m)) return;
    p.next_index += m.entries.size();  // optimistic: pipeline the next batch
  }

  // The chunk of our snapshot the peer needs next; a new transfer (chunk 0)
  // when the snapshot in flight is not our current one.
  void send_snapshot(NodeId peer) {
    Progress& p = progress_[peer];
    if (p.snapshot_index != snapshot_.index) {
      p.snapshot_index = snapshot_.index;
      p.snapshot_chunk = 0;
    }
    MessageT m;
    m.type = MessageType::install_snapshot;
    m.to = peer;
    m.log_index = snapshot_.index;
    m.log_term = snapshot_.term;
    m.commit = commit_index_;
    m.context = p.snapshot_chunk;
    m.success = p.snapshot_chunk + 1 >= snapshot_.chunks;
    (void)send(m);
  }

  void reply_snapshot(const MessageT& request, bool took, std::uint64_t next_chunk) {
    MessageT m;
    m.type = MessageType::install_snapshot_response;
    m.to = request.from;
    m.log_index = request.log_index;
    m.log_term = request.log_term;
    m.context = next_chunk;
    m.success = took;
    (void)send(m);
  }

  void reply(const MessageT& request, MessageType type, bool success, Index log_index) {
    MessageT m;
    m.type = type;
    m.to = request.from;
    m.success = success;
    m.log_index = log_index;
    // An append's answer echoes its read round; a read's answer its read id.
    if (request.type == MessageType::append_entries || request.type == MessageType::read_index)
      m.context = request.context;
    (void)send(m);
  }

  // Stamps and queues a message; false when there is no room (the message is
  // lost, which Raft tolerates: the next heartbeat or timeout repeats it).
  bool send(MessageT& m) { return send(m, term()); }
  // The same with another term: pre-votes ask for, and grant, term + 1.
  bool send(MessageT& m, Term t) {
    m.from = id();
    m.term = t;
    const bool must_wait = holding() || (m.type == MessageType::append_entries_response &&
                                         m.success && m.log_index > durable_index_);
    Outbox& queue = must_wait ? held_ : outbox_;
    if (queue.size() == queue.capacity()) {
      overflow_ = true;
      return false;
    }
    queue.push_back(m);
    return true;
  }

  // Held messages leave together, or are all lost when the outbox has no
  // room for every one of them (Raft tolerates lost messages).
  // A held acknowledgement of entries this node has just deleted must never
  // leave: once the new entries at those indexes are durable it would tell
  // the old leader that its entries are stored here. Dropping it is what a
  // lossy network may do anyway.
  void drop_held_acks_after(Index keep) {
    const auto acks_deleted = [keep](const MessageT& m) {
      return m.type == MessageType::append_entries_response && m.success && m.log_index > keep;
    };
    held_.erase(std::remove_if(held_.begin(), held_.end(), acks_deleted), held_.end());
  }

  // Everything waits while the term, the vote or an installed snapshot is
  // not yet durable.
  bool holding() const { return hard_dirty_ || snapshot_dirty_; }

  void release_held() {
    if (holding() || durable_index_ < log_.last_index()) return;
    if (outbox_.capacity() - outbox_.size() >= held_.size()) {
      for (const auto& m : held_) outbox_.push_back(m);
    } else {
      overflow_ = true;
    }
    held_.clear();
  }

  // Whether send() has room now for a message to every peer. Broadcasts go
  // out whole or not at all, so which peers miss one never depends on their
  // ids: the node treats ids alike, as the checker's symmetry reduction
  // assumes (a partial broadcast would always reach the lower ids).
  bool room_for_broadcast() const {
    const Outbox& queue = holding() ? held_ : outbox_;
    return queue.capacity() - queue.size() >= cluster_size() - 1u;
  }

  void reset_election_timer() {
    election_elapsed_ = 0;
    randomized_timeout_ = rng_.uniform(options_.election_timeout_min, options_.election_timeout_max);
  }

  bool valid_peer(NodeId peer) const { return peer >= 1 && peer <= cluster_size(); }

  bool well_formed(const MessageT& m) const {
    if (!valid_peer(m.from) || m.from == id() || m.to != id() || m.term > kMaxTerm) return false;
    switch (m.type) {
      case MessageType::request_vote:
      case MessageType::request_vote_response:
      case MessageType::append_entries_response:
      case MessageType::pre_vote:
      case MessageType::pre_vote_response:
      case MessageType::timeout_now:
      case MessageType::read_index:
      case MessageType::read_index_response:
      case MessageType::install_snapshot_response:
        return m.entries.empty();
      case MessageType::install_snapshot:  // a snapshot at index >= 1; chunk numbers fit 32 bits
        return m.entries.empty() && m.log_index >= 1 && m.context < (std::uint64_t{1} << 32) - 1;
      case MessageType::append_entries:
        return true;
      case MessageType::none:
        return false;
    }
    return false;
  }

  // --------------------------------------------------------------- the state

  Options options_;
  Role role_ = Role::follower;
  HardState hard_{};
  NodeId leader_id_ = kNoNode;     // who we believe leads hard_.term
  Log log_{};
  Index commit_index_ = 0;         // never decreases while up; <= log last index
  Index applied_index_ = 0;        // <= commit_index_
  Index durable_index_ = 0;        // entries 1..durable_index_ are on stable storage
  bool hard_dirty_ = false;        // hard_ differs from what is on stable storage
  VoteTally votes_{};              // candidate only
  std::array<Progress, Config::max_nodes + 1> progress_{};  // leader only; by node id
  std::uint32_t election_elapsed_ = 0;
  std::uint32_t heartbeat_elapsed_ = 0;
  std::uint32_t randomized_timeout_ = 0;
  SplitMix64 rng_;
  Outbox outbox_{};                // may leave now
  Outbox held_{};                  // leave once persisted
  bool heard_from_leader_ = false; // check_quorum: a follower's lease on its leader is live
  NodeId transfer_target_ = kNoNode;  // leader: transferring leadership to this peer
  std::uint64_t read_round_ = 0;   // leader: the highest read round sent in this term
  Reads reads_{};                  // leader: reads waiting for their round (in round order)
  ReadStates read_states_{};       // completed reads, until the caller clears them
  // Lease reads (leader): the lease, the round that renews it and when that
  // round left, and whether a transfer's TimeoutNow left in this term.
  bool lease_valid_ = false;
  std::uint64_t lease_round_ = 0;
  bool sent_timeout_now_ = false;
  std::uint64_t ticks_ = 0;        // ticks since the node started
  std::uint64_t lease_until_ = 0;  // lease_valid_ ends at this tick
  std::uint64_t lease_round_sent_ = 0;
  SnapshotInfo snapshot_{};        // the snapshot at the log's base (index 0: none)
  bool snapshot_dirty_ = false;    // an installed snapshot is not yet durable
  Incoming incoming_{};            // follower: the snapshot being received
  // Output of the last step(): a snapshot chunk to keep. Not state: in no
  // field list.
  SnapshotChunk accepted_chunk_{};
  bool has_accepted_chunk_ = false;
  // Scratch for one input: something was dropped (see finish_input). False
  // between inputs, and in no field list.
  bool overflow_ = false;
};

}  // namespace synod::raft
