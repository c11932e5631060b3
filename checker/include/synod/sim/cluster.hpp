// synod/sim/cluster.hpp - the one simulation core: N real kernel nodes, a
// disk per node written only through the node's persist requests, a network
// of in-flight messages, partitions, crashes and restarts, the durability
// loop, and the ghost checks after every step.
//
// The scenario tests, the property runners, the replayer and the benchmarks
// all drive this class; each protocol plugs in a small adapter
// (synod/sim/raft.hpp, synod/sim/paxos.hpp) that says how a node is built
// and restarted, how a persist request is written to a disk (and how the
// seeded lossy-disk fault loses part of it), and which of its invariants
// header's checks run on a node, a step, a message and the cluster.
//
// The protocol adapter P provides:
//   types    Node, Message, Disk, Options, History, Violation (with `none`),
//            Local (per-node harness state, e.g. the entries applied)
//   static Node make(const Options&)
//   static Node restart(const Options&, const Disk&)
//   Result (what a node's step and tick return), Result lost (a step that
//   never reached the node), Result overflow (a kernel capacity was full)
//   static Result step(Node&, const Message&), static Result tick(Node&)
//   optional: static void keep_chunk(const Node&, Disk&)  after a delivery, what
//                                                   the application keeps of it on disk
//   static bool needs_persist(const Node&)
//   static bool persist(Node&, Disk&, bool lossy)    writes the request, acks
//                                                   it; false: the node ignored it
//   static Violation collect(const Node&, Local&[, const History&])
//                                                   after the outbox drained: the
//                                                   harness takes what the node
//                                                   delivers (committed entries,
//                                                   completed reads), checked
//                                                   against the ghost
//   static void acknowledge(Node&)                   and tells the node it did
//   static Violation check_node(const Node&, const Disk&)
//   static Violation check_step(const Node& before, const Node& after)
//   static Violation check_send(NodeId, const Message&, const Disk&)
//   static Violation check_restart(const Node&, const Disk&)
//   static Violation check_cluster(const History&, std::span<const Node* const>)
//   static const char* name(Violation)
// and History::record(const Node* before, const Node& after) -> Violation.
// Optional (a protocol without them skips the check):
//   DeliveryMark mark_delivery(const Node& before, const Message&) and
//   Violation check_delivery(const DeliveryMark&, const Message&, const Node& after,
//                            std::span<const Message> sent)
//                       a check of one delivery: what the node looked like
//                       before it, and what it sent (reached the network) or
//                       holds after it
//   Violation check_messages(std::span<const Message> network,
//                            std::span<const Node* const> up, std::span<const Disk> disks)
//                       every message on its way against the disks (disks[id])
//
// Everything is deterministic: the network is a list in send order (a
// multiset that tests address by position), and nothing is random unless a
// caller passes a generator (random_step).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "synod/ids.hpp"
#include "synod/random.hpp"

namespace synod::sim {

// Probabilities (percent) of a chaotic schedule's steps (random_step).
struct Faults {
  std::uint32_t drop_percent = 0;       // a delivery attempt loses the message instead
  std::uint32_t duplicate_percent = 0;  // a delivery leaves a copy in flight
  bool reorder = true;                  // deliver any in-flight message, not the oldest
  std::uint32_t crash_percent = 0;      // per step: crash a node / restart a crashed one
  std::size_t max_crashed = 0;          // at most this many nodes down at once
  std::uint32_t tick_percent = 20;      // per step: every running node ticks
};

template <class P>
class Cluster {
 public:
  using Protocol = P;
  using Node = typename P::Node;
  using Message = typename P::Message;
  using Disk = typename P::Disk;
  using Options = typename P::Options;
  using History = typename P::History;
  using Violation = typename P::Violation;
  using Local = typename P::Local;
  using Result = typename P::Result;  // what a node's step returns

  // The first violation the ghost checks saw: which, on which node, after
  // how many steps (inputs and network events).
  struct Failure {
    Violation violation{};
    NodeId node = kNoNode;
    std::size_t step = 0;
    std::string detail;  // for people: which check and where
  };

  // Node id i + 1 runs with options[i].
  explicit Cluster(std::vector<Options> options, std::size_t network_capacity = SIZE_MAX)
      : options_(std::move(options)), network_capacity_(network_capacity) {
    reset();
  }

  // Every node fresh, disks wiped, network empty, ghost forgotten; options
  // and auto-persistence settings stay.
  void reset() {
    const std::size_t n = options_.size();
    nodes_.assign(n + 1, std::nullopt);
    last_.assign(n + 1, std::nullopt);
    disks_.assign(n + 1, Disk{});
    locals_.assign(n + 1, Local{});
    auto_persist_.resize(n + 1, true);
    links_.assign((n + 1) * (n + 1), true);
    network_.clear();
    // A fresh ghost (a benchmark that observes nothing keeps the one it has:
    // a history may be large, and it does not read it).
    if (observe_steps || !history_) history_ = std::make_unique<History>();
    failure_.reset();
    steps_ = 0;
    overflows_ = 0;
    input_overflows_ = 0;
    for (NodeId id = 1; id <= n; ++id) {
      counted([&] { nodes_[id].emplace(P::make(options_[id - 1])); });
      observe(id);
    }
  }

  // Options of node `id`; takes effect at its next restart or reset().
  void set_options(NodeId id, const Options& o) { options_[id - 1] = o; }
  const Options& options(NodeId id) const { return options_[id - 1]; }

  // ------------------------------------------------------------- settings

  // When off, a node's persist request waits for persist(id): a crash in
  // between loses it (and the messages held for it).
  void set_auto_persist(NodeId id, bool on) { auto_persist_[id] = on; }
  void set_auto_persist(bool on) { std::fill(auto_persist_.begin(), auto_persist_.end(), on); }
  // Seeded harness fault: the disk loses part of what it is asked to write
  // (the adapter says which part) while the node is told it is durable. The
  // durability-contract check is off then: the fault breaks it on purpose.
  bool lossy_disk = false;
  // When off, no ghost checks run (benchmarks).
  bool observe_steps = true;
  // Optional: the process's allocation count; allocations made inside
  // kernel calls are summed in kernel_allocations.
  std::uint64_t (*allocation_counter)() = nullptr;
  std::uint64_t kernel_allocations = 0;
  std::uint64_t kernel_calls = 0;

  // ---------------------------------------------------------------- state

  std::size_t size() const { return options_.size(); }
  bool up(NodeId id) const { return id >= 1 && id <= size() && nodes_[id].has_value(); }
  std::size_t crashed() const {
    std::size_t k = 0;
    for (NodeId id = 1; id <= size(); ++id) k += up(id) ? 0 : 1;
    return k;
  }
  Node& node(NodeId id) { return *nodes_[id]; }
  const Node& node(NodeId id) const { return *nodes_[id]; }
  const Disk& disk(NodeId id) const { return disks_[id]; }
  // A test fixture may set a down node's disk before restarting it.
  Disk& disk(NodeId id) { return disks_[id]; }
  Local& local(NodeId id) { return locals_[id]; }
  const Local& local(NodeId id) const { return locals_[id]; }
  // In flight, in send order (a duplicate goes to the back).
  const std::vector<Message>& network() const { return network_; }
  std::size_t in_flight() const { return network_.size(); }
  const Message& message(std::size_t k) const { return network_[k]; }
  // Messages lost because the network was at its capacity.
  std::size_t network_overflows() const { return overflows_; }
  // Inputs a node reported as `overflow`: it dropped an outgoing message (or
  // entries) because a kernel capacity was full.
  std::size_t input_overflows() const { return input_overflows_; }
  const History& history() const { return *history_; }
  History& history() { return *history_; }
  std::size_t steps() const { return steps_; }

  // A harness that checks something of its own (a client proposal the
  // ghost records, a runner's liveness goal) reports its violations here;
  // only the first one of a run counts.
  void report(Violation v, NodeId id, const char* where) { fail_if(v, id, where); }

  bool ok() const { return !failure_.has_value(); }
  // One line for people: the failure's detail, or "ok".
  std::string detail() const { return failure_ ? failure_->detail : std::string("ok"); }
  const std::optional<Failure>& failure() const { return failure_; }
  Violation violation() const { return failure_ ? failure_->violation : Violation::none; }

  // ---------------------------------------------------------------- inputs

  // Runs f(node) on node `id` if it is up, then drains its outbox into the
  // network, persists (when automatic) until nothing is left, and runs the
  // ghost checks. Returns f's result; when the node is down, P::lost for a
  // Result, else a value-initialised R.
  template <class F, class R = std::invoke_result_t<F, Node&>>
  R input(NodeId id, F&& f) {
    if (!up(id)) {
      if constexpr (std::is_same_v<R, Result>) {
        return P::lost;
      } else {
        return R();
      }
    }
    ++steps_;
    if constexpr (std::is_void_v<R>) {
      call(id, f);
      settle(id);
    } else {
      R r = call(id, f);
      if constexpr (std::is_same_v<R, Result>) input_overflows_ += r == P::overflow ? 1 : 0;
      settle(id);
      return r;
    }
  }

  // Makes node id's pending persist request durable (when persistence is
  // not automatic) and sends what that released.
  void persist(NodeId id) {
    if (!up(id) || !P::needs_persist(node(id))) return;
    ++steps_;
    write(id);
    settle(id);
  }

  // Delivers network()[k] (removing it) to its destination; a message to a
  // down node, to an id outside the cluster or across a cut link is lost
  // (P::lost). Otherwise returns what the destination's step returned.
  Result deliver(std::size_t k) {
    const Message m = take(k);
    return hand(m);
  }
  // Hands m straight to its destination (no network), as deliver does.
  Result hand(const Message& m) {
    if (m.to < 1 || m.to > size() || !up(m.to)) return lost_step();
    if (m.from >= 1 && m.from <= size() && !link(m.from, m.to)) return lost_step();
    const auto step = [&](Node& n) {
      const Result r = P::step(n, m);
      if constexpr (requires { P::keep_chunk(n, disks_[m.to]); }) P::keep_chunk(n, disks_[m.to]);
      return r;
    };
    if constexpr (requires { P::mark_delivery(node(m.to), m); }) {
      if (observe_steps) {
        const auto mark = P::mark_delivery(node(m.to), m);
        const std::size_t sent_from = network_.size();
        const Result r = input(m.to, step);
        const std::span<const Message> sent(network_.data() + sent_from, network_.size() - sent_from);
        fail_if(P::check_delivery(mark, m, node(m.to), sent), m.to, "delivery");
        return r;
      }
    }
    return input(m.to, step);
  }
  // A message made or kept by the test (a delayed copy, a forged one) joins
  // the network at the back.
  void put(const Message& m) { network_.push_back(m); }
  void drop(std::size_t k) {
    ++steps_;
    (void)take(k);
    check_cluster();
  }
  bool duplicate(std::size_t k) {
    ++steps_;
    if (network_.size() >= network_capacity_) return false;
    const Message m = network_[k];
    network_.push_back(m);
    return true;
  }
  // Delivers the oldest message until none is left or `limit` deliveries;
  // returns how many it delivered.
  std::size_t deliver_all(std::size_t limit = 100000) {
    std::size_t n = 0;
    while (!network_.empty() && n < limit) {
      (void)deliver(0);
      ++n;
    }
    return n;
  }

  // Volatile state (and held messages) lost; the disk and messages already
  // sent stay.
  void crash(NodeId id) {
    if (!up(id)) return;
    ++steps_;
    nodes_[id].reset();
    last_[id].reset();
    check_cluster();
  }
  // Rebuilt from its disk (no-op when up); `options` replaces the node's.
  void restart(NodeId id) {
    if (up(id) || id < 1 || id > size()) return;
    ++steps_;
    counted([&] { nodes_[id].emplace(P::restart(options_[id - 1], disks_[id])); });
    locals_[id] = Local{};
    if (observe_steps) fail_if(P::check_restart(node(id), disks_[id]), id, "restart");
    settle(id);
  }

  // Links: partition() cuts every link between the groups; heal() restores all.
  void partition(const std::vector<std::vector<NodeId>>& groups) {
    std::fill(links_.begin(), links_.end(), false);
    for (const auto& g : groups)
      for (NodeId a : g)
        for (NodeId b : g) links_[a * (size() + 1) + b] = true;
  }
  void isolate(NodeId id) {
    for (NodeId other = 1; other <= size(); ++other)
      links_[id * (size() + 1) + other] = links_[other * (size() + 1) + id] = (other == id);
  }
  void heal() { std::fill(links_.begin(), links_.end(), true); }
  bool link(NodeId a, NodeId b) const { return links_[a * (size() + 1) + b]; }

  // Every up node ticks once.
  void tick_all() {
    for (NodeId id = 1; id <= size(); ++id) (void)input(id, [](Node& n) { return P::tick(n); });
  }

  // One random step of a chaotic schedule: a crash or restart, a round of
  // ticks, or a delivery (possibly dropped or duplicated first).
  void random_step(SplitMix64& rng, const Faults& f) {
    if (f.crash_percent != 0 && rng.uniform(0, 99) < f.crash_percent) {
      const NodeId id = static_cast<NodeId>(rng.uniform(1, static_cast<std::uint32_t>(size())));
      if (up(id) && crashed() < f.max_crashed) {
        crash(id);
      } else if (!up(id)) {
        restart(id);
      }
      return;
    }
    if (network_.empty() || rng.uniform(0, 99) < f.tick_percent) {
      tick_all();
      return;
    }
    const std::size_t k = f.reorder ? rng.uniform(0, static_cast<std::uint32_t>(network_.size() - 1)) : 0;
    if (rng.uniform(0, 99) < f.drop_percent) {
      drop(k);
      return;
    }
    if (rng.uniform(0, 99) < f.duplicate_percent) (void)duplicate(k);
    (void)deliver(k);
  }

  // Random steps until done() or a violation; the steps taken, or
  // max_steps when done() never held.
  template <class Done>
  std::size_t run_until(SplitMix64& rng, const Faults& f, std::size_t max_steps, Done&& done) {
    for (std::size_t step = 0; step < max_steps; ++step) {
      if (done()) return step;
      random_step(rng, f);
      if (!ok()) return step;
    }
    return max_steps;
  }

 private:
  Result lost_step() {
    ++steps_;
    check_cluster();
    return P::lost;
  }

  // Runs f, a kernel call, adding what it allocated to kernel_allocations.
  template <class F>
  auto counted(F&& f) {
    const std::uint64_t before = allocation_counter ? allocation_counter() : 0;
    ++kernel_calls;
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      f();
      if (allocation_counter) kernel_allocations += allocation_counter() - before;
    } else {
      auto r = f();
      if (allocation_counter) kernel_allocations += allocation_counter() - before;
      return r;
    }
  }

  template <class F>
  auto call(NodeId id, F&& f) {
    return counted([&] { return f(node(id)); });
  }

  Message take(std::size_t k) {
    Message m = std::move(network_[k]);
    network_.erase(network_.begin() + static_cast<std::ptrdiff_t>(k));
    return m;
  }

  void write(NodeId id) {
    const bool acked = call(id, [&](Node& n) { return P::persist(n, disks_[id], lossy_disk); });
    if (!acked && observe_steps) fail_if(P::persist_ignored, id, "persist");
  }

  // Drains node id's outbox, persisting when automatic, until nothing is
  // left; then the harness's per-node work and the ghost checks.
  void settle(NodeId id) {
    Node& n = node(id);
    for (int round = 0;; ++round) {
      for (const Message& m : n.messages()) send(id, m);
      call(id, [](Node& x) { x.clear_messages(); });
      if (!auto_persist_[id] || !P::needs_persist(n) || round == 8) break;
      write(id);
    }
    Violation v{};
    if constexpr (requires { P::collect(n, locals_[id], *history_); }) {
      v = P::collect(n, locals_[id], *history_);
    } else {
      v = P::collect(n, locals_[id]);
    }
    call(id, [](Node& x) { P::acknowledge(x); });
    if (observe_steps) fail_if(v, id, "collect");
    observe(id);
  }

  void send(NodeId id, const Message& m) {
    if (observe_steps && !lossy_disk) fail_if(P::check_send(id, m, disks_[id]), id, "send");
    if (network_.size() >= network_capacity_) {
      ++overflows_;
      return;
    }
    network_.push_back(m);
  }

  // The ghost checks after node id changed: its state, its step from what
  // it was when last observed (nothing after a restart), the history's
  // record of the transition, then the cluster.
  void observe(NodeId id) {
    if (!observe_steps) return;
    const Node& n = node(id);
    fail_if(P::check_node(n, disks_[id]), id, "state");
    if (last_[id]) fail_if(P::check_step(*last_[id], n), id, "step");
    fail_if(history_->record(last_[id] ? &*last_[id] : nullptr, n), id, "history");
    last_[id] = n;
    check_cluster();
  }

  void check_cluster() {
    if (!observe_steps) return;
    up_.clear();
    for (NodeId id = 1; id <= size(); ++id)
      if (up(id)) up_.push_back(&node(id));
    fail_if(P::check_cluster(*history_, std::span<const Node* const>(up_)), kNoNode, "cluster");
    if constexpr (requires { P::check_messages(std::span<const Message>(network_), std::span<const Node* const>(up_),
                                               std::span<const Disk>(disks_)); }) {
      if (!lossy_disk)
        fail_if(P::check_messages(std::span<const Message>(network_), std::span<const Node* const>(up_),
                                  std::span<const Disk>(disks_)),
                kNoNode, "messages");
    }
  }

  void fail_if(Violation v, NodeId id, const char* where) {
    if (v == Violation::none || failure_) return;
    std::string detail = std::string(P::name(v)) + " (" + where + " check";
    if (id != kNoNode) detail += ", n" + std::to_string(id);
    detail += ", step " + std::to_string(steps_) + ")";
    failure_ = Failure{v, id, steps_, std::move(detail)};
  }

  std::vector<Options> options_;
  std::size_t network_capacity_;
  std::vector<std::optional<Node>> nodes_;
  std::vector<std::optional<Node>> last_;  // each node as last observed
  std::vector<Disk> disks_;
  std::vector<Local> locals_;
  std::vector<bool> auto_persist_;
  std::vector<bool> links_;  // [a * (n + 1) + b]: a's messages reach b
  std::vector<Message> network_;
  std::unique_ptr<History> history_;
  std::vector<const Node*> up_;
  std::optional<Failure> failure_;
  std::size_t steps_ = 0;
  std::size_t overflows_ = 0;
  std::size_t input_overflows_ = 0;
};

}  // namespace synod::sim
