// synod/raft/log_window.hpp - the in-memory bounded log, a value.
//
// The node reaches its log through the RaftLog concept below; LogWindow is
// the default model of it (the checker and most tests use it). Adapters may
// supply their own (e.g. a window over a file-backed log).
//
// A log has a base (Raft §7): the entries up to base index are in a
// snapshot, and the log holds only the entries after it. term_at(base
// index) is the snapshot's term, so the consistency check and the election
// restriction work at the base as at any entry.
#pragma once

#include <concepts>
#include <cstddef>

#include <boost/container/static_vector.hpp>

#include "synod/raft/types.hpp"

namespace synod::raft {

template <class L>
concept RaftLog = requires(L log, const L clog, Index i, Term t, const typename L::EntryType& e) {
  typename L::EntryType;
  { clog.first_index() } -> std::same_as<Index>;        // base index + 1: the first entry held
  { clog.last_index() } -> std::same_as<Index>;         // the base index when no entry is held
  // The term of entry i; the base's term at first_index() - 1; 0 below
  // the base and past the end.
  { clog.term_at(i) } -> std::same_as<Term>;
  { clog.at(i) } -> std::same_as<const typename L::EntryType&>;  // first_index() <= i <= last_index()
  { clog.full() } -> std::same_as<bool>;
  { log.append(e) } -> std::same_as<bool>;               // false (and no change) when full
  log.truncate_after(i);                                 // keeps entries up to i (never below the base)
  log.compact(i);   // first_index() <= i <= last_index(): the base moves to i, keeping its term
  log.reset(i, t);  // every entry goes; the base becomes (i, t)
};

// The entries after the base in a fixed-capacity vector: `full()` means the
// entries not yet compacted fill it. Compaction moves the kept entries to
// the front; it is rare (the application decides when), and a vector of
// the live entries only is what keeps copying a node cheap in the checker.
template <class Payload, std::size_t Capacity>
class LogWindow {
 public:
  using EntryType = Entry<Payload>;
  static constexpr std::size_t capacity = Capacity;

  constexpr Index first_index() const { return base_index_ + 1; }
  constexpr Index last_index() const { return base_index_ + entries_.size(); }
  constexpr Term last_term() const { return term_at(last_index()); }
  constexpr Term term_at(Index i) const {
    if (i == base_index_) return base_term_;
    return (i < base_index_ || i > last_index()) ? 0 : entries_[offset(i)].term;
  }
  constexpr const EntryType& at(Index i) const { return entries_[offset(i)]; }
  constexpr bool full() const { return entries_.size() == Capacity; }
  constexpr bool empty() const { return entries_.empty(); }

  // static_vector aborts on overflow under -fno-exceptions: check first.
  [[nodiscard]] constexpr bool append(const EntryType& e) {
    if (full()) return false;
    entries_.push_back(e);
    return true;
  }
  constexpr void truncate_after(Index i) {
    if (i < base_index_) i = base_index_;
    if (i < last_index()) entries_.resize(offset(i + 1));
  }
  constexpr void compact(Index i) {
    if (i <= base_index_ || i > last_index()) return;
    base_term_ = term_at(i);
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(i - base_index_));
    base_index_ = i;
  }
  constexpr void reset(Index i, Term t) {
    entries_.clear();
    base_index_ = i;
    base_term_ = t;
  }

  auto fields() const { return field_list(base_index_, base_term_, entries_); }
  friend bool operator==(const LogWindow& a, const LogWindow& b) {
    return fields_equal(a.fields(), b.fields());
  }

  // No node ids inside: the renaming has nothing to rename.
  void hash_append(Hasher& h) const { hash_fields(h, kIdentity, fields()); }

 private:
  constexpr std::size_t offset(Index i) const { return static_cast<std::size_t>(i - base_index_ - 1); }

  Index base_index_ = 0;
  Term base_term_ = 0;
  boost::container::static_vector<EntryType, Capacity> entries_;
};

}  // namespace synod::raft
