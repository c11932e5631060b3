// scenario.hpp - the Basic Paxos commands of scenario files
// (tests/paxos/testdata), on top of the shared ones of synod/sim/scenario.hpp:
//   cluster nodes=N [seed=S] [retry-min=..] [retry-max=..] [roles=pal,pal,...]
//                                roles per node: p proposer, a acceptor,
//                                l learner; acceptors and learners are the
//                                nodes with that role (default: every role)
//   propose n v                  a client's value (the ghost records it first)
//   start-round n                prints the node's InputResult
//   run-until learned | decided  every up learner learned / every up proposer
//                                with a value knows it is chosen
// `status` prints a line per node and the ghost's chosen value(s).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <synod/sim/paxos.hpp>
#include <synod/sim/scenario.hpp>
#include <synod/sim/show.hpp>

namespace synod::paxos::test {

class PaxosScenario : public sim::Scenario<PaxosScenario, sim::PaxosProtocol<DefaultConfig>> {
  using Base = sim::Scenario<PaxosScenario, sim::PaxosProtocol<DefaultConfig>>;
  friend Base;
  using Value = DefaultConfig::Value;

  static std::string id(NodeId n) { return "n" + std::to_string(n); }

  // ------------------------------------------------------------ the hooks

  std::vector<Options> make_options(const Command& c) {
    const auto n = sim::args::named(c, "nodes", 3);
    if (n < 1 || n > DefaultConfig::max_nodes)
      throw sim::BadCommand("nodes must be 1.." + std::to_string(DefaultConfig::max_nodes));
    Options base;
    base.seed = sim::args::named(c, "seed", 1);
    base.retry_timeout_min = static_cast<std::uint32_t>(sim::args::named(c, "retry-min", base.retry_timeout_min));
    base.retry_timeout_max = static_cast<std::uint32_t>(sim::args::named(c, "retry-max", base.retry_timeout_max));
    std::vector<Roles> roles(n, Roles{});
    if (auto r = c.get("roles")) {
      const auto each = sim::args::split(*r, ',');
      if (each.size() != n) throw sim::BadCommand("roles: one entry per node");
      for (std::size_t i = 0; i < n; ++i) {
        if (each[i].find_first_not_of("pal") != std::string::npos || each[i].empty())
          throw sim::BadCommand("roles: letters p, a, l, not `" + each[i] + "`");
        roles[i] = Roles{each[i].find('p') != std::string::npos, each[i].find('a') != std::string::npos,
                         each[i].find('l') != std::string::npos};
      }
      for (NodeId i = 1; i <= n; ++i) {
        if (roles[i - 1].acceptor) base.acceptors.insert(i);
        if (roles[i - 1].learner) base.learners.insert(i);
      }
    }
    std::vector<Options> o;
    for (NodeId i = 1; i <= n; ++i) {
      Options x = base;
      x.id = i;
      x.cluster_size = static_cast<std::uint8_t>(n);
      x.roles = roles[i - 1];
      x.seed = base.seed * 1000 + i;  // as tests/paxos/driver.hpp seeds them
      if (Node::check(x) != OptionsError::ok)
        throw sim::BadCommand(std::string("node ") + std::to_string(i) + ": " + to_string(Node::check(x)));
      o.push_back(x);
    }
    return o;
  }
  std::size_t network_capacity() const { return 512; }
  void before_restart(NodeId) {}

  std::string show_node(NodeId n) const { return id(n) + ": " + sim::show(core().node(n)); }
  std::string show_extra() const {
    const auto chosen = core().history().chosen();
    std::string s;
    for (const Value& v : chosen) s += (s.empty() ? "" : ",") + std::to_string(v);
    return "chosen: " + (s.empty() ? std::string("none") : s) + "\n";
  }
  std::string type_name(const Message& m) const { return to_string(m.type); }
  std::string show_message(const Message& m) const { return sim::show(m); }
  std::string show_result(InputResult r) const { return to_string(r); }

  bool condition(const std::string& name, const std::string&) {
    if (name == "learned") {
      for (NodeId n = 1; n <= core().size(); ++n)
        if (core().up(n) && core().node(n).roles().learner && !core().node(n).learned()) return false;
      return true;
    }
    if (name == "decided") {
      for (NodeId n = 1; n <= core().size(); ++n) {
        if (!core().up(n)) continue;
        const auto& p = core().node(n).proposer();
        if (p.own_value() && p.phase() != Phase::chosen) return false;
      }
      return true;
    }
    throw sim::BadCommand("unknown condition `" + name + "` (learned, decided)");
  }

  // ------------------------------------------------------- its own verbs

  std::optional<Outcome> extra(const Command& c) {
    if (c.verb == "propose") {
      if (c.positional.size() != 2) throw sim::BadCommand("propose n v");
      const NodeId n = node_id(c.positional[0]);
      const Value v = sim::args::number(c.positional[1], "a value");
      if (!core().up(n)) return Outcome{"down\n", {}};
      core().report(core().history().proposed(v), n, "proposal");
      const ProposeStatus s = core().input(n, [&](Node& x) { return x.propose(v); });
      return Outcome{std::string(to_string(s)) + "\n", {}};
    }
    if (c.verb == "start-round") {
      const NodeId n = target(c);
      if (!core().up(n)) return Outcome{"down\n", {}};
      return Outcome{std::string(to_string(core().input(n, [](Node& x) { return x.start_round(); }))) + "\n", {}};
    }
    return std::nullopt;
  }
};

}  // namespace synod::paxos::test
