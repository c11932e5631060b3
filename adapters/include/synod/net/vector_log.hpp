// synod/net/vector_log.hpp - an unbounded in-memory Raft log for adapters.
//
// Models synod::raft::RaftLog. The kernel's LogWindow is a fixed-capacity
// value (right for the checker); a server needs a log as long as its
// history, so the adapters keep every entry in a std::vector. Entries are
// small (term + fixed-size payload handle); the bytes behind the handles
// live in a payload store (see kv.hpp). Durable copies live in Storage.
#pragma once

#include <cstddef>
#include <vector>

#include <synod/hash.hpp>
#include <synod/raft/log_window.hpp>
#include <synod/raft/types.hpp>

namespace synod::net {

template <class Payload>
class VectorLog {
 public:
  using EntryType = raft::Entry<Payload>;

  raft::Index last_index() const { return entries_.size(); }
  raft::Term term_at(raft::Index i) const { return (i == 0 || i > last_index()) ? 0 : entries_[i - 1].term; }
  const EntryType& at(raft::Index i) const { return entries_[i - 1]; }
  bool full() const { return false; }
  [[nodiscard]] bool append(const EntryType& e) {
    entries_.push_back(e);
    return true;
  }
  void truncate_after(raft::Index i) {
    if (i < last_index()) entries_.resize(static_cast<std::size_t>(i));
  }

  friend bool operator==(const VectorLog&, const VectorLog&) = default;

  void hash_append(Hasher& h) const {
    h.add(std::uint64_t{entries_.size()});
    for (const auto& e : entries_) raft::hash_append(h, e);
  }

 private:
  std::vector<EntryType> entries_;
};

static_assert(raft::RaftLog<VectorLog<std::uint64_t>>);

}  // namespace synod::net
