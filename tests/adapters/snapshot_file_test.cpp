// Snapshot files and WAL compaction: a snapshot round-trips, every single
// damaged byte and every truncation is refused, chunks of any count rebuild
// the file, and compacted / reset WALs recover to what they should hold.
#include <synod/net/kv.hpp>
#include <synod/net/snapshot.hpp>
#include <synod/net/storage.hpp>
#include <synod/net/wire.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace synod::net {
namespace {

namespace fs = std::filesystem;

// A directory for one test.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("snapshot", true) {}
};

kv::StateMachine machine_with(int keys) {
  kv::StateMachine m;
  for (int k = 0; k < keys; ++k) m.insert("key-" + std::to_string(k), std::string(static_cast<std::size_t>(k % 9), 'v'));
  return m;
}

std::string get(const kv::StateMachine& m, const std::string& key) {
  return m.read(kv::Op::get, std::vector<std::string_view>{key});
}

TEST(AdaptersSnapshot, RoundTripsThroughTheFile) {
  TempDir dir;
  const kv::StateMachine m = machine_with(500);
  const std::string bytes = encode_snapshot(m, 42, 7);
  const SnapshotMeta written = write_snapshot(dir.path(), bytes, false, nullptr);
  EXPECT_EQ(written.index, 42u);
  EXPECT_EQ(written.term, 7u);
  EXPECT_EQ(written.keys, 500u);
  EXPECT_FALSE(fs::exists(dir.path() / kSnapshotTemp));
  std::string data;
  const auto read = read_snapshot(dir.path(), data);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->index, 42u);
  EXPECT_EQ(read->term, 7u);
  EXPECT_EQ(read->file_bytes, bytes.size());
  kv::StateMachine back;
  back.insert("stale", "gone after loading");
  load_snapshot(data, back);
  EXPECT_EQ(back.keys(), 500u);
  EXPECT_EQ(back.live_bytes(), m.live_bytes());
  EXPECT_EQ(get(back, "key-17"), get(m, "key-17"));
  EXPECT_EQ(get(back, "stale"), "$-1\r\n");
}

TEST(AdaptersSnapshot, NoFileIsNoSnapshot) {
  TempDir dir;
  std::string data;
  EXPECT_FALSE(read_snapshot(dir.path(), data).has_value());
}

TEST(AdaptersSnapshot, EveryFlippedByteAndEveryTruncationIsRefused) {
  const std::string good = encode_snapshot(machine_with(20), 9, 3);
  ASSERT_NO_THROW(check_snapshot(good, "good"));
  for (std::size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    EXPECT_THROW(check_snapshot(bad, "flipped"), StorageError) << "byte " << at;
  }
  for (std::size_t n = 0; n < good.size(); ++n)
    EXPECT_THROW(check_snapshot(std::string_view(good).substr(0, n), "cut"), StorageError) << "length " << n;
  EXPECT_THROW(check_snapshot(good + "x", "longer"), StorageError);
}

TEST(AdaptersSnapshot, ErrorsNameTheFileAndTheProblem) {
  std::string bad = encode_snapshot(machine_with(3), 5, 1);
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x10);
  try {
    (void)check_snapshot(bad, "/data/snapshot");
    FAIL() << "accepted";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.file(), "/data/snapshot");
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
  }
}

// Chunks served in any count, received in order, rebuild the file exactly;
// the sink refuses an announced index or term the file does not have.
TEST(AdaptersSnapshot, ChunksOfAnyCountRebuildTheFile) {
  TempDir leader;
  TempDir follower;
  const std::string bytes = encode_snapshot(machine_with(300), 77, 4);
  const SnapshotMeta meta = write_snapshot(leader.path(), bytes, false, nullptr);
  for (std::uint32_t chunks : {1u, 2u, 3u, 7u, 64u, static_cast<std::uint32_t>(bytes.size())}) {
    SnapshotSource source;
    source.open(leader.path(), meta, chunks);
    SnapshotSink sink;
    std::string piece;
    std::size_t largest = 0;
    for (std::uint32_t k = 0; k < chunks; ++k) {
      ASSERT_TRUE(source.chunk(k, piece)) << chunks << " chunks, chunk " << k;
      largest = std::max(largest, piece.size());
      sink.add(follower.path(), k, piece);
    }
    EXPECT_FALSE(source.chunk(chunks, piece));
    EXPECT_LE(largest, bytes.size() / chunks + 1);
    std::string data;
    const SnapshotMeta got = sink.install(follower.path(), 77, 4, false, nullptr, data);
    EXPECT_EQ(got.index, 77u);
    EXPECT_EQ(data, bytes);
    EXPECT_EQ(read_whole_file(follower.path() / kSnapshotFile), bytes);
    EXPECT_FALSE(fs::exists(follower.path() / kSnapshotRecv));
  }
  SnapshotSource source;
  source.open(leader.path(), meta, 2);
  SnapshotSink sink;
  std::string piece;
  for (std::uint32_t k = 0; k < 2; ++k) {
    ASSERT_TRUE(source.chunk(k, piece));
    sink.add(follower.path(), k, piece);
  }
  std::string data;
  EXPECT_THROW(sink.install(follower.path(), 78, 4, false, nullptr, data), StorageError);
}

TEST(AdaptersSnapshot, ChunkCountsFollowTheChunkSize) {
  EXPECT_EQ(chunks_for(0, 1024), 1u);
  EXPECT_EQ(chunks_for(1024, 1024), 1u);
  EXPECT_EQ(chunks_for(1025, 1024), 2u);
  EXPECT_EQ(chunks_for(10u << 20, 1u << 20), 10u);
}

TEST(AdaptersSnapshot, AChunkWithoutChunkZeroIsAnError) {
  TempDir dir;
  SnapshotSink sink;
  EXPECT_THROW(sink.add(dir.path(), 3, "bytes"), StorageError);
}

// ------------------------------------------------------------ wire

kv::Message install_message() {
  kv::Message m;
  m.type = raft::MessageType::install_snapshot;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.log_index = 100;
  m.log_term = 2;
  m.commit = 100;
  m.context = 4;
  m.success = true;
  return m;
}

TEST(AdaptersSnapshotWire, InstallSnapshotCarriesItsChunk) {
  kv::PayloadStore store;
  kv::BlobCodec codec(store);
  const std::string chunk = encode_snapshot(machine_with(10), 100, 2);
  std::string body;
  encode_message_body(body, install_message(), codec, chunk);
  kv::Message back;
  std::string_view got;
  ASSERT_EQ(decode_message_body(body, back, codec, got), WireError::none);
  EXPECT_EQ(back, install_message());
  EXPECT_EQ(got, chunk);
  // Any other type carries no chunk: the same bytes after it are trailing.
  kv::Message other = install_message();
  other.type = raft::MessageType::install_snapshot_response;
  std::string other_body;
  encode_message_body(other_body, other, codec, chunk);
  ASSERT_EQ(decode_message_body(other_body, back, codec, got), WireError::none);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(decode_message_body(other_body + "x", back, codec, got), WireError::trailing_bytes);
}

TEST(AdaptersSnapshotWire, BadChunkLengthsAreRejected) {
  kv::PayloadStore store;
  kv::BlobCodec codec(store);
  std::string body;
  encode_message_body(body, install_message(), codec, "abcdef");
  const std::size_t length_at = body.size() - 6 - 4;
  kv::Message back;
  std::string_view got;
  std::string huge = body;  // the chunk's length field claims one byte more than a chunk may hold
  for (int k = 0; k < 4; ++k)
    huge[length_at + static_cast<std::size_t>(k)] = static_cast<char>(((kMaxSnapshotChunk + 1) >> (8 * k)) & 0xFF);
  EXPECT_EQ(decode_message_body(huge, back, codec, got), WireError::bad_chunk);
  EXPECT_EQ(decode_message_body(std::string_view(body).substr(0, body.size() - 1), back, codec, got),
            WireError::truncated);
  EXPECT_EQ(decode_message_body(std::string_view(body).substr(0, length_at + 2), back, codec, got),
            WireError::truncated);
}

// ------------------------------------------------------------ compaction

StorageOptions fast() {
  StorageOptions o;
  o.sync = false;
  return o;
}

std::vector<std::string> segment_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("wal-", 0) == 0) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct CarryContext {
  std::uint64_t last = 0;
};

void carry_to(void* context, Storage& s, std::uint64_t from) {
  const auto* c = static_cast<CarryContext*>(context);
  for (std::uint64_t i = from; i <= c->last; ++i) s.append(i, 2, "entry-" + std::to_string(i));
}

TEST(AdaptersStorageCompaction, CompactDeletesEverySegmentBelowAndKeepsTheSuffix) {
  TempDir dir;
  {
    Recovery rec;
    Storage s = Storage::open(dir.path(), fast(), rec);
    for (std::uint64_t i = 1; i <= 30; ++i) {
      s.append(i, 2, "entry-" + std::to_string(i));
      s.sync();
      if (i % 10 == 0) s.compact(0);  // no snapshot yet: only rolls, deletes nothing
    }
    EXPECT_EQ(segment_files(dir.path()).size(), 4u);
    CarryContext c{30};
    s.compact(25, carry_to, &c);  // snapshot at 25: entries 26..30 carried into a new segment
    EXPECT_EQ(segment_files(dir.path()).size(), 1u);
    EXPECT_EQ(s.last_index(), 30u);
    s.append(31, 3, "entry-31");
    s.sync();
  }
  Recovery rec;
  Storage s = Storage::open(dir.path(), fast(), rec);
  EXPECT_EQ(rec.first_index, 26u);
  ASSERT_EQ(rec.entries.size(), 6u);
  EXPECT_EQ(rec.entries.front().index, 26u);
  EXPECT_EQ(rec.entries.back().index, 31u);
  EXPECT_EQ(rec.entries.back().term, 3u);
  EXPECT_EQ(s.last_index(), 31u);
}

TEST(AdaptersStorageCompaction, ASnapshotPastTheLastEntryContinuesAfterIt) {
  TempDir dir;
  {
    Recovery rec;
    Storage s = Storage::open(dir.path(), fast(), rec);
    for (std::uint64_t i = 1; i <= 5; ++i) s.append(i, 1, "e");
    s.sync();
    s.compact(8);  // the snapshot holds entries this node never wrote
    EXPECT_EQ(s.last_index(), 8u);
    s.append(9, 1, "nine");
    s.sync();
  }
  Recovery rec;
  (void)Storage::open(dir.path(), fast(), rec);
  EXPECT_EQ(rec.first_index, 9u);
  ASSERT_EQ(rec.entries.size(), 1u);
  EXPECT_EQ(rec.entries[0].payload, "nine");
}

TEST(AdaptersStorageCompaction, ResetDeletesTheWholeLog) {
  TempDir dir;
  {
    Recovery rec;
    Storage s = Storage::open(dir.path(), fast(), rec);
    for (std::uint64_t i = 1; i <= 12; ++i) s.append(i, 1, "old");
    s.sync();
    s.reset(40);
    EXPECT_EQ(s.last_index(), 40u);
    EXPECT_THROW(s.append(43, 5, "gap"), StorageError);
    s.append(41, 5, "new");
    s.sync();
  }
  Recovery rec;
  (void)Storage::open(dir.path(), fast(), rec);
  EXPECT_EQ(segment_files(dir.path()).size(), 1u);
  EXPECT_EQ(rec.first_index, 41u);
  ASSERT_EQ(rec.entries.size(), 1u);
  EXPECT_EQ(rec.entries[0].term, 5u);
}

// A crash between the snapshot's rename and the WAL's deletion leaves old
// segments: recovery reads them whole, and an entry rewritten below a
// compacted WAL's first index is corruption.
TEST(AdaptersStorageCompaction, AnEntryBelowTheFirstIndexIsAnError) {
  TempDir dir;
  {
    Recovery rec;
    Storage s = Storage::open(dir.path(), fast(), rec);
    s.reset(10);
    s.append(11, 1, "a");
    s.append(12, 1, "b");
    s.sync();
  }
  std::string record;
  encode_record(record, 5, 1, "below");
  {
    std::FILE* f = std::fopen((dir.path() / segment_files(dir.path()).back()).c_str(), "ab");
    ASSERT_NE(f, nullptr);
    std::fwrite(record.data(), 1, record.size(), f);
    std::fclose(f);
  }
  Recovery rec;
  EXPECT_THROW((void)Storage::open(dir.path(), fast(), rec), StorageError);
}

}  // namespace
}  // namespace synod::net
