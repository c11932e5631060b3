// models.cpp - the model registry: name, bounds (defaults = the quick
// configuration), and how to build the model from its bounds.
#include "models.hpp"

#include "toy/two_phase_commit.hpp"
#include "toy/water_jug.hpp"

namespace synod::check::models {

namespace {
template <class T>
T as(const cli::Bounds& b, const char* key) {
  return static_cast<T>(b.at(key));
}
}  // namespace

std::vector<cli::ModelEntry> registry() {
  std::vector<cli::ModelEntry> r;
  r.push_back({"water-jug",
               "the Die Hard water-jug puzzle (toy; its invariant fails when the target is measurable)",
               {{"small", 3, 1, 100, "small jug capacity"},
                {"big", 5, 1, 100, "big jug capacity"},
                {"target", 4, 0, 100, "gallons the big jug must never hold"}},
               [](const cli::Bounds& b, const cli::RunConfig& cfg) {
                 const toy::WaterJug model(as<std::uint8_t>(b, "small"), as<std::uint8_t>(b, "big"),
                                           as<std::uint8_t>(b, "target"));
                 return cli::run_model(model, b, cfg);
               }});
  r.push_back({"two-phase-commit",
               "two-phase commit with N resource managers (toy; symmetric over RMs)",
               {{"rms", 3, 1, 8, "resource managers"},
                {"buggy_tm", 0, 0, 1, "1: the TM commits on a majority of prepared (a seeded bug)"}},
               [](const cli::Bounds& b, const cli::RunConfig& cfg) {
                 const toy::TwoPhaseCommit model(as<std::size_t>(b, "rms"), b.at("buggy_tm") != 0);
                 return cli::run_model(model, b, cfg);
               }});
  return r;
}

}  // namespace synod::check::models
