// synod/net/bytes.hpp - little-endian writer and bounds-checked reader.
//
// Every decoder in the adapters reads untrusted bytes through ByteReader: a
// read past the end never touches memory, it sets the reader's failed flag
// and returns zeros, so a decoder checks once at the end (or early, to stop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace synod::net {

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(&out) {}
  void u8(std::uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { put_le(v, 2); }
  void u32(std::uint32_t v) { put_le(v, 4); }
  void u64(std::uint64_t v) { put_le(v, 8); }
  void bytes(std::string_view b) { out_->append(b); }
  std::size_t size() const { return out_->size(); }
  std::string& buffer() { return *out_; }

 private:
  void put_le(std::uint64_t v, int n) {
    char tmp[8];
    for (int i = 0; i < n; ++i) tmp[i] = static_cast<char>((v >> (8 * i)) & 0xFFu);
    out_->append(tmp, static_cast<std::size_t>(n));
  }
  std::string* out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(get_le(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(get_le(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(get_le(4)); }
  std::uint64_t u64() { return get_le(8); }
  // The next n bytes, or an empty view (and failed()) when fewer remain.
  std::string_view bytes(std::size_t n) {
    if (failed_ || n > in_.size() - pos_) {
      failed_ = true;
      return {};
    }
    std::string_view v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  bool failed() const { return failed_; }
  std::size_t remaining() const { return failed_ ? 0 : in_.size() - pos_; }
  std::size_t position() const { return pos_; }

 private:
  std::uint64_t get_le(std::size_t n) {
    if (failed_ || n > in_.size() - pos_) {
      failed_ = true;
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[pos_ + i])) << (8 * i);
    pos_ += n;
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace synod::net
