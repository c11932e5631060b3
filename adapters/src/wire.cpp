// wire.cpp - handshake frames and error names (Raft codec is in wire.hpp).
#include <synod/net/wire.hpp>

namespace synod::net {

const char* to_string(WireError e) noexcept {
  switch (e) {
    case WireError::none: return "none";
    case WireError::truncated: return "message truncated";
    case WireError::trailing_bytes: return "trailing bytes after message";
    case WireError::bad_type: return "unknown message type";
    case WireError::bad_node_id: return "node id out of range";
    case WireError::bad_bool: return "boolean not 0 or 1";
    case WireError::too_many_entries: return "more entries than a message may carry";
    case WireError::unexpected_entries: return "entries on a message type without entries";
    case WireError::bad_payload: return "payload rejected";
    case WireError::bad_string: return "handshake string too long";
    case WireError::bad_status: return "unknown handshake status";
    case WireError::bad_chunk: return "snapshot chunk too long";
  }
  return "unknown wire error";
}

namespace {
void put_string(ByteWriter& w, std::string_view s) {
  if (s.size() > kMaxHandshakeString) s = s.substr(0, kMaxHandshakeString);
  w.u8(static_cast<std::uint8_t>(s.size()));
  w.bytes(s);
}
bool get_string(ByteReader& r, std::string& out) {
  const std::uint8_t n = r.u8();
  const std::string_view s = r.bytes(n);
  if (r.failed()) return false;
  out.assign(s);
  return true;
}
}  // namespace

void append_hello(std::string& out, const Hello& h) {
  const std::size_t start = start_frame(out);
  ByteWriter w(out);
  w.u64(h.cluster_id);
  w.u8(h.from);
  w.u8(h.to);
  put_string(w, h.client_address);
  finish_frame(out, start, FrameKind::hello);
}

void append_hello_ack(std::string& out, const HelloAck& a) {
  const std::size_t start = start_frame(out);
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(a.status));
  put_string(w, a.text);
  finish_frame(out, start, FrameKind::hello_ack);
}

WireError decode_hello(std::string_view body, Hello& out) {
  ByteReader r(body);
  out.cluster_id = r.u64();
  out.from = r.u8();
  out.to = r.u8();
  if (!get_string(r, out.client_address)) return WireError::truncated;
  if (r.remaining() != 0) return WireError::trailing_bytes;
  return WireError::none;
}

WireError decode_hello_ack(std::string_view body, HelloAck& out) {
  ByteReader r(body);
  const std::uint8_t status = r.u8();
  if (!get_string(r, out.text)) return WireError::truncated;
  out.status = static_cast<HelloStatus>(status);
  if (!is_valid(out.status)) return WireError::bad_status;
  if (r.remaining() != 0) return WireError::trailing_bytes;
  return WireError::none;
}

}  // namespace synod::net
