// raft_runner.cpp - see raft_runner.hpp.
#include "raft_runner.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <synod/check/raft_invariants.hpp>

#include "raft/cluster.hpp"

namespace synod::props {

namespace {

namespace inv = check::raft_invariants;

using Cluster = test::RaftCluster<>;
using RaftNode = Cluster::Node;
// Terms and committed entries a long schedule can reach; RaftTestConfig's
// log holds 512 entries, so 1024 committed slots never fill.
using History = inv::History<std::uint64_t, 4096, 1024>;

class RaftRun {
 public:
  static raft::Options base_options(const Schedule& s) {
    raft::Options o;
    o.append_noop_on_election = s.noop_on_election;
    return o;
  }

  explicit RaftRun(const Schedule& s)
      : s_(s), cluster_(s.nodes, s.seed, base_options(s)), history_(std::make_unique<History>()) {
    cluster_.auto_persist = false;
  }

  Outcome run() {
    for (NodeId id = 1; id <= s_.nodes && outcome_.ok; ++id) check(id, std::nullopt);
    for (std::size_t i = 0; i < s_.events.size() && outcome_.ok; ++i) {
      step_ = i + 1;
      apply(s_.events[i]);
    }
    if (outcome_.ok && s_.liveness) liveness();
    outcome_.leaders = history_->leaders_elected();
    outcome_.committed = history_->committed_count();
    return outcome_;
  }

 private:
  void fail(std::string property, std::string detail) { outcome_.fail(std::move(property), std::move(detail), step_); }

  std::optional<RaftNode> snapshot(NodeId id) const {
    if (id == kNoNode || !cluster_.up(id)) return std::nullopt;
    return cluster_.node(id);
  }

  // The shared predicates: the touched node's transition, then the cluster.
  void check(NodeId id, const std::optional<RaftNode>& before) {
    if (cluster_.network().size() > outcome_.in_flight_max) outcome_.in_flight_max = cluster_.network().size();
    if (id != kNoNode && cluster_.up(id)) {
      const inv::Violation v = history_->record(before ? &*before : nullptr, cluster_.node(id));
      if (v != inv::Violation::none) {
        fail(inv::to_string(v), "after an input to n" + std::to_string(id) + " (term " +
                                    std::to_string(cluster_.node(id).term()) + ")");
        return;
      }
    }
    up_.clear();
    for (NodeId n = 1; n <= s_.nodes; ++n)
      if (cluster_.up(n)) up_.push_back(&cluster_.node(n));
    const inv::Violation v = history_->check_cluster<RaftNode>(std::span<const RaftNode* const>(up_));
    if (v != inv::Violation::none) fail(inv::to_string(v), "across the up nodes");
  }

  template <class F>
  void on_node(NodeId id, F&& f) {
    std::optional<RaftNode> before = snapshot(id);
    f();
    check(id, before);
  }

  // The in-flight message a checker trace names by content (its JSON as
  // RaftModel::message_json writes it), or nullopt.
  std::optional<std::size_t> find_message(const std::string& text) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    const auto& net = cluster_.network();
    for (std::size_t k = 0; k < net.size(); ++k) {
      const auto& m = net[k];
      nlohmann::json entries = nlohmann::json::array();
      for (const auto& e : m.entries) entries.push_back({e.term, e.payload});
      const nlohmann::json mine = {{"type", raft::to_string(m.type)}, {"from", m.from},   {"to", m.to},
                                   {"term", m.term},                  {"log_index", m.log_index},
                                   {"log_term", m.log_term},          {"commit", m.commit},
                                   {"success", m.success},            {"entries", entries}};
      bool equal = true;
      for (auto it = j.begin(); it != j.end() && equal; ++it) equal = mine.contains(it.key()) && mine.at(it.key()) == it.value();
      if (equal) return k;
    }
    return std::nullopt;
  }

  void apply(Event e) {
    const NodeId id = e.node;
    auto& net = cluster_.network();
    if (!e.message.empty()) {
      const auto k = find_message(e.message);
      if (!k) {
        fail("ReplayDiverged", "no message in flight equals " + e.message);
        return;
      }
      e.arg = static_cast<std::uint32_t>(*k);
    }
    switch (e.op) {
      case Op::tick: on_node(id, [&] { cluster_.tick(id); }); break;
      case Op::campaign: on_node(id, [&] { cluster_.campaign(id); }); break;
      case Op::heartbeat: on_node(id, [&] { cluster_.heartbeat(id); }); break;
      case Op::start_round: break;  // a Paxos event
      case Op::deliver:
        if (!net.empty()) {
          const std::size_t k = e.arg % net.size();
          const NodeId to = net[k].to;
          on_node(to, [&] { cluster_.deliver(k); });
        }
        break;
      case Op::drop:
        if (!net.empty()) cluster_.drop(e.arg % net.size());
        break;
      case Op::duplicate:
        if (!net.empty()) cluster_.duplicate(e.arg % net.size());
        break;
      case Op::partition: {
        std::vector<NodeId> a, b;
        for (NodeId n = 1; n <= s_.nodes; ++n) ((e.arg >> n) & 1u ? a : b).push_back(n);
        cluster_.partition({a, b});
        break;
      }
      case Op::heal: cluster_.heal(); break;
      case Op::crash: cluster_.crash(id); break;
      case Op::restart:
        if (!cluster_.up(id)) {
          cluster_.restart(id, s_.seed * 31 + ++restarts_);
          check(id, std::nullopt);
        }
        break;
      case Op::persist: on_node(id, [&] { cluster_.persist(id); }); break;
      case Op::propose: {
        NodeId at = id;
        if (at == kNoNode) at = cluster_.leader().value_or(kNoNode);
        if (at != kNoNode) on_node(at, [&] { (void)cluster_.propose(at, e.arg); });
        break;
      }
    }
  }

  // One round of good conditions: every node ticks, then every message in
  // flight (and every message that produces) is delivered, oldest first.
  void round() {
    for (NodeId id = 1; id <= s_.nodes && outcome_.ok; ++id) on_node(id, [&] { cluster_.tick(id); });
    for (std::size_t n = 0; n < 20000 && !cluster_.network().empty() && outcome_.ok; ++n) {
      const NodeId to = cluster_.network().front().to;
      on_node(to, [&] { cluster_.deliver(0); });
    }
  }

  std::optional<NodeId> stable_leader() {
    const auto l = cluster_.leader();
    if (!l || !cluster_.network().empty()) return std::nullopt;
    for (NodeId id = 1; id <= s_.nodes; ++id) {
      const RaftNode& n = cluster_.node(id);
      if (n.term() != cluster_.node(*l).term() || n.leader_id() != *l) return std::nullopt;
    }
    return l;
  }

  void liveness() {
    step_ = s_.events.size() + 1;
    cluster_.heal();
    for (NodeId id = 1; id <= s_.nodes && outcome_.ok; ++id) {
      if (!cluster_.up(id)) {
        cluster_.restart(id, s_.seed * 31 + ++restarts_);
        check(id, std::nullopt);
      }
    }
    cluster_.auto_persist = true;
    for (NodeId id = 1; id <= s_.nodes && outcome_.ok; ++id) on_node(id, [&] { cluster_.persist(id); });

    std::optional<NodeId> leader;
    for (std::size_t r = 0; r < kRaftLeaderRounds && outcome_.ok && !(leader = stable_leader()); ++r) round();
    if (!outcome_.ok) return;
    if (!leader) {
      fail("LivenessLeaderElected", "no stable leader after " + std::to_string(kRaftLeaderRounds) +
                                        " rounds of good conditions");
      return;
    }
    struct Proposal {
      raft::Index index;
      std::uint64_t value;
    };
    std::vector<Proposal> proposals;
    for (std::size_t k = 0; k < kRaftLivenessProposals && outcome_.ok; ++k) {
      const std::uint64_t value = 1'000'000'000ull + k;
      raft::ProposeResult r{};
      on_node(*leader, [&] { r = cluster_.propose(*leader, value); });
      if (r.status != raft::ProposeStatus::ok) {
        fail("LivenessProposalAccepted", "the stable leader n" + std::to_string(*leader) + " refused a proposal");
        return;
      }
      proposals.push_back({r.index, value});
    }
    auto all_committed = [&] {
      for (NodeId id = 1; id <= s_.nodes; ++id) {
        const RaftNode& n = cluster_.node(id);
        for (const Proposal& p : proposals)
          if (n.commit_index() < p.index || n.log().at(p.index).payload != p.value) return false;
      }
      return true;
    };
    for (std::size_t r = 0; r < kRaftCommitRounds && outcome_.ok && !all_committed(); ++r) round();
    if (outcome_.ok && !all_committed())
      fail("LivenessProposalsCommit", "proposals to the stable leader n" + std::to_string(*leader) +
                                          " not committed everywhere after " + std::to_string(kRaftCommitRounds) +
                                          " rounds");
  }

  const Schedule& s_;
  Cluster cluster_;
  std::unique_ptr<History> history_;
  std::vector<const RaftNode*> up_;
  Outcome outcome_;
  std::size_t step_ = 0;
  std::uint64_t restarts_ = 0;
};

}  // namespace

Outcome run_raft(const Schedule& s) { return RaftRun(s).run(); }

}  // namespace synod::props
