// scenario.hpp - the Raft commands of scenario files (tests/raft/testdata),
// on top of the shared ones of synod/sim/scenario.hpp:
//   cluster nodes=N [seed=S] [noop=true] [prevote=true] [checkquorum=true] [leasereads=true]
//           [election-min=..] [election-max=..] [heartbeat=..]
//                                Figure 2 Raft unless an option turns an extension on
//   campaign n   heartbeat n   lease n (lease_timeout)   transfer n to=m
//   read n id=k                  a client invokes read k at n (ReadIndex); prints
//                                ok / not_leader / busy; the ghost checks its answer
//   reads [n,...]                the reads each node completed: id@index or id:failed
//   propose n v[,v...]           prints each result
//   install n term=T [vote=n] [log=1,1,2]
//                                crash n, preset its disk, restart it; the
//                                entry at index i of term t holds t*1000+i
//                                (Log Matching: the command follows from both)
//   elect [max-rounds=N]         rounds until a leader; prints it
//   replicate n [max-rounds=N]   leader n heartbeats and the network drains
//                                until every up node's log equals n's
//   put type=T from=n to=n [term=..] [index=..] [log-term=..] [commit=..] [context=..] [success=true]
//                                a forged message joins the network
//   log n,...   disk n,...   applied [n,...]
//   run-until leader | applied=N (every up node applied N entries)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <synod/sim/raft.hpp>
#include <synod/sim/scenario.hpp>
#include <synod/sim/show.hpp>

namespace synod::test {

class RaftScenario : public sim::Scenario<RaftScenario, sim::RaftProtocol<sim::RaftTestConfig>> {
  using Base = sim::Scenario<RaftScenario, sim::RaftProtocol<sim::RaftTestConfig>>;
  friend Base;

 public:
  using Config = sim::RaftTestConfig;
  using Log = typename Node::LogT;
  using Entry = raft::Entry<Config::Payload>;

 private:
  static std::string id(NodeId n) { return "n" + std::to_string(n); }

  // ------------------------------------------------------------ the hooks

  std::vector<Options> make_options(const Command& c) {
    const auto n = sim::args::named(c, "nodes", 3);
    if (n < 1 || n > Config::max_nodes) throw sim::BadCommand("nodes must be 1.." + std::to_string(Config::max_nodes));
    // Figure 2 Raft unless a scenario turns an extension on.
    base_ = raft::Options{};
    base_.pre_vote = false;
    base_.check_quorum = false;
    seed_ = sim::args::named(c, "seed", 1);
    if (auto v = c.get("noop")) base_.append_noop_on_election = sim::args::boolean(*v, "noop");
    if (auto v = c.get("prevote")) base_.pre_vote = sim::args::boolean(*v, "prevote");
    if (auto v = c.get("checkquorum")) base_.check_quorum = sim::args::boolean(*v, "checkquorum");
    if (auto v = c.get("leasereads")) base_.lease_reads = sim::args::boolean(*v, "leasereads");
    if (base_.lease_reads && !base_.check_quorum) throw sim::BadCommand("leasereads needs checkquorum=true");
    base_.election_timeout_min = static_cast<std::uint32_t>(sim::args::named(c, "election-min", base_.election_timeout_min));
    base_.election_timeout_max = static_cast<std::uint32_t>(sim::args::named(c, "election-max", base_.election_timeout_max));
    base_.heartbeat_interval = static_cast<std::uint32_t>(sim::args::named(c, "heartbeat", base_.heartbeat_interval));
    std::vector<Options> o;
    for (NodeId i = 1; i <= n; ++i) o.push_back(sim::raft_options(base_, i, n, seed_));
    return o;
  }
  std::size_t network_capacity() const { return SIZE_MAX; }
  // A restarted node draws a fresh generator (as tests/raft/cluster.hpp's restart does).
  void before_restart(NodeId n) { core().set_options(n, sim::raft_options(base_, n, core().size(), 99 + n)); }

  std::string show_node(NodeId n) const {
    return id(n) + ": " + sim::show(core().node(n)) + " applied=" + std::to_string(core().local(n).applied.size());
  }
  std::string show_extra() const { return ""; }

  std::string type_name(const Message& m) const { return raft::to_string(m.type); }
  std::string show_message(const Message& m) const { return sim::show(m); }
  std::string show_result(raft::InputResult r) const { return raft::to_string(r); }

  bool condition(const std::string& name, const std::string& value) {
    if (name == "leader") return leader().has_value();
    if (name == "applied") {
      const auto want = sim::args::number(value, "applied");
      for (NodeId n = 1; n <= core().size(); ++n)
        if (core().up(n) && core().local(n).applied.size() != want) return false;
      return true;
    }
    throw sim::BadCommand("unknown condition `" + name + "` (leader, applied=N)");
  }

  std::optional<NodeId> leader() const { return sim::leader(core()); }

  // ------------------------------------------------------- its own verbs

  std::optional<Outcome> extra(const Command& c) {
    const std::string& v = c.verb;
    if (v == "campaign") {
      core().input(target(c), [](Node& x) { (void)x.campaign(); });
      return Outcome{};
    }
    if (v == "heartbeat") {
      core().input(target(c), [](Node& x) { (void)x.broadcast_heartbeat(); });
      return Outcome{};
    }
    if (v == "lease") {  // an election timeout passed (CheckQuorum)
      const auto r = core().input(target(c), [](Node& x) { return x.lease_timeout(); });
      return Outcome{std::string(raft::to_string(r)) + "\n", {}};
    }
    if (v == "transfer") {  // transfer n to=m
      const NodeId n = target(c);
      const auto to = static_cast<NodeId>(sim::args::named(c, "to", kNoNode));
      const auto r = core().input(n, [&](Node& x) { return x.transfer_leadership(to); });
      return Outcome{std::string(raft::to_string(r)) + "\n", {}};
    }
    if (v == "read") {  // read n id=k: a client invokes read k at node n (ReadIndex)
      const NodeId n = target(c);
      const auto rid = sim::args::named(c, "id", 1);
      if (!core().up(n)) return Outcome{"down\n", {}};
      core().report(core().history().read_invoked(rid), n, "read");
      const auto r = core().input(n, [&](Node& x) { return x.read_index(rid); });
      switch (r.status) {
        case raft::ProposeStatus::ok: return Outcome{"ok\n", {}};
        case raft::ProposeStatus::not_leader: return Outcome{"not_leader hint=" + std::to_string(r.leader_hint) + "\n", {}};
        case raft::ProposeStatus::busy: return Outcome{"busy\n", {}};
      }
      return Outcome{};
    }
    if (v == "reads") {  // the reads each node completed (id@index, or id:failed)
      std::string out;
      for (NodeId n : nodes_or_all(c)) {
        std::string s;
        for (const auto& r : core().local(n).reads)
          s += (s.empty() ? "" : " ") + std::to_string(r.id) + (r.ok ? "@" + std::to_string(r.index) : std::string(":failed"));
        out += id(n) + ": " + (s.empty() ? "(none)" : s) + "\n";
      }
      return Outcome{out, {}};
    }
    if (v == "propose") {
      if (c.positional.size() != 2) throw sim::BadCommand("propose n v[,v...]");
      const NodeId n = node_id(c.positional[0]);
      std::string out;
      for (auto p : sim::args::numbers(c.positional[1], "a payload")) {
        if (!core().up(n)) {
          out += "down\n";
          continue;
        }
        const auto r = core().input(n, [&](Node& x) { return x.propose(p); });
        switch (r.status) {
          case raft::ProposeStatus::ok: out += "ok index=" + std::to_string(r.index) + "\n"; break;
          case raft::ProposeStatus::not_leader: out += "not_leader hint=" + std::to_string(r.leader_hint) + "\n"; break;
          case raft::ProposeStatus::busy: out += "busy\n"; break;
        }
      }
      return Outcome{out, std::nullopt};
    }
    if (v == "install") {
      const NodeId n = target(c);
      const auto term = sim::args::named(c, "term", 0);
      const auto vote = sim::args::named(c, "vote", kNoNode);
      Log log;
      const auto terms = sim::args::numbers(c.get("log").value_or(""), "a log term");
      for (std::size_t i = 0; i < terms.size(); ++i)
        if (!log.append(Entry{terms[i], terms[i] * 1000 + i + 1})) throw sim::BadCommand("the log does not fit");
      core().crash(n);
      core().disk(n) = {raft::HardState{term, static_cast<NodeId>(vote)}, log};
      before_restart(n);
      core().restart(n);
      return Outcome{};
    }
    if (v == "elect") {
      const auto max = sim::args::named(c, "max-rounds", kRoundLimit);
      for (std::uint64_t i = 0; i <= max; ++i) {
        if (auto l = leader()) return Outcome{id(*l) + " leads term " + std::to_string(core().node(*l).term()) + "\n", {}};
        if (i == max) break;
        if (std::string stuck = round(); !stuck.empty()) return Outcome{"round " + std::to_string(i + 1) + ": " + stuck, {}};
      }
      return Outcome{"no leader after " + std::to_string(max) + " rounds:\n" + status(nodes_or_all(Command{})), {}};
    }
    if (v == "replicate") {
      const NodeId l = target(c);
      const auto max = sim::args::named(c, "max-rounds", 30);
      auto converged = [&] {
        for (NodeId n = 1; n <= core().size(); ++n)
          if (core().up(n) && !(core().node(n).log() == core().node(l).log())) return false;
        return true;
      };
      for (std::uint64_t i = 0; i <= max; ++i) {
        if (converged()) return Outcome{"logs match after " + std::to_string(i) + " rounds\n", {}};
        if (i == max || !core().up(l)) break;
        core().input(l, [](Node& x) { (void)x.broadcast_heartbeat(); });
        if (std::string stuck = deliver_all(kDeliverLimit); !stuck.empty()) return Outcome{stuck, {}};
      }
      std::string out = "logs still differ after " + std::to_string(max) + " rounds:\n";
      for (NodeId n = 1; n <= core().size(); ++n)
        if (core().up(n)) out += id(n) + ": " + sim::show_entries(core().node(n).log(), 1, core().node(n).log().last_index()) + "\n";
      return Outcome{out, {}};
    }
    if (v == "put") {
      Message m;
      const std::string type = c.get("type").value_or("");
      bool known = false;
      // Every type the kernel has (is_valid), and `none` for a forged empty one.
      for (unsigned k = 0; k < 256; ++k) {
        const auto t = static_cast<raft::MessageType>(k);
        if ((raft::is_valid(t) || t == raft::MessageType::none) && type == raft::to_string(t)) {
          m.type = t;
          known = true;
        }
      }
      if (!known) throw sim::BadCommand("put: unknown type `" + type + "`");
      m.from = static_cast<NodeId>(sim::args::named(c, "from", kNoNode));
      m.to = static_cast<NodeId>(sim::args::named(c, "to", kNoNode));
      m.term = sim::args::named(c, "term", 0);
      m.log_index = sim::args::named(c, "index", 0);
      m.log_term = sim::args::named(c, "log-term", 0);
      m.commit = sim::args::named(c, "commit", 0);
      m.context = sim::args::named(c, "context", 0);
      if (auto s = c.get("success")) m.success = sim::args::boolean(*s, "success");
      core().put(m);
      return Outcome{};
    }
    if (v == "log" || v == "disk") {
      if (c.positional.size() != 1) throw sim::BadCommand(v + " n[,n...]");
      std::string out;
      for (NodeId n : node_ids(c.positional[0])) {
        if (v == "log") {
          if (!core().up(n)) {
            out += id(n) + ": down\n";
            continue;
          }
          const Log& log = core().node(n).log();
          out += id(n) + ": " + sim::show_entries(log, 1, log.last_index()) + "\n";
        } else {
          const auto& d = core().disk(n);
          out += id(n) + ": term=" + std::to_string(d.hard_state.term) + " vote=" +
                 std::to_string(d.hard_state.voted_for) + " log=" + sim::show_entries(d.log, 1, d.log.last_index()) + "\n";
        }
      }
      return Outcome{out, {}};
    }
    if (v == "applied") {
      std::string out;
      for (NodeId n : nodes_or_all(c)) {
        std::string s;
        for (const Entry& e : core().local(n).applied) s += (s.empty() ? "" : " ") + std::to_string(e.payload);
        out += id(n) + ": " + (s.empty() ? "(none)" : s) + "\n";
      }
      return Outcome{out, {}};
    }
    return std::nullopt;
  }

  raft::Options base_{};
  std::uint64_t seed_ = 1;
};

}  // namespace synod::test
