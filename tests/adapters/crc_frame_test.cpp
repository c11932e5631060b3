// CRC-32C and the frame layer: known answers, every prefix, every error.
#include <synod/net/crc32c.hpp>
#include <synod/net/frame.hpp>
#include <synod/net/wire.hpp>

#include <gtest/gtest.h>

#include <string>

namespace synod::net {
namespace {

TEST(AdaptersCrc32c, KnownAnswers) {
  // RFC 3720 B.4 / the usual check value.
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  const std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  const std::string ones(32, '\xff');
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
}

TEST(AdaptersCrc32c, IncrementalEqualsWhole) {
  std::string s;
  for (int i = 0; i < 1000; ++i) s.push_back(static_cast<char>(i * 7 + 3));
  for (std::size_t cut : {0u, 1u, 7u, 8u, 9u, 500u, 999u, 1000u}) {
    const std::uint32_t a = crc32c(s.data(), cut);
    EXPECT_EQ(crc32c(s.data() + cut, s.size() - cut, a), crc32c(s.data(), s.size())) << cut;
  }
}

std::string sample_frame() {
  std::string out;
  append_frame(out, FrameKind::raft, "hello, frame");
  return out;
}

TEST(AdaptersFrame, RoundTripAndEveryPrefixNeedsMore) {
  const std::string f = sample_frame();
  const FrameResult r = decode_frame(f);
  ASSERT_EQ(r.status, DecodeStatus::frame);
  EXPECT_EQ(r.consumed, f.size());
  EXPECT_EQ(r.kind, FrameKind::raft);
  EXPECT_EQ(r.body, "hello, frame");
  for (std::size_t n = 0; n < f.size(); ++n)
    EXPECT_EQ(decode_frame(std::string_view(f).substr(0, n)).status, DecodeStatus::need_more) << n;
}

TEST(AdaptersFrame, TwoFramesBackToBack) {
  std::string f = sample_frame();
  append_frame(f, FrameKind::hello, "");
  FrameResult a = decode_frame(f);
  ASSERT_EQ(a.status, DecodeStatus::frame);
  FrameResult b = decode_frame(std::string_view(f).substr(a.consumed));
  ASSERT_EQ(b.status, DecodeStatus::frame);
  EXPECT_EQ(b.kind, FrameKind::hello);
  EXPECT_TRUE(b.body.empty());
}

TEST(AdaptersFrame, PreciseErrors) {
  std::string f = sample_frame();
  std::string bad = f;
  bad[0] = 'X';
  EXPECT_EQ(decode_frame(bad).error, FrameError::bad_magic);
  EXPECT_EQ(decode_frame(std::string_view(bad).substr(0, 2)).error, FrameError::bad_magic);  // early
  bad = f;
  bad[2] = 9;
  EXPECT_EQ(decode_frame(bad).error, FrameError::bad_version);
  bad = f;
  bad[3] = 77;
  EXPECT_EQ(decode_frame(bad).error, FrameError::unknown_kind);
  bad = f;
  bad.back() ^= 1;
  EXPECT_EQ(decode_frame(bad).error, FrameError::bad_checksum);
  bad = f;
  bad[8] ^= 1;  // the checksum field itself
  EXPECT_EQ(decode_frame(bad).error, FrameError::bad_checksum);
}

TEST(AdaptersFrame, OversizedLengthRejectedFromTheHeaderAlone) {
  std::string big;
  append_frame(big, FrameKind::raft, std::string(1000, 'x'));
  // Only the 8 header bytes that carry the length: no need to buffer the body.
  EXPECT_EQ(decode_frame(std::string_view(big).substr(0, 8), 999).error, FrameError::too_large);
  EXPECT_EQ(decode_frame(big, 1000).status, DecodeStatus::frame);
}

TEST(AdaptersWire, HandshakeRoundTrip) {
  std::string out;
  const Hello h{0x1122334455667788ULL, 2, 3, "127.0.0.1:6382"};
  append_hello(out, h);
  FrameResult r = decode_frame(out);
  ASSERT_EQ(r.status, DecodeStatus::frame);
  ASSERT_EQ(r.kind, FrameKind::hello);
  Hello back;
  ASSERT_EQ(decode_hello(r.body, back), WireError::none);
  EXPECT_EQ(back, h);
  // Truncations and trailing bytes are errors.
  for (std::size_t n = 0; n < r.body.size(); ++n) EXPECT_NE(decode_hello(r.body.substr(0, n), back), WireError::none);
  EXPECT_EQ(decode_hello(std::string(r.body) + "x", back), WireError::trailing_bytes);

  out.clear();
  const HelloAck a{HelloStatus::wrong_cluster, "wrong cluster id"};
  append_hello_ack(out, a);
  r = decode_frame(out);
  HelloAck aback;
  ASSERT_EQ(decode_hello_ack(r.body, aback), WireError::none);
  EXPECT_EQ(aback, a);
  std::string body(r.body);
  body[0] = 9;
  EXPECT_EQ(decode_hello_ack(body, aback), WireError::bad_status);
}

}  // namespace
}  // namespace synod::net
