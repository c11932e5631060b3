// synod/raft/log_window.hpp - the in-memory bounded log, a value.
//
// The node reaches its log through the RaftLog concept below; LogWindow is
// the default model of it (the checker and most tests use it). Adapters may
// supply their own (e.g. a window over a file-backed log).
#pragma once

#include <concepts>
#include <cstddef>

#include <boost/container/static_vector.hpp>

#include "synod/raft/types.hpp"

namespace synod::raft {

template <class L>
concept RaftLog = requires(L log, const L clog, Index i, const typename L::EntryType& e) {
  typename L::EntryType;
  { clog.last_index() } -> std::same_as<Index>;
  { clog.term_at(i) } -> std::same_as<Term>;            // 0 for index 0 and out of range
  { clog.at(i) } -> std::same_as<const typename L::EntryType&>;  // 1 <= i <= last_index()
  { clog.full() } -> std::same_as<bool>;
  { log.append(e) } -> std::same_as<bool>;               // false (and no change) when full
  log.truncate_after(i);                                 // keeps entries 1..i
};

template <class Payload, std::size_t Capacity>
class LogWindow {
 public:
  using EntryType = Entry<Payload>;
  static constexpr std::size_t capacity = Capacity;

  constexpr Index last_index() const { return entries_.size(); }
  constexpr Term last_term() const { return term_at(last_index()); }
  constexpr Term term_at(Index i) const {
    return (i == 0 || i > last_index()) ? 0 : entries_[i - 1].term;
  }
  constexpr const EntryType& at(Index i) const { return entries_[i - 1]; }
  constexpr bool full() const { return entries_.size() == Capacity; }
  constexpr bool empty() const { return entries_.empty(); }

  // static_vector aborts on overflow under -fno-exceptions: check first.
  [[nodiscard]] constexpr bool append(const EntryType& e) {
    if (full()) return false;
    entries_.push_back(e);
    return true;
  }
  constexpr void truncate_after(Index i) {
    if (i < last_index()) entries_.resize(static_cast<std::size_t>(i));
  }

  auto fields() const { return field_list(entries_); }
  friend bool operator==(const LogWindow& a, const LogWindow& b) {
    return fields_equal(a.fields(), b.fields());
  }

  // No node ids inside: the renaming has nothing to rename.
  void hash_append(Hasher& h) const { hash_fields(h, kIdentity, fields()); }

 private:
  boost::container::static_vector<EntryType, Capacity> entries_;
};

}  // namespace synod::raft
