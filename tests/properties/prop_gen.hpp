// prop_gen.hpp - the property tests' generators. Every schedule is a list
// of primitive trace events (synod/trace/trace.hpp), so any sublist is again
// a schedule RapidCheck can shrink to and a failing one is a trace that
// replays; what differs is how the events are drawn:
//   gen_schedule  events drawn one at a time from a Mix of weights, plus
//                 "settle" bursts (every node persists, the oldest messages
//                 are delivered) that let quorums form between the faults;
//   gen_story     Raft: chapters in which a chosen node is elected, takes
//                 proposals, replicates part of them, and is crashed or cut
//                 off with a minority while the majority elects another
//                 leader that appends entries of its own: the conflicting
//                 suffixes of the Raft paper's Figure 7, overwritten when
//                 the links heal. Paxos: chapters in which a proposer runs a
//                 round part way and another one competes with it.
// Cluster sizes: Raft 1-5 nodes; Paxos 1-5 nodes that each propose, accept
// and learn, or 1-5 dedicated acceptors with 1-2 proposer-learners. Nodes
// are drawn for the largest cluster and folded onto the drawn one, so
// events and the cluster size shrink independently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include <synod/trace/trace.hpp>

namespace synod::props {

using trace::Event;
using trace::Op;
using trace::Schedule;

// RapidCheck prints a counterexample with showValue: ours is the trace.
inline void showValue(const Schedule& s, std::ostream& os) { os << trace::to_text(s); }

inline constexpr std::uint8_t kMaxDrawnNode = 5;

// A number in [lo, hi), uniform at every size. (gen::inRange draws from a
// range that grows with RapidCheck's size: the first cases of a run would
// all be one-node clusters with every event on node 1.) Shrinks towards lo.
template <class T>
rc::Gen<T> uniform(T lo, T hi) {
  return rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}

// Weights of the events gen_schedule draws. settle: a burst of persists and
// deliveries of the oldest messages.
struct Mix {
  int tick = 20, campaign = 0, heartbeat = 0, start_round = 0, deliver = 30, drop = 3, duplicate = 3,
      partition = 1, heal = 1, crash = 1, restart = 2, persist = 15, propose = 5, settle = 0;
  // Raft: lease_timeout() on a node, a transfer from the leader, a read on a node.
  int lease = 0, transfer = 0, read = 0;
  // Raft: a node's application snapshots at its applied index and compacts.
  int compact = 0;
};

// The cluster a schedule runs on.
struct Shape {
  std::uint8_t nodes = 3;
  std::uint8_t acceptors = 0;  // Paxos: 0 = every node has every role
  // Raft options, each drawn for half the cases: pre_vote (thesis 9.6),
  // check_quorum, and, where a property asks for it, lease_reads (for half
  // of those with check_quorum; its runs keep one clock and skip the
  // campaign and lease events, see checker/trace/run.cpp).
  bool pre_vote = false;
  bool check_quorum = false;
  bool lease_reads = false;
};

inline rc::Gen<Shape> gen_shape(const std::string& protocol, bool lease_reads = false) {
  namespace gen = rc::gen;
  if (protocol == "raft")
    return gen::map(gen::pair(uniform<std::uint8_t>(1, kMaxDrawnNode + 1), uniform<std::uint8_t>(0, lease_reads ? 8 : 4)),
                    [](const std::pair<std::uint8_t, std::uint8_t>& np) {
                      const bool check_quorum = (np.second & 2u) != 0;
                      return Shape{np.first, 0, (np.second & 1u) != 0, check_quorum,
                                   check_quorum && (np.second & 4u) != 0};
                    });
  const auto all_roles = gen::map(uniform<std::uint8_t>(1, kMaxDrawnNode + 1),
                                  [](std::uint8_t n) { return Shape{n, 0}; });
  if (protocol != "paxos") return all_roles;
  const auto dedicated = gen::map(gen::pair(uniform<std::uint8_t>(1, kMaxDrawnNode + 1), uniform<std::uint8_t>(1, 3)),
                                  [](const std::pair<std::uint8_t, std::uint8_t>& ap) {
                                    return Shape{static_cast<std::uint8_t>(ap.first + ap.second), ap.first};
                                  });
  return gen::weightedOneOf<Shape>({{2, all_roles}, {1, dedicated}});
}

// Folds drawn node ids (1..kMaxDrawnNode; 0 = "the leader") onto the
// schedule's cluster and the partition masks onto its nodes.
inline void fold(Schedule& s) {
  const std::uint8_t n = s.nodes;
  const std::uint64_t all = (std::uint64_t{1} << (n + 1)) - 2u;
  // Paxos has no leader: proposals to "the leader" go to the first proposer.
  const std::uint8_t first_proposer = s.acceptors != 0 ? static_cast<std::uint8_t>(s.acceptors + 1) : 1;
  std::uint64_t reads = 0;
  for (Event& e : s.events) {
    if (e.node != 0) e.node = static_cast<std::uint8_t>((e.node - 1) % n + 1);
    if (e.node == 0 && s.protocol == "paxos") e.node = first_proposer;
    if (e.op == Op::partition) e.arg &= all;
    if (e.op == Op::transfer) e.arg = (e.arg - 1) % n + 1;
    if (e.op == Op::read) e.arg = ++reads;  // ids 1, 2, ...: each read is its own for the ghost
  }
}

// Every node persists, then the oldest `per_round` messages are delivered;
// `rounds` times.
inline void settle(std::vector<Event>& out, std::uint8_t nodes, std::size_t rounds, std::size_t per_round) {
  for (std::size_t r = 0; r < rounds; ++r) {
    for (std::uint8_t id = 1; id <= nodes; ++id) out.push_back(Event{Op::persist, id, 0, {}});
    for (std::size_t k = 0; k < per_round; ++k) out.push_back(Event{Op::deliver, 0, 0, {}});
  }
}

inline rc::Gen<std::vector<Event>> gen_step(const Mix& mix) {
  namespace gen = rc::gen;
  const auto node = uniform<std::uint8_t>(1, kMaxDrawnNode + 1);
  const auto index = uniform<std::uint32_t>(0, 48);
  auto one = [](rc::Gen<Event> g) { return gen::map(std::move(g), [](Event e) { return std::vector<Event>{e}; }); };
  auto node_op = [node, one](Op op) {
    return one(gen::map(node, [op](std::uint8_t n) { return Event{op, n, 0, {}}; }));
  };
  auto net_op = [index, one](Op op) {
    return one(gen::map(index, [op](std::uint32_t k) { return Event{op, 0, k, {}}; }));
  };
  std::vector<std::pair<std::size_t, rc::Gen<std::vector<Event>>>> choices;
  auto add = [&](int w, rc::Gen<std::vector<Event>> g) {
    if (w > 0) choices.emplace_back(static_cast<std::size_t>(w), std::move(g));
  };
  add(mix.deliver, net_op(Op::deliver));
  add(mix.tick, node_op(Op::tick));
  add(mix.persist, node_op(Op::persist));
  add(mix.campaign, node_op(Op::campaign));
  add(mix.start_round, node_op(Op::start_round));
  add(mix.heartbeat, node_op(Op::heartbeat));
  // Half the proposals go to node 0: the Raft leader (Paxos: the first proposer).
  add(mix.propose, one(gen::map(gen::pair(uniform<std::uint8_t>(0, 10), uniform<std::uint32_t>(1, 1000)),
                                [](const std::pair<std::uint8_t, std::uint32_t>& p) {
                                  const std::uint8_t at = p.first < 5 ? 0 : static_cast<std::uint8_t>(p.first - 4);
                                  return Event{Op::propose, at, p.second, {}};
                                })));
  add(mix.lease, node_op(Op::lease));
  add(mix.read, node_op(Op::read));
  add(mix.compact, node_op(Op::compact));
  // Transfers from the leader (node 0) to a drawn node.
  add(mix.transfer, one(gen::map(node, [](std::uint8_t to) { return Event{Op::transfer, 0, to, {}}; })));
  add(mix.drop, net_op(Op::drop));
  add(mix.duplicate, net_op(Op::duplicate));
  add(mix.crash, node_op(Op::crash));
  add(mix.restart, node_op(Op::restart));
  add(mix.partition, one(gen::map(uniform<std::uint32_t>(1, 63),
                                  [](std::uint32_t m) { return Event{Op::partition, 0, m << 1, {}}; })));
  add(mix.heal, gen::just(std::vector<Event>{Event{Op::heal, 0, 0, {}}}));
  add(mix.settle, gen::map(uniform<std::size_t>(1, 5), [](std::size_t rounds) {
        std::vector<Event> out;
        settle(out, kMaxDrawnNode, rounds, kMaxDrawnNode);
        return out;
      }));
  // A weighted choice that shrinks towards the first choices (RapidCheck's
  // weightedOneOf only takes an initializer list).
  std::size_t total = 0;
  for (const auto& c : choices) total += c.first;
  return gen::mapcat(uniform<std::size_t>(0, total), [choices](std::size_t x) {
    for (const auto& [weight, g] : choices) {
      if (x < weight) return g;
      x -= weight;
    }
    return choices.back().second;
  });
}

inline Schedule make_schedule(const std::string& protocol, Shape shape, std::uint32_t seed, bool liveness,
                              std::vector<Event> events) {
  Schedule s;
  s.protocol = protocol;
  s.kernel = "test";
  s.nodes = shape.nodes;
  s.acceptors = shape.acceptors;
  s.pre_vote = shape.pre_vote;
  s.check_quorum = shape.check_quorum;
  s.lease_reads = shape.lease_reads;
  s.seed = seed;
  s.liveness = liveness;
  s.events = std::move(events);
  fold(s);
  return s;
}

// Up to 20 * scale steps (RapidCheck's size grows from 0 to 100 over the
// cases, so the longest runs are 20 * scale steps; scale 20 gives up to
// 2000, a settle burst being one step of many events).
inline rc::Gen<Schedule> gen_schedule(std::string protocol, const Mix& mix, int scale, bool liveness,
                                      bool lease_reads = false) {
  namespace gen = rc::gen;
  return gen::apply(
      [protocol, liveness](Shape shape, std::uint32_t seed, const std::vector<std::vector<Event>>& steps) {
        std::vector<Event> events;
        for (const auto& st : steps) events.insert(events.end(), st.begin(), st.end());
        return make_schedule(protocol, shape, seed, liveness, std::move(events));
      },
      gen_shape(protocol, lease_reads), uniform<std::uint32_t>(0, 1000),
      gen::scale(scale, gen::container<std::vector<std::vector<Event>>>(gen_step(mix))));
}

// ------------------------------------------------------------------ stories

// One chapter; the numbers are drawn raw and read modulo the cluster.
struct Chapter {
  std::uint8_t lead = 1;       // Raft: the node to elect; Paxos: the proposer
  std::uint8_t rival = 1;      // Paxos: the competing proposer; Raft: the epilogue's leader
  std::uint8_t fault = 0;      // 0 none, 1 crash the lead, 2 cut it off with a minority, 3 both;
                               // Paxos: 1 crash, 2 cut off, 3 both
  bool heal = false;           // Raft: heal the links once the lead is elected; Paxos: first
  std::uint8_t settled = 0;    // Raft: entries proposed to the lead and replicated everywhere
  std::uint8_t proposals = 0;  // Raft: entries proposed to the lead, then replicated part way
  std::uint8_t deliveries = 0; // messages delivered before the fault (partial replication)
  std::uint32_t side = 0;      // raw bits: who else is on the lead's side
  std::uint32_t value = 1;     // first value proposed
  bool restart = false;        // restart the nodes that are down, first
  std::vector<std::vector<Event>> noise;  // a few events from the mix, last
};

// 0 to `most` steps of the mix. (gen::resize would bound the count, but
// it also shrinks every number the steps draw towards its minimum.)
inline rc::Gen<std::vector<std::vector<Event>>> gen_steps(const Mix& mix, std::size_t most) {
  namespace gen = rc::gen;
  const auto step = gen_step(mix);
  return gen::mapcat(uniform<std::size_t>(0, most + 1), [step](std::size_t k) {
    return gen::container<std::vector<std::vector<Event>>>(k, step);
  });
}

inline rc::Gen<Chapter> gen_chapter(const Mix& noise) {
  namespace gen = rc::gen;
  return gen::apply(
      [](std::uint8_t lead, std::uint8_t rival, std::uint8_t fault, std::uint8_t settled, std::uint8_t proposals,
         std::uint8_t deliveries, std::uint32_t side, std::uint32_t value, bool restart, bool heal,
         std::vector<std::vector<Event>> n) {
        return Chapter{lead, rival, fault, heal, settled, proposals, deliveries, side, value, restart, std::move(n)};
      },
      uniform<std::uint8_t>(1, kMaxDrawnNode + 1), uniform<std::uint8_t>(1, kMaxDrawnNode + 1),
      uniform<std::uint8_t>(0, 4), uniform<std::uint8_t>(0, 3), uniform<std::uint8_t>(0, 9),
      uniform<std::uint8_t>(0, 9),
      uniform<std::uint32_t>(0, 64), uniform<std::uint32_t>(1, 1000), gen::arbitrary<bool>(),
      gen::arbitrary<bool>(), gen_steps(noise, 4));
}

// The lead's side when it is cut off: the lead and as many others as leave
// the rest a majority (none for 1 or 2 nodes), picked from the raw bits.
inline std::uint64_t minority_side(std::uint8_t n, std::uint8_t lead, std::uint32_t bits) {
  const std::size_t room = n - (n / 2 + 1);  // nodes the side may hold
  std::uint64_t mask = std::uint64_t{1} << lead;
  std::size_t size = 1;
  for (std::uint8_t id = 1; id <= n && size < room; ++id)
    if (id != lead && ((bits >> id) & 1u)) {
      mask |= std::uint64_t{1} << id;
      ++size;
    }
  return mask;
}

// The k-th node (modulo) not in `mask`; the k-th node when all are in it.
inline std::uint8_t pick_outside(std::uint8_t n, std::uint64_t mask, std::uint8_t k) {
  std::vector<std::uint8_t> out;
  for (std::uint8_t id = 1; id <= n; ++id)
    if (!((mask >> id) & 1u)) out.push_back(id);
  if (out.empty()) return static_cast<std::uint8_t>((k - 1) % n + 1);
  return out[(k - 1) % out.size()];
}

// Raft. Each chapter elects its lead (the first chapter any node, later
// ones a node outside the previous lead's side, so that the majority can
// elect it while the old lead and its minority hold entries the majority
// never saw), has it replicate a few entries everywhere it reaches, heals
// the links if the chapter says so (the lead's appends then overwrite the
// conflicting suffixes), takes more proposals and replicates part of them,
// and ends with a fault: the lead cut off with a minority, or crashed (cut
// off first, so that the appends it sent are lost rather than delivered
// later). The epilogue restarts every node, elects a last leader outside
// the last lead's side, has it append two entries, heals, and lets its
// appends settle.
inline std::vector<Event> raft_story(std::uint8_t n, const std::vector<Chapter>& chapters) {
  std::vector<Event> out;
  auto ev = [&](Op op, std::uint8_t node, std::uint64_t arg = 0) { out.push_back(Event{op, node, arg, {}}); };
  auto replicate = [&](std::uint8_t id) {
    ev(Op::heartbeat, id);
    settle(out, n, 3, 10u * n);
  };
  auto elect = [&](std::uint8_t id) {
    // A stale leader ignores a campaign: its heartbeat's answers tell it
    // the newer term first. A second campaign when the first lost to a
    // higher term.
    replicate(id);
    for (int attempt = 0; attempt < 2; ++attempt) {
      ev(Op::campaign, id);
      settle(out, n, 4, 10u * n);
    }
  };
  auto restart_all = [&] {
    for (std::uint8_t id = 1; id <= n; ++id) ev(Op::restart, id);
  };
  std::uint64_t side = 0;
  std::uint64_t down = 0;  // crashed by the story (the noise may crash others)
  std::uint8_t lead = 1;
  for (std::size_t c = 0; c < chapters.size(); ++c) {
    const Chapter& ch = chapters[c];
    if (ch.restart) {
      restart_all();
      down = 0;
    }
    lead = c == 0 ? static_cast<std::uint8_t>((ch.lead - 1) % n + 1)
                  : pick_outside(n, side | down | (std::uint64_t{1} << lead), ch.lead);
    elect(lead);
    for (std::uint8_t p = 0; p < ch.settled; ++p) ev(Op::propose, lead, ch.value + 100 + p);
    replicate(lead);
    if (ch.heal && side != 0) {
      ev(Op::heal, 0);
      side = 0;
      replicate(lead);
    }
    // The fault's partition first: what the lead sends next reaches its side only.
    if (ch.fault != 0) {
      side = ch.fault == 1 ? std::uint64_t{1} << lead : minority_side(n, lead, ch.side);
      ev(Op::partition, 0, side);
    }
    for (std::uint8_t p = 0; p < ch.proposals; ++p) ev(Op::propose, lead, ch.value + p);
    ev(Op::persist, lead);
    for (std::uint8_t d = 0; d < ch.deliveries; ++d) {
      ev(Op::deliver, 0);
      if (d % 2 == 1)
        for (std::uint8_t id = 1; id <= n; ++id) ev(Op::persist, id);
    }
    if (ch.fault == 1 || ch.fault == 3) {
      ev(Op::crash, lead);
      down |= std::uint64_t{1} << lead;
    }
    for (const auto& step : ch.noise) out.insert(out.end(), step.begin(), step.end());
  }
  restart_all();
  lead = pick_outside(n, side | (std::uint64_t{1} << lead), chapters.back().rival);
  elect(lead);
  ev(Op::propose, lead, 2000);
  ev(Op::propose, lead, 2001);
  replicate(lead);
  ev(Op::heal, 0);
  for (int round = 0; round < 3; ++round) replicate(lead);
  return out;
}

// Paxos. Each chapter: the lead proposes (its round starts), part of the
// round's messages are delivered, then a fault, then a rival proposer
// starts a round of its own and part of that is delivered. The epilogue
// heals, restarts every node and lets the last rival run rounds until one
// completes.
inline std::vector<Event> paxos_story(std::uint8_t n, std::uint8_t acceptors, const std::vector<Chapter>& chapters) {
  std::vector<Event> out;
  auto ev = [&](Op op, std::uint8_t node, std::uint64_t arg = 0) { out.push_back(Event{op, node, arg, {}}); };
  // Proposers: every node, or the ones after the dedicated acceptors.
  const std::uint8_t first = acceptors != 0 ? static_cast<std::uint8_t>(acceptors + 1) : 1;
  const std::uint8_t proposers = static_cast<std::uint8_t>(n - first + 1);
  auto proposer = [&](std::uint8_t raw) { return static_cast<std::uint8_t>(first + (raw - 1) % proposers); };
  std::uint8_t rival = first;
  for (const Chapter& ch : chapters) {
    if (ch.heal) ev(Op::heal, 0);
    if (ch.restart)
      for (std::uint8_t id = 1; id <= n; ++id) ev(Op::restart, id);
    const std::uint8_t lead = proposer(ch.lead);
    rival = proposer(ch.rival);
    ev(Op::propose, lead, ch.value);
    ev(Op::start_round, lead);
    for (std::uint8_t d = 0; d < ch.deliveries; ++d) {
      ev(Op::deliver, 0);
      if (d % 2 == 1)
        for (std::uint8_t id = 1; id <= n; ++id) ev(Op::persist, id);
    }
    if (ch.fault == 1 || ch.fault == 3) ev(Op::crash, lead);
    if (ch.fault >= 2) ev(Op::partition, 0, minority_side(n, lead, ch.side));
    ev(Op::propose, rival, ch.value + 1);
    ev(Op::start_round, rival);
    settle(out, n, 1 + ch.proposals % 3, n);
    for (const auto& step : ch.noise) out.insert(out.end(), step.begin(), step.end());
  }
  ev(Op::heal, 0);
  for (std::uint8_t id = 1; id <= n; ++id) ev(Op::restart, id);
  // A restarted proposer has forgotten its value: it is given one again. A
  // round may lose to a higher ballot it had not seen: the rival tries
  // again with a higher one.
  ev(Op::propose, rival, 3000);
  for (int attempt = 0; attempt < 3; ++attempt) {
    ev(Op::start_round, rival);
    settle(out, n, 4, 10u * n);
  }
  return out;
}

// 1 to `max_chapters` chapters.
inline rc::Gen<Schedule> gen_story(std::string protocol, const Mix& noise, std::size_t max_chapters, bool liveness) {
  namespace gen = rc::gen;
  return gen::apply(
      [protocol, liveness](Shape shape, std::uint32_t seed, const std::vector<Chapter>& chapters) {
        std::vector<Event> events = protocol == "paxos" ? paxos_story(shape.nodes, shape.acceptors, chapters)
                                                        : raft_story(shape.nodes, chapters);
        return make_schedule(protocol, shape, seed, liveness, std::move(events));
      },
      gen_shape(protocol), uniform<std::uint32_t>(0, 1000),
      gen::mapcat(uniform<std::size_t>(1, max_chapters + 1), [noise](std::size_t k) {
        return gen::container<std::vector<Chapter>>(k, gen_chapter(noise));
      }));
}

}  // namespace synod::props
