// synod/net/kv_server.hpp - synod-kv: the Raft kernel + storage + transport
// + a RESP2 front end, driven by one single-threaded loop.
//
// The driver loop (one thread, one io_context) repeats:
//   1. run every ready I/O handler: peer frames go to node.step(), client
//      commands are parsed and queued into the current batch, timer
//      expirations call node.tick() once per elapsed tick (steady clock);
//   2. the reads gathered in step 1 ask for one read index together
//      (--read-mode readindex), then the leader proposes the queued
//      batches (one entry each);
//   3. messages() that may leave now are handed to the transport and
//      written at once (the leader's appends travel during its own fsync);
//   4. entries already committed are applied to the key-value map and the
//      replies written to their clients, then applied(); reads whose read
//      index is reached are answered, each at its index;
//   5. persist_request() is written to the WAL/hard state with ONE fsync
//      (group commit: everything queued in step 1 shares it), then
//      persisted(); the released messages are handed to the transport;
//   6. step 4 again (the leader's own fsync may complete a majority), then
//      socket writes start for every peer and client with queued bytes;
//   7. when --snapshot-entries entries were applied or --snapshot-bytes of
//      WAL written since the last snapshot, the key space is encoded as a
//      snapshot (snapshot.hpp) and a writer thread makes it durable; once
//      it has, node.compact() moves the log's base there and the WAL
//      segments below it are deleted.
//
// Snapshots received from a leader (InstallSnapshot, in chunks of the
// leader's --snapshot-chunk-bytes) are appended to DIR/snapshot.recv as the
// kernel accepts them and installed in step 5 (persist_request() has a
// snapshot part), before anything else of that request is written.
//
// Client semantics are documented in docs/adapters.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <synod/ids.hpp>

namespace synod::net {

struct PeerAddress {
  std::string host;
  std::uint16_t port = 0;
};

// How GET and EXISTS are served (see docs/adapters.md, "Reads").
enum class ReadMode : std::uint8_t {
  readindex,  // ReadIndex (thesis 6.4) on any node: no log entry per read
  log,        // through the Raft log, on the leader only (followers answer NOTLEADER)
  lease,      // ReadIndex with lease reads (raft::Options::lease_reads): within the
              // leader's lease no heartbeat round; assumes bounded clock drift
};

struct ServerOptions {
  NodeId id = kNoNode;
  std::map<NodeId, PeerAddress> cluster;    // ids 1..N
  std::uint64_t cluster_id = 0;
  std::string client_host = "127.0.0.1";
  std::uint16_t client_port = 0;
  std::string advertise_client;             // default client_host:client_port
  std::filesystem::path data_dir;
  std::chrono::milliseconds tick{10};
  std::uint32_t election_ticks_min = 15;
  std::uint32_t election_ticks_max = 30;
  std::uint32_t heartbeat_ticks = 3;
  bool pre_vote = true;                      // raft::Options::pre_vote (thesis 9.6)
  bool check_quorum = true;                  // raft::Options::check_quorum (thesis 6.2, 9.6)
  ReadMode read_mode = ReadMode::readindex;
  std::chrono::milliseconds read_timeout{1000};  // a read without an answer by then gets -TRYAGAIN
  bool fsync = true;
  std::size_t max_batch_bytes = 256u << 10;  // a batch (one log entry) closes past this size
  std::size_t max_batch_commands = 4096;
  // Snapshot when this many entries were applied, or this many WAL bytes
  // (and at least the last snapshot's size) written, since the last one
  // (0 and 0: never; received ones still install).
  std::uint64_t snapshot_entries = 1000000;
  std::uint64_t snapshot_bytes = 8u << 20;
  std::uint32_t snapshot_chunk_bytes = 1u << 20;  // InstallSnapshot chunk size (<= wire's kMaxSnapshotChunk)
  std::uint64_t seed = 0;                    // 0: from std::random_device
  bool quiet = false;
};

// Runs the server until SIGINT/SIGTERM. Returns the process exit status;
// throws StorageError (corrupt data dir) and std::system_error (cannot bind).
int run_server(const ServerOptions& options);

// A stable 64-bit id derived from the cluster membership text.
std::uint64_t cluster_id_from(const std::map<NodeId, PeerAddress>& cluster);

}  // namespace synod::net
