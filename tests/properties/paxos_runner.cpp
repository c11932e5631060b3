// paxos_runner.cpp - see paxos_runner.hpp.
#include "paxos_runner.hpp"

#include <array>
#include <memory>
#include <optional>
#include <string>

#include <synod/check/paxos_invariants.hpp>

#include "paxos/driver.hpp"

namespace synod::props {

namespace {

namespace inv = check::paxos_invariants;

using Config = paxos::DefaultConfig;
using Driver = paxos::test::Driver<Config, 1024>;
using PaxosNode = Driver::NodeT;
using History = inv::History<std::uint64_t, 512, 8192>;

// The driver's own ghost counts acceptances that are not yet durable, which a
// crash may undo (with automatic persistence off); what is chosen and learned
// is judged by the shared invariants instead, which count durable
// acceptances. Its durability-contract checks stay on.
bool driver_ghost_only(const std::string& what) {
  return what.find("chosen") != std::string::npos || what.find("nobody proposed") != std::string::npos ||
         what.find("at one ballot") != std::string::npos;
}

// Proposals a schedule may make (the driver remembers 64 proposed values).
constexpr std::size_t kMaxProposals = 48;

class PaxosRun {
 public:
  explicit PaxosRun(const Schedule& s) : s_(s), history_(std::make_unique<History>()) {
    paxos::Options base;
    base.seed = s.seed;
    driver_ = std::make_unique<Driver>(s.nodes, base);
    for (NodeId id = 1; id <= s.nodes; ++id) driver_->set_auto_persist(id, false);
    links_.fill(0xFFu);
  }

  Outcome run() {
    for (NodeId id = 1; id <= s_.nodes && outcome_.ok; ++id) check(id, std::nullopt);
    for (std::size_t i = 0; i < s_.events.size() && outcome_.ok; ++i) {
      step_ = i + 1;
      apply(s_.events[i]);
    }
    if (outcome_.ok && s_.liveness) liveness();
    outcome_.leaders = history_->chosen_count();
    std::size_t learned = 0;
    for (NodeId id = 1; id <= s_.nodes; ++id) learned += driver_->up(id) && driver_->node(id).learned() ? 1 : 0;
    outcome_.committed = learned;
    return outcome_;
  }

 private:
  void fail(std::string property, std::string detail) { outcome_.fail(std::move(property), std::move(detail), step_); }

  std::optional<PaxosNode> snapshot(NodeId id) const {
    if (!driver_->up(id)) return std::nullopt;
    return driver_->node(id);
  }

  void check(NodeId id, const std::optional<PaxosNode>& before) {
    if (driver_->in_flight() > outcome_.in_flight_max) outcome_.in_flight_max = driver_->in_flight();
    if (id != kNoNode && driver_->up(id)) {
      const inv::Violation v = history_->record(before ? &*before : nullptr, driver_->node(id));
      if (v != inv::Violation::none) {
        fail(inv::to_string(v), "after an input to n" + std::to_string(id));
        return;
      }
    }
    if (driver_->violation() != nullptr && !driver_ghost_only(driver_->violation()))
      fail("DriverContract", driver_->violation());
  }

  template <class F>
  void on_node(NodeId id, F&& f) {
    if (!driver_->up(id)) return;
    std::optional<PaxosNode> before = snapshot(id);
    f();
    check(id, before);
  }

  bool linked(NodeId a, NodeId b) const { return ((links_[a] >> b) & 1u) != 0; }

  void propose(NodeId id, std::uint64_t value) {
    if (!driver_->up(id) || proposals_ >= kMaxProposals) return;
    const PaxosNode& n = driver_->node(id);
    if (n.proposer().own_value() || n.learned()) return;
    ++proposals_;
    if (history_->proposed(value) != inv::Violation::none) {
      fail("HistoryCapacity", "too many proposals");
      return;
    }
    on_node(id, [&] { (void)driver_->propose(id, value); });
  }

  void deliver(std::size_t k) {
    const auto& m = driver_->message(k);
    if (m.from < 1 || m.from > s_.nodes || m.to < 1 || m.to > s_.nodes || !linked(m.from, m.to)) {
      driver_->drop(k);
      return;
    }
    const NodeId to = m.to;
    on_node(to, [&] { (void)driver_->deliver(k); });
  }

  void apply(const Event& e) {
    const NodeId id = e.node;
    if (!e.message.empty()) {
      fail("ReplayDiverged", "replaying Paxos messages named by content is not supported yet");
      return;
    }
    switch (e.op) {
      case Op::tick: on_node(id, [&] { (void)driver_->tick(id); }); break;
      case Op::start_round: on_node(id, [&] { (void)driver_->start_round(id); }); break;
      case Op::campaign:
      case Op::heartbeat:
        break;  // Raft events
      case Op::deliver:
        if (driver_->in_flight() != 0) {
          const std::size_t k = e.arg % driver_->in_flight();
          if (driver_->up(driver_->message(k).to)) {
            deliver(k);
          } else {
            driver_->drop(k);  // to a crashed node: lost
          }
        }
        break;
      case Op::drop:
        if (driver_->in_flight() != 0) driver_->drop(e.arg % driver_->in_flight());
        break;
      case Op::duplicate:
        if (driver_->in_flight() != 0) (void)driver_->duplicate(e.arg % driver_->in_flight());
        break;
      case Op::partition:
        for (NodeId a = 1; a <= s_.nodes; ++a) {
          links_[a] = 0;
          for (NodeId b = 1; b <= s_.nodes; ++b)
            if (((e.arg >> a) & 1u) == ((e.arg >> b) & 1u)) links_[a] |= static_cast<std::uint16_t>(1u << b);
        }
        break;
      case Op::heal: links_.fill(0xFFu); break;
      case Op::crash:
        if (driver_->up(id)) driver_->crash(id);
        break;
      case Op::restart:
        if (!driver_->up(id)) {
          driver_->restart(id);
          check(id, std::nullopt);
        }
        break;
      case Op::persist: on_node(id, [&] { driver_->persist(id); }); break;
      case Op::propose: {
        const NodeId at = id == kNoNode ? NodeId{1} : id;
        propose(at, std::uint64_t{e.arg} * 8 + at);
        break;
      }
    }
  }

  void liveness() {
    step_ = s_.events.size() + 1;
    links_.fill(0xFFu);
    for (NodeId id = 1; id <= s_.nodes && outcome_.ok; ++id) {
      if (!driver_->up(id)) {
        driver_->restart(id);
        check(id, std::nullopt);
      }
    }
    for (NodeId id = 1; id <= s_.nodes && outcome_.ok; ++id) {
      driver_->set_auto_persist(id, true);
      on_node(id, [&] { driver_->persist(id); });
    }
    proposals_ = 0;  // the liveness phase has its own budget
    for (NodeId id = 1; id <= s_.nodes && outcome_.ok; ++id) propose(id, kPaxosLivenessValue + id);
    std::size_t r = 0;
    for (; r < kPaxosLearnRounds && outcome_.ok && !driver_->all_learned(); ++r) {
      for (NodeId id = 1; id <= s_.nodes && outcome_.ok; ++id) on_node(id, [&] { (void)driver_->tick(id); });
      for (std::size_t n = 0; n < 20000 && driver_->in_flight() != 0 && outcome_.ok; ++n) {
        if (driver_->up(driver_->message(0).to)) {
          deliver(0);
        } else {
          driver_->drop(0);
        }
      }
    }
    if (outcome_.ok && !driver_->all_learned())
      fail("LivenessAllLearn", "not every node learned after " + std::to_string(kPaxosLearnRounds) +
                                   " rounds of good conditions");
  }

  const Schedule& s_;
  std::unique_ptr<Driver> driver_;
  std::unique_ptr<History> history_;
  std::array<std::uint16_t, 16> links_{};  // links_[a] bit b: a -> b delivers
  Outcome outcome_;
  std::size_t step_ = 0;
  std::size_t proposals_ = 0;
};

}  // namespace

Outcome run_paxos(const Schedule& s) { return PaxosRun(s).run(); }

}  // namespace synod::props
