// resp.cpp - RESP2 command parser and reply encoders.
#include <synod/net/resp.hpp>

#include <charconv>

namespace synod::net::resp {

namespace {

// Parses a decimal integer terminated by CRLF starting at `pos`. Returns
// false (with `need_more`) when the line is not complete yet.
enum class LineStatus { ok, need_more, bad };

LineStatus parse_number_line(std::string_view in, std::size_t pos, std::int64_t& value, std::size_t& next) {
  // Numbers in a header are short; a line longer than this is an error.
  constexpr std::size_t kMaxDigits = 20;
  const std::size_t end = in.find('\r', pos);
  if (end == std::string_view::npos) return in.size() - pos > kMaxDigits + 1 ? LineStatus::bad : LineStatus::need_more;
  if (end - pos > kMaxDigits || end == pos) return LineStatus::bad;
  if (end + 1 >= in.size()) return LineStatus::need_more;
  if (in[end + 1] != '\n') return LineStatus::bad;
  const char* first = in.data() + pos;
  const char* last = in.data() + end;
  auto [p, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || p != last) return LineStatus::bad;
  next = end + 2;
  return LineStatus::ok;
}

ParseResult fail(const char* why) {
  ParseResult r;
  r.status = Status::error;
  r.error = why;
  return r;
}

ParseResult parse_inline(std::string_view in, std::vector<std::string_view>& args, const Limits& limits) {
  const std::size_t nl = in.find('\n');
  if (nl == std::string_view::npos) {
    if (in.size() > limits.max_inline) return fail("too big inline request");
    return {};
  }
  if (nl > limits.max_inline) return fail("too big inline request");
  std::string_view line = in.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (args.size() >= limits.max_args) return fail("too many arguments");
    args.push_back(line.substr(start, i - start));
  }
  ParseResult r;
  r.status = Status::command;
  r.consumed = nl + 1;
  return r;
}

}  // namespace

ParseResult parse_command(std::string_view in, std::vector<std::string_view>& args, const Limits& limits) {
  args.clear();
  if (in.empty()) return {};
  if (in[0] != '*') return parse_inline(in, args, limits);
  std::int64_t count = 0;
  std::size_t pos = 0;
  switch (parse_number_line(in, 1, count, pos)) {
    case LineStatus::need_more: return {};
    case LineStatus::bad: return fail("invalid multibulk length");
    case LineStatus::ok: break;
  }
  if (count < 0) {  // "*-1": a null array; Redis ignores it
    ParseResult r;
    r.status = Status::command;
    r.consumed = pos;
    return r;
  }
  if (static_cast<std::uint64_t>(count) > limits.max_args) return fail("too many arguments in multibulk request");
  for (std::int64_t k = 0; k < count; ++k) {
    if (pos >= in.size()) return {};
    if (in[pos] != '$') return fail("expected '$' (bulk string)");
    std::int64_t len = 0;
    std::size_t data = 0;
    switch (parse_number_line(in, pos + 1, len, data)) {
      case LineStatus::need_more: return {};
      case LineStatus::bad: return fail("invalid bulk length");
      case LineStatus::ok: break;
    }
    if (len < 0 || static_cast<std::uint64_t>(len) > limits.max_bulk) return fail("invalid bulk length");
    const std::size_t n = static_cast<std::size_t>(len);
    if (in.size() - data < n + 2) return {};
    if (in[data + n] != '\r' || in[data + n + 1] != '\n') return fail("bulk string not terminated by CRLF");
    args.push_back(in.substr(data, n));
    pos = data + n + 2;
  }
  ParseResult r;
  r.status = Status::command;
  r.consumed = pos;
  return r;
}

void simple(std::string& out, std::string_view s) {
  out.push_back('+');
  out.append(s);
  out.append("\r\n");
}

void error(std::string& out, std::string_view s) {
  out.push_back('-');
  for (char c : s) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out.append("\r\n");
}

void integer(std::string& out, std::int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.push_back(':');
  out.append(buf, p);
  out.append("\r\n");
}

void bulk(std::string& out, std::string_view s) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, s.size());
  (void)ec;
  out.push_back('$');
  out.append(buf, p);
  out.append("\r\n");
  out.append(s);
  out.append("\r\n");
}

void null_bulk(std::string& out) { out.append("$-1\r\n"); }

void array_header(std::string& out, std::size_t n) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  out.push_back('*');
  out.append(buf, p);
  out.append("\r\n");
}

std::size_t parse_reply(std::string_view in, std::string& text) {
  const std::size_t nl = in.find("\r\n");
  if (in.empty() || nl == std::string_view::npos) return 0;
  const std::string_view line = in.substr(1, nl - 1);
  switch (in[0]) {
    case '+': text = std::string(line); return nl + 2;
    case '-': text = "-" + std::string(line); return nl + 2;
    case ':': text = ":" + std::string(line); return nl + 2;
    case '$': {
      std::int64_t len = 0;
      auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), len);
      if (ec != std::errc() || p != line.data() + line.size()) return 0;
      if (len < 0) {
        text = "(nil)";
        return nl + 2;
      }
      const std::size_t n = static_cast<std::size_t>(len);
      if (in.size() < nl + 2 + n + 2) return 0;
      text = std::string(in.substr(nl + 2, n));
      return nl + 2 + n + 2;
    }
    default: return 0;
  }
}

}  // namespace synod::net::resp
