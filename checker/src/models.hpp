// models.hpp - the models synod-check knows by name, with their bounds.
#pragma once

#include <vector>

#include "run.hpp"

namespace synod::check::models {

std::vector<cli::ModelEntry> registry();

}  // namespace synod::check::models
