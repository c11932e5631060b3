// schedule.cpp - schedules as JSON traces, and the one dispatch to a runner.
#include "schedule.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "paxos_runner.hpp"
#include "raft_runner.hpp"

namespace synod::props {

namespace {

struct OpName {
  Op op;
  const char* name;
};

constexpr OpName kOps[] = {
    {Op::tick, "tick"},         {Op::campaign, "campaign"},   {Op::heartbeat, "heartbeat"},
    {Op::start_round, "start_round"}, {Op::deliver, "deliver"}, {Op::drop, "drop"},
    {Op::duplicate, "duplicate"}, {Op::partition, "partition"}, {Op::heal, "heal"},
    {Op::crash, "crash"},       {Op::restart, "restart"},     {Op::persist, "persist"},
    {Op::propose, "propose"},
};

bool has_node(Op op) {
  switch (op) {
    case Op::deliver:
    case Op::drop:
    case Op::duplicate:
    case Op::partition:
    case Op::heal:
      return false;
    default:
      return true;
  }
}

bool is_network(Op op) { return op == Op::deliver || op == Op::drop || op == Op::duplicate; }

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error("trace: " + what); }

template <class T>
T unsigned_field(const nlohmann::json& j, const char* key, std::uint64_t max, const std::string& where) {
  if (!j.contains(key)) bad(where + ": missing \"" + key + "\"");
  const auto& v = j.at(key);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    bad(where + ": \"" + key + "\" must be a non-negative integer");
  const auto x = v.get<std::uint64_t>();
  if (x > max) bad(where + ": \"" + key + "\" is out of range");
  return static_cast<T>(x);
}

// An action of synod-check's trace: {"kind": ..., "node": ..., "message": {...}}.
// `proposal` counts the proposals so far; the checker's k-th proposal is value k.
Event checker_action(const nlohmann::json& a, const Schedule& s, const std::string& where, std::uint32_t& proposal) {
  if (!a.at("kind").is_string()) bad(where + ": \"kind\" must be a string");
  const std::string kind = a.at("kind").get<std::string>();
  Event e;
  if (kind == "timeout") {
    e.op = s.model == "paxos" ? Op::start_round : Op::campaign;
  } else if (!parse_op(kind, e.op)) {
    bad(where + ": unknown checker action kind \"" + kind + "\"");
  }
  if (a.contains("node")) e.node = unsigned_field<std::uint8_t>(a, "node", s.nodes, where);
  if (is_network(e.op)) {
    if (!a.contains("message") || !a.at("message").is_object()) bad(where + ": \"" + kind + "\" needs a \"message\" object");
    e.message = a.at("message").dump();
  }
  if (e.op == Op::propose) e.arg = a.contains("value") ? unsigned_field<std::uint32_t>(a, "value", UINT32_MAX, where) : ++proposal;
  return e;
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
  if (e.op == Op::propose) {
    return s + " " + std::to_string(e.arg) + " at " + (e.node == 0 ? std::string("leader") : "n" + std::to_string(e.node));
  }
  return s + " n" + std::to_string(e.node);
}

nlohmann::json to_trace(const Schedule& s, const Outcome* outcome) {
  nlohmann::json steps = nlohmann::json::array();
  steps.push_back({{"step", 0}, {"action", nullptr}, {"text", "initial state"}});
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const Event& e = s.events[i];
    nlohmann::json a = {{"type", to_string(e.op)}};
    if (has_node(e.op)) a["node"] = e.node;
    if (is_network(e.op)) a["index"] = e.arg;
    if (!e.message.empty()) a["message"] = nlohmann::json::parse(e.message);
    if (e.op == Op::partition) a["mask"] = e.arg;
    if (e.op == Op::propose) a["value"] = e.arg;
    steps.push_back({{"step", i + 1}, {"action", std::move(a)}, {"text", describe(e)}});
  }
  nlohmann::json j = {{"format", "synod-trace/1"},
                      {"model", s.model},
                      {"source", "properties"},
                      {"nodes", s.nodes},
                      {"seed", s.seed},
                      {"liveness", s.liveness},
                      {"noop_on_election", s.noop_on_election},
                      {"bounds", nlohmann::json::object()},
                      {"steps", std::move(steps)}};
  if (outcome != nullptr && !outcome->ok) {
    j["property"] = outcome->property;
    j["violation"] = {{"property", outcome->property}, {"step", outcome->step}, {"detail", outcome->detail}};
  }
  return j;
}

// Compact and still valid JSON: the header on one line each, one step per line.
std::string to_trace_text(const Schedule& s, const Outcome* outcome) {
  nlohmann::json j = to_trace(s, outcome);
  nlohmann::json steps = std::move(j["steps"]);
  j.erase("steps");
  std::string out = "{\n";
  for (auto it = j.begin(); it != j.end(); ++it) out += " " + nlohmann::json(it.key()).dump() + ": " + it.value().dump() + ",\n";
  out += " \"steps\": [\n";
  for (std::size_t i = 0; i < steps.size(); ++i) out += "  " + steps[i].dump() + (i + 1 < steps.size() ? ",\n" : "\n");
  out += " ]\n}";
  return out;
}

Schedule from_trace(const nlohmann::json& j) {
  if (!j.is_object()) bad("the top level must be a JSON object");
  if (!j.contains("format") || j.at("format") != "synod-trace/1") bad("\"format\" must be \"synod-trace/1\"");
  Schedule s;
  if (!j.contains("model") || !j.at("model").is_string()) bad("\"model\" must be a string");
  s.model = j.at("model").get<std::string>();
  if (s.model != "raft" && s.model != "paxos") bad("\"model\" must be \"raft\" or \"paxos\", not \"" + s.model + "\"");
  const bool from_checker = !j.contains("nodes") && j.contains("bounds") && j.at("bounds").is_object() &&
                            j.at("bounds").contains("nodes");
  s.nodes = unsigned_field<std::uint8_t>(from_checker ? j.at("bounds") : j, "nodes", 7, "top level");
  if (from_checker && j.at("bounds").contains("noop_on_election") && j.at("bounds").at("noop_on_election").is_boolean())
    s.noop_on_election = j.at("bounds").at("noop_on_election").get<bool>();
  if (s.nodes < 1) bad("\"nodes\" must be 1..7");
  s.seed = j.contains("seed") ? unsigned_field<std::uint64_t>(j, "seed", UINT64_MAX, "top level") : 1;
  if (j.contains("noop_on_election")) {
    if (!j.at("noop_on_election").is_boolean()) bad("\"noop_on_election\" must be true or false");
    s.noop_on_election = j.at("noop_on_election").get<bool>();
  }
  if (j.contains("liveness")) {
    if (!j.at("liveness").is_boolean()) bad("\"liveness\" must be true or false");
    s.liveness = j.at("liveness").get<bool>();
  }
  if (!j.contains("steps") || !j.at("steps").is_array()) bad("\"steps\" must be an array");
  std::uint32_t checker_proposals = 0;
  for (const auto& step : j.at("steps")) {
    const std::string where = "step " + (step.contains("step") ? step.at("step").dump() : std::string("?"));
    if (!step.is_object() || !step.contains("action")) bad(where + ": needs an \"action\"");
    const auto& a = step.at("action");
    if (a.is_null()) continue;  // the initial state
    if (a.is_object() && a.contains("kind") && !a.contains("type")) {
      s.events.push_back(checker_action(a, s, where, checker_proposals));
      continue;
    }
    if (!a.is_object() || !a.contains("type") || !a.at("type").is_string())
      bad(where + ": \"action\" must be an object with a string \"type\"");
    Event e;
    if (!parse_op(a.at("type").get<std::string>(), e.op))
      bad(where + ": unknown action type \"" + a.at("type").get<std::string>() + "\"");
    if (has_node(e.op)) {
      e.node = unsigned_field<std::uint8_t>(a, "node", s.nodes, where);
      if (e.node == 0 && e.op != Op::propose) bad(where + ": \"node\" must be 1.." + std::to_string(s.nodes));
    }
    if (is_network(e.op)) {
      if (a.contains("message")) {
        if (!a.at("message").is_object()) bad(where + ": \"message\" must be an object");
        e.message = a.at("message").dump();
      } else {
        e.arg = unsigned_field<std::uint32_t>(a, "index", UINT32_MAX, where);
      }
    }
    if (e.op == Op::partition) e.arg = unsigned_field<std::uint32_t>(a, "mask", 0xFFu, where);
    if (e.op == Op::propose) e.arg = unsigned_field<std::uint32_t>(a, "value", UINT32_MAX, where);
    s.events.push_back(e);
  }
  return s;
}

Outcome run(const Schedule& s) {
  if (s.model == "paxos") return run_paxos(s);
  return run_raft(s);
}

}  // namespace synod::props
