// synod/net/storage.hpp - durable Raft state: a write-ahead log of
// checksummed records in segment files, plus the hard state (term, vote).
//
// Directory layout (DIR = --data):
//   DIR/hardstate            two 32-byte slots, each {seq, term, vote, crc};
//                            a write goes to the slot the old state is not in,
//                            recovery takes the valid slot with the higher seq,
//                            so a torn hard-state write loses nothing durable.
//   DIR/wal-%08u.log         segments, replayed in number order. Each record:
//                              u32 body length, u32 CRC-32C(body), body
//                            body = u8 type (1 = entry), u64 index, u64 term,
//                                   payload bytes (opaque to storage).
//
// An entry record at index i replaces every entry at index >= i (Raft's
// "delete the conflicting entry and all that follow it"), so a PersistRequest
// (drop >= first, write [first, last]) is just appending [first, last].
//
// Compaction. With a snapshot (snapshot.hpp) at index S durable, compact(S)
// starts a new segment, copies the entries above S into it (the few not yet
// committed when the snapshot was taken: a record at S + 1 supersedes every
// older record at or above S + 1), makes it durable, and deletes, oldest
// first, every older segment: each then holds only entries at or below S or
// superseded ones. reset(S) deletes every segment (a received snapshot that
// replaces the whole log). The log then starts above 1:
// Recovery::first_index says where, and the caller checks that its snapshot
// reaches it. Deleting oldest first keeps the remaining numbers contiguous
// whatever point a crash interrupts.
//
// Recovery (open()): a bad or incomplete record at the very end of the last
// segment, with no valid record after it, is a torn write from a crash
// before the fsync returned: it is truncated and reported. Anything else -
// a bad record followed by valid data, a bad record in an earlier segment,
// an index gap - throws StorageError naming the file and the byte offset.
// Nothing is ever dropped silently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace synod::net {

class StorageError : public std::runtime_error {
 public:
  StorageError(std::string file, std::uint64_t offset, const std::string& what);
  const std::string& file() const { return file_; }
  std::uint64_t offset() const { return offset_; }

 private:
  std::string file_;
  std::uint64_t offset_;
};

struct StoredHardState {
  std::uint64_t term = 0;
  std::uint8_t voted_for = 0;
  friend bool operator==(const StoredHardState&, const StoredHardState&) = default;
};

struct StoredEntry {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::string payload;
  friend bool operator==(const StoredEntry&, const StoredEntry&) = default;
};

struct StorageOptions {
  std::uint64_t segment_bytes = 64u << 20;   // roll to a new segment past this size
  std::uint32_t max_record_bytes = 64u << 20;
  bool sync = true;                          // fdatasync (false only for tests that do not crash)
};

struct Recovery {
  StoredHardState hard_state;
  std::vector<StoredEntry> entries;  // the log, entries[k].index == first_index + k
  std::uint64_t first_index = 1;     // the WAL's first entry (above 1 after a compaction)
  bool truncated_tail = false;       // a torn record was removed
  std::string truncated_file;
  std::uint64_t truncated_offset = 0;
  std::uint64_t truncated_bytes = 0;
};

class Storage {
 public:
  // Opens (creating if needed) the directory and recovers its contents.
  // Throws StorageError on corruption or I/O failure.
  static Storage open(const std::filesystem::path& dir, const StorageOptions& options, Recovery& out);

  Storage(Storage&&) noexcept;
  Storage& operator=(Storage&&) noexcept;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  // Buffered; nothing is durable before sync().
  void append(std::uint64_t index, std::uint64_t term, std::string_view payload);
  void set_hard_state(const StoredHardState& hs);
  // Writes everything buffered and makes it durable (one fdatasync for the
  // log, one more for the hard state only when it changed). Throws on error.
  void sync();

  // With a snapshot at `upto` durable: start a new segment, let `carry`
  // append (append(), not sync()) the entries above `upto` it still needs,
  // make them durable, then delete the segments that hold nothing else.
  // `hook` runs after the first deletion (tests inject crashes there).
  using Carry = void (*)(void* context, Storage& storage, std::uint64_t from);
  void compact(std::uint64_t upto, Carry carry = nullptr, void* context = nullptr,
               void (*hook)(const char*) = nullptr);
  // Deletes every segment: the log is empty, its next entry is upto + 1.
  void reset(std::uint64_t upto, void (*hook)(const char*) = nullptr);

  std::uint64_t last_index() const { return last_index_; }
  std::uint64_t syncs() const { return syncs_; }
  std::uint64_t bytes_written() const { return bytes_written_; }  // log bytes since open
  std::uint64_t disk_bytes() const;                                // all segments' sizes
  std::size_t segments() const { return segments_.size(); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  Storage() = default;
  void open_segment(std::uint32_t number, bool create);
  void close_all() noexcept;
  void delete_segments_through(std::size_t count, void (*hook)(const char*));

  struct Segment {
    std::uint32_t number = 0;
    std::uint64_t first_index = 0;  // the index of its first record (0: none)
    std::uint64_t max_index = 0;    // the highest index any record in it holds (0: none)
    std::uint64_t bytes = 0;
  };
  std::vector<Segment> segments_;  // oldest first; the last is the one written
  std::uint64_t bytes_written_ = 0;
  std::uint64_t buffer_max_ = 0;    // the highest index in buffer_
  std::uint64_t buffer_first_ = 0;  // the first index in buffer_ (0: empty)

  std::filesystem::path dir_;
  StorageOptions options_;
  int dir_fd_ = -1;
  int hard_fd_ = -1;
  int seg_fd_ = -1;
  std::uint32_t seg_number_ = 0;
  std::uint64_t seg_size_ = 0;
  std::uint64_t hard_seq_ = 0;
  std::uint64_t last_index_ = 0;
  std::uint64_t syncs_ = 0;
  std::string buffer_;
  bool hard_dirty_ = false;
  StoredHardState hard_;
};

// Encodes one log record (exposed for tests that craft files).
void encode_record(std::string& out, std::uint64_t index, std::uint64_t term, std::string_view payload);

std::string segment_name(std::uint32_t number);

}  // namespace synod::net
