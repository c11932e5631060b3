// synod/net/crc32c.hpp - CRC-32C (Castagnoli), software, slicing-by-8.
//
// Used for every wire frame and every storage record. Software only: the
// polynomial's table is built at compile time, no CPU feature detection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace synod::net {

// CRC-32C of `data`, continuing from a previous value `crc` (0 to start).
// crc32c(a ++ b) == crc32c(b, crc32c(a)).
[[nodiscard]] std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc = 0) noexcept;
[[nodiscard]] std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0) noexcept;

}  // namespace synod::net
