// libFuzzer target: everything that decodes untrusted bytes from a peer or
// a client. Input is treated (1) as a byte stream on a peer connection
// (frames decoded back to back, each body decoded by kind), (2) as a raw
// Raft message body (below the checksum), (3) as RESP client input.
// Decoded messages must be well formed and re-encode to the same bytes.
#include <synod/net/frame.hpp>
#include <synod/net/kv.hpp>
#include <synod/net/resp.hpp>
#include <synod/net/wire.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace synod::net;

void check_body(std::string_view body) {
  kv::PayloadStore store;
  kv::BlobCodec codec(store);
  kv::Message m;
  std::string_view chunk;
  if (decode_message_body(body, m, codec, chunk) != WireError::none) return;
  codec.commit();
  if (!synod::raft::is_valid(m.type) || m.from < 1 || m.to < 1 || m.from > kv::Config::max_nodes ||
      m.to > kv::Config::max_nodes ||
      (m.type != synod::raft::MessageType::append_entries && !m.entries.empty()))
    std::abort();
  kv::BlobCodec again(store);
  std::string re;
  if (m.type != synod::raft::MessageType::install_snapshot && !chunk.empty()) std::abort();
  encode_message_body(re, m, again, chunk);
  if (re != body) std::abort();  // the encoding is canonical
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  // (1) A peer connection's byte stream.
  std::size_t used = 0;
  while (used < in.size()) {
    const FrameResult r = decode_frame(in.substr(used), 1u << 20);
    if (r.status != DecodeStatus::frame) break;
    if (r.consumed == 0 || r.consumed > in.size() - used) std::abort();
    used += r.consumed;
    switch (r.kind) {
      case FrameKind::hello: {
        Hello h;
        (void)decode_hello(r.body, h);
        break;
      }
      case FrameKind::hello_ack: {
        HelloAck a;
        (void)decode_hello_ack(r.body, a);
        break;
      }
      case FrameKind::raft: check_body(r.body); break;
    }
  }

  // (2) A Raft body that passed the checksum (a buggy or hostile peer).
  check_body(in);

  // (3) RESP client input, commands back to back.
  std::vector<std::string_view> args;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const resp::ParseResult r = resp::parse_command(in.substr(pos), args);
    if (r.status != resp::Status::command) break;
    if (r.consumed == 0 || r.consumed > in.size() - pos) std::abort();
    for (auto a : args)
      if (a.data() < in.data() || a.data() + a.size() > in.data() + in.size()) std::abort();
    pos += r.consumed;
  }

  // (4) A replicated batch (a committed entry's bytes).
  kv::StateMachine sm;
  std::vector<std::string> replies;
  (void)sm.apply(in, &replies);
  return 0;
}
