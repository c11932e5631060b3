// transport.cpp - see transport.hpp.
#include <synod/net/frame.hpp>
#include <synod/net/transport.hpp>
#include <synod/net/wire.hpp>

#include <fmt/format.h>

namespace synod::net {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Transport::Outbound {
  enum class State { idle, connecting, handshaking, ready };
  Outbound(asio::io_context& io, NodeId peer, tcp::endpoint e)
      : id(peer), endpoint(e), socket(io), timer(io) {}
  NodeId id;
  tcp::endpoint endpoint;
  tcp::socket socket;
  asio::steady_timer timer;
  State state = State::idle;
  std::string queue;    // frames waiting for the current write to finish
  std::string writing;  // the bytes of the write in flight
  bool write_busy = false;
  std::string read_buffer;
  std::array<char, 4096> chunk{};
  std::chrono::milliseconds backoff{0};
  std::uint64_t generation = 0;  // callbacks of an older connection are ignored
  bool logged_down = false;      // log a failure once until it next succeeds
};

struct Transport::Inbound : std::enable_shared_from_this<Inbound> {
  explicit Inbound(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  std::string buffer;
  std::array<char, 1 << 16> chunk{};
  bool greeted = false;
  NodeId peer = kNoNode;
  std::string reply;
  std::string remote;
};

Transport::Transport(asio::io_context& io, TransportOptions options, OnRaftFrame on_frame, Logger log)
    : io_(io), options_(std::move(options)), on_frame_(std::move(on_frame)), log_(std::move(log)), acceptor_(io) {
  for (const auto& [id, endpoint] : options_.peers)
    if (id != options_.self) out_.emplace(id, std::make_unique<Outbound>(io_, id, endpoint));
}

Transport::~Transport() { stop(); }

void Transport::start() {
  const auto it = options_.peers.find(options_.self);
  if (it == options_.peers.end()) throw std::runtime_error("transport: own id missing from the peer list");
  acceptor_.open(it->second.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(it->second);
  acceptor_.listen();
  accept();
  for (auto& [id, p] : out_) {
    p->backoff = options_.backoff_min;
    dial(*p);
  }
}

void Transport::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& [id, p] : out_) {
    ++p->generation;
    p->socket.close(ec);
    p->timer.cancel();
  }
  for (auto& w : inbound_)
    if (auto c = w.lock()) c->socket.close(ec);
}

std::uint16_t Transport::bound_port() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

bool Transport::connected(NodeId peer) const {
  auto it = out_.find(peer);
  return it != out_.end() && it->second->state == Outbound::State::ready;
}

std::string Transport::client_address(NodeId peer) const {
  auto it = client_addresses_.find(peer);
  return it == client_addresses_.end() ? std::string() : it->second;
}

std::string* Transport::queue_for(NodeId to) {
  auto it = out_.find(to);
  if (it == out_.end()) return nullptr;
  Outbound& p = *it->second;
  if (p.state != Outbound::State::ready || p.queue.size() >= options_.max_queue_bytes) return nullptr;
  return &p.queue;
}

void Transport::flush() {
  for (auto& [id, p] : out_) do_write(*p);
}

// ------------------------------------------------------------------ outbound

void Transport::dial(Outbound& p) {
  if (stopped_) return;
  const std::uint64_t gen = ++p.generation;
  p.state = Outbound::State::connecting;
  p.socket = tcp::socket(io_);
  p.read_buffer.clear();
  p.socket.async_connect(p.endpoint, [this, &p, gen](const boost::system::error_code& ec) {
    if (gen != p.generation) return;
    if (ec) return fail(p, "connect: " + ec.message());
    boost::system::error_code ignored;
    p.socket.set_option(tcp::no_delay(true), ignored);
    p.state = Outbound::State::handshaking;
    p.writing.clear();
    append_hello(p.writing, Hello{options_.cluster_id, options_.self, p.id, options_.client_address});
    p.write_busy = true;
    asio::async_write(p.socket, asio::buffer(p.writing), [this, &p, gen](const boost::system::error_code& wec, std::size_t) {
      if (gen != p.generation) return;
      p.write_busy = false;
      p.writing.clear();
      if (wec) return fail(p, "handshake write: " + wec.message());
    });
    read_outbound(p, gen);
  });
}

// Reads the HelloAck; afterwards keeps reading only to notice a close.
void Transport::read_outbound(Outbound& p, std::uint64_t gen) {
  p.socket.async_read_some(asio::buffer(p.chunk), [this, &p, gen](const boost::system::error_code& rec, std::size_t n) {
    if (gen != p.generation) return;
    if (rec) return fail(p, p.state == Outbound::State::ready ? "connection lost: " + rec.message()
                                                              : "handshake read: " + rec.message());
    if (p.state == Outbound::State::ready) {
      ++stats_.protocol_errors;
      return fail(p, "unexpected bytes from acceptor after handshake");
    }
    p.read_buffer.append(p.chunk.data(), n);
    const FrameResult fr = decode_frame(p.read_buffer, 4096);
    if (fr.status == DecodeStatus::need_more) return read_outbound(p, gen);
    HelloAck ack;
    if (fr.status == DecodeStatus::error || fr.kind != FrameKind::hello_ack ||
        decode_hello_ack(fr.body, ack) != WireError::none || fr.consumed != p.read_buffer.size()) {
      ++stats_.protocol_errors;
      return fail(p, "bad handshake reply");
    }
    if (ack.status != HelloStatus::ok) {
      ++stats_.handshakes_refused;
      p.logged_down = false;  // always log refusals
      return fail(p, "refused by peer: " + ack.text);
    }
    p.state = Outbound::State::ready;
    p.backoff = options_.backoff_min;
    client_addresses_[p.id] = ack.text;
    log_(fmt::format("connected to node {} at {}:{} (clients at {})", p.id, p.endpoint.address().to_string(),
                     p.endpoint.port(), ack.text));
    p.logged_down = false;
    p.read_buffer.clear();
    do_write(p);
    read_outbound(p, gen);
  });
}

void Transport::fail(Outbound& p, const std::string& why) {
  if (!p.logged_down) {
    log_(fmt::format("peer {}: {} (retrying)", p.id, why));
    p.logged_down = true;
  }
  ++p.generation;
  boost::system::error_code ignored;
  p.socket.close(ignored);
  p.state = Outbound::State::idle;
  p.queue.clear();
  p.writing.clear();
  p.write_busy = false;
  if (stopped_) return;
  const std::uint64_t gen = p.generation;
  p.timer.expires_after(p.backoff);
  p.timer.async_wait([this, &p, gen](const boost::system::error_code& ec) {
    if (ec || gen != p.generation) return;
    dial(p);
  });
  p.backoff = std::min(p.backoff * 2, options_.backoff_max);
  if (p.backoff.count() == 0) p.backoff = options_.backoff_min;
}

void Transport::do_write(Outbound& p) {
  if (p.write_busy || p.queue.empty() || p.state != Outbound::State::ready) return;
  p.writing.swap(p.queue);
  p.queue.clear();
  p.write_busy = true;
  const std::uint64_t gen = p.generation;
  asio::async_write(p.socket, asio::buffer(p.writing), [this, &p, gen](const boost::system::error_code& ec, std::size_t) {
    if (gen != p.generation) return;
    p.write_busy = false;
    p.writing.clear();
    if (ec) return fail(p, "write: " + ec.message());
    do_write(p);
  });
}

// ------------------------------------------------------------------- inbound

void Transport::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopped_) return;
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto c = std::make_shared<Inbound>(std::move(socket));
      const auto remote = c->socket.remote_endpoint(ignored);
      c->remote = remote.address().to_string() + ":" + std::to_string(remote.port());
      std::erase_if(inbound_, [](const std::weak_ptr<Inbound>& w) { return w.expired(); });
      inbound_.push_back(c);
      read_inbound(c);
    }
    accept();
  });
}

void Transport::read_inbound(const std::shared_ptr<Inbound>& c) {
  c->socket.async_read_some(asio::buffer(c->chunk), [this, c](const boost::system::error_code& ec, std::size_t n) {
    if (ec || stopped_) return;  // closed: the dialer reconnects
    c->buffer.append(c->chunk.data(), n);
    if (handle_inbound(*c)) read_inbound(c);
  });
}

// Processes every complete frame buffered on an inbound connection; false
// when the connection must close.
bool Transport::handle_inbound(Inbound& c) {
  std::size_t used = 0;
  bool keep = true;
  while (keep) {
    const FrameResult fr = decode_frame(std::string_view(c.buffer).substr(used), options_.max_frame);
    if (fr.status == DecodeStatus::need_more) break;
    if (fr.status == DecodeStatus::error) {
      ++stats_.protocol_errors;
      log_(fmt::format("closing connection from {}: {}", c.remote, to_string(fr.error)));
      keep = false;
      break;
    }
    used += fr.consumed;
    if (!c.greeted) {
      Hello h;
      HelloAck ack;
      if (fr.kind != FrameKind::hello || decode_hello(fr.body, h) != WireError::none) {
        ++stats_.protocol_errors;
        log_(fmt::format("closing connection from {}: first frame is not a valid hello", c.remote));
        keep = false;
        break;
      }
      if (h.cluster_id != options_.cluster_id) {
        ack = {HelloStatus::wrong_cluster,
               fmt::format("wrong cluster id {:016x} (this cluster is {:016x})", h.cluster_id, options_.cluster_id)};
      } else if (h.to != options_.self) {
        ack = {HelloStatus::wrong_node, fmt::format("this is node {}, not node {}", options_.self, h.to)};
      } else if (h.from == options_.self || !options_.peers.contains(h.from)) {
        ack = {HelloStatus::unknown_peer, fmt::format("node {} is not a member of this cluster", h.from)};
      } else {
        ack = {HelloStatus::ok, options_.client_address};
      }
      auto self = std::static_pointer_cast<Inbound>(c.shared_from_this());
      c.reply.clear();
      append_hello_ack(c.reply, ack);
      if (ack.status != HelloStatus::ok) {
        ++stats_.handshakes_refused;
        log_(fmt::format("refused peer connection from {} (claims node {}): {}", c.remote, h.from, ack.text));
        asio::async_write(c.socket, asio::buffer(c.reply), [self](const boost::system::error_code&, std::size_t) {
          boost::system::error_code ignored;
          self->socket.close(ignored);
        });
        c.buffer.clear();
        return false;
      }
      c.greeted = true;
      c.peer = h.from;
      client_addresses_[h.from] = h.client_address;
      asio::async_write(c.socket, asio::buffer(c.reply), [self](const boost::system::error_code&, std::size_t) {});
      continue;
    }
    if (fr.kind != FrameKind::raft) {
      ++stats_.protocol_errors;
      log_(fmt::format("closing connection from node {}: unexpected frame kind", c.peer));
      keep = false;
      break;
    }
    ++stats_.frames_received;
    on_frame_(c.peer, fr.body);
  }
  if (!keep) {
    boost::system::error_code ignored;
    c.socket.close(ignored);
    return false;
  }
  c.buffer.erase(0, used);
  return true;
}

}  // namespace synod::net
