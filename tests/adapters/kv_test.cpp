// synod-kv's batches, state machine and payload codec.
#include <synod/net/frame.hpp>
#include <synod/net/kv.hpp>
#include <synod/net/wire.hpp>

#include <gtest/gtest.h>

namespace synod::net::kv {
namespace {

std::vector<std::string> run(StateMachine& sm, const std::vector<std::vector<std::string>>& commands) {
  BatchBuilder b;
  for (const auto& c : commands) {
    std::vector<std::string_view> rest(c.begin() + 1, c.end());
    b.add(*replicated_op(c[0]), rest);
  }
  std::vector<std::string> replies;
  EXPECT_TRUE(sm.apply(b.take(), &replies));
  return replies;
}

TEST(AdaptersKv, CommandSemantics) {
  StateMachine sm;
  const auto r = run(sm, {{"SET", "a", "1"},
                          {"GET", "a"},
                          {"INCR", "a"},
                          {"INCR", "n"},
                          {"EXISTS", "a", "n", "zz"},
                          {"DEL", "a", "zz"},
                          {"GET", "a"},
                          {"SET", "s", "abc"},
                          {"INCR", "s"},
                          {"SET", "m", "9223372036854775807"},
                          {"INCR", "m"},
                          {"SET", "e", ""},
                          {"INCR", "e"}});
  const std::vector<std::string> expected = {
      "+OK\r\n", "$1\r\n1\r\n", ":2\r\n", ":1\r\n", ":2\r\n", ":1\r\n", "$-1\r\n", "+OK\r\n",
      "-ERR value is not an integer or out of range\r\n", "+OK\r\n", "-ERR increment or decrement would overflow\r\n",
      "+OK\r\n", "-ERR value is not an integer or out of range\r\n"};
  EXPECT_EQ(r, expected);
  EXPECT_EQ(sm.read(Op::get, {"n"}), "$1\r\n1\r\n");
}

TEST(AdaptersKv, Arity) {
  EXPECT_TRUE(check_arity(Op::get, 2, "get").empty());
  EXPECT_FALSE(check_arity(Op::get, 3, "GET").empty());
  EXPECT_EQ(check_arity(Op::get, 1, "GeT"), "ERR wrong number of arguments for 'get' command");
  EXPECT_FALSE(check_arity(Op::set, 4, "set").empty());
  EXPECT_FALSE(check_arity(Op::del, 1, "del").empty());
  EXPECT_TRUE(check_arity(Op::exists, 5, "exists").empty());
  EXPECT_FALSE(replicated_op("PING").has_value());
  EXPECT_EQ(replicated_op("sEt"), Op::set);
}

TEST(AdaptersKv, MalformedBatchAppliesNothing) {
  StateMachine sm;
  BatchBuilder b;
  b.add(Op::set, {"k", "v"});
  const std::string good = b.take();
  for (std::size_t n = 0; n < good.size(); ++n) {
    std::vector<std::string> replies;
    EXPECT_FALSE(sm.apply(good.substr(0, n), &replies)) << n;
    EXPECT_TRUE(replies.empty());
  }
  EXPECT_EQ(sm.keys(), 0u);
  EXPECT_FALSE(sm.apply(good + "x", nullptr));
  EXPECT_TRUE(sm.apply(good, nullptr));
  EXPECT_EQ(sm.keys(), 1u);
}

TEST(AdaptersKv, BlobCodecCarriesPayloadBytesWithTheMessage) {
  PayloadStore leader;
  leader.put({3, 1}, "batch-one");
  leader.put({3, 2}, std::string(1000, 'z'));
  Message m;
  m.type = raft::MessageType::append_entries;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.entries.push_back(Entry{3, BatchId{1}});
  m.entries.push_back(Entry{3, BatchId{0}});  // a no-op
  m.entries.push_back(Entry{3, BatchId{2}});
  BlobCodec enc(leader);
  std::string frame;
  append_message_frame(frame, m, enc);

  PayloadStore follower;
  BlobCodec dec(follower);
  const FrameResult fr = decode_frame(frame);
  ASSERT_EQ(fr.status, DecodeStatus::frame);
  Message back;
  ASSERT_EQ(decode_message_body(fr.body, back, dec), WireError::none);
  EXPECT_EQ(follower.size(), 0u) << "staged until commit()";
  dec.commit();
  EXPECT_EQ(back, m);
  ASSERT_NE(follower.find({3, 1}), nullptr);
  EXPECT_EQ(*follower.find({3, 1}), "batch-one");
  EXPECT_EQ(follower.find({3, 2})->size(), 1000u);
  EXPECT_EQ(follower.size(), 2u);

  // Encoding an entry whose bytes are unknown is a bug, reported loudly.
  PayloadStore empty;
  BlobCodec none(empty);
  std::string out;
  EXPECT_THROW(append_message_frame(out, m, none), std::logic_error);
}

TEST(AdaptersKv, StoredPayloadRoundTrip) {
  std::string out;
  encode_stored_payload(out, Entry{2, BatchId{77}}, "bytes");
  std::uint64_t seq = 0;
  std::string_view bytes;
  ASSERT_TRUE(decode_stored_payload(out, seq, bytes));
  EXPECT_EQ(seq, 77u);
  EXPECT_EQ(bytes, "bytes");
  EXPECT_FALSE(decode_stored_payload("abc", seq, bytes));
}

}  // namespace
}  // namespace synod::net::kv
