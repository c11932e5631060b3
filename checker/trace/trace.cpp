// trace.cpp - the synod-trace/2 format: schedules to and from JSON.
#include "synod/trace/trace.hpp"

#include <nlohmann/json.hpp>

namespace synod::trace {

namespace {

struct OpName {
  Op op;
  const char* name;
};

constexpr OpName kOps[] = {
    {Op::tick, "tick"},           {Op::campaign, "campaign"},   {Op::heartbeat, "heartbeat"},
    {Op::start_round, "start_round"}, {Op::deliver, "deliver"}, {Op::drop, "drop"},
    {Op::duplicate, "duplicate"}, {Op::partition, "partition"}, {Op::heal, "heal"},
    {Op::crash, "crash"},         {Op::restart, "restart"},     {Op::persist, "persist"},
    {Op::propose, "propose"},     {Op::lease, "lease"},         {Op::transfer, "transfer"},
    {Op::read, "read"},           {Op::compact, "compact"},
};

struct ExpectName {
  Expect expect;
  const char* name;
};
constexpr ExpectName kExpects[] = {
    {Expect::ok, "ok"}, {Expect::violation, "violation"}, {Expect::not_reproduced, "not-reproduced"}};

bool has_node(Op op) { return !is_network(op) && op != Op::partition && op != Op::heal; }

[[noreturn]] void bad(const std::string& what) { throw BadTrace("trace: " + what); }

std::uint64_t unsigned_member(const nlohmann::json& j, const char* key, std::uint64_t max, const std::string& where) {
  if (!j.contains(key)) bad(where + ": missing \"" + key + "\"");
  const auto& v = j.at(key);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    bad(where + ": \"" + key + "\" must be a non-negative integer");
  const auto x = v.get<std::uint64_t>();
  if (x > max) bad(where + ": \"" + key + "\" must be at most " + std::to_string(max));
  return x;
}

bool bool_member(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) return false;
  if (!j.at(key).is_boolean()) bad(where + ": \"" + key + "\" must be true or false");
  return j.at(key).get<bool>();
}

std::string string_member(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_string()) bad(where + ": \"" + key + "\" must be a string");
  return j.at(key).get<std::string>();
}

}  // namespace

const char* to_string(Op op) {
  for (const auto& o : kOps)
    if (o.op == op) return o.name;
  return "?";
}

bool parse_op(const std::string& s, Op& out) {
  for (const auto& o : kOps)
    if (s == o.name) {
      out = o.op;
      return true;
    }
  return false;
}

bool is_network(Op op) { return op == Op::deliver || op == Op::drop || op == Op::duplicate; }

std::string describe(const Event& e) {
  std::string s = to_string(e.op);
  if (is_network(e.op)) return s + (e.message.empty() ? " #" + std::to_string(e.arg) : " " + e.message);
  if (e.op == Op::partition) {
    std::string side;
    for (unsigned id = 1; id <= 8; ++id)
      if ((e.arg >> id) & 1u) side += (side.empty() ? "n" : ",n") + std::to_string(id);
    return s + " {" + side + "} | rest";
  }
  if (e.op == Op::heal) return s;
  if (e.op == Op::propose)
    return s + " " + std::to_string(e.arg) + " at " + (e.node == 0 ? std::string("leader") : "n" + std::to_string(e.node));
  if (e.op == Op::transfer) return s + " n" + std::to_string(e.node) + " -> n" + std::to_string(e.arg);
  if (e.op == Op::read) return s + " " + std::to_string(e.arg) + " at n" + std::to_string(e.node);
  if (e.op == Op::compact)
    return s + " n" + std::to_string(e.node) + (e.arg == 0 ? std::string(" at its applied index") : " at " + std::to_string(e.arg));
  return s + " n" + std::to_string(e.node);
}

bool as_expected(const Schedule& s, const Outcome& o, std::string& why) {
  switch (s.expect) {
    case Expect::ok:
      if (o.ok) return true;
      why = "expected no violation, got " + o.property;
      return false;
    case Expect::violation:
      if (!o.ok && o.property == s.property) return true;
      why = "expected a violation of " + s.property + ", got " + (o.ok ? std::string("none") : o.property);
      return false;
    case Expect::not_reproduced:
      if (o.ok || o.property == kDiverged) return true;
      why = "expected " + s.property + " not to be reproduced nor any other violation, got " + o.property;
      return false;
  }
  return false;
}

Schedule expecting(Schedule s, const Outcome& o) {
  s.expect = o.ok ? Expect::ok : Expect::violation;
  s.property = o.ok ? std::string() : o.property;
  return s;
}

nlohmann::json to_json(const Schedule& s) {
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const Event& e = s.events[i];
    nlohmann::json a = {{"type", to_string(e.op)}};
    if (has_node(e.op)) a["node"] = e.node;
    if (is_network(e.op)) {
      if (e.message.empty()) {
        a["index"] = e.arg;
      } else {
        a["message"] = nlohmann::json::parse(e.message);
      }
    }
    if (e.op == Op::partition) a["mask"] = e.arg;
    if (e.op == Op::propose) a["value"] = e.arg;
    if (e.op == Op::transfer) a["target"] = e.arg;
    if (e.op == Op::read) a["id"] = e.arg;
    if (e.op == Op::compact && e.arg != 0) a["upto"] = e.arg;
    steps.push_back({{"step", i + 1}, {"action", std::move(a)}, {"text", describe(e)}});
  }
  nlohmann::json cluster = {{"kernel", s.kernel}, {"nodes", s.nodes}, {"seed", s.seed}};
  if (s.acceptors != 0) cluster["acceptors"] = s.acceptors;
  if (s.noop_on_election) cluster["noop_on_election"] = true;
  if (s.pre_vote) cluster["pre_vote"] = true;
  if (s.check_quorum) cluster["check_quorum"] = true;
  if (s.lease_reads) cluster["lease_reads"] = true;
  if (s.lossy_disk) cluster["lossy_disk"] = true;
  if (s.snapshot_chunks != 1) cluster["snapshot_chunks"] = s.snapshot_chunks;
  nlohmann::json expect = {{"result", "ok"}};
  for (const auto& x : kExpects)
    if (x.expect == s.expect) expect["result"] = x.name;
  if (s.expect != Expect::ok) expect["property"] = s.property;
  nlohmann::json j = {{"format", kFormat}, {"protocol", s.protocol}, {"cluster", std::move(cluster)},
                      {"liveness", s.liveness}, {"expect", std::move(expect)}, {"steps", std::move(steps)}};
  if (s.step_limit != 0) j["step_limit"] = s.step_limit;
  if (!s.source.empty()) j["source"] = s.source;
  return j;
}

std::string to_text(const Schedule& s) {
  nlohmann::json j = to_json(s);
  nlohmann::json steps = std::move(j["steps"]);
  j.erase("steps");
  std::string out = "{\n";
  for (auto it = j.begin(); it != j.end(); ++it) out += " " + nlohmann::json(it.key()).dump() + ": " + it.value().dump() + ",\n";
  out += " \"steps\": [\n";
  for (std::size_t i = 0; i < steps.size(); ++i) out += "  " + steps[i].dump() + (i + 1 < steps.size() ? ",\n" : "\n");
  out += " ]\n}";
  return out;
}

Schedule from_json(const nlohmann::json& j) {
  if (!j.is_object()) bad("the top level must be a JSON object");
  if (!j.contains("format") || !j.at("format").is_string()) bad("\"format\" must be \"" + std::string(kFormat) + "\"");
  const std::string format = j.at("format").get<std::string>();
  if (format != kFormat)
    bad("\"format\" is \"" + format + "\"; this replayer reads \"" + kFormat +
        "\" (re-run the search or the property that wrote the trace)");
  Schedule s;
  s.protocol = string_member(j, "protocol", "top level");
  if (s.protocol != "raft" && s.protocol != "paxos")
    bad("\"protocol\" must be \"raft\" or \"paxos\", not \"" + s.protocol + "\"");
  if (j.contains("source")) s.source = string_member(j, "source", "top level");
  if (!j.contains("cluster") || !j.at("cluster").is_object()) bad("\"cluster\" must be an object");
  const auto& c = j.at("cluster");
  s.kernel = string_member(c, "kernel", "cluster");
  const bool raft = s.protocol == "raft";
  if (raft ? (s.kernel != "test" && s.kernel != "test-1" && s.kernel != "check-3" && s.kernel != "check-5")
           : (s.kernel != "test" && s.kernel != "check"))
    bad("cluster: \"kernel\" must be " +
        std::string(raft ? "\"test\", \"test-1\", \"check-3\" or \"check-5\"" : "\"test\" or \"check\"") + " for " +
        s.protocol + ", not \"" + s.kernel + "\"");
  const std::uint64_t max_nodes = s.kernel == "check-3" ? 3 : s.kernel == "check-5" ? 5 : s.kernel == "check" ? 6 : 7;
  s.nodes = static_cast<std::uint8_t>(unsigned_member(c, "nodes", max_nodes, "cluster"));
  if (s.nodes < 1) bad("cluster: \"nodes\" must be 1.." + std::to_string(max_nodes));
  if (c.contains("acceptors")) {
    if (raft) bad("cluster: \"acceptors\" is for paxos");
    s.acceptors = static_cast<std::uint8_t>(unsigned_member(c, "acceptors", s.nodes - 1u, "cluster"));
  }
  if (!raft && s.kernel == "check" && s.acceptors == 0) bad("cluster: the checker's Paxos kernel needs \"acceptors\"");
  s.seed = c.contains("seed") ? unsigned_member(c, "seed", UINT64_MAX, "cluster") : 1;
  s.noop_on_election = bool_member(c, "noop_on_election", "cluster");
  if (s.noop_on_election && !raft) bad("cluster: \"noop_on_election\" is for raft");
  s.pre_vote = bool_member(c, "pre_vote", "cluster");
  if (s.pre_vote && !raft) bad("cluster: \"pre_vote\" is for raft");
  s.check_quorum = bool_member(c, "check_quorum", "cluster");
  if (s.check_quorum && !raft) bad("cluster: \"check_quorum\" is for raft");
  s.lease_reads = bool_member(c, "lease_reads", "cluster");
  if (s.lease_reads && !(raft && s.check_quorum)) bad("cluster: \"lease_reads\" is for raft with \"check_quorum\"");
  s.lossy_disk = bool_member(c, "lossy_disk", "cluster");
  if (c.contains("snapshot_chunks")) {
    if (!raft) bad("cluster: \"snapshot_chunks\" is for raft");
    s.snapshot_chunks = static_cast<std::uint32_t>(unsigned_member(c, "snapshot_chunks", 1u << 16, "cluster"));
    if (s.snapshot_chunks == 0) bad("cluster: \"snapshot_chunks\" must be 1.." + std::to_string(1u << 16));
  }
  s.liveness = bool_member(j, "liveness", "top level");
  if (j.contains("step_limit")) {
    if (!s.liveness) bad("\"step_limit\" bounds the liveness phase: it needs \"liveness\": true");
    s.step_limit = unsigned_member(j, "step_limit", UINT32_MAX, "top level");
    if (s.step_limit == 0) bad("top level: \"step_limit\" must be 1.." + std::to_string(UINT32_MAX) + " (left out: no limit)");
  }

  if (!j.contains("expect") || !j.at("expect").is_object()) bad("\"expect\" must be an object");
  const std::string result = string_member(j.at("expect"), "result", "expect");
  bool known = false;
  for (const auto& x : kExpects)
    if (result == x.name) {
      s.expect = x.expect;
      known = true;
    }
  if (!known) bad("expect: \"result\" must be \"ok\", \"violation\" or \"not-reproduced\", not \"" + result + "\"");
  if (s.expect != Expect::ok) s.property = string_member(j.at("expect"), "property", "expect");

  if (!j.contains("steps") || !j.at("steps").is_array()) bad("\"steps\" must be an array");
  for (const auto& step : j.at("steps")) {
    const std::string where = "step " + (step.is_object() && step.contains("step") ? step.at("step").dump() : "?");
    if (!step.is_object() || !step.contains("action")) bad(where + ": needs an \"action\"");
    const auto& a = step.at("action");
    if (a.is_null()) continue;  // an initial state, as the checker writes it
    if (!a.is_object() || !a.contains("type") || !a.at("type").is_string())
      bad(where + ": \"action\" must be an object with a string \"type\"");
    Event e;
    const std::string type = a.at("type").get<std::string>();
    if (!parse_op(type, e.op)) bad(where + ": unknown action type \"" + type + "\"");
    if ((e.op == Op::campaign || e.op == Op::heartbeat || e.op == Op::lease || e.op == Op::transfer ||
         e.op == Op::read || e.op == Op::compact) &&
        !raft)
      bad(where + ": \"" + type + "\" is a Raft action");
    if (e.op == Op::start_round && raft) bad(where + ": \"start_round\" is a Paxos action");
    if (has_node(e.op)) {
      e.node = static_cast<std::uint8_t>(unsigned_member(a, "node", s.nodes, where));
      if (e.node == 0 && !((e.op == Op::propose || e.op == Op::transfer) && raft))
        bad(where + ": \"node\" must be 1.." + std::to_string(s.nodes));
    }
    if (is_network(e.op)) {
      if (a.contains("message")) {
        if (!a.at("message").is_object()) bad(where + ": \"message\" must be an object");
        e.message = a.at("message").dump();
      } else {
        e.arg = unsigned_member(a, "index", UINT32_MAX, where);
      }
    }
    if (e.op == Op::partition) e.arg = unsigned_member(a, "mask", 0x1FEu, where);
    if (e.op == Op::propose) e.arg = unsigned_member(a, "value", UINT32_MAX, where);
    if (e.op == Op::transfer) {
      e.arg = unsigned_member(a, "target", s.nodes, where);
      if (e.arg == 0) bad(where + ": \"target\" must be 1.." + std::to_string(s.nodes));
    }
    if (e.op == Op::read) e.arg = unsigned_member(a, "id", UINT32_MAX, where);
    if (e.op == Op::compact && a.contains("upto")) e.arg = unsigned_member(a, "upto", UINT32_MAX, where);
    s.events.push_back(std::move(e));
  }
  return s;
}

}  // namespace synod::trace
