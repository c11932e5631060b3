// synod/net/resp.hpp - RESP2 (the Redis protocol), sans-I/O and bounded.
//
// parse_command() looks at the bytes a client has sent so far and returns
// one command (its arguments as views into the input), "need more", or an
// error (after which the connection should get the error and be closed, as
// Redis does for protocol errors). Both the multibulk form (`*2\r\n$3\r\nGET
// ...`, what redis-cli and redis-benchmark send) and the inline form (`PING
// \r\n`, what telnet users type) are accepted. Limits bound every count and
// length before anything is buffered on their account.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace synod::net::resp {

struct Limits {
  std::size_t max_args = 1024;            // arguments per command
  std::size_t max_bulk = 8u << 20;        // bytes per argument
  std::size_t max_inline = 64u << 10;     // bytes of an inline command line
};

enum class Status : std::uint8_t { command, need_more, error };

struct ParseResult {
  Status status = Status::need_more;
  std::size_t consumed = 0;   // bytes used by the command (status == command)
  const char* error = "";     // status == error: a message for "-ERR Protocol error: ..."
};

// On Status::command, `args` holds the arguments (views into `input`). An
// empty command (a blank inline line) is returned as zero arguments.
[[nodiscard]] ParseResult parse_command(std::string_view input, std::vector<std::string_view>& args,
                                        const Limits& limits = {});

// Encoders append one reply to `out`.
void simple(std::string& out, std::string_view s);       // +s\r\n   (s must not contain CR/LF)
void error(std::string& out, std::string_view s);        // -s\r\n   (CR/LF replaced by spaces)
void integer(std::string& out, std::int64_t v);          // :v\r\n
void bulk(std::string& out, std::string_view s);         // $n\r\ns\r\n
void null_bulk(std::string& out);                        // $-1\r\n
void array_header(std::string& out, std::size_t n);      // *n\r\n

// Parses one reply (for tests and tools): returns bytes consumed, 0 if
// incomplete, and the reply as text in `text` (bulk: the bytes; error: "-..."
// ; integer ":n"; null "(nil)"). Arrays are not supported.
std::size_t parse_reply(std::string_view input, std::string& text);

}  // namespace synod::net::resp
