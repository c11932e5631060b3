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

  raft::Index first_index() const { return base_index_ + 1; }
  raft::Index last_index() const { return base_index_ + entries_.size(); }
  raft::Term term_at(raft::Index i) const {
    if (i == base_index_) return base_term_;
    return (i < base_index_ || i > last_index()) ? 0 : entries_[offset(i)].term;
  }
  const EntryType& at(raft::Index i) const { return entries_[offset(i)]; }
  bool full() const { return false; }
  [[nodiscard]] bool append(const EntryType& e) {
    entries_.push_back(e);
    return true;
  }
  void truncate_after(raft::Index i) {
    if (i < base_index_) i = base_index_;
    if (i < last_index()) entries_.resize(offset(i + 1));
  }
  void compact(raft::Index i) {
    if (i <= base_index_ || i > last_index()) return;
    base_term_ = term_at(i);
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(i - base_index_));
    base_index_ = i;
    // Memory follows the live suffix, not the longest log ever held.
    if (entries_.capacity() > 2 * entries_.size() + 1024) entries_.shrink_to_fit();
  }
  void reset(raft::Index i, raft::Term t) {
    entries_ = {};
    base_index_ = i;
    base_term_ = t;
  }

  friend bool operator==(const VectorLog&, const VectorLog&) = default;

  void hash_append(Hasher& h) const {
    h.add(base_index_);
    h.add(base_term_);
    h.add(std::uint64_t{entries_.size()});
    for (const auto& e : entries_) raft::hash_append(h, e);
  }

 private:
  std::size_t offset(raft::Index i) const { return static_cast<std::size_t>(i - base_index_ - 1); }

  raft::Index base_index_ = 0;
  raft::Term base_term_ = 0;
  std::vector<EntryType> entries_;
};

static_assert(raft::RaftLog<VectorLog<std::uint64_t>>);

}  // namespace synod::net
