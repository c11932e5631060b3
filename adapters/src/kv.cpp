// kv.cpp - synod-kv payload store, blob codec, batches and state machine.
#include <synod/net/kv.hpp>
#include <synod/net/resp.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace synod::net::kv {

const std::string* PayloadStore::find(const PayloadKey& k) const {
  if (k.seq == 0) return &empty_;
  auto it = map_.find(k);
  return it == map_.end() ? nullptr : &it->second;
}

void PayloadStore::retain(const Log& log) {
  std::unordered_map<PayloadKey, std::string, PayloadKeyHash> kept;
  for (raft::Index i = log.first_index(); i <= log.last_index(); ++i) {
    const Entry& e = log.at(i);
    if (e.payload.seq == 0) continue;
    auto it = map_.find(PayloadKey{e.term, e.payload.seq});
    if (it != map_.end()) kept.emplace(it->first, std::move(it->second));
  }
  map_ = std::move(kept);
}

void BlobCodec::encode(ByteWriter& w, const Entry& e) {
  const std::string* bytes = store_->find(PayloadKey{e.term, e.payload.seq});
  if (bytes == nullptr) throw std::logic_error("synod-kv: payload bytes missing for a log entry");
  w.u64(e.payload.seq);
  w.u32(static_cast<std::uint32_t>(bytes->size()));
  w.bytes(*bytes);
}

bool BlobCodec::decode(ByteReader& r, Entry& e) {
  const std::uint64_t seq = r.u64();
  const std::uint32_t length = r.u32();
  if (r.failed()) return false;
  if (length > kMaxBatchBytes || (seq == 0 && length != 0)) return false;
  const std::string_view bytes = r.bytes(length);
  if (r.failed()) return false;
  e.payload.seq = seq;
  if (seq == 0) return true;
  // (term, seq) names one batch in the whole cluster: the same handle twice
  // in one message with different bytes is corruption or a bug, never valid.
  const PayloadKey key{e.term, seq};
  for (const auto& [k, b] : staged_)
    if (k == key) return b == bytes;
  staged_.emplace_back(key, bytes);
  return true;
}

void BlobCodec::commit() {
  for (const auto& [key, bytes] : staged_)
    if (store_->find(key) == nullptr) store_->put(key, std::string(bytes));
  staged_.clear();
}

void encode_stored_payload(std::string& out, const Entry& e, std::string_view bytes) {
  ByteWriter w(out);
  w.u64(e.payload.seq);
  w.bytes(bytes);
}

bool decode_stored_payload(std::string_view in, std::uint64_t& seq, std::string_view& bytes) {
  ByteReader r(in);
  seq = r.u64();
  if (r.failed()) return false;
  bytes = in.substr(8);
  return seq != 0 || bytes.empty();
}

// ---------------------------------------------------------------- commands

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}
}  // namespace

std::optional<Op> replicated_op(std::string_view name) {
  if (iequals(name, "get")) return Op::get;
  if (iequals(name, "set")) return Op::set;
  if (iequals(name, "del")) return Op::del;
  if (iequals(name, "exists")) return Op::exists;
  if (iequals(name, "incr")) return Op::incr;
  return std::nullopt;
}

bool read_only(Op op) { return op == Op::get || op == Op::exists; }

std::string check_arity(Op op, std::size_t argc, std::string_view name) {
  bool ok = false;
  switch (op) {
    case Op::get:
    case Op::incr: ok = argc == 2; break;
    case Op::set: ok = argc == 3; break;
    case Op::del:
    case Op::exists: ok = argc >= 2; break;
  }
  if (ok) return {};
  std::string lower(name);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  if (op == Op::set && argc > 3) return "ERR syntax error (synod-kv supports only SET key value)";
  return "ERR wrong number of arguments for '" + lower + "' command";
}

void BatchBuilder::add(Op op, const std::vector<std::string_view>& args) {
  if (body_.empty()) body_.append(4, '\0');
  ByteWriter w(body_);
  w.u8(static_cast<std::uint8_t>(op));
  w.u16(static_cast<std::uint16_t>(args.size()));
  for (auto a : args) {
    w.u32(static_cast<std::uint32_t>(a.size()));
    w.bytes(a);
  }
  ++count_;
}

std::string BatchBuilder::take() {
  std::string out = std::move(body_);
  if (out.empty()) out.append(4, '\0');
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((count_ >> (8 * i)) & 0xFFu);
  body_.clear();
  count_ = 0;
  return out;
}

bool StateMachine::apply(std::string_view batch, std::vector<std::string>* replies) {
  // Two passes over the bytes: validate everything first (a malformed batch
  // applies nothing), then execute. Arguments are views into `batch`.
  auto parse = [&](bool run) {
    ByteReader r(batch);
    const std::uint32_t count = r.u32();
    if (r.failed() || count > batch.size()) return false;
    for (std::uint32_t k = 0; k < count; ++k) {
      const auto op = static_cast<Op>(r.u8());
      const std::uint16_t argc = r.u16();
      if (r.failed() || !is_valid(op)) return false;
      args_.clear();
      for (std::uint16_t a = 0; a < argc; ++a) {
        const std::uint32_t len = r.u32();
        const std::string_view bytes = r.bytes(len);
        if (r.failed()) return false;
        args_.push_back(bytes);
      }
      if (!run) {
        if (!check_arity(op, args_.size() + 1, "x").empty()) return false;
        continue;
      }
      std::string reply = execute(op, args_);
      if (replies) replies->push_back(std::move(reply));
    }
    return r.remaining() == 0;
  };
  if (!parse(false)) return false;
  return parse(true);
}

std::size_t StateMachine::live_bytes() const {
  std::size_t n = 0;
  for (const auto& [k, v] : data_) n += k.size() + v.size();
  return n;
}

std::string StateMachine::read(Op op, const std::vector<std::string_view>& args) const {
  std::string out;
  if (op == Op::get) {
    auto it = data_.find(args[0]);
    if (it == data_.end()) resp::null_bulk(out);
    else resp::bulk(out, it->second);
  } else {
    std::int64_t n = 0;
    for (auto k : args) n += data_.find(k) != data_.end() ? 1 : 0;
    resp::integer(out, n);
  }
  return out;
}

std::string StateMachine::execute(Op op, const std::vector<std::string_view>& args) {
  std::string out;
  switch (op) {
    case Op::get:
    case Op::exists: return read(op, args);
    case Op::set:
      if (auto it = data_.find(args[0]); it != data_.end()) {
        it->second.assign(args[1]);
      } else {
        data_.emplace(std::string(args[0]), std::string(args[1]));
      }
      resp::simple(out, "OK");
      return out;
    case Op::del: {
      std::int64_t n = 0;
      for (auto k : args)
        if (auto it = data_.find(k); it != data_.end()) {
          data_.erase(it);
          ++n;
        }
      resp::integer(out, n);
      return out;
    }
    case Op::incr: {
      auto [it, fresh] = data_.try_emplace(std::string(args[0]));
      std::string& v = it->second;
      std::int64_t n = 0;
      if (!fresh) {
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc() || p != v.data() + v.size() || v.size() > 20) {
          resp::error(out, "ERR value is not an integer or out of range");
          return out;
        }
      }
      if (n == INT64_MAX) {
        resp::error(out, "ERR increment or decrement would overflow");
        return out;
      }
      ++n;
      v = std::to_string(n);
      resp::integer(out, n);
      return out;
    }
  }
  resp::error(out, "ERR internal: unknown operation");
  return out;
}

}  // namespace synod::net::kv
