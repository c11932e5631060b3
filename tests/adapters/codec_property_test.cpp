// RapidCheck properties of the wire codec: every message round-trips; every
// mutation of the bytes is rejected or decodes to a well-formed message
// whose canonical encoding is exactly those bytes; nothing ever crashes
// (run under ASan/UBSan by `make asan`).
#include <synod/net/frame.hpp>
#include <synod/net/kv.hpp>
#include <synod/net/wire.hpp>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace synod::net {
namespace {

using raft::MessageType;

struct Generated {
  kv::Message message;
  kv::PayloadStore store;
  std::string chunk;  // install_snapshot: the snapshot bytes it carries
};

Generated gen_kv_message() {
  Generated g;
  kv::Message& m = g.message;
  m.type = static_cast<MessageType>(*rc::gen::inRange(1, static_cast<int>(MessageType::install_snapshot_response) + 1));
  m.from = static_cast<NodeId>(*rc::gen::inRange(1, 8));
  m.to = static_cast<NodeId>(*rc::gen::inRange(1, 8));
  m.term = *rc::gen::arbitrary<std::uint64_t>();
  m.log_index = *rc::gen::arbitrary<std::uint64_t>();
  m.log_term = *rc::gen::arbitrary<std::uint64_t>();
  m.commit = *rc::gen::arbitrary<std::uint64_t>();
  m.context = *rc::gen::arbitrary<std::uint64_t>();
  m.success = *rc::gen::arbitrary<bool>();
  if (m.type == MessageType::install_snapshot) g.chunk = *rc::gen::container<std::string>(rc::gen::character<char>());
  if (m.type == MessageType::append_entries) {
    const int n = *rc::gen::inRange(0, static_cast<int>(kv::Config::max_entries_per_message) + 1);
    for (int k = 0; k < n; ++k) {
      kv::Entry e;
      e.term = *rc::gen::inRange<std::uint64_t>(0, 5);
      e.payload.seq = *rc::gen::inRange<std::uint64_t>(0, 4);
      if (e.payload.seq != 0) {
        const kv::PayloadKey key{e.term, e.payload.seq};
        if (g.store.find(key) == nullptr) g.store.put(key, *rc::gen::container<std::string>(rc::gen::character<char>()));
      }
      m.entries.push_back(e);
    }
  }
  return g;
}

std::string encode_frame(const kv::Message& m, kv::PayloadStore& store, std::string_view chunk = {}) {
  kv::BlobCodec codec(store);
  std::string out;
  append_message_frame(out, m, codec, chunk);
  return out;
}

bool well_formed(const kv::Message& m) {
  return raft::is_valid(m.type) && m.from >= 1 && m.from <= kv::Config::max_nodes && m.to >= 1 &&
         m.to <= kv::Config::max_nodes && m.entries.size() <= kv::Config::max_entries_per_message &&
         (m.type == MessageType::append_entries || m.entries.empty());
}

// Decodes a frame; if it yields a message, checks it and its canonical form.
void check_decoded_or_rejected(std::string_view bytes) {
  const FrameResult fr = decode_frame(bytes, 1u << 20);
  if (fr.status != DecodeStatus::frame) return;
  RC_ASSERT(fr.consumed <= bytes.size());
  if (fr.kind != FrameKind::raft) return;
  kv::PayloadStore store;
  kv::BlobCodec codec(store);
  kv::Message m;
  std::string_view chunk;
  if (decode_message_body(fr.body, m, codec, chunk) != WireError::none) return;
  codec.commit();
  RC_ASSERT(well_formed(m));
  RC_ASSERT(chunk.empty() || m.type == MessageType::install_snapshot);
  kv::BlobCodec re(store);
  std::string again;
  encode_message_body(again, m, re, chunk);
  RC_ASSERT(again == std::string(fr.body));
}

RC_GTEST_PROP(AdaptersCodec, KvMessageRoundTrips, ()) {
  Generated g = gen_kv_message();
  const std::string frame = encode_frame(g.message, g.store, g.chunk);
  const FrameResult fr = decode_frame(frame);
  RC_ASSERT(fr.status == DecodeStatus::frame);
  RC_ASSERT(fr.consumed == frame.size());
  kv::PayloadStore received;
  kv::BlobCodec codec(received);
  kv::Message back;
  std::string_view chunk;
  RC_ASSERT(decode_message_body(fr.body, back, codec, chunk) == WireError::none);
  codec.commit();
  RC_ASSERT(back == g.message);
  RC_ASSERT(chunk == g.chunk);
  for (const auto& e : back.entries) {
    const std::string* sent = g.store.find({e.term, e.payload.seq});
    const std::string* got = received.find({e.term, e.payload.seq});
    RC_ASSERT(sent != nullptr);
    RC_ASSERT(got != nullptr);
    RC_ASSERT(*sent == *got);
  }
}

RC_GTEST_PROP(AdaptersCodec, DefaultConfigMessageRoundTrips,
              (std::uint64_t term, std::uint64_t index, std::vector<std::uint64_t> payloads)) {
  raft::Message<raft::DefaultConfig> m;
  m.type = MessageType::append_entries;
  m.from = 2;
  m.to = 5;
  m.term = term;
  m.log_index = index;
  for (std::size_t k = 0; k < payloads.size() && k < m.entries.capacity(); ++k)
    m.entries.push_back(raft::Entry<std::uint64_t>{term, payloads[k]});
  IntegralPayloadCodec codec;
  std::string frame;
  append_message_frame(frame, m, codec);
  const FrameResult fr = decode_frame(frame);
  RC_ASSERT(fr.status == DecodeStatus::frame);
  raft::Message<raft::DefaultConfig> back;
  RC_ASSERT(decode_message_body(fr.body, back, codec) == WireError::none);
  RC_ASSERT(back == m);
}

RC_GTEST_PROP(AdaptersCodec, AnyPrefixOfAFrameNeedsMore, ()) {
  Generated g = gen_kv_message();
  const std::string frame = encode_frame(g.message, g.store, g.chunk);
  const std::size_t cut = *rc::gen::inRange<std::size_t>(0, frame.size());
  RC_ASSERT(decode_frame(std::string_view(frame).substr(0, cut)).status == DecodeStatus::need_more);
}

std::string mutate(std::string bytes) {
  const int kind = *rc::gen::inRange(0, 5);
  const std::size_t n = bytes.size();
  const std::size_t at = n == 0 ? 0 : *rc::gen::inRange<std::size_t>(0, n);
  switch (kind) {
    case 0:  // flip one bit
      if (n) bytes[at] = static_cast<char>(bytes[at] ^ (1 << *rc::gen::inRange(0, 8)));
      break;
    case 1:  // overwrite one byte
      if (n) bytes[at] = *rc::gen::arbitrary<char>();
      break;
    case 2:  // truncate
      bytes.resize(at);
      break;
    case 3:  // insert a byte
      bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), *rc::gen::arbitrary<char>());
      break;
    case 4:  // delete a byte
      if (n) bytes.erase(at, 1);
      break;
  }
  return bytes;
}

RC_GTEST_PROP(AdaptersCodec, MutatedFramesAreRejectedOrValid, ()) {
  Generated g = gen_kv_message();
  std::string frame = encode_frame(g.message, g.store, g.chunk);
  const int rounds = *rc::gen::inRange(1, 4);
  for (int k = 0; k < rounds; ++k) frame = mutate(frame);
  check_decoded_or_rejected(frame);
}

// Below the checksum: mutate the body and re-frame it with a valid CRC, so
// the message decoder itself faces every corruption.
RC_GTEST_PROP(AdaptersCodec, MutatedBodiesAreRejectedOrCanonical, ()) {
  Generated g = gen_kv_message();
  std::string body;
  kv::BlobCodec codec(g.store);
  encode_message_body(body, g.message, codec, g.chunk);
  const int rounds = *rc::gen::inRange(1, 4);
  for (int k = 0; k < rounds; ++k) body = mutate(body);
  std::string frame;
  append_frame(frame, FrameKind::raft, body);
  check_decoded_or_rejected(frame);
}

RC_GTEST_PROP(AdaptersCodec, RandomBytesNeverCrashTheDecoder, (std::string bytes)) {
  check_decoded_or_rejected(bytes);
  std::string framed;
  append_frame(framed, FrameKind::raft, bytes);
  check_decoded_or_rejected(framed);
  Hello h;
  HelloAck a;
  (void)decode_hello(bytes, h);
  (void)decode_hello_ack(bytes, a);
}

}  // namespace
}  // namespace synod::net
