// synod/net/frame.hpp - versioned, length-prefixed, checksummed frames.
//
// Layout (little-endian), 12-byte header then the body:
//
//   offset 0  u16  magic 0x5359 ("SY")
//   offset 2  u8   wire version (kWireVersion)
//   offset 3  u8   kind (FrameKind)
//   offset 4  u32  body length in bytes (<= the receiver's limit)
//   offset 8  u32  CRC-32C of header bytes [0, 8) followed by the body
//   offset 12 ...  body
//
// decode_frame() is sans-I/O (picohttpparser style): it looks at the bytes
// the caller has buffered and says "here is a frame, it used N bytes", "need
// more bytes" or "error X". It never reads outside the input and rejects an
// oversized length as soon as the header arrives, so a peer can never make
// the receiver buffer more than the limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace synod::net {

inline constexpr std::uint16_t kFrameMagic = 0x5359;
inline constexpr std::uint8_t kWireVersion = 3;  // 2: Raft messages carry a context (reads, transfers); 3: snapshot chunks
inline constexpr std::size_t kFrameHeaderSize = 12;
inline constexpr std::uint32_t kDefaultMaxFrameBody = 16u << 20;

enum class FrameKind : std::uint8_t {
  hello = 1,      // dialer -> acceptor: cluster id, node ids, client address
  hello_ack = 2,  // acceptor -> dialer: accepted or refused (with reason)
  raft = 3,       // one Raft message (see wire.hpp)
};

// Whether `k` is one of the kinds above (decode_frame checks the header byte).
constexpr bool is_valid(FrameKind k) {
  switch (k) {
    case FrameKind::hello:
    case FrameKind::hello_ack:
    case FrameKind::raft:
      return true;
  }
  return false;
}

enum class DecodeStatus : std::uint8_t { frame, need_more, error };

enum class FrameError : std::uint8_t {
  none,
  bad_magic,
  bad_version,
  unknown_kind,
  too_large,
  bad_checksum,
};

[[nodiscard]] const char* to_string(FrameError e) noexcept;

struct FrameResult {
  DecodeStatus status = DecodeStatus::need_more;
  FrameError error = FrameError::none;
  std::size_t consumed = 0;   // bytes of input the frame used (status == frame)
  FrameKind kind{};           // status == frame
  std::string_view body;      // status == frame; points into the input
};

// Looks for one frame at the start of `input`.
[[nodiscard]] FrameResult decode_frame(std::string_view input,
                                       std::uint32_t max_body = kDefaultMaxFrameBody) noexcept;

// Encoding in place: start_frame() reserves the header and returns its
// offset; the caller appends the body to `out`; finish_frame() fills in
// length and checksum.
[[nodiscard]] std::size_t start_frame(std::string& out);
void finish_frame(std::string& out, std::size_t start, FrameKind kind);

// Appends a whole frame with the given body.
void append_frame(std::string& out, FrameKind kind, std::string_view body);

}  // namespace synod::net
