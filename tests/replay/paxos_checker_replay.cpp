// paxos_checker_replay.cpp - see paxos_checker_replay.hpp.
#include "paxos_checker_replay.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>

#include <synod/check/paxos_invariants.hpp>
#include <synod/paxos/node.hpp>

namespace synod::replay {

namespace {

namespace inv = check::paxos_invariants;

// The checker model's kernel configuration (PaxosCheckConfig): the same
// capacities, so a full outbox truncates here exactly as it did there.
struct ReplayConfig {
  using Value = std::uint64_t;
  static constexpr std::size_t max_nodes = 6;
  static constexpr std::size_t outbox_capacity = 6;
  static constexpr std::size_t held_capacity = 6;
};
using Node = paxos::Node<ReplayConfig>;
using Message = paxos::Message<ReplayConfig>;
using Disk = paxos::PersistentState<std::uint64_t>;
using History = inv::History<std::uint64_t, 16, 64>;

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error("trace: " + what); }

std::uint64_t unsigned_member(const nlohmann::json& j, const char* key, std::uint64_t min, std::uint64_t max,
                              const std::string& where) {
  if (!j.contains(key)) bad(where + ": missing \"" + key + "\"");
  const auto& v = j.at(key);
  // Booleans are accepted for bounds written as flags (the checker writes 0/1).
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    bad(where + ": \"" + key + "\" must be a non-negative integer");
  const auto x = v.get<std::uint64_t>();
  if (x < min || x > max)
    bad(where + ": \"" + key + "\" must be " + std::to_string(min) + ".." + std::to_string(max));
  return x;
}

bool is_network(const std::string& kind) { return kind == "deliver" || kind == "drop" || kind == "duplicate"; }

nlohmann::json ballot_json(paxos::Ballot b) { return {b.round, b.node}; }

// A message as synod-check's Paxos traces write it (PaxosModel::message_json).
nlohmann::json message_json(const Message& m) {
  nlohmann::json j{{"type", paxos::to_string(m.type)},       {"from", m.from},
                   {"to", m.to},                             {"ballot", ballot_json(m.ballot)},
                   {"accepted_ballot", ballot_json(m.accepted_ballot)}, {"promised", ballot_json(m.promised)}};
  j["value"] = m.value ? nlohmann::json(*m.value) : nlohmann::json(nullptr);
  return j;
}

// Every field the trace gives must equal the kernel message's.
bool matches(const Message& m, const nlohmann::json& wanted) {
  const nlohmann::json have = message_json(m);
  for (auto it = wanted.begin(); it != wanted.end(); ++it)
    if (!have.contains(it.key()) || have.at(it.key()) != it.value()) return false;
  return true;
}

class Run {
 public:
  explicit Run(const PaxosCheckerTrace& t) : t_(t), history_(std::make_unique<History>()) {
    for (std::size_t i = 0; i < cluster(); ++i) {
      nodes_.emplace_back(Node(options_for(i)));
      disks_.push_back(Disk{});
    }
  }

  props::Outcome run() {
    for (std::size_t k = 0; k < t_.actions.size() && outcome_.ok; ++k) {
      step_ = k + 1;
      apply(t_.actions[k]);
      if (network_.size() > outcome_.in_flight_max) outcome_.in_flight_max = network_.size();
    }
    outcome_.leaders = history_->chosen_count();
    for (const auto& n : nodes_) outcome_.committed += n && n->learned() ? 1 : 0;
    return outcome_;
  }

 private:
  std::size_t cluster() const { return t_.acceptors + t_.proposers; }
  bool is_acceptor(std::size_t i) const { return i < t_.acceptors; }

  // As PaxosModel::options_for.
  paxos::Options options_for(std::size_t i) const {
    paxos::Options o;
    o.id = static_cast<NodeId>(i + 1);
    o.cluster_size = static_cast<std::uint8_t>(cluster());
    o.roles = is_acceptor(i) ? paxos::Roles{false, true, false} : paxos::Roles{true, false, true};
    for (std::size_t a = 0; a < t_.acceptors; ++a) o.acceptors.insert(static_cast<NodeId>(a + 1));
    for (std::size_t p = t_.acceptors; p < cluster(); ++p) o.learners.insert(static_cast<NodeId>(p + 1));
    o.seed = i + 1;
    return o;
  }

  void fail(std::string property, std::string detail) { outcome_.fail(std::move(property), std::move(detail), step_); }
  void diverged(const std::string& why) { fail("ReplayDiverged", why); }

  void check(std::size_t i, const Node* before, const char* what) {
    const inv::Violation v = history_->record(before, *nodes_[i]);
    if (v != inv::Violation::none) fail(inv::to_string(v), std::string(what) + " n" + std::to_string(i + 1));
  }

  // One input to an up node: run it, drain its outbox into the network,
  // check the transition.
  template <class F>
  void input(std::size_t i, F&& f) {
    if (!nodes_[i]) return diverged("n" + std::to_string(i + 1) + " is down");
    const Node before = *nodes_[i];
    f(*nodes_[i]);
    for (const Message& m : nodes_[i]->messages()) network_.push_back(m);
    nodes_[i]->clear_messages();
    check(i, &before, "after an input to");
  }

  std::optional<std::size_t> find(const nlohmann::json& wanted) const {
    for (std::size_t k = 0; k < network_.size(); ++k)
      if (matches(network_[k], wanted)) return k;
    return std::nullopt;
  }

  void apply(const PaxosCheckerAction& a) {
    const std::size_t i = a.node - 1u;
    std::optional<std::size_t> k;
    if (is_network(a.kind)) {
      k = find(a.message);
      if (!k) return diverged("no message in flight equals " + a.message.dump());
    }
    if (a.kind == "deliver") {
      const Message m = network_[*k];
      network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(*k));
      if (m.to != a.node) return diverged("the message is addressed to n" + std::to_string(m.to));
      input(i, [&](Node& n) { (void)n.step(m); });
    } else if (a.kind == "drop") {
      network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(*k));
    } else if (a.kind == "duplicate") {
      network_.push_back(network_[*k]);
    } else if (a.kind == "propose") {
      if (!nodes_[i]) return diverged("n" + std::to_string(a.node) + " is down");
      // The history learns of a proposal the proposer takes (as the model).
      if (!nodes_[i]->learned()) {
        const inv::Violation v = history_->proposed(a.value);
        if (v != inv::Violation::none) return fail(inv::to_string(v), "too many proposals");
      }
      input(i, [&](Node& n) { (void)n.propose(a.value); });
    } else if (a.kind == "timeout") {
      input(i, [](Node& n) { (void)n.start_round(); });
    } else if (a.kind == "persist") {
      input(i, [&](Node& n) {
        const auto request = n.persist_request();
        Disk written = request.state;
        if (t_.lossy_disk) written.promised = disks_[i].promised;  // the model's seeded disk fault
        disks_[i] = written;
        (void)n.persisted(request);
      });
    } else if (a.kind == "crash") {
      if (!nodes_[i]) return diverged("n" + std::to_string(a.node) + " is already down");
      nodes_[i].reset();
    } else if (a.kind == "restart") {
      if (nodes_[i]) return diverged("n" + std::to_string(a.node) + " is up");
      nodes_[i].emplace(Node::restart(options_for(i), disks_[i]));
      check(i, nullptr, "after the restart of");
    }
  }

  const PaxosCheckerTrace& t_;
  std::vector<std::optional<Node>> nodes_;
  std::vector<Disk> disks_;
  std::vector<Message> network_;
  std::unique_ptr<History> history_;
  props::Outcome outcome_;
  std::size_t step_ = 0;
};

}  // namespace

bool is_paxos_checker_trace(const nlohmann::json& j) {
  return j.is_object() && j.contains("format") && j.at("format") == "synod-check-trace/1" && j.contains("model") &&
         j.at("model") == "paxos";
}

PaxosCheckerTrace parse_paxos_checker_trace(const nlohmann::json& j) {
  if (!j.is_object()) bad("the top level must be a JSON object");
  if (!j.contains("format") || j.at("format") != "synod-check-trace/1") bad("\"format\" must be \"synod-check-trace/1\"");
  if (!j.contains("model") || j.at("model") != "paxos") bad("\"model\" must be \"paxos\"");
  if (!j.contains("bounds") || !j.at("bounds").is_object()) bad("\"bounds\" must be an object");
  const auto& b = j.at("bounds");
  PaxosCheckerTrace t;
  t.acceptors = unsigned_member(b, "acceptors", 1, 5, "bounds");
  t.proposers = unsigned_member(b, "proposers", 1, 5, "bounds");
  if (t.acceptors + t.proposers > ReplayConfig::max_nodes) bad("bounds: acceptors + proposers must be at most 6");
  t.values = unsigned_member(b, "values", 1, 255, "bounds");
  if (b.contains("lossy_disk")) t.lossy_disk = unsigned_member(b, "lossy_disk", 0, 1, "bounds") != 0;
  if (!j.contains("steps") || !j.at("steps").is_array()) bad("\"steps\" must be an array");
  const std::size_t n = t.acceptors + t.proposers;
  for (const auto& step : j.at("steps")) {
    if (!step.is_object()) bad("every step must be an object");
    const std::string where = "step " + (step.contains("step") ? step.at("step").dump() : std::string("?"));
    if (!step.contains("action")) bad(where + ": needs an \"action\"");
    const auto& a = step.at("action");
    if (a.is_null()) continue;  // the initial state
    if (!a.is_object() || !a.contains("kind") || !a.at("kind").is_string())
      bad(where + ": \"action\" must be an object with a string \"kind\"");
    PaxosCheckerAction act;
    act.kind = a.at("kind").get<std::string>();
    act.step = step.contains("step") && step.at("step").is_number_unsigned() ? step.at("step").get<std::size_t>() : 0;
    static const char* const kKinds[] = {"deliver", "propose", "timeout", "persist",
                                         "drop",    "duplicate", "crash", "restart"};
    bool known = false;
    for (const char* k : kKinds) known = known || act.kind == k;
    if (!known) bad(where + ": unknown Paxos action kind \"" + act.kind + "\"");
    act.node = static_cast<std::uint8_t>(unsigned_member(a, "node", 1, n, where));
    const bool proposer = act.node > t.acceptors;
    if ((act.kind == "propose" || act.kind == "timeout") && !proposer)
      bad(where + ": \"" + act.kind + "\" needs a proposer (ids " + std::to_string(t.acceptors + 1) + ".." +
          std::to_string(n) + ")");
    if (is_network(act.kind)) {
      if (!a.contains("message") || !a.at("message").is_object())
        bad(where + ": \"" + act.kind + "\" needs a \"message\" object");
      act.message = a.at("message");
      const auto& m = act.message;
      if (!m.contains("type") || !m.at("type").is_string()) bad(where + ": the message needs a string \"type\"");
      (void)unsigned_member(m, "from", 1, n, where + " message");
      const auto to = unsigned_member(m, "to", 1, n, where + " message");
      if (to != act.node) bad(where + ": \"node\" must be the message's destination");
    }
    if (act.kind == "propose") {
      // The model's value for proposer p: ((p - A - 1) mod values) + 1.
      act.value = a.contains("value") ? unsigned_member(a, "value", 0, UINT64_MAX, where)
                                      : (act.node - 1u - t.acceptors) % t.values + 1;
    }
    t.actions.push_back(std::move(act));
  }
  return t;
}

std::string describe(const PaxosCheckerAction& a) {
  const std::string who = "n" + std::to_string(a.node);
  if (is_network(a.kind)) return a.kind + " " + a.message.dump();
  if (a.kind == "propose") return "propose " + std::to_string(a.value) + " at " + who;
  return a.kind + " " + who;
}

props::Outcome run_paxos_checker_trace(const PaxosCheckerTrace& t) { return Run(t).run(); }

}  // namespace synod::replay
