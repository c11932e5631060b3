// synod/net/kv.hpp - synod-kv's payload design and replicated state machine.
//
// Payload design. The kernel wants a fixed-size, trivially copyable payload;
// a client batch is variable-sized. So the payload is a handle, BatchId
// {seq}, and an entry's identity is (entry term, seq): only one leader
// exists per term and it numbers its batches, so the pair is unique in the
// cluster. The batch bytes live in a PayloadStore keyed by that pair:
//  - the leader puts them there before propose();
//  - on the wire, BlobCodec writes the handle followed by the bytes, and on
//    receipt stages them in the store before the message reaches the kernel;
//  - Storage writes handle + bytes in the entry's WAL record and recovery
//    refills the store.
// seq 0 is the kernel's no-op entry (Payload{}), with no bytes.
//
// A batch is many client commands (pipelining and concurrent clients share
// one entry, one fsync): u32 count, then per command u8 op, u16 argc, and
// argc x (u32 length, bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <synod/net/bytes.hpp>
#include <synod/net/vector_log.hpp>
#include <synod/raft/messages.hpp>
#include <synod/raft/types.hpp>

namespace synod::net::kv {

struct BatchId {
  std::uint64_t seq = 0;  // 0: the leader's no-op entry
  friend constexpr bool operator==(const BatchId&, const BatchId&) = default;
};
constexpr std::uint64_t hash_value(const BatchId& b) { return b.seq; }

struct Config {
  using Payload = BatchId;
  static constexpr std::size_t max_nodes = 7;
  static constexpr std::size_t max_entries_per_message = 16;
  static constexpr std::size_t log_capacity = 0;     // unused: the log is a VectorLog
  static constexpr std::size_t outbox_capacity = 256;
  // ReadIndex requests in progress. synod-kv asks once per loop iteration for
  // all the reads that arrived in it, so a few are in progress at a time;
  // followers' forwarded requests share the leader's pool.
  static constexpr std::size_t max_pending_reads = 256;
};

using Entry = raft::Entry<BatchId>;
using Message = raft::Message<Config>;
using Log = VectorLog<BatchId>;

struct PayloadKey {
  raft::Term term = 0;
  std::uint64_t seq = 0;
  friend bool operator==(const PayloadKey&, const PayloadKey&) = default;
};
struct PayloadKeyHash {
  std::size_t operator()(const PayloadKey& k) const noexcept {
    return static_cast<std::size_t>(k.term * 0x9e3779b97f4a7c15ULL ^ k.seq);
  }
};

class PayloadStore {
 public:
  void put(const PayloadKey& k, std::string bytes) { map_.insert_or_assign(k, std::move(bytes)); }
  // nullptr when unknown; the no-op (seq 0) is always known and empty.
  const std::string* find(const PayloadKey& k) const;
  std::size_t size() const { return map_.size(); }
  // Keeps only the bytes of the log's entries (after a compaction or an
  // installed snapshot): bytes of compacted, truncated or never-proposed
  // batches go.
  void retain(const Log& log);

 private:
  std::unordered_map<PayloadKey, std::string, PayloadKeyHash> map_;
  std::string empty_;
};

// Payload bytes on the wire and in the WAL: u64 seq, u32 length, bytes.
inline constexpr std::uint32_t kMaxBatchBytes = 32u << 20;

class BlobCodec {
 public:
  explicit BlobCodec(PayloadStore& store) : store_(&store) {}
  void encode(ByteWriter& w, const Entry& e);  // throws std::logic_error if the bytes are unknown
  bool decode(ByteReader& r, Entry& e);        // stages; commit() after the message is accepted
  void commit();
  void discard() { staged_.clear(); }

 private:
  PayloadStore* store_;
  std::vector<std::pair<PayloadKey, std::string_view>> staged_;
};

// WAL record payload for one entry (handle + bytes) and back.
void encode_stored_payload(std::string& out, const Entry& e, std::string_view bytes);
[[nodiscard]] bool decode_stored_payload(std::string_view in, std::uint64_t& seq, std::string_view& bytes);

// ---------------------------------------------------------------- commands

enum class Op : std::uint8_t { get = 1, set = 2, del = 3, exists = 4, incr = 5 };

// Whether `op` is one of the commands above (batches are checked with it).
constexpr bool is_valid(Op op) {
  switch (op) {
    case Op::get:
    case Op::set:
    case Op::del:
    case Op::exists:
    case Op::incr:
      return true;
  }
  return false;
}

// Looks up a command name (case-insensitive) among the replicated ones.
std::optional<Op> replicated_op(std::string_view name);
bool read_only(Op op);
// Checks arity: empty when fine, otherwise the RESP error text.
std::string check_arity(Op op, std::size_t argc_including_name, std::string_view name);

class BatchBuilder {
 public:
  void add(Op op, const std::vector<std::string_view>& args_after_name);
  std::size_t count() const { return count_; }
  std::size_t bytes() const { return body_.size(); }
  bool empty() const { return count_ == 0; }
  // The finished batch; the builder is empty afterwards.
  std::string take();

 private:
  std::string body_;
  std::uint32_t count_ = 0;
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

class StateMachine {
 public:
  void reserve(std::size_t keys) { data_.reserve(keys); }
  // Applies a batch; appends one RESP reply per command to `replies` when
  // given. A malformed batch applies nothing and returns false.
  bool apply(std::string_view batch, std::vector<std::string>* replies);
  // Local reads (READONLY connections on followers): RESP reply.
  std::string read(Op op, const std::vector<std::string_view>& args) const;
  std::size_t keys() const { return data_.size(); }
  // Snapshots: every key and value, and loading them back.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [k, v] : data_) f(k, v);
  }
  void clear() { data_ = {}; }
  void insert(std::string_view key, std::string_view value) { data_.insert_or_assign(std::string(key), std::string(value)); }
  // Bytes of keys and values (the live data), for INFO.
  std::size_t live_bytes() const;

 private:
  std::string execute(Op op, const std::vector<std::string_view>& args);
  // Transparent hashing: lookups by string_view allocate nothing.
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> data_;
  std::vector<std::string_view> args_;  // scratch
};

}  // namespace synod::net::kv
