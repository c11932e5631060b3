// emit_test.hpp - a counterexample as a GoogleTest (synod-check --emit-test
// FILE.cpp): one standalone source that runs the trace (the --trace JSON,
// embedded) on the kernel through the trace runner and asserts the
// violation. Once the bug is fixed, flipping one constant makes it the
// regression test that the same schedule no longer ends in the violation.
#pragma once

#include <cctype>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace synod::check::cli {

// `trace`: the synod-trace JSON of a violation; `steps`: the counterexample
// as synod-check prints it; `command`: the command line that found it.
inline std::string emit_test(const nlohmann::json& trace, const std::string& steps, const std::string& command) {
  const std::string property = trace.at("expect").at("property").get<std::string>();
  std::string name;
  for (char c : property) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "P" + name;
  // The raw string's delimiter must not occur in the JSON.
  std::string delim = "synod_trace";
  const std::string data = trace.dump(1);
  while (data.find(")" + delim + "\"") != std::string::npos) delim += "_";
  const std::size_t n = trace.at("steps").size();

  std::ostringstream o;
  o << "// A counterexample found by synod-check, as a GoogleTest.\n"
    << "//\n"
    << "//   " << command << "\n"
    << "//   violation of \"" << property << "\" after " << n << " steps\n"
    << "//\n"
    << "// It runs the schedule below on the kernel (the trace runner of synod's\n"
    << "// build: link synod::trace and GoogleTest, e.g.\n"
    << "//   add_executable(cex this_file.cpp)\n"
    << "//   target_link_libraries(cex PRIVATE synod::trace GTest::gtest_main)\n"
    << "// ) and, as emitted, asserts that the violation still happens. Once the\n"
    << "// bug is fixed, set kBugFixed to true: the test then asserts that the\n"
    << "// same schedule no longer ends in the violation, and keeps it so.\n"
    << "//\n"
    << "// The steps, as synod-check printed them:\n";
  std::istringstream lines(steps);
  for (std::string line; std::getline(lines, line);) o << "//" << (line.empty() ? "" : " ") << line << "\n";
  o << "#include <string>\n\n"
    << "#include <gtest/gtest.h>\n"
    << "#include <nlohmann/json.hpp>\n"
    << "#include <synod/trace/run.hpp>\n\n"
    << "namespace {\n\n"
    << "constexpr bool kBugFixed = false;\n\n"
    << "constexpr const char* kTrace = R\"" << delim << "(" << data << ")" << delim << "\";\n\n"
    << "TEST(SynodCheckCounterexample, " << name << ") {\n"
    << "  synod::trace::Schedule schedule = synod::trace::from_json(nlohmann::json::parse(kTrace));\n"
    << "  if (kBugFixed) schedule.expect = synod::trace::Expect::not_reproduced;\n"
    << "  const synod::trace::Outcome outcome = synod::trace::run(schedule);\n"
    << "  std::string why;\n"
    << "  EXPECT_TRUE(synod::trace::as_expected(schedule, outcome, why)) << why;\n"
    << "  if (!kBugFixed) {\n"
    << "    EXPECT_EQ(outcome.property, \"" << property << "\") << outcome.detail;\n"
    << "    EXPECT_EQ(outcome.step, " << n << "u);\n"
    << "  }\n"
    << "}\n\n"
    << "}  // namespace\n";
  return o.str();
}

}  // namespace synod::check::cli
