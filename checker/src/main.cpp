// synod-check: the bounded model checker's command line.
//
//   synod-check MODEL [flags]        MODEL: a model name or a spec file in specs/
//
// Exit status: 0 ok, 1 violation (or a spec's expected result differs), 2 bad
// usage or input, 3 vacuous, 4 a spec's expected distinct-state count differs.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "models.hpp"
#include "run.hpp"

#ifdef SYNOD_SPECS_DIR
#define SPECS_DIR_TEXT SYNOD_SPECS_DIR
#else
#define SPECS_DIR_TEXT "no specs directory (built without SYNOD_SPECS_DIR)"
#endif

namespace cli = synod::check::cli;
using synod::check::Search;

namespace {

struct Spec {
  std::string path;
  std::string model;
  cli::Bounds bounds;
  std::optional<std::string> search;
  std::optional<unsigned> threads;
  std::optional<bool> symmetry;
  std::optional<bool> fp128;
  std::optional<std::uint64_t> max_depth, walks, depth, seed;
  cli::Expected expected;
};

struct SpecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where a spec name is looked for, in order: as given (relative to the
// working directory), then in the source tree's specs/ directory, compiled in
// so that `synod-check raft-quick` works from any directory. A name given as
// specs/NAME is also looked up there as NAME. (The install rules install
// neither synod-check nor the specs, so there is no installed specs
// directory to search.)
std::vector<std::string> spec_candidates(const std::string& arg) {
  std::vector<std::string> c{arg, arg + ".toml"};
#ifdef SYNOD_SPECS_DIR
  const std::string dir = SYNOD_SPECS_DIR;
  const std::filesystem::path p(arg);
  if (!arg.empty() && !p.is_absolute()) {
    c.push_back(dir + "/" + arg);
    c.push_back(dir + "/" + arg + ".toml");
    if (arg.rfind("specs/", 0) == 0 && arg.size() > 6) {
      c.push_back(dir + "/" + arg.substr(6));
      c.push_back(dir + "/" + arg.substr(6) + ".toml");
    }
  }
#endif
  return c;
}

std::optional<std::string> find_spec_file(const std::vector<std::string>& candidates) {
  for (const std::string& candidate : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

// An output file that cannot be written is bad input: say so before a search
// that may take hours, not after it. An existing file is opened for append
// (its contents stay as they are until the run writes it); a new one is
// created and removed again, so that a run that then fails leaves no empty
// file behind. Returns the reason it cannot be written, or nothing.
// O_NONBLOCK: a FIFO nobody reads yet must not block here (ENXIO); the
// run's own write waits for its reader as it always did.
std::optional<std::string> unwritable(const std::string& path) {
  if (path.empty() || path == "-") return std::nullopt;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return std::nullopt;
  }
  if (errno == ENXIO) return std::nullopt;
  if (errno != ENOENT) return std::string(std::strerror(errno));
  fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return std::string(std::strerror(errno));
  ::close(fd);
  ::unlink(path.c_str());
  return std::nullopt;
}

template <class T>
T integer(const toml::node& node, const std::string& where) {
  const auto v = node.value<std::int64_t>();
  if (!v || *v < 0) throw SpecError(where + " must be a non-negative integer");
  return static_cast<T>(*v);
}

bool boolean(const toml::node& node, const std::string& where) {
  const auto v = node.value<bool>();
  if (!v) throw SpecError(where + " must be true or false");
  return *v;
}

Spec load_spec(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw SpecError(fmt::format("{}: {} (line {})", path, e.description(), e.source().begin.line));
  }
  Spec spec;
  spec.path = path;
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k == "protocol" || k == "model") {
      const auto v = node.value<std::string>();
      if (!v) throw SpecError(path + ": " + k + " must be a string");
      spec.model = *v;
    } else if (k == "description") {
      // for people
    } else if (k == "bounds") {
      const auto* t = node.as_table();
      if (!t) throw SpecError(path + ": [bounds] must be a table");
      for (const auto& [bk, bv] : *t) {
        const std::string b(bk.str());
        if (const auto flag = bv.value<bool>(); flag && bv.is_boolean()) {
          spec.bounds[b] = *flag ? 1 : 0;
        } else {
          spec.bounds[b] = integer<std::int64_t>(bv, path + ": bounds." + b);
        }
      }
    } else if (k == "search") {
      const auto* t = node.as_table();
      if (!t) throw SpecError(path + ": [search] must be a table");
      for (const auto& [sk, sv] : *t) {
        const std::string s(sk.str());
        const std::string where = path + ": search." + s;
        if (s == "mode") {
          const auto v = sv.value<std::string>();
          if (!v) throw SpecError(where + " must be \"bfs\", \"dfs\" or \"random\"");
          spec.search = *v;
        } else if (s == "threads") spec.threads = integer<unsigned>(sv, where);
        else if (s == "symmetry") spec.symmetry = boolean(sv, where);
        else if (s == "fp128") spec.fp128 = boolean(sv, where);
        else if (s == "max_depth") spec.max_depth = integer<std::uint64_t>(sv, where);
        else if (s == "walks") spec.walks = integer<std::uint64_t>(sv, where);
        else if (s == "depth") spec.depth = integer<std::uint64_t>(sv, where);
        else if (s == "seed") spec.seed = integer<std::uint64_t>(sv, where);
        else throw SpecError(where + ": unknown key (known: mode threads symmetry fp128 max_depth walks depth seed)");
      }
    } else if (k == "expect") {
      const auto* t = node.as_table();
      if (!t) throw SpecError(path + ": [expect] must be a table");
      for (const auto& [ek, ev] : *t) {
        const std::string e(ek.str());
        if (e == "result") {
          const auto v = ev.value<std::string>();
          if (!v || (*v != "ok" && *v != "violation" && *v != "vacuous"))
            throw SpecError(path + ": expect.result must be \"ok\", \"violation\" or \"vacuous\"");
          spec.expected.result = *v;
        } else if (e == "distinct_states") {
          spec.expected.distinct_states = integer<std::uint64_t>(ev, path + ": expect.distinct_states");
        } else if (e == "property" || e == "seconds" || e == "note") {
          // informational
        } else {
          throw SpecError(path + ": expect." + e + ": unknown key (known: result distinct_states property note)");
        }
      }
    } else {
      throw SpecError(path + ": unknown key '" + k + "' (known: protocol description bounds search expect)");
    }
  }
  if (spec.model.empty()) throw SpecError(path + ": missing 'protocol = \"...\"'");
  return spec;
}

const cli::ModelEntry* find_model(const std::vector<cli::ModelEntry>& models, const std::string& name) {
  for (const auto& m : models)
    if (m.name == name) return &m;
  return nullptr;
}

std::string model_names(const std::vector<cli::ModelEntry>& models) {
  std::string s;
  for (const auto& m : models) s += (s.empty() ? "" : ", ") + m.name;
  return s;
}

// glibc grows a worker thread's arena (where its chunk vectors, memo tables
// and intern pools are allocated) one page at a time, an mprotect each, and
// hands back its top as soon as 128 KiB are free: a multi-threaded search
// then makes hundreds of mprotect calls, each taking the address-space lock
// the other threads' mmap and munmap need. Growing 16 MiB at a time and keeping up to
// 64 MiB free makes such calls rare, for a few MiB more peak memory. A
// user's own GLIBC_TUNABLES for malloc are left as they are.
void tune_allocator() {
#if defined(__GLIBC__)
  if (const char* t = std::getenv("GLIBC_TUNABLES"); t != nullptr && std::strstr(t, "glibc.malloc.") != nullptr) return;
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}
}  // namespace

int main(int argc, char** argv) {
  tune_allocator();
  const std::vector<cli::ModelEntry> models = synod::check::models::registry();

  CLI::App app{
      "synod-check: explores every interleaving of a model's actions within bounds (breadth-first by default),\n"
      "checking its invariants in every reachable state and that each of its goals is reached somewhere.\n"
      "Exit status: 0 ok, 1 an invariant is violated (a counterexample is printed) or a spec's [expect]\n"
      "names another result, 2 bad usage or input (also an unwritable --json or --trace file, found\n"
      "before the search), 3 vacuous (a goal, a 'sometimes' property, was never reached), 4 the result\n"
      "is the one a spec's [expect] names but its distinct_states count is not (--json: expected.mismatch)."};
  app.footer(
      "\nExamples:\n"
      "  synod-check raft                      quick Raft configuration (= specs/raft-quick.toml)\n"
      "  synod-check specs/paxos-large --threads 2 --json out.json\n"
      "  synod-check raft --drops 1 --dups 1 --symmetry --threads 2\n"
      "  synod-check raft --search random --walks 10000 --depth 60 --seed 7\n"
      "  synod-check raft --lossy-disk 1 --max-term 1 --max-msgs 3 --drops 1 --proposals 0 --trace cex.json\n"
      "A spec is looked for as given, as given + .toml, then in " SPECS_DIR_TEXT ".\n"
      "Bounds left out take the model's defaults (see --list); a spec file's [bounds] and [search]\n"
      "are overridden by flags, and flags that change the explored space (a bound, --symmetry,\n"
      "--max-depth, --search) turn its [expect] checks off. Formats of specs, --json and --trace:\n"
      "docs/checker.md.");
  std::string target;
  app.add_option("model", target,
                 "a model (" + model_names(models) + ") or a spec file (NAME, NAME.toml, specs/NAME or a path)");

  std::string search;
  unsigned threads = 0;
  bool symmetry = false, fp128 = false, quiet = false, list = false, no_progress = false;
  std::optional<std::uint64_t> max_depth, walks, depth, seed;
  std::string json_path, trace_path, trace_html_path, emit_test_path;
  app.add_option("--search", search, "bfs (default; shortest counterexample), dfs, or random (random walks)")
      ->check(CLI::IsMember({"bfs", "dfs", "random"}));
  app.add_option("--threads", threads, "worker threads for bfs (deterministic: same result for any count)")
      ->check(CLI::Range(1u, 256u));
  app.add_flag("--symmetry", symmetry, "reduce by symmetry over node ids (traces stay concrete)");
  app.add_flag("--fp128", fp128, "128-bit fingerprints instead of 64-bit");
  app.add_option("--max-depth", max_depth, "do not expand states at this depth (0: no limit)");
  app.add_option("--walks", walks, "random search: number of walks (default 1000)");
  app.add_option("--depth", depth, "random search: steps per walk (default 100)");
  app.add_option("--seed", seed, "random search: generator seed (default 1)");
  app.add_option("--json", json_path, "write the summary as one JSON object to FILE, or - for stdout");
  app.add_option("--trace", trace_path, "on a violation, write the replayable JSON trace to FILE");
  app.add_option("--trace-html", trace_html_path,
                 "on a violation, write the counterexample as a self-contained HTML page (a sequence diagram) to FILE");
  app.add_option("--emit-test", emit_test_path,
                 "on a violation, write a GoogleTest source to FILE that replays the counterexample on the kernel "
                 "and asserts the violation (docs/checker.md)");
  app.add_flag("--quiet,-q", quiet, "no progress lines and no printed counterexample");
  app.add_flag("--no-progress", no_progress, "no progress lines on stderr");
  app.add_flag("--list", list, "list the models and their bounds");
  app.set_version_flag("--version", std::string("synod-check ") + SYNOD_VERSION);

  // Every model's bounds become flags; a flag the chosen model lacks is an error.
  std::map<std::string, std::optional<std::int64_t>> bound_flags;
  std::map<std::string, std::string> bound_help;
  for (const auto& m : models)
    for (const auto& b : m.bounds) {
      bound_help[b.key] += fmt::format("{}{}: {} (default {})", bound_help[b.key].empty() ? "" : "; ", m.name, b.help,
                                       b.default_value);
      bound_flags[b.key];
    }
  for (auto& [key, value] : bound_flags) app.add_option("--" + cli::flag_name(key), value, bound_help[key])->group("Model bounds");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return cli::kExitUsage;
  }

  if (list) {
    for (const auto& m : models) {
      fmt::print("{}: {}\n", m.name, m.help);
      for (const auto& b : m.bounds)
        fmt::print("    --{:<14} {} (default {}, {}..{})\n", cli::flag_name(b.key), b.help, b.default_value, b.min, b.max);
    }
    return cli::kExitOk;
  }
  if (target.empty()) {
    std::fprintf(stderr, "synod-check: missing MODEL (one of %s) or spec file; see --help\n", model_names(models).c_str());
    return cli::kExitUsage;
  }

  Spec spec;
  const cli::ModelEntry* entry = find_model(models, target);
  if (!entry) {
    const std::vector<std::string> candidates = spec_candidates(target);
    const auto file = find_spec_file(candidates);
    if (!file) {
      std::string tried;
      for (const auto& c : candidates) {
        std::error_code ec;
        const auto where = std::filesystem::absolute(c, ec);
        tried += (tried.empty() ? "" : ", ") + (ec ? c : where.string());
      }
      std::fprintf(stderr, "synod-check: '%s' is neither a model (%s) nor a spec file (tried %s)\n", target.c_str(),
                   model_names(models).c_str(), tried.c_str());
      return cli::kExitUsage;
    }
    try {
      spec = load_spec(*file);
    } catch (const SpecError& e) {
      std::fprintf(stderr, "synod-check: %s\n", e.what());
      return cli::kExitUsage;
    }
    entry = find_model(models, spec.model);
    if (!entry) {
      std::fprintf(stderr, "synod-check: %s: unknown protocol '%s' (known: %s)\n", file->c_str(), spec.model.c_str(),
                   model_names(models).c_str());
      return cli::kExitUsage;
    }
  }

  // Bounds: the model's defaults, then the spec, then the flags.
  cli::Bounds bounds;
  for (const auto& b : entry->bounds) bounds[b.key] = b.default_value;
  for (const auto& [key, value] : spec.bounds) {
    if (!bounds.count(key)) {
      std::fprintf(stderr, "synod-check: %s: model %s has no bound '%s'\n", spec.path.c_str(), entry->name.c_str(), key.c_str());
      return cli::kExitUsage;
    }
    bounds[key] = value;
  }
  for (const auto& [key, value] : bound_flags) {
    if (!value) continue;
    if (!bounds.count(key)) {
      std::fprintf(stderr, "synod-check: model %s has no bound --%s (see --list)\n", entry->name.c_str(),
                   cli::flag_name(key).c_str());
      return cli::kExitUsage;
    }
    bounds[key] = *value;
  }
  for (const auto& b : entry->bounds) {
    if (bounds[b.key] < b.min || bounds[b.key] > b.max) {
      std::fprintf(stderr, "synod-check: --%s=%lld is out of range for model %s (%lld..%lld)\n", cli::flag_name(b.key).c_str(),
                   static_cast<long long>(bounds[b.key]), entry->name.c_str(), static_cast<long long>(b.min),
                   static_cast<long long>(b.max));
      return cli::kExitUsage;
    }
  }

  cli::RunConfig cfg;
  const std::string mode = !search.empty() ? search : spec.search.value_or("bfs");
  if (mode == "bfs") cfg.options.search = Search::bfs;
  else if (mode == "dfs") cfg.options.search = Search::dfs;
  else if (mode == "random") cfg.options.search = Search::random;
  else {
    std::fprintf(stderr, "synod-check: %s: search.mode must be bfs, dfs or random\n", spec.path.c_str());
    return cli::kExitUsage;
  }
  cfg.options.threads = threads ? threads : spec.threads.value_or(1);
  if (cfg.options.threads == 0 || cfg.options.threads > 256) {
    std::fprintf(stderr, "synod-check: threads must be 1..256\n");
    return cli::kExitUsage;
  }
  if (cfg.options.threads > 1 && cfg.options.search != Search::bfs) {
    std::fprintf(stderr, "synod-check: --threads applies to --search bfs only\n");
    return cli::kExitUsage;
  }
  if ((walks || depth || seed) && cfg.options.search != Search::random) {
    std::fprintf(stderr, "synod-check: --walks, --depth and --seed apply to --search random only\n");
    return cli::kExitUsage;
  }
  cfg.options.symmetry = symmetry || spec.symmetry.value_or(false);
  cfg.options.fp128 = fp128 || spec.fp128.value_or(false);
  cfg.options.max_depth = max_depth ? *max_depth : spec.max_depth.value_or(0);
  cfg.options.walks = walks ? *walks : spec.walks.value_or(1000);
  cfg.options.walk_depth = depth ? *depth : spec.depth.value_or(100);
  cfg.options.seed = seed ? *seed : spec.seed.value_or(1);
  cfg.options.progress = !quiet && !no_progress;
  cfg.quiet = quiet;
  cfg.json_path = json_path;
  cfg.trace_path = trace_path;
  cfg.trace_html_path = trace_html_path;
  cfg.emit_test_path = emit_test_path;
  for (int i = 0; i < argc; ++i) cfg.command_line += (i ? " " : "") + std::string(i ? argv[i] : "synod-check");
  cfg.spec_path = spec.path;
  // Expectations hold for the spec as written: flags that change the explored
  // space (bounds, symmetry, depth, search mode) void them, count and result
  // both (a smaller depth can make a run vacuous, another bound can remove
  // the violation a spec expects). Threads and fingerprint width do not.
  cfg.expected = spec.expected;
  const bool space_changed = std::any_of(bound_flags.begin(), bound_flags.end(), [](const auto& kv) { return kv.second.has_value(); }) ||
                             (symmetry && !spec.symmetry.value_or(false)) || max_depth || !search.empty();
  if (space_changed && (cfg.expected.result || cfg.expected.distinct_states)) {
    cfg.expected = {};
    cfg.expectations_voided = true;
  }

  const std::pair<const char*, const std::string*> outputs[] = {{"--json", &json_path}, {"--trace", &trace_path}, {"--trace-html", &trace_html_path}, {"--emit-test", &emit_test_path}};
  for (const auto& [flag, path] : outputs) {
    if (const auto why = unwritable(*path)) {
      std::fprintf(stderr, "synod-check: cannot write %s file %s: %s (nothing was run)\n", flag, path->c_str(), why->c_str());
      return cli::kExitUsage;
    }
  }

  try {
    return entry->run(bounds, cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "synod-check: error: %s\n", e.what());
    return cli::kExitUsage;
  }
}
