// synod/sim/scenario.hpp - the commands of scenario files
// (synod/sim/datadriven.hpp) that mean the same for every protocol, run on
// the simulation core (synod/sim/cluster.hpp).
//
// A protocol's scenario class derives from Scenario<Derived, P> and gives:
//   std::vector<Options> make_options(const Command&)   for `cluster`
//   std::size_t network_capacity() const
//   std::string show_node(NodeId) const                 one line, for `status`
//   std::string show_extra() const                      more `status` lines ("" for none)
//   std::string show_message(const Message&) const
//   std::string type_name(const Message&) const         what `type=` matches
//   std::string show_result(Result) const
//   void before_restart(NodeId)
//   bool condition(const std::string& name, const std::string& value)   for `run-until`
//   std::optional<Outcome> extra(const Command&)        its own verbs
// Bad arguments throw BadCommand, which the run reports with the file:line.
//
// Shared verbs (n: a node id; lists are comma-separated):
//   cluster ...                   a fresh cluster (options are the protocol's)
//   tick [n,...|all]              nodes tick once (default: all up nodes)
//   deliver all [max=N]           oldest first until none is left; prints the count
//   deliver k | type=T from=n to=n [count=N]
//                                 the k-th, or the first N matching; prints each and its result
//   drop all | k | type=.. from=.. to=.. [count=N|all]  prints what it dropped
//   dup k | type=.. ...           a copy joins the back of the network
//   stash k | type=.. ...         keeps a copy aside (the original stays in flight)
//   unstash                       the copies join the back of the network
//   crash n,...   restart n,...   persist n   auto-persist on|off [n]
//   lossy-disk on|off             the seeded harness fault: disks lose part of
//                                 each write (the protocol adapter says which)
//   partition 1,2|3,4,5   isolate n   heal
//   rounds N                      N times: every node ticks, then deliver all
//   run-until COND [max-rounds=N] rounds until the protocol's COND holds
//   record on|off                 remember every message deliver hands over
//   replay                        hands every remembered message over again
//   save   compare                protocol state of every node, then unchanged/changed
//   network   status [n,...]   ok
// After every command, the first ghost-check failure is printed as
// `ghost: <detail>`, so a violation never passes unnoticed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "synod/ids.hpp"
#include "synod/sim/cluster.hpp"
#include "synod/sim/datadriven.hpp"

namespace synod::sim {

struct BadCommand : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Argument parsing for scenario commands.
namespace args {

inline std::uint64_t number(const std::string& s, const char* what) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    throw BadCommand(std::string(what) + " must be a number, not `" + s + "`");
  try {
    return std::stoull(s);
  } catch (const std::out_of_range&) {
    throw BadCommand(std::string(what) + " is out of range: `" + s + "`");
  }
}

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    if (ch == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(ch);
    }
  }
  out.push_back(cur);
  return out;
}

inline std::vector<std::uint64_t> numbers(const std::string& s, const char* what) {
  std::vector<std::uint64_t> out;
  if (s.empty()) return out;
  for (const auto& x : split(s, ',')) out.push_back(number(x, what));
  return out;
}

inline bool boolean(const std::string& s, const char* what) {
  if (s == "true" || s == "on") return true;
  if (s == "false" || s == "off") return false;
  throw BadCommand(std::string(what) + " must be true/on or false/off, not `" + s + "`");
}

inline std::uint64_t named(const datadriven::Command& c, const char* key, std::uint64_t dflt) {
  const auto v = c.get(key);
  return v ? number(*v, key) : dflt;
}

}  // namespace args

template <class Derived, class P>
class Scenario {
 public:
  using Core = Cluster<P>;
  using Node = typename P::Node;
  using Message = typename P::Message;
  using Options = typename P::Options;
  using Result = typename P::Result;
  using Command = datadriven::Command;
  using Outcome = datadriven::Outcome;

  // How many deliveries `deliver all` makes at most before it gives up
  // and prints what is still in flight.
  static constexpr std::size_t kDeliverLimit = 10000;
  static constexpr std::size_t kRoundLimit = 1000;

  Outcome operator()(const Command& c) {
    try {
      if (c.verb != "cluster" && !cluster_) throw BadCommand("no cluster yet: start with `cluster ...`");
      std::string out = run(c);
      if (cluster_ && !cluster_->ok() && !failure_printed_) {
        failure_printed_ = true;
        out += "ghost: " + cluster_->detail() + "\n";
      }
      return Outcome{out, std::nullopt};
    } catch (const BadCommand& e) {
      return Outcome::fail(e.what());
    }
  }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }
  const Derived& self() const { return static_cast<const Derived&>(*this); }
  Core& core() { return *cluster_; }
  const Core& core() const { return *cluster_; }

  NodeId node_id(const std::string& s) const {
    const auto v = args::number(s, "a node id");
    if (v < 1 || v > core().size()) throw BadCommand("no node " + s + " in a cluster of " + std::to_string(core().size()));
    return static_cast<NodeId>(v);
  }
  std::vector<NodeId> node_ids(const std::string& s) const {
    std::vector<NodeId> ids;
    for (const auto& x : args::split(s, ',')) ids.push_back(node_id(x));
    return ids;
  }
  // The first positional argument as one node id (the usual `verb n`).
  NodeId target(const Command& c) const {
    if (c.positional.size() != 1) throw BadCommand("expects one node id");
    return node_id(c.positional[0]);
  }
  void require_up(NodeId id) const {
    if (!core().up(id)) throw BadCommand("node " + std::to_string(id) + " is down");
  }
  // Every node id, or the listed ones.
  std::vector<NodeId> nodes_or_all(const Command& c, std::size_t k = 0) const {
    if (c.positional.size() > k && c.positional[k] != "all") return node_ids(c.positional[k]);
    std::vector<NodeId> ids;
    for (NodeId id = 1; id <= core().size(); ++id) ids.push_back(id);
    return ids;
  }

  // The first in-flight message matching the command's type/from/to (or
  // the positional index), starting at `from_index`; in_flight() if none.
  bool has_filter(const Command& c) const { return c.has("type") || c.has("from") || c.has("to"); }
  bool matches(const Command& c, const Message& m) const {
    if (auto t = c.get("type"); t && self().type_name(m) != *t) return false;
    if (auto f = c.get("from"); f && m.from != args::number(*f, "from")) return false;
    if (auto t = c.get("to"); t && m.to != args::number(*t, "to")) return false;
    return true;
  }
  std::size_t find(const Command& c, std::size_t from_index = 0) const {
    for (std::size_t k = from_index; k < core().in_flight(); ++k)
      if (matches(c, core().message(k))) return k;
    return core().in_flight();
  }
  // Indices a command selects: `k` or a filter (first `count`, or all).
  // Returns the first one; `none` when nothing matches.
  std::optional<std::size_t> select(const Command& c, std::size_t first_positional = 0) const {
    if (has_filter(c)) {
      const std::size_t k = find(c);
      return k < core().in_flight() ? std::optional<std::size_t>(k) : std::nullopt;
    }
    if (c.positional.size() <= first_positional) throw BadCommand("give an index or type=/from=/to=");
    const auto k = args::number(c.positional[first_positional], "a message index");
    if (k >= core().in_flight())
      throw BadCommand("no message " + std::to_string(k) + " (" + std::to_string(core().in_flight()) + " in flight)");
    return static_cast<std::size_t>(k);
  }
  std::size_t count(const Command& c) const {
    const auto v = c.get("count");
    if (!v) return 1;
    if (*v == "all") return SIZE_MAX;
    return args::number(*v, "count");
  }

  Result deliver_one(std::size_t k) {
    if (recording_) recorded_.push_back(core().message(k));
    return core().deliver(k);
  }
  // Delivers the oldest message until none is left; "" when it converged,
  // else what it saw.
  std::string deliver_all(std::size_t limit, std::size_t* delivered = nullptr) {
    std::size_t n = 0;
    while (core().in_flight() > 0 && n < limit) {
      (void)deliver_one(0);
      ++n;
    }
    if (delivered) *delivered = n;
    if (core().in_flight() == 0) return "";
    return "deliver all: stopped after " + std::to_string(n) + " deliveries, " + std::to_string(core().in_flight()) +
           " still in flight:\n" + network();
  }
  // One round: every up node ticks, then the network drains.
  std::string round() {
    core().tick_all();
    return deliver_all(kDeliverLimit);
  }

  std::string network() const {
    std::string out;
    for (std::size_t k = 0; k < core().in_flight(); ++k)
      out += std::to_string(k) + ": " + self().show_message(core().message(k)) + "\n";
    return out.empty() ? "(empty)\n" : out;
  }
  std::string status(const std::vector<NodeId>& ids) const {
    std::string out;
    for (NodeId id : ids)
      out += core().up(id) ? self().show_node(id) + "\n" : "n" + std::to_string(id) + ": down\n";
    return out;
  }

 private:
  std::string run(const Command& c) {
    const std::string& v = c.verb;
    if (v == "cluster") {
      cluster_.reset();
      cluster_.emplace(self().make_options(c), self().network_capacity());
      stash_.clear();
      saved_.clear();
      recorded_.clear();
      recording_ = false;
      failure_printed_ = false;
      return "";
    }
    if (auto o = self().extra(c)) {
      if (o->error) throw BadCommand(*o->error);
      return o->output;
    }
    if (v == "tick") {
      std::string out;  // a tick that dropped a message (a full outbox) says so
      for (NodeId id : nodes_or_all(c))
        if (core().input(id, [](Node& n) { return P::tick(n); }) == P::overflow)
          out += "n" + std::to_string(id) + ": overflow\n";
      return out;
    }
    if (v == "deliver") {
      if (!c.positional.empty() && c.positional[0] == "all") {
        std::size_t n = 0;
        const std::string stuck = deliver_all(args::named(c, "max", kDeliverLimit), &n);
        return stuck.empty() ? "delivered " + std::to_string(n) + "\n" : stuck;
      }
      std::string out;
      const std::size_t want = has_filter(c) ? count(c) : 1;
      for (std::size_t done = 0; done < want; ++done) {
        const auto k = select(c);
        if (!k) {
          if (done == 0 || want != SIZE_MAX) out += "no message matches\n";
          break;
        }
        const std::string shown = self().show_message(core().message(*k));
        out += shown + " -> " + self().show_result(deliver_one(*k)) + "\n";
      }
      return out;
    }
    if (v == "drop" && !has_filter(c) && c.positional.size() == 1 && c.positional[0] == "all") {
      std::string out;
      while (core().in_flight() > 0) {
        out += "drop " + self().show_message(core().message(0)) + "\n";
        core().drop(0);
      }
      return out;
    }
    if (v == "drop" || v == "dup" || v == "stash") {
      std::string out;
      const std::size_t want = has_filter(c) ? count(c) : 1;
      std::size_t from = 0;
      for (std::size_t done = 0; done < want; ++done) {
        std::optional<std::size_t> k;
        if (has_filter(c)) {
          const std::size_t f = find(c, from);
          if (f < core().in_flight()) k = f;
        } else {
          k = select(c);
        }
        if (!k) {
          if (done == 0 || want != SIZE_MAX) out += "no message matches\n";
          break;
        }
        const Message m = core().message(*k);
        out += v + " " + self().show_message(m) + "\n";
        if (v == "drop") {
          core().drop(*k);
          from = *k;
        } else if (v == "dup") {
          if (!core().duplicate(*k)) out += "(network full: no copy)\n";
          from = *k + 1;
        } else {
          stash_.push_back(m);
          from = *k + 1;
        }
      }
      return out;
    }
    if (v == "unstash") {
      for (const Message& m : stash_) core().put(m);
      const std::size_t n = stash_.size();
      stash_.clear();
      return "unstashed " + std::to_string(n) + "\n";
    }
    if (v == "crash") {
      for (NodeId id : node_ids(one(c))) core().crash(id);
      return "";
    }
    if (v == "restart") {
      for (NodeId id : node_ids(one(c))) {
        if (core().up(id)) continue;
        self().before_restart(id);
        core().restart(id);
      }
      return "";
    }
    if (v == "persist") {
      for (NodeId id : node_ids(one(c))) core().persist(id);
      return "";
    }
    if (v == "auto-persist") {
      if (c.positional.empty() || c.positional.size() > 2) throw BadCommand("auto-persist on|off [n,...]");
      const bool on = args::boolean(c.positional[0], "auto-persist");
      for (NodeId id : nodes_or_all(c, 1)) core().set_auto_persist(id, on);
      return "";
    }
    if (v == "partition") {
      std::vector<std::vector<NodeId>> groups;
      for (const auto& g : args::split(one(c), '|')) groups.push_back(node_ids(g));
      core().partition(groups);
      return "";
    }
    if (v == "isolate") {
      core().isolate(target(c));
      return "";
    }
    if (v == "lossy-disk") {
      core().lossy_disk = args::boolean(one(c), "lossy-disk");
      return "";
    }
    if (v == "heal") {
      core().heal();
      return "";
    }
    if (v == "rounds") {
      const auto n = args::number(one(c), "rounds");
      for (std::uint64_t i = 0; i < n; ++i)
        if (std::string stuck = round(); !stuck.empty()) return "round " + std::to_string(i + 1) + ": " + stuck;
      return "";
    }
    if (v == "run-until") {
      // The condition: `leader`, or `applied=40` (read as a key=value pair).
      std::string cond;
      for (const auto& [k, val] : c.named)
        if (k != "max-rounds" && cond.empty()) cond = k + "=" + val;
      if (c.positional.size() + (cond.empty() ? 0 : 1) != 1) throw BadCommand("run-until COND [max-rounds=N]");
      if (cond.empty()) cond = c.positional[0];
      const auto eq = cond.find('=');
      const std::string name = cond.substr(0, eq);
      const std::string value = eq == std::string::npos ? "" : cond.substr(eq + 1);
      const auto max = args::named(c, "max-rounds", kRoundLimit);
      for (std::uint64_t i = 0; i <= max; ++i) {
        if (self().condition(name, value)) return cond + " after " + std::to_string(i) + " rounds\n";
        if (i == max) break;
        if (std::string stuck = round(); !stuck.empty()) return "round " + std::to_string(i + 1) + ": " + stuck;
        if (!core().ok()) return "stopped by the ghost after " + std::to_string(i + 1) + " rounds\n";
      }
      return "not " + cond + " after " + std::to_string(max) + " rounds:\n" + status(nodes_or_all(Command{})) +
             network();
    }
    if (v == "record") {
      recording_ = args::boolean(one(c), "record");
      return recording_ ? "" : "recorded " + std::to_string(recorded_.size()) + " messages\n";
    }
    if (v == "replay") {
      for (const Message& m : recorded_) (void)core().hand(m);
      return "replayed " + std::to_string(recorded_.size()) + " messages\n";
    }
    if (v == "save") {
      saved_.assign(core().size() + 1, std::nullopt);
      for (NodeId id = 1; id <= core().size(); ++id)
        if (core().up(id)) saved_[id] = core().node(id);
      return "";
    }
    if (v == "compare") {
      if (saved_.empty()) throw BadCommand("nothing saved: `save` first");
      std::string out;
      for (NodeId id = 1; id <= core().size(); ++id) {
        out += "n" + std::to_string(id) + ": ";
        if (!core().up(id) || !saved_[id]) {
          out += (core().up(id) == saved_[id].has_value()) ? "down\n" : "changed (up/down)\n";
        } else {
          out += core().node(id).protocol_equal(*saved_[id]) ? "unchanged\n" : "changed\n";
        }
      }
      return out;
    }
    if (v == "network") return network();
    if (v == "status") return status(nodes_or_all(c)) + self().show_extra();
    if (v == "ok") return core().detail() + "\n";
    throw BadCommand("unknown command `" + v + "`");
  }

  static const std::string& one(const Command& c) {
    if (c.positional.size() != 1) throw BadCommand("`" + c.verb + "` expects one argument");
    return c.positional[0];
  }

  std::optional<Core> cluster_;
  std::vector<Message> stash_;
  std::vector<std::optional<Node>> saved_;
  std::vector<Message> recorded_;
  bool recording_ = false;
  bool failure_printed_ = false;
};

}  // namespace synod::sim
