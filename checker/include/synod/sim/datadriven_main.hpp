// synod/sim/datadriven_main.hpp - the main() of a GoogleTest executable
// that runs scenario files (synod/sim/datadriven.hpp): one test per file,
// named after it. Only test executables include this (it needs GoogleTest).
//
//   scenario_test [gtest flags] [--rewrite] file.txt...
//
// Without files it runs every *.txt of the default directory. --rewrite or
// SYNOD_REWRITE=1 writes the actual output back into each file.
#pragma once

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "synod/sim/datadriven.hpp"

namespace synod::sim::datadriven {

// Runs one scenario file with a fresh Scenario and reports into GoogleTest.
template <class Scenario>
void expect_file_passes(const std::string& path, bool rewrite) {
  Scenario s;
  const Report r = run_file(path, [&s](const Command& c) { return s(c); }, rewrite);
  if (!r.ok) ADD_FAILURE() << r.message;
  if (r.rewritten) std::printf("%s", r.message.c_str());
  EXPECT_GT(r.blocks, 0u) << path << ": a scenario file without commands checks nothing";
  ::testing::Test::RecordProperty("blocks", static_cast<int>(r.blocks));
  ::testing::Test::RecordProperty("expected_lines", static_cast<int>(r.expected_lines));
}

template <class Scenario>
int scenario_main(int argc, char** argv, const char* suite, const char* default_dir) {
  ::testing::InitGoogleTest(&argc, argv);
  bool rewrite = rewrite_from_env();
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--rewrite") {
      rewrite = true;
    } else {
      files.emplace_back(argv[i]);
    }
  }
  if (files.empty()) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(default_dir, ec))
      if (e.path().extension() == ".txt") files.push_back(e.path().string());
    if (ec) {
      std::fprintf(stderr, "%s: %s\n", default_dir, ec.message().c_str());
      return 2;
    }
    std::sort(files.begin(), files.end());
  }
  for (const std::string& f : files) {
    const std::string name = std::filesystem::path(f).stem().string();
    ::testing::RegisterTest(suite, name.c_str(), nullptr, nullptr, f.c_str(), 1, [f, rewrite]() -> ::testing::Test* {
      struct FileTest : ::testing::Test {
        std::string path;
        bool rewrite;
        FileTest(std::string p, bool r) : path(std::move(p)), rewrite(r) {}
        void TestBody() override { expect_file_passes<Scenario>(path, rewrite); }
      };
      return new FileTest(f, rewrite);
    });
  }
  return RUN_ALL_TESTS();
}

}  // namespace synod::sim::datadriven
