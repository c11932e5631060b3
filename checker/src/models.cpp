// models.cpp - the model registry: name, bounds (defaults = the quick
// configuration), and how to build the model from its bounds.
#include "models.hpp"

#include "paxos_model.hpp"
#include "raft_model.hpp"
#include "toy/two_phase_commit.hpp"
#include "toy/water_jug.hpp"

namespace synod::check::models {

namespace {
template <class T>
T as(const cli::Bounds& b, const char* key) {
  return static_cast<T>(b.at(key));
}
}  // namespace

std::vector<cli::ModelEntry> registry() {
  std::vector<cli::ModelEntry> r;
  r.push_back({"water-jug",
               "the Die Hard water-jug puzzle (toy; its invariant fails when the target is measurable)",
               {{"small", 3, 1, 100, "small jug capacity"},
                {"big", 5, 1, 100, "big jug capacity"},
                {"target", 4, 0, 100, "gallons the big jug must never hold"}},
               [](const cli::Bounds& b, const cli::RunConfig& cfg) {
                 const toy::WaterJug model(as<std::uint8_t>(b, "small"), as<std::uint8_t>(b, "big"),
                                           as<std::uint8_t>(b, "target"));
                 return cli::run_model(model, b, cfg);
               }});
  r.push_back({"two-phase-commit",
               "two-phase commit with N resource managers (toy; symmetric over RMs)",
               {{"rms", 3, 1, 8, "resource managers"},
                {"buggy_tm", 0, 0, 1, "1: the TM commits on a majority of prepared (a seeded bug)"}},
               [](const cli::Bounds& b, const cli::RunConfig& cfg) {
                 const toy::TwoPhaseCommit model(as<std::size_t>(b, "rms"), b.at("buggy_tm") != 0);
                 return cli::run_model(model, b, cfg);
               }});
  r.push_back({"raft",
               "Raft: N kernel nodes, a bounded network, drops/duplicates/crashes, client proposals",
               {{"nodes", 3, 1, 5, "cluster size"},
                {"max_term", 2, 1, 8, "no node campaigns beyond this term"},
                {"max_log", 1, 0, 4, "a leader accepts proposals while its log is shorter"},
                {"max_msgs", 2, 1, 7, "messages in flight (states with more are outside the bounds)"},
                {"drops", 0, 0, 9, "messages the network may drop"},
                {"dups", 0, 0, 9, "messages the network may duplicate"},
                {"crashes", 1, 0, 9, "node crashes (a crashed node may restart)"},
                {"proposals", 1, 0, 9, "client proposals"},
                {"noop", 0, 0, 1, "1: a new leader appends a no-op entry (thesis 6.4)"},
                {"prevote", 0, 0, 1, "1: an election timeout asks for pre-votes first (thesis 9.6)"},
                {"checkquorum", 0, 0, 1,
                 "1: CheckQuorum, a leader steps down without a quorum, leader stickiness (thesis 6.2, 9.6)"},
                {"transfers", 0, 0, 4, "leadership transfers clients may ask for (TimeoutNow, thesis 3.10)"},
                {"reads", 0, 0, 4, "client reads (ReadIndex, thesis 6.4), at any node"},
                {"leasereads", 0, 0, 1,
                 "1: lease reads (thesis 6.4.1; needs checkquorum); timers fire as the clock assumption allows"},
                {"lossy_disk", 0, 0, 1, "1: seeded fault, the disk silently loses term/vote writes"},
                {"compactions", 0, 0, 4, "log compactions (snapshots at the applied index) the nodes may take"},
                {"chunks", 1, 1, 4, "chunks a snapshot is sent in (InstallSnapshot)"}},
               [](const cli::Bounds& b, const cli::RunConfig& cfg) {
                 RaftBounds rb;
                 rb.nodes = as<std::size_t>(b, "nodes");
                 rb.max_term = as<raft::Term>(b, "max_term");
                 rb.max_log = as<raft::Index>(b, "max_log");
                 rb.max_msgs = as<std::size_t>(b, "max_msgs");
                 rb.drops = as<std::uint8_t>(b, "drops");
                 rb.dups = as<std::uint8_t>(b, "dups");
                 rb.crashes = as<std::uint8_t>(b, "crashes");
                 rb.proposals = as<std::uint8_t>(b, "proposals");
                 rb.noop_on_election = b.at("noop") != 0;
                 rb.pre_vote = b.at("prevote") != 0;
                 rb.check_quorum = b.at("checkquorum") != 0;
                 rb.transfers = as<std::uint8_t>(b, "transfers");
                 rb.reads = as<std::uint8_t>(b, "reads");
                 rb.lease_reads = b.at("leasereads") != 0;
                 rb.lossy_disk = b.at("lossy_disk") != 0;
                 rb.compactions = as<std::uint8_t>(b, "compactions");
                 rb.chunks = as<std::uint8_t>(b, "chunks");
                 if (rb.nodes <= 3) return cli::run_model(RaftModel<3>(rb), b, cfg);
                 return cli::run_model(RaftModel<5>(rb), b, cfg);
               }});
  r.push_back({"paxos",
               "Basic Paxos: acceptor and proposer kernel nodes, a bounded network, drops/duplicates/crashes",
               {{"acceptors", 3, 1, 5, "acceptor nodes (ids 1..A)"},
                {"proposers", 2, 1, 3, "proposer+learner nodes (ids A+1..A+P)"},
                {"values", 2, 1, 3, "distinct values the proposers are given"},
                {"max_round", 1, 1, 8, "no proposer begins a round above this"},
                {"max_msgs", 3, 1, 10, "messages in flight (states with more are outside the bounds)"},
                {"drops", 0, 0, 9, "messages the network may drop"},
                {"dups", 0, 0, 9, "messages the network may duplicate"},
                {"crashes", 1, 0, 9, "node crashes (a crashed node may restart)"},
                {"lossy_disk", 0, 0, 1, "1: seeded fault, acceptors' promises are not written to disk"}},
               [](const cli::Bounds& b, const cli::RunConfig& cfg) {
                 PaxosBounds pb;
                 pb.acceptors = as<std::size_t>(b, "acceptors");
                 pb.proposers = as<std::size_t>(b, "proposers");
                 pb.values = as<std::size_t>(b, "values");
                 pb.max_round = as<paxos::Round>(b, "max_round");
                 pb.max_msgs = as<std::size_t>(b, "max_msgs");
                 pb.drops = as<std::uint8_t>(b, "drops");
                 pb.dups = as<std::uint8_t>(b, "dups");
                 pb.crashes = as<std::uint8_t>(b, "crashes");
                 pb.lossy_disk = b.at("lossy_disk") != 0;
                 if (pb.acceptors + pb.proposers > PaxosModel::kMaxNodes)
                   throw std::invalid_argument("paxos: acceptors + proposers must be at most 6");
                 return cli::run_model(PaxosModel(pb), b, cfg);
               }});
  return r;
}

}  // namespace synod::check::models
