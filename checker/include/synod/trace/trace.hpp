// synod/trace/trace.hpp - the one trace format ("synod-trace/2") that
// synod-check writes for a counterexample, a failing property test writes
// for its shrunk schedule, and synod-replay (or any test) runs again.
//
// A trace is a schedule: a cluster (protocol, shape, kernel capacities,
// seeded faults) and a list of events (ticks, timer firings, client
// proposals and reads, leader leases lapsing, leadership transfers,
// log compactions, persists, deliveries, drops and duplicates of messages named by content
// or by position, partitions, heals, crashes, restarts), plus what
// running it must end in (`expect`). run() (synod/trace/run.hpp) executes a
// schedule on the simulation core (synod/sim/cluster.hpp) with the shared
// invariants checked after every event; docs/testing.md documents the JSON.
//
// Network events name an in-flight message either by content (a JSON
// object; every field it gives must equal the message's: what synod-check
// writes) or by position in the network (oldest first) taken modulo the
// number in flight (what the property generators draw, so that any sublist
// of a schedule is again a schedule RapidCheck can shrink to).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace synod::trace {

inline constexpr const char* kFormat = "synod-trace/2";

enum class Op : std::uint8_t {
  tick,         // node: one tick of logical time
  campaign,     // node: Raft election timer fires now
  heartbeat,    // node: Raft heartbeat timer fires now
  start_round,  // node: Paxos retry timer fires now
  deliver,      // message: deliver it (lost if its destination is down or cut off)
  drop,         // message: lose it
  duplicate,    // message: copy it (the copy goes to the back)
  partition,    // mask: nodes whose bit is set form one side, the rest the other
  heal,         // every link restored
  crash,        // node: volatile state lost, disk kept (no-op when down)
  restart,      // node: rebuilt from its disk (no-op when up)
  persist,      // node: make its pending persist request durable
  propose,      // node (Raft: 0 = the leader with the highest term), value
  lease,        // node: Raft lease_timeout() (an election timeout passed: CheckQuorum)
  transfer,     // node (the leader), arg = target: Raft transfer_leadership(target)
  read,         // node, arg = read id: Raft read_index(id), the ghost recording the invocation
  // node, arg = index (0: the applied index): Raft, the application
  // snapshots, stores the snapshot and calls compact(index, snapshot_chunks)
  compact,
};

const char* to_string(Op op);
bool parse_op(const std::string& s, Op& out);
bool is_network(Op op);

struct Event {
  Op op = Op::tick;
  std::uint8_t node = 1;    // node events; propose, transfer: 0 = the Raft leader
  // Network events by position: index; partition: mask; propose: value;
  // transfer: the target's id; read: the read's id; compact: the index
  // (0: the applied index).
  std::uint64_t arg = 0;
  // Network events by content: the message as JSON text (synod-check's
  // traces); empty: by position.
  std::string message;
  friend bool operator==(const Event&, const Event&) = default;
};

// What running the schedule must end in.
enum class Expect : std::uint8_t {
  ok,              // no violation
  violation,       // the violation of `property`
  not_reproduced,  // not the violation of `property`: ends ok, or diverges (a
                   // seeded bug's counterexample kept as a regression test)
};

struct Schedule {
  std::string protocol = "raft";  // "raft" or "paxos"
  // Which kernel capacities run it: "test" (the scenario tests' and property
  // tests' configurations), "test-1" (Raft: the same with one entry per
  // AppendEntries, RaftTestOneEntryConfig in synod/trace/run.hpp), or the
  // checker's: "check-3" / "check-5" (Raft, up to 3 / 5 nodes), "check"
  // (Paxos).
  std::string kernel = "test";
  std::uint8_t nodes = 3;         // cluster size (Paxos: acceptors + proposers)
  // Paxos with the checker's kernel: ids 1..acceptors accept, the rest
  // propose and learn. 0: every node has every role.
  std::uint8_t acceptors = 0;
  std::uint64_t seed = 1;         // the nodes' generators (election / retry timeouts)
  bool noop_on_election = false;  // Raft option append_noop_on_election
  // Raft options pre_vote and check_quorum: a trace names the ones it
  // runs with (absent: off, whatever the kernel's defaults).
  bool pre_vote = false;
  bool check_quorum = false;
  bool lease_reads = false;       // Raft option lease_reads (needs check_quorum)
  bool lossy_disk = false;        // seeded harness fault (see synod/sim/cluster.hpp)
  std::uint32_t snapshot_chunks = 1;  // Raft: the chunks a compaction's snapshot is served in
  bool liveness = false;          // after the events: heal, restart all, good conditions
  // With liveness: the simulation steps the good conditions may take before
  // the run fails as kStepLimit. 0: no limit but the phase's round bounds.
  std::uint64_t step_limit = 0;
  std::vector<Event> events;
  Expect expect = Expect::ok;
  std::string property;           // with Expect::violation / not_reproduced
  std::string source;             // free text: who wrote it and why
};

// What running a schedule found.
struct Outcome {
  bool ok = true;
  std::string property;        // the violated property's name (empty when ok)
  std::string detail;          // one line for people
  std::size_t step = 0;        // 1-based event index; events.size()+1: the liveness phase
  std::size_t in_flight_max = 0;
  std::size_t leaders = 0;     // Raft: leaders elected (ghost); Paxos: values chosen
  std::size_t committed = 0;   // Raft: entries committed (ghost); Paxos: learners that learned

  // What the run covered (the property tests count it; not part of a trace).
  std::size_t steps = 0;            // simulation steps (inputs and network events), in all
  std::size_t liveness_steps = 0;   // of which in the good conditions after the events
  std::size_t overwrites = 0;       // Raft: appends delivered that replace a follower's entries
  std::size_t partial_appends = 0;  // Raft: appends delivered with entries, the leader having more
  std::size_t reads_completed = 0;  // Raft: reads (ReadIndex) that completed ok, at any node
  std::size_t snapshots_delivered = 0;  // Raft: InstallSnapshot last chunks delivered (to an up node)
  // Per event run: whether it did anything (a delivery with nothing in
  // flight, a persist with nothing to write, an input to a down node, a
  // restart of an up node do not).
  std::vector<bool> effective;

  // Records a violation at `at`; only the first one of a run counts.
  void fail(std::string violated, std::string why, std::size_t at) {
    if (!ok) return;
    ok = false;
    property = std::move(violated);
    detail = std::move(why);
    step = at;
  }
};

// The property name of a run that could not follow its trace: a message it
// names is not in flight.
inline constexpr const char* kDiverged = "ReplayDiverged";
// The property name of a run whose liveness phase did not converge within
// the schedule's step_limit.
inline constexpr const char* kStepLimit = "PropStepLimit";

// Whether `o` is what `s` expects; when not, `why` says what differs.
bool as_expected(const Schedule& s, const Outcome& o, std::string& why);

// One line for an event, e.g. "deliver #3", "crash n2".
std::string describe(const Event& e);

// The JSON form. `to_json` adds, when `o` is a failed outcome and the
// schedule expects nothing yet, the expectation that reproduces it.
nlohmann::json to_json(const Schedule& s);
// Compact and still valid JSON: the header one member a line, one step a line.
std::string to_text(const Schedule& s);
// Throws BadTrace with a message naming the member at fault.
struct BadTrace : std::runtime_error {
  using std::runtime_error::runtime_error;
};
Schedule from_json(const nlohmann::json& j);

// The schedule with the expectation that `o` reproduces (a failing
// property's counterexample, written for replay).
Schedule expecting(Schedule s, const Outcome& o);

}  // namespace synod::trace
