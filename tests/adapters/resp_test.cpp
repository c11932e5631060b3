// RESP2 parser and encoders.
#include <synod/net/resp.hpp>

#include <gtest/gtest.h>

namespace synod::net::resp {
namespace {

TEST(AdaptersResp, MultibulkAndEveryPrefix) {
  const std::string cmd = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n";
  std::vector<std::string_view> args;
  const ParseResult r = parse_command(cmd, args);
  ASSERT_EQ(r.status, Status::command);
  EXPECT_EQ(r.consumed, cmd.size());
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[0], "SET");
  EXPECT_EQ(args[2], "value");
  for (std::size_t n = 0; n < cmd.size(); ++n)
    EXPECT_EQ(parse_command(std::string_view(cmd).substr(0, n), args).status, Status::need_more) << n;
}

TEST(AdaptersResp, PipelinedCommands) {
  const std::string two = "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n";
  std::vector<std::string_view> args;
  ParseResult r = parse_command(two, args);
  ASSERT_EQ(r.status, Status::command);
  EXPECT_EQ(args.size(), 1u);
  r = parse_command(std::string_view(two).substr(r.consumed), args);
  ASSERT_EQ(r.status, Status::command);
  EXPECT_EQ(args[1], "a");
}

TEST(AdaptersResp, BinarySafeBulk) {
  const std::string cmd = std::string("*1\r\n$4\r\n\r\n\0x\r\n", 14);
  std::vector<std::string_view> args;
  ASSERT_EQ(parse_command(cmd, args).status, Status::command);
  EXPECT_EQ(args[0], std::string_view("\r\n\0x", 4));
}

TEST(AdaptersResp, Inline) {
  std::vector<std::string_view> args;
  const ParseResult r = parse_command("set  a   b\r\nrest", args);
  ASSERT_EQ(r.status, Status::command);
  EXPECT_EQ(r.consumed, 12u);
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[1], "a");
  EXPECT_EQ(parse_command("PING", args).status, Status::need_more);
  EXPECT_EQ(parse_command("\r\n", args).status, Status::command);
  EXPECT_TRUE(args.empty());
}

TEST(AdaptersResp, ErrorsAndLimits) {
  std::vector<std::string_view> args;
  Limits lim;
  lim.max_args = 4;
  lim.max_bulk = 10;
  lim.max_inline = 16;
  EXPECT_EQ(parse_command("*5\r\n", args, lim).status, Status::error);
  EXPECT_EQ(parse_command("*1\r\n$11\r\n", args, lim).status, Status::error);  // before the body arrives
  EXPECT_EQ(parse_command("*x\r\n", args, lim).status, Status::error);
  EXPECT_EQ(parse_command("*1\r\n+OK\r\n", args, lim).status, Status::error);
  EXPECT_EQ(parse_command("*1\r\n$-1\r\n", args, lim).status, Status::error);
  EXPECT_EQ(parse_command("*1\r\n$2\r\nabX\n", args, lim).status, Status::error);
  EXPECT_EQ(parse_command("*1\r\n$2\r\nab\rX", args, lim).status, Status::error);
  EXPECT_EQ(parse_command("*1\rX", args, lim).status, Status::error);
  EXPECT_EQ(parse_command("*99999999999999999999999\r\n", args, lim).status, Status::error);
  EXPECT_EQ(parse_command(std::string(17, 'a'), args, lim).status, Status::error);
  EXPECT_EQ(parse_command("a b c d e\r\n", args, lim).status, Status::error);
}

TEST(AdaptersResp, Encoders) {
  std::string out;
  simple(out, "OK");
  error(out, "ERR bad\r\nthing");
  integer(out, -42);
  bulk(out, "hi");
  null_bulk(out);
  array_header(out, 2);
  EXPECT_EQ(out, "+OK\r\n-ERR bad  thing\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n*2\r\n");
  std::string text;
  std::string_view in = out;
  std::vector<std::string> seen;
  while (std::size_t n = parse_reply(in, text)) {
    seen.push_back(text);
    in.remove_prefix(n);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"OK", "-ERR bad  thing", ":-42", "hi", "(nil)"}));
}

}  // namespace
}  // namespace synod::net::resp
