// water_jug.hpp - the Die Hard water-jug puzzle, a toy model for the engine.
//
// Two jugs of capacity `small` and `big` gallons, an unlimited tap. Actions,
// in this order (the action index is the position): fill small, fill big,
// empty small, empty big, pour small into big, pour big into small; an action
// that would change nothing is not enabled. The invariant "the big jug never
// holds `target` gallons" is violated exactly when the puzzle is solvable, and
// the shortest counterexample is the puzzle's shortest solution (6 steps for
// 3, 5 and 4).
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

class WaterJug {
 public:
  struct State {
    std::uint8_t small = 0;
    std::uint8_t big = 0;
    friend bool operator==(const State&, const State&) = default;
  };
  enum class Action : std::uint8_t { fill_small, fill_big, empty_small, empty_big, pour_small_into_big, pour_big_into_small };

  WaterJug(std::uint8_t small_capacity = 3, std::uint8_t big_capacity = 5, std::uint8_t target = 4)
      : small_(small_capacity), big_(big_capacity), target_(target) {}

  std::string name() const { return "water-jug"; }
  nlohmann::json bounds() const { return {{"small", small_}, {"big", big_}, {"target", target_}}; }

  template <class Emit>
  void init_states(Emit&& emit) const {
    emit(State{});
  }

  template <class Emit>
  void actions(const State& s, Emit&& emit) const {
    if (s.small < small_) emit(Action::fill_small);
    if (s.big < big_) emit(Action::fill_big);
    if (s.small > 0) emit(Action::empty_small);
    if (s.big > 0) emit(Action::empty_big);
    if (s.small > 0 && s.big < big_) emit(Action::pour_small_into_big);
    if (s.big > 0 && s.small < small_) emit(Action::pour_big_into_small);
  }

  std::optional<State> next_state(const State& s, Action a) const {
    State n = s;
    switch (a) {
      case Action::fill_small: n.small = small_; break;
      case Action::fill_big: n.big = big_; break;
      case Action::empty_small: n.small = 0; break;
      case Action::empty_big: n.big = 0; break;
      case Action::pour_small_into_big: {
        const auto moved = std::min<int>(s.small, big_ - s.big);
        n.small = static_cast<std::uint8_t>(s.small - moved);
        n.big = static_cast<std::uint8_t>(s.big + moved);
        break;
      }
      case Action::pour_big_into_small: {
        const auto moved = std::min<int>(s.big, small_ - s.small);
        n.big = static_cast<std::uint8_t>(s.big - moved);
        n.small = static_cast<std::uint8_t>(s.small + moved);
        break;
      }
    }
    return n;
  }

  bool within_boundary(const State&) const { return true; }

  std::uint64_t fingerprint(const State& s, std::uint64_t seed) const {
    Hasher h(seed);
    h.add(std::uint64_t{s.small});
    h.add(std::uint64_t{s.big});
    return h.value();
  }

  std::span<const Property<WaterJug>> properties() const { return kProperties; }

  std::uint8_t target() const { return target_; }

  static constexpr std::string_view action_name(Action a) {
    constexpr std::array<std::string_view, 6> names{"fill-small", "fill-big", "empty-small", "empty-big",
                                                    "pour-small-into-big", "pour-big-into-small"};
    return names[static_cast<std::size_t>(a)];
  }
  std::string format_action(const State&, Action a) const { return std::string(action_name(a)); }
  std::string format_change(const State& b, const State& a) const {
    std::string out;
    if (b.small != a.small) out += "     small jug: " + std::to_string(b.small) + " -> " + std::to_string(a.small) + "\n";
    if (b.big != a.big) out += "     big jug: " + std::to_string(b.big) + " -> " + std::to_string(a.big) + "\n";
    return out;
  }
  std::string format_state(const State& s) const {
    return "     small " + std::to_string(s.small) + ", big " + std::to_string(s.big) + "\n";
  }
  nlohmann::json action_json(const State&, Action a) const { return {{"kind", action_name(a)}}; }
  nlohmann::json state_json(const State& s) const { return {{"small", s.small}, {"big", s.big}}; }

 private:
  static bool never_target(const WaterJug& m, const State& s) { return s.big != m.target_; }
  static bool both_full(const WaterJug& m, const State& s) { return s.small == m.small_ && s.big == m.big_; }
  static constexpr std::array<Property<WaterJug>, 2> kProperties{
      Property<WaterJug>::always("big jug never holds the target", &never_target),
      Property<WaterJug>::sometimes("both jugs full", &both_full),
  };

  std::uint8_t small_;
  std::uint8_t big_;
  std::uint8_t target_;
};

}  // namespace synod::check::toy
