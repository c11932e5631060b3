// two_phase_commit.hpp - two-phase commit (Gray & Lamport's TwoPhase spec), a
// toy model for the engine with a symmetry over resource managers.
//
// N resource managers (RMs, 1..N) and a transaction manager (TM). Messages are
// a set: "prepared from RM i", "commit", "abort". Actions, in this order:
//   for each RM i = 1..N:  prepare (working -> prepared, sends prepared(i)),
//                          choose to abort (working -> aborted),
//                          receive commit (commit sent -> committed),
//                          receive abort (abort sent -> aborted),
//                          TM receives prepared(i) (TM still deciding);
//   then TM commits (all prepared), TM aborts (TM still deciding).
// An action that changes nothing is not enabled.
// Invariant: no RM has committed while another aborted. With `buggy_tm` the TM
// commits once a majority has prepared, which breaks it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>
#include <synod/check/model.hpp>
#include <synod/hash.hpp>

namespace synod::check::toy {

class TwoPhaseCommit {
 public:
  static constexpr std::size_t kMaxRms = 8;
  enum class Rm : std::uint8_t { working, prepared, committed, aborted };
  enum class Tm : std::uint8_t { init, committed, aborted };

  struct State {
    std::array<Rm, kMaxRms> rm{};
    Tm tm = Tm::init;
    std::uint8_t tm_prepared = 0;   // bit i-1: TM has received prepared(i)
    std::uint8_t msg_prepared = 0;  // bit i-1: prepared(i) was sent
    bool msg_commit = false;
    bool msg_abort = false;
    friend bool operator==(const State&, const State&) = default;
  };

  enum class Kind : std::uint8_t { rm_prepare, rm_choose_to_abort, rm_receive_commit, rm_receive_abort,
                                   tm_receive_prepared, tm_commit, tm_abort };
  struct Action {
    Kind kind;
    std::uint8_t rm;  // 1..N; 0 for TM-only actions
    friend bool operator==(const Action&, const Action&) = default;
  };

  explicit TwoPhaseCommit(std::size_t rms = 3, bool buggy_tm = false) : n_(rms), buggy_(buggy_tm) {}

  std::string name() const { return "two-phase-commit"; }
  nlohmann::json bounds() const { return {{"rms", n_}, {"buggy_tm", buggy_}}; }
  std::size_t rms() const { return n_; }

  template <class Emit>
  void init_states(Emit&& emit) const {
    emit(State{});
  }

  template <class Emit>
  void actions(const State& s, Emit&& emit) const {
    for (std::size_t i = 0; i < n_; ++i) {
      const auto id = static_cast<std::uint8_t>(i + 1);
      const auto bit = static_cast<std::uint8_t>(1u << i);
      if (s.rm[i] == Rm::working) emit(Action{Kind::rm_prepare, id});
      if (s.rm[i] == Rm::working) emit(Action{Kind::rm_choose_to_abort, id});
      if (s.msg_commit && s.rm[i] != Rm::committed) emit(Action{Kind::rm_receive_commit, id});
      if (s.msg_abort && s.rm[i] != Rm::aborted) emit(Action{Kind::rm_receive_abort, id});
      if (s.tm == Tm::init && (s.msg_prepared & bit) && !(s.tm_prepared & bit))
        emit(Action{Kind::tm_receive_prepared, id});
    }
    if (s.tm == Tm::init && commit_allowed(s)) emit(Action{Kind::tm_commit, 0});
    if (s.tm == Tm::init) emit(Action{Kind::tm_abort, 0});
  }

  std::optional<State> next_state(const State& s, const Action& a) const {
    State n = s;
    const std::size_t i = a.rm == 0 ? 0 : a.rm - 1u;
    const auto bit = static_cast<std::uint8_t>(1u << i);
    switch (a.kind) {
      case Kind::rm_prepare: n.rm[i] = Rm::prepared; n.msg_prepared |= bit; break;
      case Kind::rm_choose_to_abort: n.rm[i] = Rm::aborted; break;
      case Kind::rm_receive_commit: n.rm[i] = Rm::committed; break;
      case Kind::rm_receive_abort: n.rm[i] = Rm::aborted; break;
      case Kind::tm_receive_prepared: n.tm_prepared |= bit; break;
      case Kind::tm_commit: n.tm = Tm::committed; n.msg_commit = true; break;
      case Kind::tm_abort: n.tm = Tm::aborted; n.msg_abort = true; break;
    }
    return n;
  }

  bool within_boundary(const State&) const { return true; }

  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const {
    Hasher h(seed);
    for (std::size_t i = 0; i < n_; ++i) h.add(rm_key(s, i));
    h.add(tm_key(s));
    return h.value();
  }

  // Symmetry over RM identities: the multiset of per-RM facts, sorted.
  std::uint64_t canonical_fingerprint(const State& s, std::uint64_t seed) const {
    std::array<std::uint64_t, kMaxRms> keys{};
    for (std::size_t i = 0; i < n_; ++i) keys[i] = rm_key(s, i);
    for (std::size_t i = 1; i < n_; ++i)  // insertion sort: n_ <= 8
      for (std::size_t j = i; j > 0 && keys[j] < keys[j - 1]; --j) std::swap(keys[j], keys[j - 1]);
    Hasher h(seed);
    for (std::size_t i = 0; i < n_; ++i) h.add(keys[i]);
    h.add(tm_key(s));
    return h.value();
  }

  std::span<const Property<TwoPhaseCommit>> properties() const { return kProperties; }

  static std::string_view rm_name(Rm r) {
    constexpr std::array<std::string_view, 4> names{"working", "prepared", "committed", "aborted"};
    return names[static_cast<std::size_t>(r)];
  }
  static std::string_view tm_name(Tm t) {
    constexpr std::array<std::string_view, 3> names{"init", "committed", "aborted"};
    return names[static_cast<std::size_t>(t)];
  }
  static std::string_view kind_name(Kind k) {
    constexpr std::array<std::string_view, 7> names{"rm-prepare", "rm-choose-to-abort", "rm-receive-commit",
                                                    "rm-receive-abort", "tm-receive-prepared", "tm-commit",
                                                    "tm-abort"};
    return names[static_cast<std::size_t>(k)];
  }

  std::string format_action(const State&, const Action& a) const {
    switch (a.kind) {
      case Kind::rm_prepare: return "RM " + std::to_string(a.rm) + " prepares and sends prepared(" + std::to_string(a.rm) + ")";
      case Kind::rm_choose_to_abort: return "RM " + std::to_string(a.rm) + " chooses to abort";
      case Kind::rm_receive_commit: return "RM " + std::to_string(a.rm) + " receives commit";
      case Kind::rm_receive_abort: return "RM " + std::to_string(a.rm) + " receives abort";
      case Kind::tm_receive_prepared: return "TM receives prepared(" + std::to_string(a.rm) + ")";
      case Kind::tm_commit: return "TM decides commit and sends commit";
      case Kind::tm_abort: return "TM decides abort and sends abort";
    }
    return "?";
  }
  std::string format_change(const State& b, const State& a) const {
    std::string out;
    for (std::size_t i = 0; i < n_; ++i)
      if (b.rm[i] != a.rm[i])
        out += "     RM " + std::to_string(i + 1) + ": " + std::string(rm_name(b.rm[i])) + " -> " +
               std::string(rm_name(a.rm[i])) + "\n";
    if (b.tm != a.tm) out += "     TM: " + std::string(tm_name(b.tm)) + " -> " + std::string(tm_name(a.tm)) + "\n";
    if (b.tm_prepared != a.tm_prepared) out += "     TM prepared set: " + set_string(a.tm_prepared) + "\n";
    if (b.msg_prepared != a.msg_prepared || b.msg_commit != a.msg_commit || b.msg_abort != a.msg_abort)
      out += "     messages: " + messages_string(a) + "\n";
    return out;
  }
  std::string format_state(const State& s) const {
    std::string out = "     RMs:";
    for (std::size_t i = 0; i < n_; ++i) out += " " + std::to_string(i + 1) + "=" + std::string(rm_name(s.rm[i]));
    out += "; TM " + std::string(tm_name(s.tm)) + ", prepared set " + set_string(s.tm_prepared) +
           "; messages: " + messages_string(s) + "\n";
    return out;
  }
  nlohmann::json action_json(const State&, const Action& a) const {
    return {{"kind", kind_name(a.kind)}, {"rm", a.rm}};
  }
  nlohmann::json state_json(const State& s) const {
    nlohmann::json rms = nlohmann::json::array();
    for (std::size_t i = 0; i < n_; ++i) rms.push_back(rm_name(s.rm[i]));
    return {{"rm", rms}, {"tm", tm_name(s.tm)}, {"tm_prepared", s.tm_prepared}, {"msg_prepared", s.msg_prepared},
            {"msg_commit", s.msg_commit}, {"msg_abort", s.msg_abort}};
  }

 private:
  bool commit_allowed(const State& s) const {
    const auto prepared = static_cast<std::size_t>(std::popcount(static_cast<unsigned>(s.tm_prepared)));
    return buggy_ ? prepared >= n_ / 2 + 1 : prepared == n_;
  }
  static std::uint64_t rm_key(const State& s, std::size_t i) {
    return (std::uint64_t{static_cast<std::uint8_t>(s.rm[i])} << 2) | ((s.tm_prepared >> i & 1u) << 1) |
           (s.msg_prepared >> i & 1u);
  }
  static std::uint64_t tm_key(const State& s) {
    return (std::uint64_t{static_cast<std::uint8_t>(s.tm)} << 2) | (std::uint64_t{s.msg_commit} << 1) |
           std::uint64_t{s.msg_abort};
  }
  std::string set_string(std::uint8_t bits) const {
    std::string out = "{";
    for (std::size_t i = 0; i < n_; ++i)
      if (bits >> i & 1u) out += (out.size() > 1 ? "," : "") + std::to_string(i + 1);
    return out + "}";
  }
  std::string messages_string(const State& s) const {
    std::string out;
    for (std::size_t i = 0; i < n_; ++i)
      if (s.msg_prepared >> i & 1u) out += "prepared(" + std::to_string(i + 1) + ") ";
    if (s.msg_commit) out += "commit ";
    if (s.msg_abort) out += "abort ";
    if (out.empty()) return "none";
    out.pop_back();
    return out;
  }

  static constexpr bool consistent(const TwoPhaseCommit& m, const State& s) {
    bool committed = false, aborted = false;
    for (std::size_t i = 0; i < m.n_; ++i) {
      committed |= s.rm[i] == Rm::committed;
      aborted |= s.rm[i] == Rm::aborted;
    }
    return !(committed && aborted);
  }
  static constexpr bool all_committed(const TwoPhaseCommit& m, const State& s) {
    for (std::size_t i = 0; i < m.n_; ++i)
      if (s.rm[i] != Rm::committed) return false;
    return true;
  }
  static constexpr bool all_aborted(const TwoPhaseCommit& m, const State& s) {
    for (std::size_t i = 0; i < m.n_; ++i)
      if (s.rm[i] != Rm::aborted) return false;
    return true;
  }

  static constexpr std::array<Property<TwoPhaseCommit>, 3> kProperties{
      Property<TwoPhaseCommit>::always("no RM commits while another aborts", &consistent),
      Property<TwoPhaseCommit>::sometimes("every RM commits", &all_committed),
      Property<TwoPhaseCommit>::sometimes("every RM aborts", &all_aborted),
  };

  std::size_t n_;
  bool buggy_;
};

}  // namespace synod::check::toy
