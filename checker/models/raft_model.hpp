// raft_model.hpp - the Raft model: N real kernel nodes (synod::raft::Node) in
// the interned cluster model of synod/check/cluster_model.hpp, which gives
// the state, the network, the faults, the memoised steps and the additive
// fingerprints. This file is Raft's part: its actions, disk, ghost history
// (raft_invariants::History: leaders per term, committed entries) and
// properties, its symmetry (every node id) and how it prints.
//
// State: the cluster's, plus the client proposals, leadership transfers and
// client reads left (budgets).
// Protocol actions (group 2 of the cluster's order), each by node id:
//   timeout: node i campaigns (up, not leader, term < max_term);
//   heartbeat: leader i broadcasts AppendEntries;
//   propose: leader i appends the next client value (budget; log < max_log);
//   lease: an election timeout passes at node i (lease_timeout(): a leader
//     checks its quorum and abandons a transfer, a follower's lease on its
//     leader lapses), when that changes something: node i is in its leader
//     lease or transferring leadership;
//   transfer: leader i hands leadership to node j (budget);
//   read: a client invokes read k (1, 2, ...) at node i (budget); the ghost
//     records how many entries were committed then (LinearizableRead);
//   compact: node i's application applies what is committed, snapshots
//     its state machine at its applied index, stores the snapshot and
//     compacts the log there (Node::compact, `chunks` chunks; budget); the
//     ghost records the snapshot's content. A second compact action asks
//     for the log's last index when it is past the commit index, which the
//     kernel must refuse (no successor unless it does not). With
//     compactions, every step is keyed by the node's disk and the messages
//     it sends are checked against it (raft_invariants::check_send: the
//     durability contract, SnapshotSentIsStored).
// A timer firing is one action (campaign(), broadcast_heartbeat(),
// lease_timeout()). An input the node refuses or ignores (a read at a node
// that knows no leader, a lease that changes nothing) has no successor.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>
#include <synod/check/cluster_model.hpp>
#include <synod/check/raft_invariants.hpp>
#include <synod/raft/node.hpp>
#include <synod/sim/raft.hpp>
#include <synod/sim/show.hpp>
#include <synod/trace/messages.hpp>

namespace synod::check::models {

template <std::size_t MaxNodes>
struct RaftCheckConfig {
  using Payload = std::uint64_t;
  static constexpr std::size_t max_nodes = MaxNodes;
  static constexpr std::size_t max_entries_per_message = 2;
  static constexpr std::size_t log_capacity = 4;
  static constexpr std::size_t outbox_capacity = MaxNodes;
};

struct RaftBounds {
  std::size_t nodes = 3;
  raft::Term max_term = 2;
  raft::Index max_log = 1;
  std::size_t max_msgs = 3;
  std::uint8_t drops = 0;
  std::uint8_t dups = 0;
  std::uint8_t crashes = 1;
  std::uint8_t proposals = 1;
  bool noop_on_election = false;
  bool pre_vote = false;  // Options::pre_vote: a timeout is a pre-vote round first
  bool check_quorum = false;  // Options::check_quorum
  // Options::lease_reads (needs check_quorum). The timer actions then follow
  // the clock assumption (raft_invariants::campaign_in_time,
  // lease_lapse_in_time).
  bool lease_reads = false;
  std::uint8_t transfers = 0;  // leadership transfers (transfer_leadership) clients may ask for
  std::uint8_t reads = 0;      // client reads (read_index), ids 1..reads
  // A seeded harness fault: the disk loses hard-state writes (term and vote)
  // while still reporting them durable. Election Safety must then fail.
  bool lossy_disk = false;
  std::uint8_t compactions = 0;  // log compactions (snapshots) the applications may take
  std::uint8_t chunks = 1;       // chunks a snapshot is sent in (InstallSnapshot)
};

// Raft's types and fingerprint rules for ClusterModel.
template <std::size_t MaxNodes>
struct RaftTypes {
  using Config = RaftCheckConfig<MaxNodes>;
  // How a node is built, restarted, stepped and persisted: the simulation
  // core's Raft adapter, so the checker and the tests share one disk.
  using Sim = sim::RaftProtocol<Config>;
  using Node = raft::Node<Config>;
  using Message = raft::Message<Config>;
  using Log = typename Node::LogT;
  static constexpr std::size_t kMaxTerm = 8;
  static constexpr std::size_t kMaxReads = 4;  // the reads bound's maximum: read ids 1..4
  using History = raft_invariants::History<std::uint64_t, kMaxTerm + 1, Config::log_capacity, kMaxReads>;
  using Violation = raft_invariants::Violation;
  using Bounds = RaftBounds;
  enum class Kind : std::uint8_t {
    deliver, timeout, heartbeat, propose, lease, transfer, read, compact, persist, drop, duplicate, crash, restart
  };
  // A node's disk: the adapter's (hard state and log as persisted), and its
  // owner (a disk hashes to the term of its owner's slot).
  struct Disk : Sim::Disk {
    NodeId owner = 0;
    friend bool operator==(const Disk&, const Disk&) = default;
  };
  struct Fields {
    std::uint8_t proposals_left = 0;
    std::uint8_t transfers_left = 0;
    std::uint8_t reads_left = 0;
    std::uint8_t compactions_left = 0;
    friend bool operator==(const Fields&, const Fields&) = default;
  };
  static constexpr const char* kName = "raft";
  static constexpr std::size_t kMaxNodes = MaxNodes;
  static constexpr std::size_t kNetworkCapacity = 12;
  static constexpr std::size_t kMaxSent = MaxNodes;
  static constexpr std::size_t kCached = MaxNodes <= 3 ? 6 : 1;  // all 3! renamings of small clusters
  // A node's flag: it has restarted; a term only when set.
  static constexpr unsigned kFlagValues = 2;
  static unsigned flags_of(std::uint8_t restarted, const Fields&, std::size_t i) { return restarted >> i & 1u; }
  static constexpr std::uint64_t flag_term(std::size_t slot, unsigned f) {
    return f ? sum_hash::term(0, sum_hash::salt(5, slot)) : 0;
  }
  static std::uint64_t budget_word(const Fields& f) {
    // Compactions take the word's top byte (bits 56..63), above the violation's.
    return std::uint64_t{f.proposals_left} | std::uint64_t{f.transfers_left} << 8 | std::uint64_t{f.reads_left} << 16 |
           std::uint64_t{f.compactions_left} << 32;
  }
  static constexpr unsigned kViolationShift = 48;
  static const char* violation_string(Violation v) { return raft_invariants::to_string(v); }
};

template <std::size_t MaxNodes = 3>
class RaftModel : public ClusterModel<RaftModel<MaxNodes>, RaftTypes<MaxNodes>> {
  using Base = ClusterModel<RaftModel<MaxNodes>, RaftTypes<MaxNodes>>;
  friend Base;

 public:
  using Types = RaftTypes<MaxNodes>;
  using Config = typename Types::Config;
  using Sim = typename Types::Sim;
  using Log = typename Types::Log;
  using EntryT = raft::Entry<std::uint64_t>;
  using typename Base::Action;
  using typename Base::History;
  using typename Base::Kind;
  using typename Base::Message;
  using typename Base::Node;
  using typename Base::State;
  using typename Base::Violation;
  using Base::history;
  using Base::node;
  using Base::up;
  static constexpr std::size_t kMaxTerm = Types::kMaxTerm;

  explicit RaftModel(RaftBounds bounds = {}) : Base(checked(bounds), bounds.nodes, bounds.nodes) {}

  // Each BFS worker thread allocates its memo caches when it starts.
  void prepare_thread() const {
    Base::prepare_thread();
    reads_.prepare_thread();
  }

  raft::Options options_for(NodeId id) const {
    raft::Options o;
    o.id = id;
    o.cluster_size = static_cast<std::uint8_t>(bounds_.nodes);
    o.seed = id;
    o.append_noop_on_election = bounds_.noop_on_election;
    o.pre_vote = bounds_.pre_vote;
    o.check_quorum = bounds_.check_quorum;
    o.lease_reads = bounds_.lease_reads;
    return o;
  }

  // Transition checks (Election Safety, Leader Append-Only, State Machine
  // Safety, commit index monotone and within the log) are recorded by the
  // ghost as each node changes; cluster checks (Log Matching, Leader
  // Completeness) run on every distinct state over the nodes that are up.
  std::span<const Property<RaftModel>> properties() const { return kProperties; }

  // The nodes that are up, for the cluster checks.
  std::span<const Node* const> up_nodes_of(const State& s, std::array<const Node*, MaxNodes>& out) const {
    std::size_t count = 0;
    for (std::size_t i = 0; i < bounds_.nodes; ++i)
      if (up(s, i)) out[count++] = &node(s, i);
    return std::span<const Node* const>(out.data(), count);
  }

  // For tests: the cluster checks on interned logs and summaries agree with
  // raft_invariants' on the nodes.
  bool cluster_checks_agree(const State& s) const {
    std::array<const Node*, MaxNodes> up_nodes{};
    const auto nodes = up_nodes_of(s, up_nodes);
    return log_matching_ok(*this, s) == History::log_matching_holds(nodes) &&
           leader_completeness_ok(*this, s) == history(s).leader_completeness_holds(nodes);
  }
  // For tests: Log Matching of two logs through the interned path.
  bool interned_logs_match(const Log& a, const Log& b) const { return logs_match(intern_log(a), intern_log(b)); }

  // ------------------------------------------------------------ presentation
  static constexpr std::array<std::string_view, 13> kKindNames{
      "deliver", "timeout", "heartbeat", "propose", "lease", "transfer", "read", "compact", "persist", "drop",
      "duplicate", "crash", "restart"};
  // The trace format's names of the same actions (a timeout is a campaign).
  static constexpr std::array<std::string_view, 13> kTraceTypes{
      "deliver", "campaign", "heartbeat", "propose", "lease", "transfer", "read", "compact", "persist", "drop",
      "duplicate", "crash", "restart"};
  // The k-th client proposal is value k.
  std::uint64_t proposal_value(const State& s, const Action&) const {
    return std::uint64_t{bounds_.proposals} - s.protocol.proposals_left + 1;
  }
  // The k-th client read has id k.
  std::uint64_t read_id(const State& s) const { return std::uint64_t{bounds_.reads} - s.protocol.reads_left + 1; }
  // A transfer's target and a read's id, as the trace format names them.
  void trace_action_extra(nlohmann::json& j, const State& s, const Action& a) const {
    if (a.kind == Kind::transfer) j["target"] = a.message;
    if (a.kind == Kind::read) j["id"] = read_id(s);
    if (a.kind == Kind::compact && a.message != 0) j["upto"] = node(s, a.node - 1u).log().last_index();
  }
  // The cluster a trace replays on: this model's kernel capacities
  // (RaftCheckConfig<MaxNodes>) and options (options_for).
  nlohmann::json trace_cluster() const {
    nlohmann::json c{{"kernel", "check-" + std::to_string(MaxNodes)}, {"nodes", bounds_.nodes}, {"seed", 1}};
    if (bounds_.noop_on_election) c["noop_on_election"] = true;
    if (bounds_.pre_vote) c["pre_vote"] = true;
    if (bounds_.check_quorum) c["check_quorum"] = true;
    if (bounds_.lease_reads) c["lease_reads"] = true;
    if (bounds_.lossy_disk) c["lossy_disk"] = true;
    if (bounds_.compactions != 0 && bounds_.chunks != 1) c["snapshot_chunks"] = bounds_.chunks;
    return c;
  }

  static std::string message_string(const Message& m) { return sim::show(m); }

  std::string node_string(const State& s, std::size_t i) const {
    const auto& d = this->disk(s, i);
    const std::string shown = up(s, i) ? sim::show(node(s, i)) + " log=" + sim::show_log(node(s, i).log()) : "down";
    return shown + " | disk term=" + std::to_string(d.hard_state.term) + " vote=" +
           std::to_string(d.hard_state.voted_for) + " log=" + sim::show_log(d.log);
  }

  static nlohmann::json message_json(const Message& m) { return trace::message_json(m); }
  // [[term, payload], ...] from index 1; with a base, its entries come
  // after an element {"snapshot": [index, term]}.
  static nlohmann::json log_json(const Log& log) {
    nlohmann::json out = nlohmann::json::array();
    const raft::Index base = raft_invariants::base_of(log);
    if (base != 0) out.push_back({{"snapshot", {base, log.term_at(base)}}});
    for (raft::Index k = base + 1; k <= log.last_index(); ++k) out.push_back({log.at(k).term, log.at(k).payload});
    return out;
  }

  nlohmann::json state_json(const State& s) const {
    nlohmann::json nodes = nlohmann::json::array();
    for (std::size_t i = 0; i < bounds_.nodes; ++i) {
      const auto& d = this->disk(s, i);
      nlohmann::json n{{"id", i + 1},
                       {"up", up(s, i)},
                       {"disk", {{"term", d.hard_state.term}, {"voted_for", d.hard_state.voted_for}, {"log", log_json(d.log)}}}};
      if (up(s, i)) {
        const Node& nd = node(s, i);
        n["role"] = raft::to_string(nd.role());
        n["term"] = nd.term();
        n["voted_for"] = nd.voted_for();
        n["leader"] = nd.leader_id();
        n["commit"] = nd.commit_index();
        n["log"] = log_json(nd.log());
        n["held"] = nd.held_messages();
      }
      nodes.push_back(std::move(n));
    }
    return {{"nodes", nodes},
            {"network", this->network_json(s)},
            {"budgets", {{"drops", s.drops_left}, {"dups", s.dups_left}, {"crashes", s.crashes_left},
                         {"proposals", s.protocol.proposals_left}, {"transfers", s.protocol.transfers_left},
                         {"reads", s.protocol.reads_left}, {"compactions", s.protocol.compactions_left}}},
            {"ghost", {{"leaders_elected", history(s).leaders_elected()},
                       {"committed", history(s).committed_count()},
                       {"violation", raft_invariants::to_string(s.violation)}}}};
  }

  // A strict total order on message contents (tie-break of the network order).
  static bool message_less(const Message& a, const Message& b) {
    auto key = [](const Message& m) {
      return std::tuple(m.to, m.from, m.type, m.term, m.log_index, m.log_term, m.commit, m.success, m.context,
                        m.entries.size());
    };
    if (key(a) != key(b)) return key(a) < key(b);
    for (std::size_t k = 0; k < a.entries.size(); ++k) {
      if (a.entries[k].term != b.entries[k].term) return a.entries[k].term < b.entries[k].term;
      if (a.entries[k].payload != b.entries[k].payload) return a.entries[k].payload < b.entries[k].payload;
    }
    return false;
  }

 private:
  using typename Base::Disk;
  using typename Base::StepResult;
  using typename Base::GhostResult;
  using Base::bounds_;
  using Base::id_of;
  using Base::nodes_;
  using Base::histories_;

  static const RaftBounds& checked(const RaftBounds& b) {
    if (b.nodes < 1 || b.nodes > MaxNodes) throw std::invalid_argument("raft: nodes out of range");
    if (b.max_term > kMaxTerm) throw std::invalid_argument("raft: max_term above " + std::to_string(kMaxTerm));
    if (b.max_log > Config::log_capacity)
      throw std::invalid_argument("raft: max_log above " + std::to_string(Config::log_capacity));
    if (b.reads > Types::kMaxReads) throw std::invalid_argument("raft: reads above " + std::to_string(Types::kMaxReads));
    if (b.lease_reads && !b.check_quorum) throw std::invalid_argument("raft: leasereads needs checkquorum = 1");
    if (b.chunks < 1) throw std::invalid_argument("raft: chunks must be at least 1");
    return b;
  }

  // ------------------------------------------------------------ hooks (ClusterModel)
  // Node summary: role (2 bits), term (8), last log index (8), has something
  // to persist or hold (1), a lease_timeout() would change it (1: in its
  // leader lease, or transferring leadership).
  static std::uint32_t node_summary(const Node& n) {
    const bool persist = Sim::needs_persist(n);
    const bool lease = n.in_leader_lease() || n.transfer_target() != kNoNode;
    return static_cast<std::uint32_t>(n.role()) | static_cast<std::uint32_t>(std::min<raft::Term>(n.term(), 255)) << 2 |
           static_cast<std::uint32_t>(std::min<raft::Index>(n.log().last_index(), 255)) << 10 |
           std::uint32_t{persist} << 18 | std::uint32_t{lease} << 19 |
           std::uint32_t{n.lease_valid() || n.lease_round() != 0} << 20 |
           std::uint32_t{n.commit_index() > raft_invariants::base_of(n.log())} << 21 |
           std::uint32_t{n.log().last_index() > n.commit_index()} << 22;
  }
  // Something committed is not yet compacted; the log runs past the commit index.
  static bool summary_compactable(std::uint32_t x) { return (x >> 21 & 1u) != 0; }
  static bool summary_uncommitted(std::uint32_t x) { return (x >> 22 & 1u) != 0; }
  // A leader's read lease, held or awaiting the answers to its round (lease reads).
  static bool summary_read_lease(std::uint32_t x) { return (x >> 20 & 1u) != 0; }
  static raft::Role summary_role(std::uint32_t x) { return static_cast<raft::Role>(x & 3u); }
  static raft::Term summary_term(std::uint32_t x) { return x >> 2 & 255u; }
  static raft::Index summary_last(std::uint32_t x) { return x >> 10 & 255u; }
  static bool summary_persist(std::uint32_t x) { return (x >> 18 & 1u) != 0; }
  static bool summary_lease(std::uint32_t x) { return (x >> 19 & 1u) != 0; }
  static std::uint32_t history_summary(const History& h) { return static_cast<std::uint32_t>(h.committed_count()); }
  static std::uint64_t disk_hash(const Disk& v, const Renaming& r, std::uint64_t seed) {
    Hasher h(seed);
    h.add(v.hard_state.term);
    h.add(std::uint64_t{r(v.hard_state.voted_for)});
    v.log.hash_append(h);
    if (v.snapshot.index != 0 || v.received.index != 0) {  // nothing for a disk without one, as before snapshots
      h.add(v.snapshot.index);
      h.add(v.snapshot.term);
      h.add(std::uint64_t{v.snapshot.chunks});
      h.add(v.received.index);
      h.add(v.received.term);
      h.add(v.received.chunk * 2 + (v.received.last ? 1 : 0));
      h.add(v.content_index);
      h.add(v.content_term);
    }
    return h.value();
  }

  Node initial_node(std::size_t i) const { return Sim::make(options_for(id_of(i))); }
  Node restart_node(std::size_t i, const Disk& d) const { return Sim::restart(options_for(id_of(i)), d); }
  typename Types::Fields initial_fields() const {
    return {bounds_.proposals, bounds_.transfers, bounds_.reads, bounds_.compactions};
  }

  template <class Emit>
  [[gnu::always_inline]] void protocol_actions(const State& s, const std::array<std::uint32_t, MaxNodes>& summary, Emit& emit) const {
    const std::size_t n = bounds_.nodes;
    // Lease reads: the timers fire only as the clock assumption allows.
    bool read_lease = false;
    if (bounds_.lease_reads)
      for (std::size_t i = 0; i < n; ++i) read_lease = read_lease || (up(s, i) && summary_read_lease(summary[i]));
    auto in_time = [&](std::size_t i, bool lapse) {
      if (!bounds_.lease_reads) return true;
      const raft::Role role = summary_role(summary[i]);
      if (!lapse) return raft_invariants::campaign_in_time(role == raft::Role::follower && summary_lease(summary[i]));
      return raft_invariants::lease_lapse_in_time(role == raft::Role::leader, read_lease);
    };
    for (std::size_t i = 0; i < n; ++i)
      if (up(s, i) && summary_role(summary[i]) != raft::Role::leader && summary_term(summary[i]) < bounds_.max_term &&
          in_time(i, false))
        emit(Action{Kind::timeout, id_of(i), 0});
    for (std::size_t i = 0; i < n; ++i)
      if (up(s, i) && summary_role(summary[i]) == raft::Role::leader) emit(Action{Kind::heartbeat, id_of(i), 0});
    if (s.protocol.proposals_left > 0)
      for (std::size_t i = 0; i < n; ++i)
        if (up(s, i) && summary_role(summary[i]) == raft::Role::leader && summary_last(summary[i]) < bounds_.max_log)
          emit(Action{Kind::propose, id_of(i), 0});
    for (std::size_t i = 0; i < n; ++i)
      if (up(s, i) && summary_lease(summary[i]) && in_time(i, true)) emit(Action{Kind::lease, id_of(i), 0});
    if (s.protocol.transfers_left > 0)
      for (std::size_t i = 0; i < n; ++i)
        if (up(s, i) && summary_role(summary[i]) == raft::Role::leader)
          for (std::size_t j = 0; j < n; ++j)
            if (j != i) emit(Action{Kind::transfer, id_of(i), static_cast<std::uint8_t>(id_of(j))});
    if (s.protocol.reads_left > 0)
      for (std::size_t i = 0; i < n; ++i)
        if (up(s, i)) emit(Action{Kind::read, id_of(i), 0});
    if (s.protocol.compactions_left > 0)
      for (std::size_t i = 0; i < n; ++i) {
        if (up(s, i) && summary_compactable(summary[i])) emit(Action{Kind::compact, id_of(i), 0});
        if (up(s, i) && summary_uncommitted(summary[i])) emit(Action{Kind::compact, id_of(i), 1});
      }
  }

  // The input's argument: the value the next client proposal carries (1, 2,
  // ...), taken from the budget; 0 for the timers. Of next_state's State and
  // successor()'s Delta alike.
  // A transfer's argument is its target; a read's its id (the ghost records
  // the invocation first, as the trace runner does).
  static constexpr bool spends_budget(Kind k) {
    return k == Kind::propose || k == Kind::transfer || k == Kind::read || k == Kind::compact;
  }
  // A compaction stores the snapshot and moves the disk log's base; with
  // compactions, a delivery may leave a snapshot chunk the application
  // keeps (Sim::keep_chunk).
  bool writes_disk(Kind k) const {
    return k == Kind::persist || k == Kind::compact || (k == Kind::deliver && bounds_.compactions != 0);
  }
  bool keys_disk(Kind k) const { return writes_disk(k) || bounds_.compactions != 0; }
  template <class S>
  Ref input_argument(const Action& a, S& s) const {
    switch (a.kind) {
      case Kind::propose: return static_cast<Ref>(std::uint64_t{bounds_.proposals} - s.protocol.proposals_left-- + 1);
      case Kind::transfer:
        --s.protocol.transfers_left;
        return a.message;
      case Kind::read: {
        const Ref id = static_cast<Ref>(std::uint64_t{bounds_.reads} - s.protocol.reads_left-- + 1);
        this->ghost(s, read_invocation(s.history, id));
        return id;
      }
      case Kind::compact:
        --s.protocol.compactions_left;
        return a.message;  // 0: at the applied index; 1: at the log's last index
      default: return 0;
    }
  }

  // Runs one input on node nd (a copy of node i) and, for persist, its disk.
  bool run_input(Node& nd, std::size_t, Ref& disk_ref, Kind kind, Ref arg) const {
    switch (kind) {
      case Kind::deliver:
        (void)Sim::step(nd, this->messages_.value(arg));
        if (nd.accepted_chunk() != nullptr && nd.accepted_chunk()->last) {
          Disk d = this->disks_.value(disk_ref);
          Sim::keep_chunk(nd, d);
          disk_ref = this->intern_disk(d);
        }
        return true;
      case Kind::timeout: (void)nd.campaign(); return true;
      case Kind::heartbeat: (void)nd.broadcast_heartbeat(); return true;
      case Kind::propose: return nd.propose(std::uint64_t{arg}).status == raft::ProposeStatus::ok;
      case Kind::lease: return nd.lease_timeout() != raft::InputResult::ignored;
      case Kind::transfer: return nd.transfer_leadership(static_cast<NodeId>(arg)) != raft::InputResult::ignored;
      case Kind::read: return nd.read_index(raft::ReadId{arg}).status == raft::ProposeStatus::ok;
      case Kind::persist: {  // the adapter writes the disk (and seeds the lossy-disk fault)
        Disk d = this->disks_.value(disk_ref);
        if (!Sim::persist(nd, d, bounds_.lossy_disk)) return false;
        disk_ref = this->intern_disk(d);
        return true;
      }
      case Kind::compact: {  // the application applies what is committed, snapshots, stores, compacts
        (void)nd.applied(nd.commit_index());
        Disk d = this->disks_.value(disk_ref);
        const raft::Index upto = arg == 0 ? nd.applied_index() : nd.log().last_index();
        if (!Sim::compact(nd, d, upto, bounds_.chunks)) return false;
        disk_ref = this->intern_disk(d);
        return true;
      }
      default: return false;
    }
  }

  // History::record can only change the ghost or report a violation when
  // the node leads, its commit index moved, it passed the log's end, it
  // became a pre-candidate or a candidate, a leader stepped down, or its
  // completed reads changed.
  bool may_change_history(const Node& before, const Node& after) const {
    return after.role() == raft::Role::leader || after.commit_index() != before.commit_index() ||
           after.commit_index() > after.log().last_index() ||
           (after.role() == raft::Role::pre_candidate && before.role() != raft::Role::pre_candidate) ||
           (after.role() == raft::Role::candidate && before.role() != raft::Role::candidate) ||
           before.role() == raft::Role::leader || before.read_states().size() != after.read_states().size() ||
           after.log().first_index() > 1 || !(after.snapshot() == before.snapshot());
  }

  // LeaseRespected: a delivery to a node in its leader lease grants no
  // (pre)vote for a later term but a transfer's (raft_invariants::lease_mark).
  // With compactions, also the durability contract and SnapshotSentIsStored
  // on what the step sends, against the node's disk after it.
  Violation step_violation(const Node& before, const Node& after, Kind kind, Ref arg, Ref disk_ref) const {
    if (bounds_.compactions != 0 && !bounds_.lossy_disk) {
      const Disk& d = this->disks_.value(disk_ref);
      if (const Violation v = Sim::check_stored(d); v != Violation::none) return v;
      for (const Message& m : after.messages())
        if (const Violation v = raft_invariants::check_send(m, d.hard_state, d.log); v != Violation::none) return v;
    }
    if (kind != Kind::deliver) return Violation::none;
    const Message& m = this->messages_.value(arg);
    const auto mark = raft_invariants::lease_mark(before, m);
    return raft_invariants::lease_check(mark, m, after, after.messages());
  }

  // A client invokes read `id`: the history after it, memoised.
  struct ReadKey {
    Ref history = kNoRef;
    Ref id = 0;
    std::uint64_t hash() const { return memo_key_hash(history, id); }
    friend bool operator==(const ReadKey&, const ReadKey&) = default;
  };
  GhostResult read_invocation(Ref ghost_ref, Ref id) const {
    const ReadKey key{ghost_ref, id};
    const std::uint64_t h = key.hash();
    GhostResult result;
    if (!reads_.find(h, key, result)) {
      History updated = this->histories_.value(ghost_ref);
      result.violation = updated.read_invoked(raft::ReadId{id});
      result.history = updated == this->histories_.value(ghost_ref) ? ghost_ref : this->intern_history(updated);
      reads_.insert(h, key, result);
    }
    return result;
  }

  std::string describe(const State& s, const Action& a) const {
    const std::string who = "node " + std::to_string(a.node);
    switch (a.kind) {
      case Kind::timeout: return who + " election timeout: campaigns";
      case Kind::heartbeat: return who + " heartbeat timer: leader sends AppendEntries";
      case Kind::propose:
        return "client proposes value " + std::to_string(bounds_.proposals - s.protocol.proposals_left + 1) +
               " to leader " + std::to_string(a.node);
      case Kind::persist: return who + " persists its hard state/log and releases held messages";
      case Kind::lease: return who + " election timeout passes: lease_timeout (CheckQuorum, transfer deadline)";
      case Kind::transfer: return "leader " + std::to_string(a.node) + " transfers leadership to node " + std::to_string(a.message);
      case Kind::read: return "client reads (id " + std::to_string(read_id(s)) + ") at " + who;
      case Kind::compact:
        return who + (a.message == 0 ? " applies, snapshots and compacts its log at its applied index"
                                     : " asks to compact its log at its last index (past its commit index)");
      default: return "?";
    }
  }
  std::string change_lines(const State& b, const State& a) const {
    std::string out;
    if (a.in_flight != b.in_flight || a.network != b.network)
      out += "     network now holds " + std::to_string(a.in_flight) + " message(s)\n";
    if (history(a).leaders_elected() > history(b).leaders_elected())
      out += "     ghost: a leader was elected (" + std::to_string(history(a).leaders_elected()) + " so far)\n";
    if (history(a).committed_count() > history(b).committed_count())
      out += "     ghost: entries committed so far: " + std::to_string(history(a).committed_count()) + "\n";
    return out;
  }
  std::string state_footer(const State& s) const {
    return "     network: " + std::to_string(s.in_flight) + " message(s); budgets: drops " +
           std::to_string(s.drops_left) + ", dups " + std::to_string(s.dups_left) + ", crashes " +
           std::to_string(s.crashes_left) + ", proposals " + std::to_string(s.protocol.proposals_left) +
           (bounds_.transfers ? ", transfers " + std::to_string(s.protocol.transfers_left) : std::string()) +
           (bounds_.reads ? ", reads " + std::to_string(s.protocol.reads_left) : std::string()) +
           (bounds_.compactions ? ", compactions " + std::to_string(s.protocol.compactions_left) : std::string()) + "\n";
  }

  // ------------------------------------------------------------ logs
  // A node's pool keeps its log's reference in logs_ (aux), for the cluster checks.
  std::uint32_t node_aux(const Node& v) const { return intern_log(v.log()); }
  Ref intern_log(const Log& log) const {
    Hasher h(kPrimarySeed);
    log.hash_append(h);
    return logs_.intern(h.value(), log, [](const Log& a, const Log& b) { return a == b; }, [&] { return log; });
  }
  // Whether logs a and b (references in logs_) match (raft_invariants::
  // logs_match), remembered for pairs of the first kLogPairs logs: states
  // share few distinct logs, and this reads no node.
  bool logs_match(Ref a, Ref b) const {
    if (a == b) return true;
    if (a > b) std::swap(a, b);
    if (b >= kLogPairs) return raft_invariants::logs_match(logs_[a], logs_[b]);
    std::atomic<std::uint8_t>& known = log_pairs_[std::size_t{a} * kLogPairs + b];  // 0: not yet, 1: match, 2: not
    std::uint8_t v = known.load(std::memory_order_relaxed);
    if (v == 0) {
      v = raft_invariants::logs_match(logs_[a], logs_[b]) ? 1 : 2;
      known.store(v, std::memory_order_relaxed);
    }
    return v == 1;
  }

  // ------------------------------------------------------------ properties
  template <Violation V>
  static bool not_recorded(const RaftModel&, const State& s) {
    return s.violation != V;
  }
  // History::log_matching_holds over the nodes that are up, on their logs'
  // references (a test checks the two agree).
  static bool log_matching_ok(const RaftModel& m, const State& s) {
    std::array<Ref, MaxNodes> logs{};
    std::size_t count = 0;
    for (std::size_t i = 0; i < m.bounds_.nodes; ++i)
      if (m.up(s, i)) logs[count++] = m.nodes_.aux(s.nodes[i]);
    for (std::size_t a = 0; a < count; ++a)
      for (std::size_t b = a + 1; b < count; ++b)
        if (!m.logs_match(logs[a], logs[b])) return false;
    return true;
  }
  // History::leader_completeness_holds over the leaders that are up (it
  // passes over the others): the committed count and the roles come from
  // the pools' dense tables.
  static bool leader_completeness_ok(const RaftModel& m, const State& s) {
    if (m.histories_.summary(s.history) == 0) return true;
    std::array<const Node*, MaxNodes> leaders{};
    std::size_t count = 0;
    for (std::size_t i = 0; i < m.bounds_.nodes; ++i)
      if (m.up(s, i) && summary_role(m.nodes_.summary(s.nodes[i])) == raft::Role::leader) leaders[count++] = &m.node(s, i);
    return count == 0 || m.history(s).leader_completeness_holds(std::span<const Node* const>(leaders.data(), count));
  }
  static bool leader_elected(const RaftModel& m, const State& s) { return m.history(s).leaders_elected() >= 1; }
  // The situation pre-votes are for: a node campaigns (a pre-candidate)
  // while a leader of its own term leads, and the leader keeps leading.
  // Reads the pools' summaries (role, term), not the nodes.
  static bool pre_candidate_beside_leader(const RaftModel& m, const State& s) {
    std::array<std::uint32_t, MaxNodes> x{};
    for (std::size_t i = 0; i < m.bounds_.nodes; ++i) x[i] = m.up(s, i) ? m.nodes_.summary(s.nodes[i]) : 0;
    for (std::size_t i = 0; i < m.bounds_.nodes; ++i) {
      if (!m.up(s, i) || summary_role(x[i]) != raft::Role::pre_candidate) continue;
      for (std::size_t j = 0; j < m.bounds_.nodes; ++j)
        if (m.up(s, j) && summary_role(x[j]) == raft::Role::leader && summary_term(x[j]) == summary_term(x[i]))
          return true;
    }
    return false;
  }
  static bool pre_vote_on(const RaftModel& m) { return m.bounds_.pre_vote && m.bounds_.nodes >= 2; }
  static bool entry_committed(const RaftModel& m, const State& s) { return m.history(s).committed_count() >= 1; }
  static bool second_leader(const RaftModel& m, const State& s) { return m.history(s).leaders_elected() >= 2; }
  static bool restarted_caught_up(const RaftModel& m, const State& s) {
    const raft::Index committed = m.history(s).committed_count();
    if (committed == 0) return false;
    for (std::size_t i = 0; i < m.bounds_.nodes; ++i)
      if ((s.restarted >> i & 1u) && m.up(s, i) && m.node(s, i).commit_index() >= committed) return true;
    return false;
  }

  // What the bounds rule out: no entry without a proposal or a no-op, no
  // second term below max_term 2, no restart without a crash (nor a
  // restarted node catching up on an entry that cannot commit).
  static bool entries_possible(const RaftModel& m) {
    return (m.bounds_.proposals > 0 || m.bounds_.noop_on_election) && m.bounds_.max_log > 0;
  }
  static bool second_term_possible(const RaftModel& m) { return m.bounds_.max_term >= 2; }
  static bool restart_possible(const RaftModel& m) { return m.bounds_.crashes > 0 && entries_possible(m); }

  // TransferTargetUpToDate over the messages in flight (a leader's hard
  // state is durable while it leads, so a TimeoutNow is never held). The
  // seeded lossy disk breaks what the check reads, the disks: off then.
  static bool transfer_targets_ok(const RaftModel& m, const State& s) {
    if (m.bounds_.transfers == 0 || m.bounds_.lossy_disk) return true;
    for (std::size_t k = 0; k < s.in_flight; ++k) {
      const Message& msg = m.message(s, k);
      if (msg.type != raft::MessageType::timeout_now || msg.to < 1 || msg.to > m.bounds_.nodes) continue;
      const auto& d = m.disk(s, msg.to - 1u);
      if (raft_invariants::check_transfer(msg, d.hard_state, d.log) != Violation::none) return false;
    }
    return true;
  }
  static bool follower_read(const RaftModel& m, const State& s) { return m.history(s).follower_read_seen(); }
  static bool quorum_step_down(const RaftModel& m, const State& s) { return m.history(s).quorum_step_down_seen(); }
  static bool transfer_elected(const RaftModel& m, const State& s) { return m.history(s).transfer_elected_seen(); }
  // A read completes once the leader committed an entry of its term: a
  // proposal or a no-op must be possible. A forwarded read needs a follower.
  static bool follower_read_possible(const RaftModel& m) {
    return m.bounds_.reads > 0 && m.bounds_.nodes >= 2 && entries_possible(m);
  }
  static bool quorum_step_down_possible(const RaftModel& m) { return m.bounds_.check_quorum && m.bounds_.nodes >= 2; }
  static bool transfer_possible(const RaftModel& m) {
    return m.bounds_.transfers > 0 && m.bounds_.nodes >= 2 && second_term_possible(m);
  }

  static bool snapshot_append(const RaftModel& m, const State& s) { return m.history(s).snapshot_append_seen(); }
  // History::match_held over the up nodes; checked in specs with
  // compactions only (the others keep their speed).
  static bool match_held_ok(const RaftModel& m, const State& s) {
    if (m.bounds_.compactions == 0) return true;
    std::array<const Node*, MaxNodes> up_nodes{};
    return History::match_held(m.up_nodes_of(s, up_nodes));
  }
  static bool snapshot_possible(const RaftModel& m) {
    return m.bounds_.compactions > 0 && m.bounds_.nodes >= 2 && entries_possible(m);
  }

  static constexpr std::array<Property<RaftModel>, 27> kProperties{
      Property<RaftModel>::always("ElectionSafety", &not_recorded<Violation::election_safety>),
      Property<RaftModel>::always("LeaderAppendOnly", &not_recorded<Violation::leader_append_only>),
      Property<RaftModel>::always("LogMatching", &log_matching_ok),
      Property<RaftModel>::always("LeaderCompleteness", &leader_completeness_ok),
      Property<RaftModel>::always("StateMachineSafety", &not_recorded<Violation::state_machine_safety>),
      Property<RaftModel>::always("CommitIndexNeverDecreases", &not_recorded<Violation::commit_decreased>),
      Property<RaftModel>::always("CommitIndexWithinLog", &not_recorded<Violation::commit_past_log>),
      Property<RaftModel>::always("HistoryCapacity", &not_recorded<Violation::history_full>),
      Property<RaftModel>::always("PreVoteKeepsTerm", &not_recorded<Violation::pre_vote_changed_term>),
      Property<RaftModel>::always("LinearizableRead", &not_recorded<Violation::linearizable_read>),
      Property<RaftModel>::always("TransferTargetUpToDate", &transfer_targets_ok),
      Property<RaftModel>::always("LeaseRespected", &not_recorded<Violation::lease_not_respected>),
      Property<RaftModel>::always("SnapshotContent", &not_recorded<Violation::snapshot_content>),
      Property<RaftModel>::always("BaseWithinCommit", &not_recorded<Violation::base_past_commit>),
      Property<RaftModel>::always("SnapshotAtBase", &not_recorded<Violation::snapshot_not_at_base>),
      // Checked on the messages a step sends only with compactions (step_violation).
      Property<RaftModel>::always("SnapshotSentIsStored", &not_recorded<Violation::snapshot_not_stored>),
      Property<RaftModel>::always("DurabilityContract", &not_recorded<Violation::durability_contract>),
      Property<RaftModel>::always("FollowerHoldsMatch", &match_held_ok),
      Property<RaftModel>::sometimes("a leader is elected", &leader_elected),
      Property<RaftModel>::sometimes("an entry commits", &entry_committed, &entries_possible),
      Property<RaftModel>::sometimes("a second leader is elected in a later term", &second_leader,
                                     &second_term_possible),
      Property<RaftModel>::sometimes("a node restarts and catches up", &restarted_caught_up, &restart_possible),
      Property<RaftModel>::sometimes("a pre-candidate campaigns beside a leader of its term", &pre_candidate_beside_leader,
                                     &pre_vote_on),
      Property<RaftModel>::sometimes("a follower's forwarded read completes", &follower_read, &follower_read_possible),
      Property<RaftModel>::sometimes("a leader steps down for lack of a quorum", &quorum_step_down,
                                     &quorum_step_down_possible),
      Property<RaftModel>::sometimes("a transfer elects its target", &transfer_elected, &transfer_possible),
      Property<RaftModel>::sometimes("a follower installs a snapshot and appends after it", &snapshot_append,
                                     &snapshot_possible),
  };

  mutable Memo<ReadKey, GhostResult> reads_;
  mutable InternPool<Log> logs_;
  static constexpr std::size_t kLogPairs = 256;
  std::unique_ptr<std::atomic<std::uint8_t>[]> log_pairs_{new std::atomic<std::uint8_t>[kLogPairs * kLogPairs]()};
};

}  // namespace synod::check::models
