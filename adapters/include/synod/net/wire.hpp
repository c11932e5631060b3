// synod/net/wire.hpp - frame bodies: the peer handshake and Raft messages.
//
// Raft message body (little-endian), inside a FrameKind::raft frame:
//
//   u8  type (a MessageType, raft::is_valid)   u8 from (1..max_nodes)   u8 to (1..max_nodes)
//   u64 term   u64 log_index   u64 log_term   u64 commit   u64 context
//   u8  success (0 or 1)
//   u16 entry count (<= Config::max_entries_per_message; 0 unless append_entries)
//   per entry: u64 term, then the payload as the PayloadCodec writes it
//   install_snapshot only: u32 chunk length (<= kMaxSnapshotChunk), chunk bytes
//     (the bytes of chunk `context` of the snapshot; the kernel never holds them)
//
// The encoding is canonical: decode(encode(m)) == m, and a body that decodes
// re-encodes to exactly the same bytes (no trailing bytes, booleans 0/1).
// Payloads are encoded by a caller-supplied codec, so the kernel's payload
// can be a fixed-size handle whose bytes travel here alongside it.
//
// Handshake: the dialing node sends Hello {cluster id, its id, the id it
// expects to reach, its client address}; the acceptor answers HelloAck
// {status, its client address or the refusal reason}. Only then do Raft
// frames flow, and only from dialer to acceptor: every node sends on the
// one connection it dialed to each peer and receives on the ones it accepted.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

#include <synod/net/bytes.hpp>
#include <synod/net/frame.hpp>
#include <synod/raft/messages.hpp>

namespace synod::net {

enum class WireError : std::uint8_t {
  none,
  truncated,          // the body ends inside a field
  trailing_bytes,     // bytes left after the message
  bad_type,
  bad_node_id,
  bad_bool,
  too_many_entries,
  unexpected_entries, // entries on a message type that carries none
  bad_payload,        // the payload codec refused
  bad_string,         // handshake string too long
  bad_status,
  bad_chunk,          // a snapshot chunk longer than kMaxSnapshotChunk
};

// The largest snapshot chunk a message may carry (synod-kv's
// --snapshot-chunk-bytes is bounded by it).
inline constexpr std::uint32_t kMaxSnapshotChunk = 16u << 20;

[[nodiscard]] const char* to_string(WireError e) noexcept;

// ----------------------------------------------------------------- handshake

struct Hello {
  std::uint64_t cluster_id = 0;
  std::uint8_t from = 0;
  std::uint8_t to = 0;
  std::string client_address;  // where this node serves clients, "host:port"
  friend bool operator==(const Hello&, const Hello&) = default;
};

enum class HelloStatus : std::uint8_t { ok = 0, wrong_cluster = 1, wrong_node = 2, unknown_peer = 3 };

// Whether `s` is one of the statuses above (decode_hello_ack checks the byte).
constexpr bool is_valid(HelloStatus s) {
  switch (s) {
    case HelloStatus::ok:
    case HelloStatus::wrong_cluster:
    case HelloStatus::wrong_node:
    case HelloStatus::unknown_peer:
      return true;
  }
  return false;
}

struct HelloAck {
  HelloStatus status = HelloStatus::ok;
  std::string text;  // ok: the acceptor's client address; otherwise the reason
  friend bool operator==(const HelloAck&, const HelloAck&) = default;
};

inline constexpr std::size_t kMaxHandshakeString = 255;

void append_hello(std::string& out, const Hello& h);  // a whole frame
void append_hello_ack(std::string& out, const HelloAck& a);
[[nodiscard]] WireError decode_hello(std::string_view body, Hello& out);
[[nodiscard]] WireError decode_hello_ack(std::string_view body, HelloAck& out);

// ------------------------------------------------------------- raft messages

// How a payload crosses the wire. encode() appends e.payload (and whatever
// bytes it stands for); decode() reads one, given the entry term already
// read, and returns false to reject the message.
template <class C, class Payload>
concept PayloadCodec = requires(C c, ByteWriter& w, ByteReader& r, const raft::Entry<Payload>& ce,
                                raft::Entry<Payload>& e) {
  c.encode(w, ce);
  { c.decode(r, e) } -> std::same_as<bool>;
};

// Integral payloads travel as u64 (what the kernel's DefaultConfig uses).
struct IntegralPayloadCodec {
  template <class P>
  void encode(ByteWriter& w, const raft::Entry<P>& e) {
    w.u64(static_cast<std::uint64_t>(e.payload));
  }
  template <class P>
  bool decode(ByteReader& r, raft::Entry<P>& e) {
    const std::uint64_t v = r.u64();
    e.payload = static_cast<P>(v);
    return static_cast<std::uint64_t>(e.payload) == v;
  }
};

// `chunk`: the snapshot bytes an install_snapshot carries (ignored for
// every other type).
template <class Config, class Codec>
void encode_message_body(std::string& out, const raft::Message<Config>& m, Codec& codec,
                         std::string_view chunk = {}) {
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(m.type));
  w.u8(m.from);
  w.u8(m.to);
  w.u64(m.term);
  w.u64(m.log_index);
  w.u64(m.log_term);
  w.u64(m.commit);
  w.u64(m.context);
  w.u8(m.success ? 1 : 0);
  w.u16(static_cast<std::uint16_t>(m.entries.size()));
  for (const auto& e : m.entries) {
    w.u64(e.term);
    codec.encode(w, e);
  }
  if (m.type == raft::MessageType::install_snapshot) {
    w.u32(static_cast<std::uint32_t>(chunk.size()));
    w.bytes(chunk);
  }
}

// Appends one whole FrameKind::raft frame.
template <class Config, class Codec>
void append_message_frame(std::string& out, const raft::Message<Config>& m, Codec& codec,
                          std::string_view chunk = {}) {
  const std::size_t start = start_frame(out);
  encode_message_body(out, m, codec, chunk);
  finish_frame(out, start, FrameKind::raft);
}

// Decodes a FrameKind::raft body into `m`, and an install_snapshot's chunk
// bytes into `chunk` (a view into `body`; empty for other types). On error
// `m` is unspecified and must not be used. Never reads outside `body`.
template <class Config, class Codec>
[[nodiscard]] WireError decode_message_body(std::string_view body, raft::Message<Config>& m, Codec& codec,
                                            std::string_view& chunk) {
  chunk = {};
  ByteReader r(body);
  const std::uint8_t type = r.u8();
  const std::uint8_t from = r.u8();
  const std::uint8_t to = r.u8();
  m.term = r.u64();
  m.log_index = r.u64();
  m.log_term = r.u64();
  m.commit = r.u64();
  m.context = r.u64();
  const std::uint8_t success = r.u8();
  const std::uint16_t count = r.u16();
  if (r.failed()) return WireError::truncated;
  m.type = static_cast<raft::MessageType>(type);
  if (!raft::is_valid(m.type)) return WireError::bad_type;
  if (from < 1 || from > Config::max_nodes || to < 1 || to > Config::max_nodes) return WireError::bad_node_id;
  m.from = from;
  m.to = to;
  if (success > 1) return WireError::bad_bool;
  m.success = success == 1;
  if (count > Config::max_entries_per_message) return WireError::too_many_entries;
  if (count > 0 && m.type != raft::MessageType::append_entries) return WireError::unexpected_entries;
  m.entries.clear();
  for (std::uint16_t k = 0; k < count; ++k) {
    raft::Entry<typename Config::Payload> e;
    e.term = r.u64();
    if (r.failed()) return WireError::truncated;
    if (!codec.decode(r, e)) return r.failed() ? WireError::truncated : WireError::bad_payload;
    if (r.failed()) return WireError::truncated;
    m.entries.push_back(e);
  }
  if (m.type == raft::MessageType::install_snapshot) {
    const std::uint32_t length = r.u32();
    if (r.failed()) return WireError::truncated;
    if (length > kMaxSnapshotChunk) return WireError::bad_chunk;
    chunk = r.bytes(length);
    if (r.failed()) return WireError::truncated;
  }
  if (r.remaining() != 0) return WireError::trailing_bytes;
  return WireError::none;
}

template <class Config, class Codec>
[[nodiscard]] WireError decode_message_body(std::string_view body, raft::Message<Config>& m, Codec& codec) {
  std::string_view chunk;
  return decode_message_body(body, m, codec, chunk);
}

}  // namespace synod::net
