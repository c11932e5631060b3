// Transport in one process: handshake, delivery, refusal of a wrong cluster
// id, drops while disconnected, reconnect after the peer comes back.
#include <synod/net/frame.hpp>
#include <synod/net/transport.hpp>

#include <gtest/gtest.h>

#include <random>

namespace synod::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

std::uint16_t pick_port() {
  // Below the ephemeral range, random so parallel tests do not collide.
  std::random_device rd;
  for (;;) {
    const auto port = static_cast<std::uint16_t>(20000 + rd() % 12000);
    asio::io_context io;
    tcp::acceptor a(io);
    boost::system::error_code ec;
    a.open(tcp::v4(), ec);
    a.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) return port;
  }
}

struct Node {
  std::vector<std::pair<NodeId, std::string>> received;
  std::vector<std::string> logs;
  std::unique_ptr<Transport> transport;
};

TransportOptions options(NodeId self, std::uint64_t cluster, std::uint16_t p1, std::uint16_t p2) {
  TransportOptions o;
  o.cluster_id = cluster;
  o.self = self;
  o.peers[1] = tcp::endpoint(asio::ip::make_address("127.0.0.1"), p1);
  o.peers[2] = tcp::endpoint(asio::ip::make_address("127.0.0.1"), p2);
  o.client_address = "127.0.0.1:" + std::to_string(6380 + self);
  o.backoff_min = std::chrono::milliseconds(5);
  o.backoff_max = std::chrono::milliseconds(40);
  return o;
}

void make(asio::io_context& io, Node& n, TransportOptions o) {
  n.transport = std::make_unique<Transport>(
      io, std::move(o), [&n](NodeId from, std::string_view body) { n.received.emplace_back(from, std::string(body)); },
      [&n](const std::string& s) { n.logs.push_back(s); });
  n.transport->start();
}

template <class Pred>
bool run_until(asio::io_context& io, Pred pred, int ms = 3000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

bool send(Node& from, NodeId to, std::string_view body) {
  const bool ok = from.transport->send(to, [&](std::string& q) { append_frame(q, FrameKind::raft, body); });
  from.transport->flush();
  return ok;
}

TEST(AdaptersTransport, HandshakeDeliveryAndClientAddresses) {
  asio::io_context io;
  const auto p1 = pick_port(), p2 = pick_port();
  Node a, b;
  make(io, a, options(1, 7, p1, p2));
  make(io, b, options(2, 7, p1, p2));
  ASSERT_TRUE(run_until(io, [&] { return a.transport->connected(2) && b.transport->connected(1); }));
  EXPECT_EQ(a.transport->client_address(2), "127.0.0.1:6382");
  EXPECT_EQ(b.transport->client_address(1), "127.0.0.1:6381");
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(send(a, 2, "m" + std::to_string(i)));
  ASSERT_TRUE(send(b, 1, "back"));
  ASSERT_TRUE(run_until(io, [&] { return b.received.size() == 100 && a.received.size() == 1; }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.received[static_cast<std::size_t>(i)].second, "m" + std::to_string(i));
  EXPECT_EQ(b.received.front().first, 1);
  EXPECT_EQ(a.received.front(), (std::pair<NodeId, std::string>{2, "back"}));
}

TEST(AdaptersTransport, WrongClusterIdIsRefusedAndNothingFlows) {
  asio::io_context io;
  const auto p1 = pick_port(), p2 = pick_port();
  Node a, b;
  make(io, a, options(1, 7, p1, p2));
  make(io, b, options(2, 8, p1, p2));
  ASSERT_TRUE(run_until(io, [&] {
    return a.transport->stats().handshakes_refused > 0 && b.transport->stats().handshakes_refused > 0;
  }));
  EXPECT_FALSE(a.transport->connected(2));
  EXPECT_FALSE(send(a, 2, "x"));  // dropped, not queued
  EXPECT_GE(a.transport->stats().frames_dropped, 1u);
  bool logged = false;
  for (const auto& l : b.logs) logged |= l.find("wrong cluster id") != std::string::npos;
  EXPECT_TRUE(logged);
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(b.received.empty());
}

TEST(AdaptersTransport, ReconnectsAfterThePeerRestarts) {
  asio::io_context io;
  const auto p1 = pick_port(), p2 = pick_port();
  Node a, b;
  make(io, a, options(1, 7, p1, p2));
  make(io, b, options(2, 7, p1, p2));
  ASSERT_TRUE(run_until(io, [&] { return a.transport->connected(2); }));
  b.transport->stop();
  io.run_for(std::chrono::milliseconds(50));  // let the aborted handlers finish first
  b.transport.reset();
  ASSERT_TRUE(run_until(io, [&] { return !a.transport->connected(2); }));
  EXPECT_FALSE(send(a, 2, "lost"));  // no queueing for a dead peer
  io.run_for(std::chrono::milliseconds(100));  // a few failed dials with back-off
  Node b2;
  make(io, b2, options(2, 7, p1, p2));
  ASSERT_TRUE(run_until(io, [&] { return a.transport->connected(2); }));
  ASSERT_TRUE(send(a, 2, "again"));
  ASSERT_TRUE(run_until(io, [&] { return !b2.received.empty(); }));
  EXPECT_EQ(b2.received.front().second, "again");
}

TEST(AdaptersTransport, GarbageFromAStrangerClosesItsConnection) {
  asio::io_context io;
  const auto p1 = pick_port(), p2 = pick_port();
  Node a;
  make(io, a, options(1, 7, p1, p2));
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), p1));
  asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
  ASSERT_TRUE(run_until(io, [&] { return a.transport->stats().protocol_errors > 0; }));
  EXPECT_TRUE(a.received.empty());
}

}  // namespace
}  // namespace synod::net
