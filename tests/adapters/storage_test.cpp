// Storage: round trip, torn tail at every byte offset of the last record,
// mid-log corruption, overwrite semantics, hard-state slots.
#include <synod/net/storage.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>

#include "temp_dir.hpp"

namespace synod::net {
namespace {

namespace fs = std::filesystem;

// A directory for one test.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("storage", false) {}
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_all(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

StorageOptions fast() {
  StorageOptions o;
  o.sync = false;  // these tests never crash the machine
  return o;
}

std::string payload(std::uint64_t i) { return "payload-" + std::to_string(i) + std::string(i % 7, '#'); }

// Writes entries 1..n, one sync each, and returns the byte offset at which
// each record starts in the first segment.
std::vector<std::uint64_t> write_entries(const fs::path& dir, std::uint64_t n) {
  Recovery rec;
  Storage s = Storage::open(dir, fast(), rec);
  std::vector<std::uint64_t> offsets;
  std::uint64_t offset = 0;
  for (std::uint64_t i = 1; i <= n; ++i) {
    offsets.push_back(offset);
    s.append(i, 1 + i / 3, payload(i));
    s.sync();
    std::string rec_bytes;
    encode_record(rec_bytes, i, 1 + i / 3, payload(i));
    offset += rec_bytes.size();
  }
  return offsets;
}

TEST(AdaptersStorage, FreshDirectoryIsEmpty) {
  TempDir d;
  Recovery rec;
  Storage s = Storage::open(d.path(), fast(), rec);
  EXPECT_EQ(rec.hard_state, StoredHardState{});
  EXPECT_TRUE(rec.entries.empty());
  EXPECT_FALSE(rec.truncated_tail);
}

TEST(AdaptersStorage, RoundTripWithHardState) {
  TempDir d;
  {
    Recovery rec;
    Storage s = Storage::open(d.path(), fast(), rec);
    s.set_hard_state({5, 2});
    for (std::uint64_t i = 1; i <= 10; ++i) s.append(i, 5, payload(i));
    s.sync();
    s.set_hard_state({6, 3});
    s.sync();
  }
  Recovery rec;
  Storage s = Storage::open(d.path(), fast(), rec);
  EXPECT_EQ(rec.hard_state, (StoredHardState{6, 3}));
  ASSERT_EQ(rec.entries.size(), 10u);
  for (std::uint64_t i = 1; i <= 10; ++i) {
    EXPECT_EQ(rec.entries[i - 1].index, i);
    EXPECT_EQ(rec.entries[i - 1].payload, payload(i));
  }
}

TEST(AdaptersStorage, RewritingFromAnIndexDropsTheRest) {
  // A PersistRequest with first = 4 after a conflict: entries >= 4 are replaced.
  TempDir d;
  {
    Recovery rec;
    Storage s = Storage::open(d.path(), fast(), rec);
    for (std::uint64_t i = 1; i <= 6; ++i) s.append(i, 1, payload(i));
    s.sync();
    s.append(4, 2, "new-4");
    s.sync();
    EXPECT_EQ(s.last_index(), 4u);
    EXPECT_THROW(s.append(6, 2, "gap"), StorageError);
  }
  Recovery rec;
  Storage s = Storage::open(d.path(), fast(), rec);
  ASSERT_EQ(rec.entries.size(), 4u);
  EXPECT_EQ(rec.entries[3].term, 2u);
  EXPECT_EQ(rec.entries[3].payload, "new-4");
  EXPECT_EQ(rec.entries[2].payload, payload(3));
}

TEST(AdaptersStorage, TornTailAtEveryByteOffsetOfTheLastRecord) {
  TempDir d;
  const std::uint64_t n = 5;
  const auto offsets = write_entries(d.path(), n);
  const fs::path seg = d.path() / segment_name(1);
  const std::string full = read_all(seg);
  const std::uint64_t last_start = offsets.back();
  ASSERT_LT(last_start, full.size());
  for (std::uint64_t cut = last_start; cut < full.size(); ++cut) {
    // A crash mid-write: the file holds a prefix of the last record...
    write_all(seg, full.substr(0, cut));
    {
      Recovery rec;
      Storage s = Storage::open(d.path(), fast(), rec);
      ASSERT_EQ(rec.entries.size(), n - 1) << "cut at " << cut;
      EXPECT_EQ(rec.truncated_tail, cut != last_start) << cut;
      if (rec.truncated_tail) {
        EXPECT_EQ(rec.truncated_offset, last_start);
        EXPECT_EQ(rec.truncated_bytes, cut - last_start);
      }
      EXPECT_EQ(fs::file_size(seg), last_start);
      // ... and the log continues cleanly after recovery.
      s.append(n, 9, "after-recovery");
      s.sync();
    }
    Recovery again;
    Storage s2 = Storage::open(d.path(), fast(), again);
    ASSERT_EQ(again.entries.size(), n);
    EXPECT_EQ(again.entries.back().payload, "after-recovery");
    EXPECT_FALSE(again.truncated_tail);
  }
  // ...or the record's full length with garbage in it (sectors not written).
  for (std::uint64_t at = last_start + 8; at < full.size(); ++at) {
    std::string garbled = full;
    garbled[at] = static_cast<char>(garbled[at] ^ 0x5A);
    write_all(seg, garbled);
    Recovery rec;
    Storage s = Storage::open(d.path(), fast(), rec);
    EXPECT_EQ(rec.entries.size(), n - 1) << at;
    EXPECT_TRUE(rec.truncated_tail);
  }
  // ...or zero-filled (the size was extended, the data never arrived).
  std::string zeroed = full;
  std::fill(zeroed.begin() + static_cast<std::ptrdiff_t>(last_start), zeroed.end(), '\0');
  write_all(seg, zeroed);
  Recovery rec;
  Storage s = Storage::open(d.path(), fast(), rec);
  EXPECT_EQ(rec.entries.size(), n - 1);
}

TEST(AdaptersStorage, MidLogCorruptionIsAnErrorNamingFileAndOffset) {
  TempDir d;
  const auto offsets = write_entries(d.path(), 6);
  const fs::path seg = d.path() / segment_name(1);
  const std::string full = read_all(seg);
  // Corrupt a byte inside each record but the last: never silently dropped.
  for (std::size_t r = 0; r + 1 < offsets.size(); ++r) {
    for (std::uint64_t delta : {0u, 3u, 8u, 12u}) {
      std::string bad = full;
      bad[offsets[r] + delta] = static_cast<char>(bad[offsets[r] + delta] ^ 0x01);
      write_all(seg, bad);
      try {
        Recovery rec;
        (void)Storage::open(d.path(), fast(), rec);
        ADD_FAILURE() << "corruption of record " << r << " byte " << delta << " was not detected";
      } catch (const StorageError& e) {
        EXPECT_EQ(e.file(), seg.string());
        EXPECT_EQ(e.offset(), offsets[r]) << e.what();
        EXPECT_NE(std::string(e.what()).find(seg.string()), std::string::npos);
      }
      EXPECT_EQ(read_all(seg), bad) << "a corrupt log must not be modified";
    }
  }
}

TEST(AdaptersStorage, TruncationInsideAnEarlierSegmentIsAnError) {
  TempDir d;
  StorageOptions small = fast();
  small.segment_bytes = 100;  // a new segment after every sync past 100 bytes
  {
    Recovery rec;
    Storage s = Storage::open(d.path(), small, rec);
    for (std::uint64_t i = 1; i <= 12; ++i) {
      s.append(i, 1, payload(i) + std::string(40, 'x'));
      s.sync();
    }
  }
  ASSERT_TRUE(fs::exists(d.path() / segment_name(3)));
  {
    Recovery rec;
    Storage s = Storage::open(d.path(), small, rec);
    EXPECT_EQ(rec.entries.size(), 12u);
  }
  const fs::path seg2 = d.path() / segment_name(2);
  const std::string s2 = read_all(seg2);
  write_all(seg2, s2.substr(0, s2.size() - 3));
  Recovery rec;
  EXPECT_THROW((void)Storage::open(d.path(), small, rec), StorageError);
}

TEST(AdaptersStorage, TornHardStateFallsBackToThePreviousSlot) {
  TempDir d;
  {
    Recovery rec;
    Storage s = Storage::open(d.path(), fast(), rec);
    s.set_hard_state({3, 1});
    s.sync();
    s.set_hard_state({4, 2});
    s.sync();
  }
  const fs::path hs = d.path() / "hardstate";
  std::string bytes = read_all(hs);
  ASSERT_EQ(bytes.size(), 64u);
  // seq 2 lives in slot 0: tear it.
  std::string torn = bytes;
  torn[10] ^= 0x40;
  write_all(hs, torn);
  {
    Recovery rec;
    Storage s = Storage::open(d.path(), fast(), rec);
    EXPECT_EQ(rec.hard_state, (StoredHardState{3, 1}));
  }
  // Both slots bad: a clear error.
  std::string both = bytes;
  both[10] ^= 0x40;
  both[42] ^= 0x40;
  write_all(hs, both);
  Recovery rec;
  EXPECT_THROW((void)Storage::open(d.path(), fast(), rec), StorageError);
}

TEST(AdaptersStorage, MissingHardStateWithALogIsAnError) {
  TempDir d;
  write_entries(d.path(), 2);
  fs::remove(d.path() / "hardstate");
  Recovery rec;
  EXPECT_THROW((void)Storage::open(d.path(), fast(), rec), StorageError);
}

TEST(AdaptersStorage, RandomTailGarbageAfterValidRecordsIsTruncated) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    TempDir d;
    write_entries(d.path(), 3);
    const fs::path seg = d.path() / segment_name(1);
    std::string s = read_all(seg);
    const std::size_t good = s.size();
    const std::size_t extra = 1 + rng() % 40;
    for (std::size_t k = 0; k < extra; ++k) s.push_back(static_cast<char>(rng()));
    write_all(seg, s);
    Recovery rec;
    Storage st = Storage::open(d.path(), fast(), rec);
    EXPECT_EQ(rec.entries.size(), 3u);
    EXPECT_TRUE(rec.truncated_tail);
    EXPECT_EQ(fs::file_size(seg), good);
  }
}

}  // namespace
}  // namespace synod::net
