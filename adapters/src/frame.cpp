// frame.cpp - the frame layer (see frame.hpp for the layout).
#include <synod/net/bytes.hpp>
#include <synod/net/crc32c.hpp>
#include <synod/net/frame.hpp>

namespace synod::net {

const char* to_string(FrameError e) noexcept {
  switch (e) {
    case FrameError::none: return "none";
    case FrameError::bad_magic: return "bad magic (not a synod peer?)";
    case FrameError::bad_version: return "unsupported wire version";
    case FrameError::unknown_kind: return "unknown frame kind";
    case FrameError::too_large: return "frame larger than the limit";
    case FrameError::bad_checksum: return "frame checksum mismatch";
  }
  return "unknown frame error";
}

namespace {
bool known_kind(std::uint8_t k) {
  return is_valid(static_cast<FrameKind>(k));
}
FrameResult fail(FrameError e) {
  FrameResult r;
  r.status = DecodeStatus::error;
  r.error = e;
  return r;
}
}  // namespace

FrameResult decode_frame(std::string_view input, std::uint32_t max_body) noexcept {
  // Validate what we have of the header as early as possible: garbage is an
  // error after its first bytes, not after a 4 GiB "length" has arrived.
  ByteReader r(input);
  if (input.size() >= 2 && r.u16() != kFrameMagic) return fail(FrameError::bad_magic);
  if (input.size() >= 3 && r.u8() != kWireVersion) return fail(FrameError::bad_version);
  if (input.size() >= 4 && !known_kind(r.u8())) return fail(FrameError::unknown_kind);
  if (input.size() < 8) return {};
  const std::uint32_t length = r.u32();
  if (length > max_body) return fail(FrameError::too_large);
  if (input.size() < kFrameHeaderSize || input.size() - kFrameHeaderSize < length) return {};
  const std::uint32_t stored = r.u32();
  std::uint32_t crc = crc32c(input.data(), 8);
  crc = crc32c(input.data() + kFrameHeaderSize, length, crc);
  if (crc != stored) return fail(FrameError::bad_checksum);
  FrameResult out;
  out.status = DecodeStatus::frame;
  out.consumed = kFrameHeaderSize + length;
  out.kind = static_cast<FrameKind>(static_cast<unsigned char>(input[3]));
  out.body = input.substr(kFrameHeaderSize, length);
  return out;
}

std::size_t start_frame(std::string& out) {
  const std::size_t start = out.size();
  out.append(kFrameHeaderSize, '\0');
  return start;
}

void finish_frame(std::string& out, std::size_t start, FrameKind kind) {
  const std::size_t length = out.size() - start - kFrameHeaderSize;
  std::string header;
  ByteWriter w(header);
  w.u16(kFrameMagic);
  w.u8(kWireVersion);
  w.u8(static_cast<std::uint8_t>(kind));
  w.u32(static_cast<std::uint32_t>(length));
  std::uint32_t crc = crc32c(header.data(), 8);
  crc = crc32c(out.data() + start + kFrameHeaderSize, length, crc);
  w.u32(crc);
  out.replace(start, kFrameHeaderSize, header);
}

void append_frame(std::string& out, FrameKind kind, std::string_view body) {
  const std::size_t start = start_frame(out);
  out.append(body);
  finish_frame(out, start, kind);
}

}  // namespace synod::net
