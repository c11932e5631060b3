// write_seeds DIR - writes a few valid inputs for the decoder fuzzer's corpus.
#include <synod/net/frame.hpp>
#include <synod/net/kv.hpp>
#include <synod/net/wire.hpp>

#include <fstream>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
  using namespace synod::net;
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
  };
  std::string s;
  append_hello(s, Hello{42, 1, 2, "127.0.0.1:6381"});
  append_hello_ack(s, HelloAck{HelloStatus::ok, "127.0.0.1:6382"});
  write("handshake", s);

  kv::PayloadStore store;
  kv::BatchBuilder b;
  b.add(kv::Op::set, {"key", "value"});
  b.add(kv::Op::incr, {"n"});
  const std::string batch = b.take();
  write("batch", batch);
  store.put({2, 1}, batch);
  kv::Message m;
  m.type = synod::raft::MessageType::append_entries;
  m.from = 1;
  m.to = 2;
  m.term = 2;
  m.log_index = 5;
  m.log_term = 1;
  m.commit = 4;
  m.entries.push_back(kv::Entry{2, kv::BatchId{1}});
  m.entries.push_back(kv::Entry{2, kv::BatchId{0}});
  kv::BlobCodec codec(store);
  std::string f;
  append_message_frame(f, m, codec);
  write("append", f);
  m.type = synod::raft::MessageType::request_vote_response;
  m.entries.clear();
  m.success = true;
  std::string v;
  append_message_frame(v, m, codec);
  write("vote", v);
  m.type = synod::raft::MessageType::install_snapshot;
  m.context = 0;
  std::string snap;
  append_message_frame(snap, m, codec, std::string_view("snapshot chunk bytes"));
  write("install_snapshot", snap);
  write("resp", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  return 0;
}
