// synod/net/snapshot.hpp - synod-kv's snapshot file: the whole key space at
// one applied log index, written crash-safely, read back with every byte
// checked.
//
// File DIR/snapshot (little-endian):
//   u32 magic "SKS1"   u32 format version (1)
//   u64 index          u64 term            (the last log entry it holds)
//   u64 key count      u64 body length
//   body: per key: u32 key length, key, u32 value length, value
//   u32 CRC-32C of everything before it
//
// Writing (write_snapshot): DIR/snapshot.tmp, fsync, rename over
// DIR/snapshot, fsync DIR. A crash at any point leaves either the old
// snapshot or the new one, whole; a leftover snapshot.tmp is removed at
// start. A follower receives a leader's snapshot (the same bytes, in
// chunks) into DIR/snapshot.recv and installs it the same way.
//
// Reading (read_snapshot) never trusts the file: a bad magic, version,
// length or checksum throws StorageError naming the file and offset. A
// damaged snapshot is never skipped: the WAL below it is gone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <synod/net/kv.hpp>
#include <synod/net/storage.hpp>

namespace synod::net {

struct SnapshotMeta {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::uint64_t keys = 0;
  std::uint64_t file_bytes = 0;
};

inline constexpr const char* kSnapshotFile = "snapshot";
inline constexpr const char* kSnapshotTemp = "snapshot.tmp";
inline constexpr const char* kSnapshotRecv = "snapshot.recv";

// A hook called between the steps of writing or installing a snapshot
// (tests inject crashes there). The names are the steps of docs/adapters.md.
using StepHook = void (*)(const char* step);

// The snapshot file's bytes for `machine` at (index, term): one pass over
// the map (synod-kv does it in its loop, then writes the file on a thread).
// `size_hint`: the buffer to reserve (the last snapshot's size, say).
std::string encode_snapshot(const kv::StateMachine& machine, std::uint64_t index, std::uint64_t term,
                            std::size_t size_hint = 0);
// Writes encoded snapshot bytes as dir/snapshot, crash-safely (temp file,
// fsync, rename, fsync dir). Throws StorageError on I/O failure.
SnapshotMeta write_snapshot(const std::filesystem::path& dir, std::string_view bytes, bool sync, StepHook hook);

// Checks a whole snapshot file held in `data` (named `file` in errors) and
// returns its header; throws StorageError on any inconsistency.
SnapshotMeta check_snapshot(std::string_view data, const std::string& file);
// Loads a checked snapshot into `machine` (replacing its contents).
void load_snapshot(std::string_view data, kv::StateMachine& machine);

// Reads dir/snapshot: nullopt when there is none; throws StorageError when
// it is damaged. `data` receives the file's bytes.
std::optional<SnapshotMeta> read_snapshot(const std::filesystem::path& dir, std::string& data);

// The whole content of a file (StorageError on failure).
std::string read_whole_file(const std::filesystem::path& file);

// The leader side: the current snapshot file, open for reading chunks.
class SnapshotSource {
 public:
  SnapshotSource() = default;
  SnapshotSource(const SnapshotSource&) = delete;
  SnapshotSource& operator=(const SnapshotSource&) = delete;
  ~SnapshotSource();
  // Opens dir/snapshot (just written or installed) as the one to serve, in
  // `chunks` chunks of (nearly) equal size.
  void open(const std::filesystem::path& dir, const SnapshotMeta& meta, std::uint32_t chunks);
  bool valid() const { return fd_ >= 0; }
  const SnapshotMeta& meta() const { return meta_; }
  std::uint32_t chunks() const { return chunks_; }
  // Chunk k's bytes into `out`; false when k is out of range or on a read error.
  bool chunk(std::uint64_t k, std::string& out) const;

 private:
  int fd_ = -1;
  SnapshotMeta meta_;
  std::uint32_t chunks_ = 1;
};

// How many chunks of at most `chunk_bytes` a file of `file_bytes` takes.
std::uint32_t chunks_for(std::uint64_t file_bytes, std::uint32_t chunk_bytes);

// The follower side: chunks accepted so far, appended to dir/snapshot.recv.
class SnapshotSink {
 public:
  SnapshotSink() = default;
  SnapshotSink(const SnapshotSink&) = delete;
  SnapshotSink& operator=(const SnapshotSink&) = delete;
  ~SnapshotSink();
  // Chunk 0 starts over (truncates); later chunks append. Throws StorageError.
  void add(const std::filesystem::path& dir, std::uint64_t chunk, std::string_view bytes);
  // Makes the received file durable, checks it is a whole snapshot at
  // (index, term), and renames it over dir/snapshot (fsync dir). Returns
  // its bytes in `data`. Throws StorageError if it is not.
  SnapshotMeta install(const std::filesystem::path& dir, std::uint64_t index, std::uint64_t term, bool sync,
                       StepHook hook, std::string& data);
  void close() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace synod::net
