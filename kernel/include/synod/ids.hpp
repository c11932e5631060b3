// synod/ids.hpp - node identities and renamings of them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace synod {

// Node ids are 1..N; 0 means "nobody" (no vote, no known leader).
using NodeId = std::uint8_t;
inline constexpr NodeId kNoNode = 0;

// Largest id any renaming can name. Clusters are far smaller (see each
// protocol's config); this only sizes the renaming table.
inline constexpr std::size_t kMaxNodeId = 15;

// A permutation of node ids, used to hash a state as if its nodes had other
// names (symmetry reduction). kNoNode always maps to itself.
class Renaming {
 public:
  constexpr Renaming() {
    for (std::size_t i = 0; i <= kMaxNodeId; ++i) map_[i] = static_cast<NodeId>(i);
  }
  constexpr NodeId operator()(NodeId id) const { return id <= kMaxNodeId ? map_[id] : id; }
  constexpr void set(NodeId from, NodeId to) {
    if (from != kNoNode && from <= kMaxNodeId) map_[from] = to;
  }
  constexpr bool is_identity() const {
    for (std::size_t i = 0; i <= kMaxNodeId; ++i)
      if (map_[i] != i) return false;
    return true;
  }
  friend constexpr bool operator==(const Renaming&, const Renaming&) = default;

 private:
  std::array<NodeId, kMaxNodeId + 1> map_{};
};

inline constexpr Renaming kIdentity{};

}  // namespace synod
