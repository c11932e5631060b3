// schedule.hpp - a fault schedule as data: what the property tests generate,
// shrink, print and replay.
//
// A schedule is a cluster size, a seed for the nodes' generators, and a list
// of events (ticks, timer firings, deliveries in any order, drops,
// duplicates, partitions, heals, crashes, restarts, explicit persists,
// proposals). Running it is deterministic: the runners in raft_runner.hpp and
// paxos_runner.hpp execute it against real kernel nodes and check the shared
// safety predicates after every event.
//
// Network events name an in-flight message by its position in the driver's
// network (oldest first), taken modulo the number in flight, so any sublist
// of a schedule is again a valid schedule: that is what lets RapidCheck
// shrink by deleting events. The JSON form is the checker's trace envelope
// ("format": "synod-trace/1"); docs/testing.md documents the action objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace synod::props {

enum class Op : std::uint8_t {
  tick,         // node: one tick of logical time
  campaign,     // node: Raft election timer fires now
  heartbeat,    // node: Raft heartbeat timer fires now
  start_round,  // node: Paxos retry timer fires now
  deliver,      // index: deliver in-flight message #index (mod in flight)
  drop,         // index: lose it
  duplicate,    // index: copy it (the copy goes to the back)
  partition,    // mask: nodes whose bit is set form one side, the rest the other
  heal,         // every link restored
  crash,        // node: volatile state lost, disk kept (no-op when down)
  restart,      // node: rebuilt from its disk (no-op when up)
  persist,      // node: make its pending persist request durable
  propose,      // node (0 = the Raft leader with the highest term), value
};

const char* to_string(Op op);
bool parse_op(const std::string& s, Op& out);

struct Event {
  Op op = Op::tick;
  std::uint8_t node = 1;    // tick, campaign, heartbeat, start_round, crash, restart, persist, propose
  std::uint32_t arg = 0;    // deliver/drop/duplicate: index; partition: mask; propose: value
  // deliver/drop/duplicate from a checker trace: the message itself (its
  // JSON, as synod-check writes it); the runner picks the first in-flight
  // message equal to it, and reports ReplayDiverged if there is none.
  std::string message;
  friend bool operator==(const Event&, const Event&) = default;
};

struct Schedule {
  std::string model = "raft";  // "raft" or "paxos"
  std::uint8_t nodes = 3;
  std::uint64_t seed = 1;      // the nodes' generators (election / retry timeouts)
  bool liveness = false;       // after the events: heal, restart all, run good conditions
  bool noop_on_election = false;  // Raft option append_noop_on_election (checker bound)
  std::vector<Event> events;
};

// What running a schedule found.
struct Outcome {
  bool ok = true;
  std::string property;        // the violated property's name (empty when ok)
  std::string detail;          // one line for people
  std::size_t step = 0;        // 1-based event index; events.size()+1.. = liveness phase
  std::size_t in_flight_max = 0;
  std::size_t leaders = 0;     // Raft: leaders elected (ghost); Paxos: values chosen
  std::size_t committed = 0;   // Raft: entries committed (ghost); Paxos: learners that learned

  // Records a violation at `at`; only the first one of a run counts.
  void fail(std::string violated, std::string why, std::size_t at) {
    if (!ok) return;
    ok = false;
    property = std::move(violated);
    detail = std::move(why);
    step = at;
  }
};

// One line for an event, e.g. "deliver #3" or "crash n2".
std::string describe(const Event& e);

// The trace envelope shared with synod-check --trace:
//   {"format":"synod-trace/1","model":"raft","source":"properties",
//    "nodes":3,"seed":7,"liveness":false,"property":"ElectionSafety",
//    "steps":[{"step":0,"action":null,"text":"initial state"},
//             {"step":1,"action":{"type":"campaign","node":1},"text":"campaign n1"}, ...]}
nlohmann::json to_trace(const Schedule& s, const Outcome* outcome = nullptr);
// Reads both the traces the properties write (actions with "type") and the
// checker's (actions with "kind", messages named by content, "nodes" in
// "bounds"). Throws std::runtime_error with a clear message on anything
// malformed.
Schedule from_trace(const nlohmann::json& j);
std::string to_trace_text(const Schedule& s, const Outcome* outcome = nullptr);

// Runs a schedule with the runner for s.model.
Outcome run(const Schedule& s);

}  // namespace synod::props
