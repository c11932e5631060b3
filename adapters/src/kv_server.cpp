// kv_server.cpp - synod-kv's driver loop, client front end and apply path.
#include <synod/net/crc32c.hpp>
#include <synod/net/kv.hpp>
#include <synod/net/kv_server.hpp>
#include <synod/net/resp.hpp>
#include <synod/net/snapshot.hpp>
#include <synod/net/storage.hpp>
#include <synod/net/transport.hpp>
#include <synod/net/wire.hpp>
#include <synod/raft/node.hpp>

#include <utility>  // Boost 1.74 asio/awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <exception>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <unordered_map>
#include <vector>

namespace synod::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::uint64_t cluster_id_from(const std::map<NodeId, PeerAddress>& cluster) {
  std::string text;
  for (const auto& [id, a] : cluster) text += fmt::format("{}={}:{},", id, a.host, a.port);
  const std::uint64_t lo = crc32c(text.data(), text.size());
  const std::uint64_t hi = crc32c(text.data(), text.size(), 0x5eed);
  return (hi << 32) | lo;
}

namespace {

using NodeT = raft::Node<kv::Config, kv::Log>;

// Large buffers (an encoded snapshot, a compacted log's old array) go back
// to the system when freed: glibc would otherwise raise its mmap threshold
// after the first such free and keep later ones in its heap, so RSS would
// follow the high-water mark, not the live data. (malloc_trim after each
// snapshot does the same but walks the whole heap: tens of ms in the loop.)
void return_large_frees_to_the_system() {
#if defined(__GLIBC__)
  (void)::mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

// Fault injection for the crash tests: SYNOD_KV_CRASH_AT=<step> makes the
// process exit (as a crash would: no flush, no cleanup) when it reaches that
// step of writing or installing a snapshot. Steps: docs/adapters.md.
const char* g_crash_at = nullptr;

void crash_point(const char* step) {
  if (g_crash_at == nullptr || std::strcmp(g_crash_at, step) != 0) return;
  std::fprintf(stderr, "synod-kv: SYNOD_KV_CRASH_AT=%s: exiting as a crash would\n", step);
  ::_exit(86);
}

constexpr std::size_t kMaxPendingReplies = 1u << 16;  // per client: stop reading beyond this
constexpr std::size_t kMaxRequestBuffer = 16u << 20;  // per client: one incomplete command at most
constexpr std::size_t kMaxUnsentReplies = 64u << 20;  // per client: stop reading while more is unsent

struct Client;

struct Waiter {
  std::shared_ptr<Client> client;
  std::uint64_t slot = 0;
  bool logged = false;  // the command went into a log batch (Client::log_pending)
};

struct Client {
  explicit Client(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  std::string in;
  std::array<char, 1 << 16> chunk{};
  std::deque<std::optional<std::string>> slots;  // replies in command order; nullopt = pending
  std::uint64_t first_slot = 0;                  // slot number of slots.front()
  // Commands of this client in log batches, not yet answered. While there
  // are any, its reads go through the log too, so a read after a write on
  // one connection sees that write.
  std::size_t log_pending = 0;
  std::string out;
  std::string writing;
  bool write_busy = false;
  bool reading = false;
  bool readonly = false;
  bool dead = false;
  bool close_after_write = false;
  bool dirty = false;
};

// Back-pressure on a client that sends faster than it reads its replies:
// stop reading its socket while too many replies are pending or unsent.
bool may_read(const Client& c) {
  return !c.dead && !c.close_after_write && c.slots.size() < kMaxPendingReplies &&
         c.out.size() + c.writing.size() < kMaxUnsentReplies;
}

struct Inflight {
  raft::Term term = 0;
  std::vector<Waiter> waiters;
};

struct ReadyBatch {
  std::string bytes;
  std::vector<Waiter> waiters;
};

// A GET or EXISTS waiting for its ReadIndex (--read-mode readindex).
struct ReadWaiter {
  Waiter waiter;
  kv::Op op = kv::Op::get;
  std::vector<std::string> args;  // after the command name (the input buffer is reused)
};

// The reads that arrived in one loop iteration: they share one
// read_index() call, one ReadState and one deadline.
struct ReadGroup {
  std::vector<ReadWaiter> reads;
  Clock::time_point deadline;
};

// A SYNOD.TRANSFER in progress on this leader.
struct Transfer {
  bool active = false;
  NodeId target = kNoNode;
  raft::Term term = 0;  // the term this node led when it started
  Clock::time_point deadline;
  // When the kernel dropped the transfer while this node still led: the
  // target may have its TimeoutNow already and be campaigning, so the
  // verdict "abandoned" waits an election timeout more.
  std::optional<Clock::time_point> dropped_at;
  std::vector<Waiter> waiters;
};

class Server {
 public:
  explicit Server(const ServerOptions& o) : opt_(o), signals_(io_, SIGINT, SIGTERM), tick_timer_(io_), client_acceptor_(io_) {}

  int run();

 private:
  void log(const std::string& s) {
    if (opt_.quiet) return;
    const auto now = std::chrono::system_clock::now();
    std::fprintf(stderr, "%s [synod-kv %u] %s\n", fmt::format("{:%H:%M:%S}", now).c_str(), unsigned{opt_.id}, s.c_str());
  }

  void recover();
  void start_io();
  void schedule_tick();
  void on_peer_frame(NodeId from, std::string_view body);
  void accept_client();
  void read_client(const std::shared_ptr<Client>& c);
  void handle_client_input(const std::shared_ptr<Client>& c);
  void handle_command(const std::shared_ptr<Client>& c, const std::vector<std::string_view>& args);
  void reply_now(const std::shared_ptr<Client>& c, std::string reply);
  std::uint64_t reserve_slot(const std::shared_ptr<Client>& c);
  void deliver(const Waiter& w, std::string reply);
  void mark_dirty(const std::shared_ptr<Client>& c);
  void flush_clients();
  void write_client(const std::shared_ptr<Client>& c);
  std::string not_leader_text() const;
  std::string not_leader_error() const;
  std::string info() const;
  void handle_transfer(const std::shared_ptr<Client>& c, const std::vector<std::string_view>& args);
  void check_transfer();
  void finish_transfer(const char* outcome, const std::string& reply);

  void queue_read(const std::shared_ptr<Client>& c, kv::Op op, const std::vector<std::string_view>& args);
  void start_reads();
  void collect_read_states();
  void serve_reads(raft::Index applied);
  void fail_reads(std::vector<ReadWaiter>& reads, const std::string& error_text);
  void fail_asked_reads(const std::string& error_text);
  void expire_reads();

  void flush();
  void cut_batch();
  void propose_batches();
  void send_messages();
  void persist();
  void apply_committed();
  void check_leadership();
  void fail_all(const std::string& error_text, bool include_inflight);
  void maybe_snapshot();
  void finish_snapshot();
  void install_snapshot(const raft::PersistRequest& req);
  void compact_storage(raft::Index upto);

  ServerOptions opt_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer tick_timer_;
  tcp::acceptor client_acceptor_;
  bool stopping_ = false;
  Clock::time_point next_tick_;

  std::optional<Storage> storage_;
  std::unique_ptr<NodeT> node_;
  kv::PayloadStore store_;
  kv::BlobCodec codec_{store_};
  kv::StateMachine machine_;
  std::unique_ptr<Transport> transport_;
  kv::Message incoming_;

  // Snapshots: the one this node serves (its log's base), the one it is
  // receiving, and the WAL bytes written when the last one was taken.
  SnapshotSource snap_source_;
  SnapshotSink snap_sink_;
  std::string chunk_scratch_;
  std::uint64_t wal_bytes_at_snapshot_ = 0;
  std::uint64_t snapshots_taken_ = 0;
  std::uint64_t snapshots_installed_ = 0;
  std::uint64_t snapshot_chunks_sent_ = 0;
  std::uint64_t snapshot_chunks_received_ = 0;
  std::uint64_t last_snapshot_ms_ = 0;
  // A snapshot being written by the writer thread: the loop encodes the key
  // space (fast), the thread writes and fsyncs the file, the loop compacts
  // once it is durable.
  std::thread snap_writer_;
  std::atomic<bool> snap_written_{false};
  bool snap_writing_ = false;
  std::string snap_bytes_;
  SnapshotMeta snap_written_meta_;
  std::exception_ptr snap_error_;
  Clock::time_point snap_started_;
  std::uint64_t snap_encode_ms_ = 0;

  kv::BatchBuilder batch_;
  std::vector<Waiter> batch_waiters_;
  std::deque<ReadyBatch> ready_;
  std::unordered_map<std::uint64_t, Inflight> inflight_;  // by BatchId.seq, all of led_term_
  std::uint64_t next_seq_ = 0;
  raft::Term led_term_ = 0;  // the term we lead (0 when not leader)
  raft::Role last_role_ = raft::Role::follower;
  raft::Term last_term_ = 0;
  std::vector<std::shared_ptr<Client>> dirty_;
  std::vector<std::string> replies_;
  std::string payload_scratch_;
  std::uint64_t decode_errors_ = 0;
  std::uint64_t entries_applied_ = 0;
  std::uint64_t commands_applied_ = 0;
  std::uint64_t batches_proposed_ = 0;
  std::uint64_t commands_proposed_ = 0;

  // ReadIndex reads: gathered in this iteration, asked (no ReadState yet),
  // indexed (waiting until the read index is applied).
  std::vector<ReadWaiter> read_batch_;
  Clock::time_point read_batch_deadline_;
  std::map<raft::ReadId, ReadGroup> reads_asked_;
  std::multimap<raft::Index, ReadGroup> reads_indexed_;
  raft::ReadId next_read_id_ = 0;
  bool timeouts_due_ = false;  // a tick passed: look for expired reads
  std::vector<std::string_view> read_args_;
  std::uint64_t read_index_requests_ = 0;
  std::uint64_t reads_served_ = 0;
  std::uint64_t reads_failed_ = 0;
  std::uint64_t reads_timed_out_ = 0;

  Transfer transfer_;
  NodeId last_transfer_target_ = kNoNode;
  const char* last_transfer_outcome_ = "none";
};

// ------------------------------------------------------------------ startup

void Server::recover() {
  const auto started = Clock::now();
  const std::filesystem::path dir = opt_.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // A snapshot half written or half received when the process stopped: the
  // stored one (or none) is still whole, and a leader resends from chunk 0.
  for (const char* leftover : {kSnapshotTemp, kSnapshotRecv}) std::filesystem::remove(dir / leftover, ec);
  std::string snap_data;
  const std::optional<SnapshotMeta> snap = read_snapshot(dir, snap_data);  // throws if damaged
  StorageOptions so;
  so.sync = opt_.fsync;
  Recovery rec;
  storage_.emplace(Storage::open(dir, so, rec));
  if (rec.truncated_tail)
    log(fmt::format("recovery: removed a torn record at the end of {} (offset {}, {} bytes): it was never acknowledged",
                    rec.truncated_file, rec.truncated_offset, rec.truncated_bytes));
  machine_.reserve(1u << 16);
  kv::Log log_entries;
  const std::uint64_t base = snap ? snap->index : 0;
  if (snap) {
    load_snapshot(snap_data, machine_);
    log_entries.reset(snap->index, snap->term);
  }
  std::string().swap(snap_data);
  // Which WAL entries follow the snapshot. The WAL may still hold entries at
  // or below it (compaction deletes whole segments, and a crash can come
  // between the snapshot's rename and the deletion): they are skipped if the
  // WAL's entry at the snapshot's index has the snapshot's term (the rest
  // continues it, log matching); otherwise every WAL entry is below it or
  // from a history the installed snapshot replaced, and none is kept.
  const std::uint64_t first = rec.first_index;
  const std::uint64_t count = rec.entries.size();
  std::size_t keep_from = count;  // position in rec.entries of the first entry kept
  if (count > 0) {
    if (first > base + 1)
      throw StorageError(dir.string(), 0,
                         base == 0 ? fmt::format("the WAL starts at index {} but there is no snapshot ({} missing?): "
                                                 "entries 1..{} are gone; refusing to start",
                                                 first, (dir / kSnapshotFile).string(), first - 1)
                                   : fmt::format("the WAL starts at index {} but the snapshot ends at index {}: "
                                                 "entries {}..{} are missing; refusing to start",
                                                 first, base, base + 1, first - 1));
    if (first == base + 1) {
      keep_from = 0;
    } else if (first + count - 1 >= base && rec.entries[base - first].term == (snap ? snap->term : 0)) {
      keep_from = static_cast<std::size_t>(base + 1 - first);
    }
  }
  for (std::size_t k = keep_from; k < count; ++k) {
    const StoredEntry& e = rec.entries[k];
    std::uint64_t seq = 0;
    std::string_view bytes;
    if (!kv::decode_stored_payload(e.payload, seq, bytes))
      throw StorageError(opt_.data_dir.string(), 0,
                         fmt::format("log entry {} (term {}) has a malformed synod-kv payload", e.index, e.term));
    (void)log_entries.append(kv::Entry{e.term, kv::BatchId{seq}});
    if (seq != 0) store_.put(kv::PayloadKey{e.term, seq}, std::string(bytes));
  }
  const std::size_t kept = count - keep_from;
  std::vector<StoredEntry>().swap(rec.entries);
  if (snap && kept == 0 && storage_->last_index() != base) storage_->reset(base);  // drop what it replaced
  std::uint32_t chunks = 1;
  if (snap) {
    chunks = chunks_for(snap->file_bytes, opt_.snapshot_chunk_bytes);
    snap_source_.open(dir, *snap, chunks);
  }
  raft::Options ro;
  ro.id = opt_.id;
  ro.cluster_size = static_cast<std::uint8_t>(opt_.cluster.size());
  ro.election_timeout_min = opt_.election_ticks_min;
  ro.election_timeout_max = opt_.election_ticks_max;
  ro.heartbeat_interval = opt_.heartbeat_ticks;
  ro.pre_vote = opt_.pre_vote;
  ro.check_quorum = opt_.check_quorum;
  ro.lease_reads = opt_.read_mode == ReadMode::lease;
  ro.seed = opt_.seed != 0 ? opt_.seed : (std::uint64_t{std::random_device{}()} << 32 | std::random_device{}());
  ro.append_noop_on_election = true;  // thesis §6.4: commit earlier terms' entries promptly
  if (!NodeT::valid(ro))
    throw std::invalid_argument("invalid Raft options (cluster size, id, timeouts, or lease reads without check-quorum)");
  const raft::HardState hs{rec.hard_state.term, rec.hard_state.voted_for};
  node_ = std::make_unique<NodeT>(NodeT::restart(ro, hs, log_entries, chunks));
  last_term_ = node_->term();
  if (snap)
    log(fmt::format("recovered snapshot at index {} (term {}, {} keys, {} bytes)", snap->index, snap->term, snap->keys,
                    snap->file_bytes));
  log(fmt::format("recovered {} in {} ms: term {}, voted for {}, {} log entries after the snapshot",
                  opt_.data_dir.string(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count(), hs.term,
                  unsigned{hs.voted_for}, kept));
}

void Server::start_io() {
  TransportOptions to;
  to.cluster_id = opt_.cluster_id;
  to.self = opt_.id;
  for (const auto& [id, a] : opt_.cluster) to.peers[id] = tcp::endpoint(asio::ip::make_address(a.host), a.port);
  to.client_address = opt_.advertise_client;
  transport_ = std::make_unique<Transport>(
      io_, to, [this](NodeId from, std::string_view body) { on_peer_frame(from, body); },
      [this](const std::string& s) { log(s); });
  transport_->start();

  const tcp::endpoint ce(asio::ip::make_address(opt_.client_host), opt_.client_port);
  client_acceptor_.open(ce.protocol());
  client_acceptor_.set_option(tcp::acceptor::reuse_address(true));
  client_acceptor_.bind(ce);
  client_acceptor_.listen();
  accept_client();

  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log(fmt::format("signal {}: shutting down", sig));
    stopping_ = true;
  });
  next_tick_ = Clock::now() + opt_.tick;
  schedule_tick();
}

void Server::schedule_tick() {
  tick_timer_.expires_at(next_tick_);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    // One node.tick() per elapsed tick, but after a long stall (a slow
    // fsync, a paused process) at most a few: a burst would make a healthy
    // follower time out at once.
    const auto now = Clock::now();
    int due = 0;
    while (next_tick_ <= now) {
      next_tick_ += opt_.tick;
      ++due;
    }
    // With lease reads a leader never drops ticks: its lease is measured in
    // them, and a clock that falls behind would stretch it past the time the
    // followers stay loyal. (A follower's clock falling behind only makes
    // it loyal longer.)
    const bool lease_clock = opt_.read_mode == ReadMode::lease && node_->role() == raft::Role::leader;
    if (due > 3 && !lease_clock) {
      due = 3;
      next_tick_ = now + opt_.tick;
    }
    for (int k = 0; k < due; ++k) (void)node_->tick();
    timeouts_due_ = true;
    schedule_tick();
  });
}

int Server::run() {
  recover();
  start_io();
  log(fmt::format("node {} of {}: peers on {}:{}, clients on {}:{}, data in {}, fsync {}", opt_.id, opt_.cluster.size(),
                  opt_.cluster.at(opt_.id).host, opt_.cluster.at(opt_.id).port, opt_.client_host, opt_.client_port,
                  opt_.data_dir.string(), opt_.fsync ? "on" : "OFF"));
  while (!stopping_) {
    io_.run_one();
    for (int k = 0; k < 4096 && io_.poll_one() > 0; ++k) {
    }
    flush();
  }
  transport_->stop();
  boost::system::error_code ignored;
  client_acceptor_.close(ignored);
  if (snap_writer_.joinable()) snap_writer_.join();  // a complete snapshot file is harmless; not compacted to
  storage_->sync();
  log("stopped");
  return 0;
}

// ------------------------------------------------------------------ peers

void Server::on_peer_frame(NodeId from, std::string_view body) {
  codec_.discard();
  std::string_view chunk;
  const WireError err = decode_message_body(body, incoming_, codec_, chunk);
  if (err != WireError::none || incoming_.from != from) {
    codec_.discard();
    if (decode_errors_++ < 10)
      log(fmt::format("dropping a bad message from node {}: {}", from,
                      err != WireError::none ? to_string(err) : "sender id does not match the connection"));
    return;
  }
  codec_.commit();
  (void)node_->step(incoming_);
  if (const raft::SnapshotChunk* c = node_->accepted_chunk()) {
    snap_sink_.add(opt_.data_dir, c->chunk, chunk);
    ++snapshot_chunks_received_;
    crash_point("install-chunk");
  }
}

// ------------------------------------------------------------------ driver

void Server::flush() {
  cut_batch();
  // Reads ask before this iteration's batches are proposed: the read index
  // (the commit index now) then precedes every write that arrived after
  // the reads on the same connection.
  start_reads();
  propose_batches();
  send_messages();
  transport_->flush();  // the leader's appends travel while it fsyncs its own copy
  // Entries committed by acknowledgements that arrived since the last fsync
  // are answered now, not after the next fsync: committed means durable on
  // a majority already, whatever this node writes next.
  apply_committed();
  check_leadership();
  flush_clients();
  persist();
  apply_committed();  // the leader's own durability may have completed a majority
  check_leadership();
  if (timeouts_due_) {
    timeouts_due_ = false;
    expire_reads();
  }
  check_transfer();
  send_messages();
  transport_->flush();
  flush_clients();
  maybe_snapshot();
}

void Server::cut_batch() {
  if (batch_.empty()) return;
  ready_.push_back(ReadyBatch{batch_.take(), std::move(batch_waiters_)});
  batch_waiters_.clear();
}

void Server::propose_batches() {
  while (!ready_.empty()) {
    if (node_->role() != raft::Role::leader) {
      fail_all(not_leader_text(), false);
      return;
    }
    ReadyBatch& b = ready_.front();
    const std::uint64_t seq = next_seq_ + 1;
    const raft::Term term = node_->term();
    store_.put(kv::PayloadKey{term, seq}, b.bytes);
    const raft::ProposeResult r = node_->propose(kv::BatchId{seq});
    if (r.status == raft::ProposeStatus::busy) return;  // outbox full: next iteration
    if (r.status != raft::ProposeStatus::ok) {
      fail_all(not_leader_text(), false);
      return;
    }
    next_seq_ = seq;
    ++batches_proposed_;
    commands_proposed_ += b.waiters.size();
    inflight_.emplace(seq, Inflight{term, std::move(b.waiters)});
    ready_.pop_front();
  }
}

void Server::send_messages() {
  for (const auto& m : node_->messages()) {
    if (m.type == raft::MessageType::install_snapshot) {
      // The bytes of chunk m.context of the snapshot it names. If that is
      // no longer the one this node serves (a newer compaction), drop it:
      // the kernel starts the newer one on the next heartbeat.
      if (!snap_source_.valid() || snap_source_.meta().index != m.log_index ||
          !snap_source_.chunk(m.context, chunk_scratch_))
        continue;
      ++snapshot_chunks_sent_;
      transport_->send(m.to, [&](std::string& queue) { append_message_frame(queue, m, codec_, chunk_scratch_); });
      continue;
    }
    transport_->send(m.to, [&](std::string& queue) { append_message_frame(queue, m, codec_); });
  }
  node_->clear_messages();
}

void Server::persist() {
  const raft::PersistRequest req = node_->persist_request();
  if (req.empty()) return;
  if (req.has_snapshot()) install_snapshot(req);
  if (req.hard_state_changed)
    storage_->set_hard_state(StoredHardState{req.hard_state.term, req.hard_state.voted_for});
  for (raft::Index i = req.first; i <= req.last; ++i) {
    const kv::Entry& e = node_->log().at(i);
    const std::string* bytes = store_.find(kv::PayloadKey{e.term, e.payload.seq});
    if (bytes == nullptr) throw std::logic_error(fmt::format("payload bytes missing for log index {}", i));
    payload_scratch_.clear();
    kv::encode_stored_payload(payload_scratch_, e, *bytes);
    storage_->append(i, e.term, payload_scratch_);
  }
  storage_->sync();  // one fsync for everything this iteration produced
  (void)node_->persisted(req);
  send_messages();   // what was held for durability may leave now
}

// The last chunk of a leader's snapshot arrived: make it THE snapshot
// (durable, renamed over DIR/snapshot), drop the WAL it replaces, and load
// it into the state machine. The kernel holds every message until
// persisted(), so nothing is acknowledged before this is on disk.
void Server::install_snapshot(const raft::PersistRequest& req) {
  const auto started = Clock::now();
  if (snap_writing_) {
    // Our own snapshot is being written: let it finish first, so its rename
    // cannot land over the received one. It is older (the kernel installs
    // only above its commit index), so it is not compacted to.
    snap_writer_.join();
    snap_writing_ = false;
    std::string().swap(snap_bytes_);
    if (snap_error_) std::rethrow_exception(std::exchange(snap_error_, nullptr));
  }
  std::string data;
  const SnapshotMeta meta =
      snap_sink_.install(opt_.data_dir, req.snapshot_index, req.snapshot_term, opt_.fsync, crash_point, data);
  // The kernel kept the entries after a matching one (they are in the WAL
  // already) or replaced its whole log with the snapshot.
  if (node_->log().last_index() > req.snapshot_index) {
    compact_storage(req.snapshot_index);
  } else {
    storage_->reset(req.snapshot_index, crash_point);
  }
  crash_point("install-wal-dropped");
  load_snapshot(data, machine_);
  std::string().swap(data);
  store_.retain(node_->log());
  snap_source_.open(opt_.data_dir, meta, node_->snapshot().chunks);
  wal_bytes_at_snapshot_ = storage_->bytes_written();
  ++snapshots_installed_;
  crash_point("install-loaded");
  log(fmt::format("installed the leader's snapshot at index {} (term {}, {} keys, {} bytes) in {} ms", meta.index,
                  meta.term, meta.keys, meta.file_bytes,
                  std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()));
}

// The WAL after a snapshot at `upto`: a new segment with the durable
// entries above it, then the older segments go.
void Server::compact_storage(raft::Index upto) {
  const Storage::Carry carry = [](void* context, Storage& storage, std::uint64_t from) {
    Server& self = *static_cast<Server*>(context);
    const raft::Index to = std::min(self.node_->durable_index(), self.node_->log().last_index());
    for (raft::Index i = from; i <= to; ++i) {
      const kv::Entry& e = self.node_->log().at(i);
      const std::string* bytes = self.store_.find(kv::PayloadKey{e.term, e.payload.seq});
      if (bytes == nullptr) throw std::logic_error(fmt::format("payload bytes missing for log index {}", i));
      self.payload_scratch_.clear();
      kv::encode_stored_payload(self.payload_scratch_, e, *bytes);
      storage.append(i, e.term, self.payload_scratch_);
    }
  };
  storage_->compact(upto, carry, this, crash_point);
}

// Step 7: a snapshot of the key space at the applied index, once enough
// was applied or written since the last one. The loop only encodes it (a
// copy into one buffer); a writer thread makes it durable, and the loop
// compacts when that is done (finish_snapshot), so a leader keeps
// heartbeating meanwhile.
void Server::maybe_snapshot() {
  if (snap_writing_) return finish_snapshot();
  if (opt_.snapshot_entries == 0 && opt_.snapshot_bytes == 0) return;
  const raft::Index applied = node_->applied_index();
  const raft::Index base = node_->snapshot().index;
  if (applied <= base) return;
  const bool by_entries = opt_.snapshot_entries != 0 && applied - base >= opt_.snapshot_entries;
  // By size: once the WAL since the last snapshot is as large as that
  // snapshot (and at least --snapshot-bytes), so writing snapshots costs at
  // most as much disk bandwidth as the WAL, and disk use stays near twice
  // the live data.
  const std::uint64_t last_size = snap_source_.valid() ? snap_source_.meta().file_bytes : 0;
  const bool by_bytes = opt_.snapshot_bytes != 0 &&
                        storage_->bytes_written() - wal_bytes_at_snapshot_ >= std::max(opt_.snapshot_bytes, last_size);
  if (!by_entries && !by_bytes) return;
  snap_started_ = Clock::now();
  snap_bytes_ = encode_snapshot(machine_, applied, node_->log().term_at(applied), last_size + last_size / 8);
  snap_encode_ms_ = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - snap_started_).count());
  snap_writing_ = true;
  snap_written_.store(false);
  snap_writer_ = std::thread([this] {
    try {
      snap_written_meta_ = write_snapshot(opt_.data_dir, snap_bytes_, opt_.fsync, crash_point);
    } catch (...) {
      snap_error_ = std::current_exception();
    }
    snap_written_.store(true, std::memory_order_release);
  });
}

void Server::finish_snapshot() {
  if (!snap_written_.load(std::memory_order_acquire)) return;
  snap_writer_.join();
  snap_writing_ = false;
  std::string().swap(snap_bytes_);
  if (snap_error_) std::rethrow_exception(std::exchange(snap_error_, nullptr));
  crash_point("snapshot-written");
  const SnapshotMeta meta = snap_written_meta_;
  const auto written = Clock::now();
  const std::uint32_t chunks = chunks_for(meta.file_bytes, opt_.snapshot_chunk_bytes);
  snap_source_.open(opt_.data_dir, meta, chunks);
  (void)node_->compact(meta.index, chunks);
  store_.retain(node_->log());
  compact_storage(meta.index);
  crash_point("wal-compacted");
  wal_bytes_at_snapshot_ = storage_->bytes_written();
  ++snapshots_taken_;
  const auto ms = [](Clock::duration d) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  last_snapshot_ms_ = ms(Clock::now() - snap_started_);
  log(fmt::format("snapshot at index {} ({} keys, {} bytes): encoded in {} ms, durable {} ms later, compacted in {} ms",
                  meta.index, meta.keys, meta.file_bytes, snap_encode_ms_, ms(written - snap_started_) - snap_encode_ms_,
                  ms(Clock::now() - written)));
}

void Server::apply_committed() {
  collect_read_states();
  const raft::Index commit = node_->commit_index();
  raft::Index applied = node_->applied_index();
  if (applied >= commit) {
    serve_reads(applied);
    return;
  }
  while (applied < commit) {
    serve_reads(applied);  // each read sees the state at its index, before later entries
    ++applied;
    const kv::Entry& e = node_->log().at(applied);
    ++entries_applied_;
    if (e.payload.seq == 0) continue;  // a new leader's no-op
    const std::string* bytes = store_.find(kv::PayloadKey{e.term, e.payload.seq});
    if (bytes == nullptr) throw std::logic_error(fmt::format("payload bytes missing for committed index {}", applied));
    auto it = (e.term == led_term_) ? inflight_.find(e.payload.seq) : inflight_.end();
    if (it != inflight_.end() && it->second.term == e.term) {
      replies_.clear();
      if (!machine_.apply(*bytes, &replies_)) {
        log(fmt::format("committed entry {} is malformed; skipped", applied));
        for (auto& w : it->second.waiters) deliver(w, "-ERR internal: malformed batch\r\n");
      } else {
        for (std::size_t k = 0; k < it->second.waiters.size() && k < replies_.size(); ++k)
          deliver(it->second.waiters[k], std::move(replies_[k]));
        commands_applied_ += replies_.size();
      }
      inflight_.erase(it);
    } else if (!machine_.apply(*bytes, nullptr)) {
      log(fmt::format("committed entry {} is malformed; skipped", applied));
    }
  }
  (void)node_->applied(commit);
  serve_reads(applied);
}

void Server::check_leadership() {
  const raft::Role role = node_->role();
  const raft::Term term = node_->term();
  if (role != last_role_ || term != last_term_) {
    if (role == raft::Role::leader) {
      led_term_ = term;
      log(fmt::format("became leader in term {}", term));
    } else {
      if (last_role_ == raft::Role::leader) log(fmt::format("stepped down in term {}", term));
      led_term_ = 0;
      fail_all("TRYAGAIN leadership changed before the command committed; it may or may not take effect", true);
    }
    // A read asked of the old leader may never be answered (a leader that
    // steps down forgets followers' reads); its client retries now rather
    // than at the read timeout.
    fail_asked_reads("TRYAGAIN leadership changed before the read got its index; retry");
    last_role_ = role;
    last_term_ = term;
  }
}

void Server::fail_all(const std::string& error_text, bool include_inflight) {
  std::string err;
  resp::error(err, error_text);
  for (auto& w : batch_waiters_) deliver(w, err);
  batch_waiters_.clear();
  (void)batch_.take();
  for (auto& b : ready_)
    for (auto& w : b.waiters) deliver(w, err);
  ready_.clear();
  if (include_inflight) {
    for (auto& [seq, f] : inflight_)
      for (auto& w : f.waiters) deliver(w, err);
    inflight_.clear();
  }
}

// ------------------------------------------------------------------ reads
//
// --read-mode readindex: GET and EXISTS on any node take no log entry. The
// reads that arrive in one loop iteration form a group and share one
// read_index() call (the kernel batches calls that arrive while a heartbeat
// round is in flight into the next round, and a follower's call is one
// ReadIndex message to the leader). Once the ReadState gives the group its
// index, it is served when this node has applied that index, from the
// state at exactly that index when the apply loop passes it.

void Server::queue_read(const std::shared_ptr<Client>& c, kv::Op op, const std::vector<std::string_view>& args) {
  if (read_batch_.empty()) read_batch_deadline_ = Clock::now() + opt_.read_timeout;
  ReadWaiter r{Waiter{c, reserve_slot(c)}, op, {}};
  r.args.assign(args.begin(), args.end());
  read_batch_.push_back(std::move(r));
}

void Server::start_reads() {
  if (read_batch_.empty()) return;
  const raft::ReadId id = ++next_read_id_;
  const raft::ReadResult r = node_->read_index(id);
  // busy: too many in progress; not_leader: no leader known (an election,
  // or a node that has not heard from its leader since it started). Ask
  // again next iteration, until the reads' deadline.
  if (r.status != raft::ProposeStatus::ok) return;
  ++read_index_requests_;
  reads_asked_.emplace(id, ReadGroup{std::move(read_batch_), read_batch_deadline_});
  read_batch_.clear();
}

void Server::collect_read_states() {
  for (const raft::ReadState& rs : node_->read_states()) {
    auto it = reads_asked_.find(rs.id);
    if (it == reads_asked_.end()) continue;  // already timed out or failed
    if (rs.ok) {
      reads_indexed_.emplace(rs.index, std::move(it->second));
    } else {
      fail_reads(it->second.reads, "TRYAGAIN the leader could not confirm the read (it stepped down or is busy); retry");
    }
    reads_asked_.erase(it);
  }
  node_->clear_read_states();
}

void Server::serve_reads(raft::Index applied) {
  while (!reads_indexed_.empty() && reads_indexed_.begin()->first <= applied) {
    ReadGroup& g = reads_indexed_.begin()->second;
    for (const ReadWaiter& r : g.reads) {
      read_args_.assign(r.args.begin(), r.args.end());
      deliver(r.waiter, machine_.read(r.op, read_args_));
    }
    reads_served_ += g.reads.size();
    reads_indexed_.erase(reads_indexed_.begin());
  }
}

void Server::fail_reads(std::vector<ReadWaiter>& reads, const std::string& error_text) {
  std::string err;
  resp::error(err, error_text);
  for (const ReadWaiter& r : reads) deliver(r.waiter, err);
  reads_failed_ += reads.size();
  reads.clear();
}

void Server::fail_asked_reads(const std::string& error_text) {
  for (auto& [id, g] : reads_asked_) fail_reads(g.reads, error_text);
  reads_asked_.clear();
}

// A read whose ReadState does not come (the leader is unreachable, or the
// answer was lost), or whose index this node does not reach, fails at its
// deadline: never a stale answer, never a client waiting forever.
void Server::expire_reads() {
  const auto now = Clock::now();
  const std::string text =
      fmt::format("TRYAGAIN read timed out after {} ms (no leader known, no read index from the leader, or not "
                  "applied yet)",
                  opt_.read_timeout.count());
  auto expire = [&](std::vector<ReadWaiter>& reads) {
    reads_timed_out_ += reads.size();
    fail_reads(reads, text);
  };
  if (!read_batch_.empty() && read_batch_deadline_ <= now) expire(read_batch_);
  for (auto it = reads_asked_.begin(); it != reads_asked_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    expire(it->second.reads);
    it = reads_asked_.erase(it);
  }
  for (auto it = reads_indexed_.begin(); it != reads_indexed_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    expire(it->second.reads);
    it = reads_indexed_.erase(it);
  }
}

// ------------------------------------------------------------------ transfer
//
// SYNOD.TRANSFER <id> on the leader: Node::transfer_leadership, then the
// reply waits for the outcome: +OK once the target leads a later term;
// an error when the kernel abandoned the transfer (this node still leads
// after an election timeout), when another node won, or, if no leader is
// known by the deadline, -TRYAGAIN with the outcome unknown.

void Server::handle_transfer(const std::shared_ptr<Client>& c, const std::vector<std::string_view>& args) {
  std::string out;
  if (args.size() != 2) {
    resp::error(out, "ERR wrong number of arguments for 'synod.transfer' command");
    return reply_now(c, std::move(out));
  }
  unsigned target = 0;
  const auto [p, ec] = std::from_chars(args[1].data(), args[1].data() + args[1].size(), target);
  if (ec != std::errc() || p != args[1].data() + args[1].size() || target < 1 || target > opt_.cluster.size()) {
    resp::error(out, fmt::format("ERR SYNOD.TRANSFER: node id must be 1..{}", opt_.cluster.size()));
    return reply_now(c, std::move(out));
  }
  if (node_->role() != raft::Role::leader) return reply_now(c, not_leader_error());
  if (target == opt_.id) {
    resp::simple(out, "OK");  // already leads
    return reply_now(c, std::move(out));
  }
  if (transfer_.active) {
    if (transfer_.target == target) {
      transfer_.waiters.push_back(Waiter{c, reserve_slot(c)});
      return;
    }
    resp::error(out, fmt::format("ERR a leadership transfer to node {} is in progress", transfer_.target));
    return reply_now(c, std::move(out));
  }
  if (node_->transfer_leadership(static_cast<NodeId>(target)) == raft::InputResult::ignored) {
    resp::error(out, fmt::format("ERR SYNOD.TRANSFER: the node refused a transfer to node {}", target));
    return reply_now(c, std::move(out));
  }
  transfer_.active = true;
  transfer_.target = static_cast<NodeId>(target);
  transfer_.term = node_->term();
  // The kernel abandons the transfer within an election timeout; the rest
  // is for the election that follows a TimeoutNow.
  transfer_.deadline = Clock::now() + 4 * opt_.election_ticks_max * opt_.tick;
  transfer_.waiters.push_back(Waiter{c, reserve_slot(c)});
  last_transfer_target_ = transfer_.target;
  last_transfer_outcome_ = "in_progress";
  log(fmt::format("transferring leadership to node {} (term {})", target, transfer_.term));
}

void Server::check_transfer() {
  if (!transfer_.active) return;
  const NodeId target = transfer_.target;
  if (node_->role() == raft::Role::leader && node_->term() == transfer_.term) {
    if (node_->transfer_target() != kNoNode) return;  // in progress
    const auto now = Clock::now();
    if (!transfer_.dropped_at) transfer_.dropped_at = now;
    if (now - *transfer_.dropped_at >= opt_.election_ticks_min * opt_.tick)
      finish_transfer("abandoned",
                      fmt::format("-ERR transfer to node {} abandoned: it did not take over within an election "
                                  "timeout; node {} still leads\r\n",
                                  target, opt_.id));
    return;
  }
  const NodeId leader = node_->leader_id();
  if (node_->term() > transfer_.term && leader != kNoNode) {
    if (leader == target) {
      finish_transfer("completed", "+OK\r\n");
    } else {
      finish_transfer("other_leader", fmt::format("-ERR transfer to node {} failed: node {} leads term {}\r\n", target,
                                                  leader, node_->term()));
    }
    return;
  }
  if (Clock::now() >= transfer_.deadline)
    finish_transfer("unknown", fmt::format("-TRYAGAIN transfer to node {}: node {} stopped leading but no new leader "
                                           "is known yet; outcome unknown\r\n",
                                           target, opt_.id));
}

void Server::finish_transfer(const char* outcome, const std::string& reply) {
  for (const Waiter& w : transfer_.waiters) deliver(w, reply);
  log(fmt::format("leadership transfer to node {}: {}", transfer_.target, outcome));
  last_transfer_outcome_ = outcome;
  transfer_ = Transfer{};
}

// ------------------------------------------------------------------ clients

void Server::accept_client() {
  client_acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto c = std::make_shared<Client>(std::move(socket));
      read_client(c);
    }
    accept_client();
  });
}

void Server::read_client(const std::shared_ptr<Client>& c) {
  if (c->reading || c->dead) return;
  c->reading = true;
  c->socket.async_read_some(asio::buffer(c->chunk), [this, c](const boost::system::error_code& ec, std::size_t n) {
    c->reading = false;
    if (ec) {
      c->dead = true;
      boost::system::error_code ignored;
      c->socket.close(ignored);
      return;
    }
    c->in.append(c->chunk.data(), n);
    handle_client_input(c);
    if (may_read(*c)) read_client(c);
  });
}

void Server::handle_client_input(const std::shared_ptr<Client>& c) {
  std::vector<std::string_view> args;
  resp::Limits limits;
  limits.max_bulk = 1u << 20;
  std::size_t used = 0;
  while (!c->close_after_write) {
    const resp::ParseResult r = resp::parse_command(std::string_view(c->in).substr(used), args, limits);
    if (r.status == resp::Status::need_more) {
      if (c->in.size() - used > kMaxRequestBuffer) {
        reply_now(c, "-ERR Protocol error: request too large\r\n");
        c->close_after_write = true;
      }
      break;
    }
    if (r.status == resp::Status::error) {
      std::string e;
      resp::error(e, std::string("ERR Protocol error: ") + r.error);
      reply_now(c, std::move(e));
      c->close_after_write = true;
      break;
    }
    used += r.consumed;
    if (!args.empty()) handle_command(c, args);
    if (batch_.bytes() >= opt_.max_batch_bytes || batch_.count() >= opt_.max_batch_commands) cut_batch();
  }
  c->in.erase(0, used);
}

namespace {
bool is(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (x != b[i]) return false;
  }
  return true;
}
}  // namespace

void Server::handle_command(const std::shared_ptr<Client>& c, const std::vector<std::string_view>& args) {
  const std::string_view name = args[0];
  std::string out;
  if (const auto op = kv::replicated_op(name)) {
    const std::string arity = kv::check_arity(*op, args.size(), name);
    if (!arity.empty()) {
      resp::error(out, arity);
      return reply_now(c, std::move(out));
    }
    const std::vector<std::string_view> rest(args.begin() + 1, args.end());
    const bool leader = node_->role() == raft::Role::leader;
    const bool read = kv::read_only(*op);
    if (leader && (!read || opt_.read_mode == ReadMode::log || c->log_pending > 0)) {
      batch_.add(*op, rest);
      batch_waiters_.push_back(Waiter{c, reserve_slot(c), true});
      ++c->log_pending;
      return;
    }
    if (read && c->readonly && !leader) return reply_now(c, machine_.read(*op, rest));
    if (read && opt_.read_mode != ReadMode::log) return queue_read(c, *op, rest);
    return reply_now(c, not_leader_error());
  }
  if (is(name, "SYNOD.TRANSFER")) return handle_transfer(c, args);
  if (is(name, "PING")) {
    if (args.size() == 1) resp::simple(out, "PONG");
    else if (args.size() == 2) resp::bulk(out, args[1]);
    else resp::error(out, "ERR wrong number of arguments for 'ping' command");
  } else if (is(name, "ECHO")) {
    if (args.size() == 2) resp::bulk(out, args[1]);  // redis-cli --pipe ends its input with an ECHO
    else resp::error(out, "ERR wrong number of arguments for 'echo' command");
  } else if (is(name, "INFO")) {
    resp::bulk(out, info());
  } else if (is(name, "READONLY")) {
    c->readonly = true;
    resp::simple(out, "OK");
  } else if (is(name, "READWRITE")) {
    c->readonly = false;
    resp::simple(out, "OK");
  } else if (is(name, "QUIT")) {
    resp::simple(out, "OK");
    c->close_after_write = true;
  } else if (is(name, "CONFIG") && args.size() == 3 && is(args[1], "GET")) {
    // redis-benchmark asks for "save" and "appendonly"; synod-kv has no such
    // settings, so every parameter reads as empty.
    resp::array_header(out, 2);
    resp::bulk(out, args[2]);
    resp::bulk(out, "");
  } else {
    std::string shown(name.substr(0, 64));
    std::string msg = fmt::format(
        "ERR unknown command '{}' (synod-kv supports PING ECHO GET SET DEL EXISTS INCR INFO SYNOD.TRANSFER)", shown);
    resp::error(out, msg);
  }
  reply_now(c, std::move(out));
}

// The NOTLEADER error text, not yet RESP-encoded (fail_all encodes).
std::string Server::not_leader_text() const {
  const NodeId leader = node_->leader_id();
  if (leader == kNoNode || leader == opt_.id) return "NOTLEADER no leader known (election in progress); retry shortly";
  const std::string addr = transport_->client_address(leader);
  return addr.empty() ? fmt::format("NOTLEADER leader {}", leader) : fmt::format("NOTLEADER leader {} at {}", leader, addr);
}

std::string Server::not_leader_error() const {
  std::string out;
  resp::error(out, not_leader_text());
  return out;
}

std::string Server::info() const {
  const NodeId leader = node_->leader_id();
  std::string leader_addr = leader == opt_.id ? opt_.advertise_client : transport_->client_address(leader);
  std::string s;
  s += "# Server\r\n";
  s += fmt::format("synod_version:0.1.0\r\nnode_id:{}\r\ncluster_size:{}\r\ncluster_id:{:016x}\r\nprocess_id:{}\r\n",
                   opt_.id, opt_.cluster.size(), opt_.cluster_id, static_cast<long>(::getpid()));
  s += "\r\n# Replication\r\n";
  s += fmt::format("role:{}\r\nterm:{}\r\nleader_id:{}\r\nleader_address:{}\r\ncommit_index:{}\r\n",
                   raft::to_string(node_->role()), node_->term(), unsigned{leader}, leader_addr, node_->commit_index());
  s += fmt::format("applied_index:{}\r\nlast_log_index:{}\r\ndurable_index:{}\r\npre_vote:{}\r\ncheck_quorum:{}\r\n",
                   node_->applied_index(), node_->log().last_index(), node_->durable_index(), opt_.pre_vote ? 1 : 0,
                   opt_.check_quorum ? 1 : 0);
  s += fmt::format("read_mode:{}\r\nread_timeout_ms:{}\r\ntransfer_target:{}\r\nlast_transfer_target:{}\r\n"
                   "last_transfer_outcome:{}\r\n",
                   opt_.read_mode == ReadMode::readindex ? "readindex"
                   : opt_.read_mode == ReadMode::lease   ? "lease"
                                                         : "log",
                   opt_.read_timeout.count(),
                   unsigned{node_->transfer_target()}, unsigned{last_transfer_target_}, last_transfer_outcome_);
  for (const auto& [id, a] : opt_.cluster)
    if (id != opt_.id) s += fmt::format("peer{}:{}:{},connected={}\r\n", id, a.host, a.port, transport_->connected(id) ? 1 : 0);
  s += "\r\n# Stats\r\n";
  const auto& ts = transport_->stats();
  s += fmt::format("keys:{}\r\nfsyncs:{}\r\nbatches_proposed:{}\r\ncommands_proposed:{}\r\nentries_applied:{}\r\n",
                   machine_.keys(), storage_->syncs(), batches_proposed_, commands_proposed_, entries_applied_);
  s += fmt::format("frames_sent:{}\r\nframes_dropped:{}\r\nframes_received:{}\r\nhandshakes_refused:{}\r\n",
                   ts.frames_sent, ts.frames_dropped, ts.frames_received, ts.handshakes_refused);
  s += fmt::format("read_index_requests:{}\r\nreads_served:{}\r\nreads_failed:{}\r\nreads_timed_out:{}\r\n",
                   read_index_requests_, reads_served_, reads_failed_, reads_timed_out_);
  s += "\r\n# Snapshots\r\n";
  s += fmt::format("snapshot_index:{}\r\nsnapshot_term:{}\r\nsnapshot_bytes:{}\r\nsnapshots_taken:{}\r\n"
                   "snapshots_installed:{}\r\nlast_snapshot_ms:{}\r\n",
                   node_->snapshot().index, node_->snapshot().term,
                   snap_source_.valid() ? snap_source_.meta().file_bytes : 0, snapshots_taken_, snapshots_installed_,
                   last_snapshot_ms_);
  s += fmt::format("snapshot_chunks_sent:{}\r\nsnapshot_chunks_received:{}\r\nwal_bytes:{}\r\nwal_segments:{}\r\n"
                   "log_entries_in_memory:{}\r\npayloads_in_memory:{}\r\nlive_bytes:{}\r\n",
                   snapshot_chunks_sent_, snapshot_chunks_received_, storage_->disk_bytes(), storage_->segments(),
                   node_->log().last_index() - node_->log().first_index() + 1, store_.size(), machine_.live_bytes());
  return s;
}

std::uint64_t Server::reserve_slot(const std::shared_ptr<Client>& c) {
  c->slots.emplace_back(std::nullopt);
  return c->first_slot + c->slots.size() - 1;
}

void Server::reply_now(const std::shared_ptr<Client>& c, std::string reply) {
  if (c->slots.empty()) {
    c->out.append(reply);
    mark_dirty(c);
    return;
  }
  deliver(Waiter{c, reserve_slot(c)}, std::move(reply));
}

void Server::deliver(const Waiter& w, std::string reply) {
  Client& c = *w.client;
  if (w.logged && c.log_pending > 0) --c.log_pending;
  if (c.dead || w.slot < c.first_slot) return;
  const std::uint64_t k = w.slot - c.first_slot;
  if (k >= c.slots.size()) return;
  c.slots[k] = std::move(reply);
  while (!c.slots.empty() && c.slots.front().has_value()) {
    c.out.append(*c.slots.front());
    c.slots.pop_front();
    ++c.first_slot;
  }
  mark_dirty(w.client);
}

void Server::mark_dirty(const std::shared_ptr<Client>& c) {
  if (c->dirty) return;
  c->dirty = true;
  dirty_.push_back(c);
}

void Server::flush_clients() {
  for (auto& c : dirty_) {
    c->dirty = false;
    write_client(c);
    if (!c->reading && may_read(*c) && c->slots.size() < kMaxPendingReplies / 2) read_client(c);
  }
  dirty_.clear();
}

void Server::write_client(const std::shared_ptr<Client>& c) {
  if (c->dead || c->write_busy) return;
  if (c->out.empty()) {
    if (c->close_after_write && c->slots.empty()) {
      c->dead = true;
      boost::system::error_code ignored;
      c->socket.shutdown(tcp::socket::shutdown_both, ignored);
      c->socket.close(ignored);
    }
    return;
  }
  c->writing.swap(c->out);
  c->out.clear();
  c->write_busy = true;
  asio::async_write(c->socket, asio::buffer(c->writing), [this, c](const boost::system::error_code& ec, std::size_t) {
    c->write_busy = false;
    c->writing.clear();
    if (ec) {
      c->dead = true;
      boost::system::error_code ignored;
      c->socket.close(ignored);
      return;
    }
    write_client(c);
    if (!c->reading && may_read(*c) && c->slots.size() < kMaxPendingReplies / 2) read_client(c);
  });
}

}  // namespace

int run_server(const ServerOptions& options) {
  g_crash_at = std::getenv("SYNOD_KV_CRASH_AT");
  return_large_frees_to_the_system();
  Server s(options);
  return s.run();
}

}  // namespace synod::net
