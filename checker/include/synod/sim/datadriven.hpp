// synod/sim/datadriven.hpp - scenario files of commands and their expected
// output, in the shape of etcd-raft's testdata (cockroachdb's datadriven):
//
//   # a comment (kept as written)
//   command arg1 key=value
//   ----
//   the output the command printed
//
// Blocks are separated by blank lines; the expected output runs from the
// line after `----` to the next blank line (so a command never prints an
// empty line). run_file() runs every block through a handler and compares
// what it printed with what the file pins; in rewrite mode it writes the
// actual output back into the file instead. Nothing here knows a protocol:
// synod/sim/scenario.hpp gives the handlers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synod::sim::datadriven {

// One command line: `verb a b key=value`. Positional arguments and key=value
// pairs keep their order of appearance separately.
struct Command {
  std::string file;
  std::size_t line = 0;  // 1-based, of the command line
  std::string text;      // the line as written
  std::string verb;
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> named;

  bool has(std::string_view key) const { return get(key).has_value(); }
  std::optional<std::string> get(std::string_view key) const {
    for (const auto& [k, v] : named)
      if (k == key) return v;
    return std::nullopt;
  }
  std::string where() const { return file + ":" + std::to_string(line); }
};

// What a handler returns: the text it printed, or an error that is not an
// output to pin (an unknown command, a malformed argument): the file is
// wrong, and the run fails whatever the mode.
struct Outcome {
  std::string output;
  std::optional<std::string> error;
  static Outcome fail(std::string why) { return Outcome{{}, std::move(why)}; }
};

using Handler = std::function<Outcome(const Command&)>;

struct Report {
  bool ok = true;
  std::size_t blocks = 0;         // commands run
  std::size_t expected_lines = 0; // lines of expected output the file pins
  std::size_t mismatches = 0;
  bool rewritten = false;
  std::string message;            // for people: each mismatch or error with its file:line
};

namespace detail {

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char ch : text) {
    if (ch == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else if (ch != '\r') {
      cur.push_back(ch);
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

inline std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

inline bool blank(const std::string& s) { return rtrim(s).empty(); }

// The output as lines, trailing spaces and trailing empty lines removed.
inline std::vector<std::string> output_lines(const std::string& out) {
  std::vector<std::string> lines;
  for (auto& l : split_lines(out)) lines.push_back(rtrim(l));
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// A line diff (longest common subsequence): ' ' kept, '-' expected only,
// '+' actual only.
inline std::string diff(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out = "  --- expected\n  +++ actual\n";
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out += "   " + a[i++] + "\n";
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += "  -" + a[i++] + "\n";
    } else {
      out += "  +" + b[j++] + "\n";
    }
  }
  return out;
}

}  // namespace detail

// Splits a command line into verb, positional and key=value arguments.
inline Command parse_command(const std::string& file, std::size_t line, const std::string& text) {
  Command c;
  c.file = file;
  c.line = line;
  c.text = detail::rtrim(text);
  std::istringstream in(c.text);
  std::string word;
  in >> c.verb;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      c.positional.push_back(word);
    } else {
      c.named.emplace_back(word.substr(0, eq), word.substr(eq + 1));
    }
  }
  return c;
}

// Runs `text` (the contents of `file`) block by block. With rewrite set,
// `rewritten_text` receives the file with every expected block replaced by
// the actual output (errors still fail the run).
inline Report run_text(const std::string& file, const std::string& text, const Handler& handler, bool rewrite,
                       std::string* rewritten_text = nullptr) {
  Report r;
  const std::vector<std::string> lines = detail::split_lines(text);
  std::vector<std::string> out;  // the rewritten file
  auto error = [&](std::size_t line, const std::string& why) {
    r.ok = false;
    r.message += file + ":" + std::to_string(line) + ": error: " + why + "\n";
  };
  std::size_t i = 0;
  while (i < lines.size()) {
    const std::string& l = lines[i];
    if (detail::blank(l) || l[0] == '#') {
      out.push_back(l);
      ++i;
      continue;
    }
    const std::size_t command_line = i + 1;
    const Command cmd = parse_command(file, command_line, l);
    out.push_back(l);
    ++i;
    if (i >= lines.size() || detail::rtrim(lines[i]) != "----") {
      error(command_line, "`" + cmd.text + "` must be followed by a line `----`");
      return r;
    }
    out.push_back(lines[i]);
    ++i;
    std::vector<std::string> expected;
    while (i < lines.size() && !detail::blank(lines[i])) expected.push_back(detail::rtrim(lines[i++]));
    ++r.blocks;
    r.expected_lines += expected.size();
    const Outcome o = handler(cmd);
    if (o.error) {
      error(command_line, "`" + cmd.text + "`: " + *o.error);
      return r;  // the state after a refused command is not worth comparing
    }
    const std::vector<std::string> actual = detail::output_lines(o.output);
    for (const auto& a : actual)
      if (a.empty()) {
        error(command_line, "`" + cmd.text + "` printed an empty line (it would end the block)");
        return r;
      }
    for (const auto& a : actual) out.push_back(a);
    if (actual != expected) {
      ++r.mismatches;
      if (!rewrite) {
        r.ok = false;
        r.message += file + ":" + std::to_string(command_line) + ": " + cmd.text + "\n" +
                     detail::diff(expected, actual);
      }
    }
  }
  if (rewrite && rewritten_text) {
    std::string t;
    for (const auto& l : out) t += l + "\n";
    *rewritten_text = t;
  }
  return r;
}

// Runs the scenario file at `path`; in rewrite mode, writes the actual
// outputs back into it when any block differed.
inline Report run_file(const std::string& path, const Handler& handler, bool rewrite) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Report r;
    r.ok = false;
    r.message = path + ": error: cannot read the file\n";
    return r;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string rewritten;
  Report r = run_text(path, buf.str(), handler, rewrite, &rewritten);
  if (rewrite && r.ok && r.mismatches > 0) {
    std::ofstream o(path, std::ios::binary | std::ios::trunc);
    o << rewritten;
    if (!o) {
      r.ok = false;
      r.message += path + ": error: cannot rewrite the file\n";
    } else {
      r.rewritten = true;
      r.message += path + ": rewrote " + std::to_string(r.mismatches) + " block(s)\n";
    }
  }
  return r;
}

// Rewrite mode is on when SYNOD_REWRITE is set to anything but "" or "0".
inline bool rewrite_from_env() {
  const char* v = std::getenv("SYNOD_REWRITE");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

}  // namespace synod::sim::datadriven
