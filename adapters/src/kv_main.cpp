// kv_main.cpp - the synod-kv command line.
//
// Exit status: 0 after SIGINT/SIGTERM, 1 on a storage error (corrupt data
// directory: the message names the file and offset) or a runtime failure
// (e.g. a port in use), 2 on bad flags.
#include <synod/net/kv.hpp>
#include <synod/net/kv_server.hpp>
#include <synod/net/storage.hpp>
#include <synod/net/wire.hpp>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <exception>
#include <set>
#include <string>

namespace {

// Node ids synod-kv accepts: the kernel configuration's cluster capacity.
constexpr unsigned kMaxNodes = synod::net::kv::Config::max_nodes;

using synod::net::PeerAddress;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool parse_port(std::string_view s, std::uint16_t& port) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

PeerAddress parse_address(const std::string& text, const std::string& what) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) throw UsageError(fmt::format("{}: '{}' is not HOST:PORT", what, text));
  PeerAddress a;
  a.host = text.substr(0, colon);
  if (!parse_port(std::string_view(text).substr(colon + 1), a.port))
    throw UsageError(fmt::format("{}: bad port in '{}'", what, text));
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(a.host, ec);
  if (ec) throw UsageError(fmt::format("{}: '{}' is not an IP address (use e.g. 127.0.0.1)", what, a.host));
  return a;
}

std::map<synod::NodeId, PeerAddress> parse_cluster(const std::string& text) {
  std::map<synod::NodeId, PeerAddress> out;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw UsageError("--cluster: empty member (stray comma?)");
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw UsageError(fmt::format("--cluster: '{}' is not ID=HOST:PORT", item));
    unsigned id = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + eq, id);
    if (ec != std::errc() || p != item.data() + eq || id < 1 || id > kMaxNodes)
      throw UsageError(fmt::format("--cluster: bad node id in '{}' (ids are 1..{})", item, kMaxNodes));
    if (out.contains(static_cast<synod::NodeId>(id))) throw UsageError(fmt::format("--cluster: node id {} appears twice", id));
    PeerAddress a = parse_address(item.substr(eq + 1), "--cluster");
    const std::string key = a.host + ":" + std::to_string(a.port);
    if (!seen.insert(key).second) throw UsageError(fmt::format("--cluster: address {} appears twice", key));
    out.emplace(static_cast<synod::NodeId>(id), a);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  for (unsigned id = 1; id <= out.size(); ++id)
    if (!out.contains(static_cast<synod::NodeId>(id)))
      throw UsageError(fmt::format("--cluster: node ids must be 1..{} (missing {})", out.size(), id));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "synod-kv: a replicated key-value server on the synod Raft kernel.\n"
      "Clients speak RESP2 (redis-cli, redis-benchmark). Writes go through the Raft log on the leader\n"
      "and are answered once committed and applied; followers answer them with\n"
      "  -NOTLEADER leader <id> at <host:port>\n"
      "GET and EXISTS are linearizable on any node: with --read-mode readindex (the default) the node\n"
      "gets a read index from the leader (one heartbeat round, shared by concurrent reads, no log\n"
      "entry), waits until it has applied it and answers locally; no clock assumption.\n"
      "SYNOD.TRANSFER <id> on the leader hands leadership to node <id> and replies +OK once it leads\n"
      "(an error if the transfer is abandoned after an election timeout); followers answer NOTLEADER.\n"
      "Example (one of three nodes):\n"
      "  synod-kv --id 1 --cluster 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 \\\n"
      "           --client-port 6381 --data /tmp/kv1\n",
      "synod-kv"};
  unsigned id = 0;
  std::string cluster_text;
  unsigned client_port = 0;
  std::string data_dir;
  std::string client_host = "127.0.0.1";
  std::string advertise;
  std::string cluster_id_text;
  unsigned tick_ms = 10;
  unsigned election_min = 15;
  unsigned election_max = 30;
  unsigned heartbeat = 3;
  bool pre_vote = false;
  bool no_pre_vote = false;
  bool check_quorum = false;
  bool no_check_quorum = false;
  std::string read_mode = "readindex";
  unsigned read_timeout_ms = 1000;
  bool no_fsync = false;
  std::size_t max_batch_bytes = 256u << 10;
  std::uint64_t snapshot_entries = 1000000;
  std::uint64_t snapshot_bytes = 8u << 20;
  std::uint32_t snapshot_chunk_bytes = 1u << 20;
  bool quiet = false;

  app.add_option("--id", id, "this node's id in --cluster (1..7)")->required();
  app.add_option("--cluster", cluster_text,
                 "every member as ID=HOST:PORT, comma-separated, ids 1..N; the peer (Raft) addresses")
      ->required();
  app.add_option("--client-port", client_port, "TCP port for RESP clients")->required();
  app.add_option("--data", data_dir, "data directory (WAL segments, hard state, snapshot); created if missing")
      ->required();
  app.add_option("--client-host", client_host, "IP address to listen on for clients")->capture_default_str();
  app.add_option("--advertise-client", advertise,
                 "HOST:PORT other nodes name in NOTLEADER replies (default CLIENT-HOST:CLIENT-PORT)");
  app.add_option("--cluster-id", cluster_id_text,
                 "cluster identity checked in the peer handshake, 16 hex digits (default: derived from --cluster)");
  app.add_option("--tick-ms", tick_ms, "milliseconds per Raft tick")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--election-ticks-min", election_min, "minimum election timeout in ticks")->capture_default_str();
  app.add_option("--election-ticks-max", election_max, "maximum election timeout in ticks")->capture_default_str();
  app.add_option("--heartbeat-ticks", heartbeat, "leader heartbeat interval in ticks")->capture_default_str();
  app.add_option("--max-batch-bytes", max_batch_bytes, "close a client batch (one log entry) past this many bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{16} << 20));
  auto* pv = app.add_flag("--pre-vote", pre_vote,
                          "an election timeout asks for pre-votes first (Raft thesis 9.6): a node cut off from the "
                          "others does not raise its term (default on)");
  app.add_flag("--no-pre-vote", no_pre_vote, "turn pre-votes off: elections as in the Raft paper")->excludes(pv);
  auto* cq = app.add_flag("--check-quorum", check_quorum,
                          "a leader that has not heard from a majority within an election timeout steps down, and a "
                          "node that hears from a live leader ignores vote requests (Raft thesis 6.2, 9.6; default on)");
  app.add_flag("--no-check-quorum", no_check_quorum, "turn check-quorum (and leader stickiness) off")->excludes(cq);
  app.add_option("--read-mode", read_mode,
                 "how GET/EXISTS are served: readindex = on any node via ReadIndex, no log entry; lease = the "
                 "same, but within the leader's lease (an election timeout less 2 ticks after a read round) "
                 "without a heartbeat round, assuming no clock runs more than 2 ticks slow per election "
                 "timeout (needs check-quorum); log = through the Raft log on the leader only (followers "
                 "answer NOTLEADER)")
      ->capture_default_str()
      ->check(CLI::IsMember({"readindex", "lease", "log"}));
  app.add_option("--read-timeout-ms", read_timeout_ms,
                 "a ReadIndex read not answered within this many ms gets -TRYAGAIN (leader unreachable)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 600000u));
  app.add_option("--snapshot-entries", snapshot_entries,
                 "snapshot the key space (and delete the WAL below it) once this many log entries were applied "
                 "since the last snapshot; 0: never by count")
      ->capture_default_str();
  app.add_option("--snapshot-bytes", snapshot_bytes,
                 "... or once this many WAL bytes, and at least the last snapshot's size, were written since "
                 "the last snapshot (disk stays near twice the live data); 0: never by size (both 0: no "
                 "snapshots; snapshots from a leader still install)")
      ->capture_default_str();
  app.add_option("--snapshot-chunk-bytes", snapshot_chunk_bytes,
                 "send snapshots to followers that need them in chunks of this many bytes (InstallSnapshot)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{1024}, synod::net::kMaxSnapshotChunk));
  app.add_flag("--no-fsync", no_fsync, "DANGEROUS: skip fdatasync (acknowledged writes can be lost on a crash)");
  app.add_flag("--quiet", quiet, "log nothing but errors");
  app.set_version_flag("--version", std::string("synod-kv ") + SYNOD_VERSION);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "synod-kv: %s\nRun 'synod-kv --help' for the flags.\n", e.what());
    return 2;
  }

  synod::net::ServerOptions o;
  try {
    o.cluster = parse_cluster(cluster_text);
    if (id < 1 || id > kMaxNodes || !o.cluster.contains(static_cast<synod::NodeId>(id)))
      throw UsageError(fmt::format("--id {} is not a member of --cluster", id));
    o.id = static_cast<synod::NodeId>(id);
    if (client_port < 1 || client_port > 65535) throw UsageError("--client-port must be 1..65535");
    o.client_port = static_cast<std::uint16_t>(client_port);
    (void)parse_address(client_host + ":1", "--client-host");
    o.client_host = client_host;
    o.advertise_client = advertise.empty() ? fmt::format("{}:{}", client_host, client_port) : advertise;
    if (!advertise.empty()) (void)parse_address(advertise, "--advertise-client");
    if (data_dir.empty()) throw UsageError("--data must not be empty");
    o.data_dir = data_dir;
    if (cluster_id_text.empty()) {
      o.cluster_id = synod::net::cluster_id_from(o.cluster);
    } else {
      auto [p, ec] = std::from_chars(cluster_id_text.data(), cluster_id_text.data() + cluster_id_text.size(),
                                     o.cluster_id, 16);
      if (ec != std::errc() || p != cluster_id_text.data() + cluster_id_text.size() || cluster_id_text.size() > 16)
        throw UsageError("--cluster-id must be up to 16 hex digits");
    }
    if (election_min < 2 || election_max < election_min)
      throw UsageError("--election-ticks-min must be >= 2 and <= --election-ticks-max");
    if (heartbeat < 1 || heartbeat >= election_min)
      throw UsageError("--heartbeat-ticks must be >= 1 and below --election-ticks-min");
    o.tick = std::chrono::milliseconds(tick_ms);
    o.election_ticks_min = election_min;
    o.election_ticks_max = election_max;
    o.heartbeat_ticks = heartbeat;
    o.pre_vote = !no_pre_vote;
    o.check_quorum = !no_check_quorum;
    o.read_mode = read_mode == "log"     ? synod::net::ReadMode::log
                  : read_mode == "lease" ? synod::net::ReadMode::lease
                                         : synod::net::ReadMode::readindex;
    if (o.read_mode == synod::net::ReadMode::lease && no_check_quorum)
      throw UsageError("--read-mode lease needs check-quorum (drop --no-check-quorum)");
    o.read_timeout = std::chrono::milliseconds(read_timeout_ms);
    o.fsync = !no_fsync;
    o.max_batch_bytes = max_batch_bytes;
    o.snapshot_entries = snapshot_entries;
    o.snapshot_bytes = snapshot_bytes;
    o.snapshot_chunk_bytes = snapshot_chunk_bytes;
    o.quiet = quiet;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "synod-kv: %s\nRun 'synod-kv --help' for the flags.\n", e.what());
    return 2;
  }

  try {
    return synod::net::run_server(o);
  } catch (const synod::net::StorageError& e) {
    std::fprintf(stderr, "synod-kv: %s\nsynod-kv: refusing to start; inspect or restore the data directory.\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "synod-kv: fatal: %s\n", e.what());
    return 1;
  }
}
