// synod/net/transport.hpp - peer-to-peer TCP for Raft messages (Boost.Asio).
//
// Connections. Each node dials every peer once and sends to that peer only on
// the connection it dialed; it receives on the connections peers dialed to
// it. So there is exactly one connection per peer and direction, and a
// reconnect never races a connection coming the other way.
//
// Handshake. The dialer's first frame is Hello {cluster id, its id, the id it
// means to reach, its client address}; the acceptor checks all three (a wrong
// cluster id, an unknown sender or a wrong target is refused with a
// HelloAck saying why, logged on both sides, and the connection closed). No
// Raft frame is sent before the acceptor's HelloAck{ok}.
//
// Reconnect. A failed dial or a dropped connection is retried after a
// back-off that doubles from backoff_min to backoff_max and resets on a
// successful handshake.
//
// Back-pressure. Each peer's send queue is bounded in bytes; a frame that
// does not fit is dropped (and counted), as is any frame for a peer that is
// not connected. Raft tolerates loss: the next heartbeat repeats what is
// missing, so heartbeats never pile up behind a slow or dead peer.
//
// Frame-size limit. A received frame larger than max_frame is a protocol
// error: the connection is closed (the decoder rejects it from its header,
// before buffering the body).
//
// Single-threaded: every call and callback runs on the io_context's thread.
// Lifetime: pending handlers refer to the Transport, so destroy it only after
// stop() and after the io_context has run the aborted handlers (or is itself
// being destroyed without running them).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <utility>  // Boost 1.74 asio/awaitable.hpp needs std::exchange
#include <boost/asio.hpp>

#include <synod/ids.hpp>

namespace synod::net {

struct TransportOptions {
  std::uint64_t cluster_id = 0;
  NodeId self = kNoNode;
  std::map<NodeId, boost::asio::ip::tcp::endpoint> peers;  // every node, self included
  std::string client_address;                               // advertised in the handshake
  std::uint32_t max_frame = 64u << 20;
  std::size_t max_queue_bytes = 64u << 20;
  std::chrono::milliseconds backoff_min{20};
  std::chrono::milliseconds backoff_max{1000};
};

struct TransportStats {
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_dropped = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t handshakes_refused = 0;
  std::uint64_t protocol_errors = 0;
};

class Transport {
 public:
  // A Raft frame body from peer `from` (already past frame checks).
  using OnRaftFrame = std::function<void(NodeId from, std::string_view body)>;
  using Logger = std::function<void(const std::string&)>;

  Transport(boost::asio::io_context& io, TransportOptions options, OnRaftFrame on_frame, Logger log);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Binds the peer port (throws on failure) and starts dialing every peer.
  void start();
  void stop();

  // Appends a frame for `to` through `append(std::string& queue)` when the
  // peer is connected and its queue has room; returns false (dropped) if not.
  template <class AppendFrame>
  bool send(NodeId to, AppendFrame&& append) {
    std::string* queue = queue_for(to);
    if (queue == nullptr) {
      ++stats_.frames_dropped;
      return false;
    }
    append(*queue);
    ++stats_.frames_sent;
    return true;
  }

  // Starts writing whatever is queued (call once per driver iteration).
  void flush();

  bool connected(NodeId peer) const;
  // The client address a peer advertised in a handshake ("" if never heard).
  std::string client_address(NodeId peer) const;
  const TransportStats& stats() const { return stats_; }
  std::uint16_t bound_port() const;

 private:
  struct Outbound;
  struct Inbound;
  std::string* queue_for(NodeId to);
  void dial(Outbound& p);
  void read_outbound(Outbound& p, std::uint64_t gen);
  void fail(Outbound& p, const std::string& why);
  void do_write(Outbound& p);
  void accept();
  void read_inbound(const std::shared_ptr<Inbound>& c);
  bool handle_inbound(Inbound& c);

  boost::asio::io_context& io_;
  TransportOptions options_;
  OnRaftFrame on_frame_;
  Logger log_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::map<NodeId, std::unique_ptr<Outbound>> out_;
  std::map<NodeId, std::string> client_addresses_;
  std::vector<std::weak_ptr<Inbound>> inbound_;
  TransportStats stats_;
  bool stopped_ = false;
};

}  // namespace synod::net
