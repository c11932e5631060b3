// lost_update.hpp - the model of docs/tutorial-model.md: two clients each
// add 1 to a shared counter by reading it, then writing what they read + 1.
// The invariant "once both are done, the counter is 2" fails: both read 0,
// both write 1. The shortest counterexample is 4 steps.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <synod/check/checker.hpp>
#include <synod/hash.hpp>

namespace tutorial {

class LostUpdate {
 public:
  enum class Pc : std::uint8_t { start, read, done };  // where a client is
  struct State {
    std::uint8_t counter = 0;
    std::array<Pc, 2> pc{};
    std::array<std::uint8_t, 2> seen{};  // what each client read
    friend bool operator==(const State&, const State&) = default;
  };
  struct Action {
    std::uint8_t client = 0;  // 0 or 1; its next step is fixed by its pc
    friend bool operator==(const Action&, const Action&) = default;
  };

  // Actions in a fixed order: client 0, then client 1.
  template <class Emit>
  void init_states(Emit&& emit) const {
    emit(State{});
  }
  template <class Emit>
  void actions(const State& s, Emit&& emit) const {
    for (std::uint8_t c = 0; c < 2; ++c)
      if (s.pc[c] != Pc::done) emit(Action{c});
  }
  std::optional<State> next_state(const State& s, const Action& a) const {
    State n = s;
    if (s.pc[a.client] == Pc::start) {
      n.seen[a.client] = s.counter;  // read
      n.pc[a.client] = Pc::read;
    } else {
      n.counter = static_cast<std::uint8_t>(s.seen[a.client] + 1);  // write what was read + 1
      n.pc[a.client] = Pc::done;
    }
    return n;
  }
  bool within_boundary(const State&) const { return true; }

  // Everything that tells two states apart goes into the hash.
  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const {
    synod::Hasher h(seed);
    h.add(std::uint64_t{s.counter});
    for (int c = 0; c < 2; ++c) {
      h.add(static_cast<std::uint64_t>(s.pc[c]));
      h.add(std::uint64_t{s.seen[c]});
    }
    return h.value();
  }

  std::span<const synod::check::Property<LostUpdate>> properties() const { return kProperties; }

  // For readable counterexamples (synod::check::format_trace).
  std::string format_action(const State& s, const Action& a) const {
    return "client " + std::to_string(a.client) + (s.pc[a.client] == Pc::start ? " reads" : " writes");
  }
  std::string format_change(const State& b, const State& a) const {
    std::string out;
    if (b.counter != a.counter)
      out += "     counter: " + std::to_string(b.counter) + " -> " + std::to_string(a.counter) + "\n";
    for (int c = 0; c < 2; ++c) {
      if (b.pc[c] == a.pc[c]) continue;
      out += "     client " + std::to_string(c) +
             (a.pc[c] == Pc::read ? " read " + std::to_string(a.seen[c]) : std::string(" is done")) + "\n";
    }
    return out;
  }
  std::string format_state(const State& s) const { return "     counter " + std::to_string(s.counter) + "\n"; }

 private:
  static bool both_done(const State& s) { return s.pc[0] == Pc::done && s.pc[1] == Pc::done; }
  static bool no_lost_update(const LostUpdate&, const State& s) { return !both_done(s) || s.counter == 2; }
  static bool finished(const LostUpdate&, const State& s) { return both_done(s); }
  static constexpr std::array<synod::check::Property<LostUpdate>, 2> kProperties{
      synod::check::Property<LostUpdate>::always("no update is lost", &no_lost_update),
      synod::check::Property<LostUpdate>::sometimes("both clients finish", &finished),
  };
};

}  // namespace tutorial
