// storage.cpp - write-ahead log segments + hard-state slots (see storage.hpp).
#include <synod/net/bytes.hpp>
#include <synod/net/crc32c.hpp>
#include <synod/net/storage.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <utility>

namespace synod::net {

namespace fs = std::filesystem;

namespace {

constexpr std::uint8_t kEntryRecord = 1;
constexpr std::size_t kRecordHeader = 8;                 // u32 length, u32 crc
constexpr std::size_t kEntryBodyMin = 1 + 8 + 8;          // type, index, term
constexpr std::size_t kHardSlot = 32;
constexpr std::uint32_t kHardMagic = 0x53484431;          // "SHD1"

std::string errno_text() { return std::strerror(errno); }

[[noreturn]] void io_fail(const fs::path& file, std::uint64_t offset, const std::string& what) {
  throw StorageError(file.string(), offset, fmt::format("{}: {}", what, errno_text()));
}

void write_all(int fd, const char* data, std::size_t size, const fs::path& file, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      io_fail(file, offset, "write failed");
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void pwrite_all(int fd, const char* data, std::size_t size, off_t offset, const fs::path& file) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      io_fail(file, static_cast<std::uint64_t>(offset), "pwrite failed");
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += n;
  }
}

std::string read_file(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_fail(file, 0, "cannot open");
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      io_fail(file, data.size(), "read failed");
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

void sync_fd(int fd, const fs::path& file) {
  if (::fdatasync(fd) != 0) io_fail(file, 0, "fdatasync failed");
}

std::string encode_hard_slot(std::uint64_t seq, const StoredHardState& hs) {
  std::string slot;
  ByteWriter w(slot);
  w.u64(seq);
  w.u64(hs.term);
  w.u8(hs.voted_for);
  while (slot.size() < 24) w.u8(0);
  w.u32(kHardMagic);
  w.u32(crc32c(slot.data(), slot.size()));
  return slot;
}

// A slot is valid when magic and checksum match.
bool decode_hard_slot(std::string_view slot, std::uint64_t& seq, StoredHardState& hs) {
  if (slot.size() != kHardSlot) return false;
  ByteReader r(slot);
  seq = r.u64();
  hs.term = r.u64();
  hs.voted_for = r.u8();
  r.bytes(7);
  const std::uint32_t magic = r.u32();
  const std::uint32_t crc = r.u32();
  return !r.failed() && magic == kHardMagic && crc == crc32c(slot.data(), 28);
}

enum class RecordCheck { ok, incomplete, bad };

// Checks the record at `pos`; on ok, `body` is its body.
RecordCheck check_record(std::string_view data, std::size_t pos, std::uint32_t max_record,
                         std::string_view& body, std::string& why) {
  if (data.size() - pos < kRecordHeader) {
    why = "incomplete record header";
    return RecordCheck::incomplete;
  }
  ByteReader r(data.substr(pos, kRecordHeader));
  const std::uint32_t length = r.u32();
  const std::uint32_t crc = r.u32();
  if (length < kEntryBodyMin || length > max_record) {
    why = fmt::format("implausible record length {}", length);
    return RecordCheck::bad;
  }
  if (data.size() - pos - kRecordHeader < length) {
    why = fmt::format("record of {} bytes runs past the end of the file", length);
    return RecordCheck::incomplete;
  }
  body = data.substr(pos + kRecordHeader, length);
  if (crc32c(body.data(), body.size()) != crc) {
    why = "record checksum mismatch";
    return RecordCheck::bad;
  }
  if (static_cast<std::uint8_t>(body[0]) != kEntryRecord) {
    why = fmt::format("unknown record type {}", static_cast<unsigned>(static_cast<std::uint8_t>(body[0])));
    return RecordCheck::bad;
  }
  return RecordCheck::ok;
}

// True when some valid record starts anywhere in (from, end): then a bad
// record before it is corruption, not a torn tail.
bool valid_record_after(std::string_view data, std::size_t from, std::uint32_t max_record) {
  std::string ignored;
  std::string_view body;
  for (std::size_t p = from; p + kRecordHeader + kEntryBodyMin <= data.size(); ++p) {
    if (static_cast<std::uint8_t>(data[p + kRecordHeader]) != kEntryRecord) continue;
    if (check_record(data, p, max_record, body, ignored) == RecordCheck::ok) return true;
  }
  return false;
}

std::vector<std::pair<std::uint32_t, fs::path>> list_segments(const fs::path& dir) {
  std::vector<std::pair<std::uint32_t, fs::path>> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() != 16 || name.rfind("wal-", 0) != 0 || name.substr(12) != ".log") continue;
    const std::string digits = name.substr(4, 8);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    out.emplace_back(static_cast<std::uint32_t>(std::stoul(digits)), e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

StorageError::StorageError(std::string file, std::uint64_t offset, const std::string& what)
    : std::runtime_error(fmt::format("storage error in {} at offset {}: {}", file, offset, what)),
      file_(std::move(file)),
      offset_(offset) {}

std::string segment_name(std::uint32_t number) { return fmt::format("wal-{:08}.log", number); }

void encode_record(std::string& out, std::uint64_t index, std::uint64_t term, std::string_view payload) {
  const std::size_t start = out.size();
  out.append(kRecordHeader, '\0');
  ByteWriter w(out);
  w.u8(kEntryRecord);
  w.u64(index);
  w.u64(term);
  w.bytes(payload);
  const std::size_t length = out.size() - start - kRecordHeader;
  std::string header;
  ByteWriter h(header);
  h.u32(static_cast<std::uint32_t>(length));
  h.u32(crc32c(out.data() + start + kRecordHeader, length));
  out.replace(start, kRecordHeader, header);
}

Storage Storage::open(const fs::path& dir, const StorageOptions& options, Recovery& out) {
  Storage s;
  s.dir_ = dir;
  s.options_ = options;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StorageError(dir.string(), 0, "cannot create directory: " + ec.message());
  s.dir_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.dir_fd_ < 0) io_fail(dir, 0, "cannot open directory");

  // ---- hard state
  const fs::path hard = dir / "hardstate";
  if (fs::exists(hard)) {
    const std::string data = read_file(hard);
    std::uint64_t seq0 = 0, seq1 = 0;
    StoredHardState h0, h1;
    const bool ok0 = data.size() >= kHardSlot && decode_hard_slot(std::string_view(data).substr(0, kHardSlot), seq0, h0);
    const bool ok1 = data.size() >= 2 * kHardSlot &&
                     decode_hard_slot(std::string_view(data).substr(kHardSlot, kHardSlot), seq1, h1);
    if (!ok0 && !ok1) throw StorageError(hard.string(), 0, "no valid hard-state slot (both checksums fail)");
    if (ok0 && (!ok1 || seq0 > seq1)) {
      s.hard_seq_ = seq0;
      s.hard_ = h0;
    } else {
      s.hard_seq_ = seq1;
      s.hard_ = h1;
    }
    s.hard_fd_ = ::open(hard.c_str(), O_RDWR | O_CLOEXEC);
    if (s.hard_fd_ < 0) io_fail(hard, 0, "cannot open");
  } else {
    if (!list_segments(dir).empty())
      throw StorageError(hard.string(), 0, "hard-state file missing while log segments exist (refusing to forget term and vote)");
    // A fresh file holds one valid slot (seq 0, term 0), written and made
    // durable before anything else, so a later torn write can always fall
    // back to the other slot.
    const fs::path tmp = dir / "hardstate.tmp";
    const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) io_fail(tmp, 0, "cannot create");
    const std::string slot = encode_hard_slot(0, StoredHardState{});
    const std::string empty(kHardSlot, '\0');
    pwrite_all(fd, slot.data(), slot.size(), 0, tmp);
    pwrite_all(fd, empty.data(), empty.size(), static_cast<off_t>(kHardSlot), tmp);
    if (::fsync(fd) != 0) io_fail(tmp, 0, "fsync failed");
    ::close(fd);
    fs::rename(tmp, hard);
    if (::fsync(s.dir_fd_) != 0) io_fail(dir, 0, "fsync of directory failed");
    s.hard_fd_ = ::open(hard.c_str(), O_RDWR | O_CLOEXEC);
    if (s.hard_fd_ < 0) io_fail(hard, 0, "cannot open");
  }
  out.hard_state = s.hard_;

  // ---- log segments
  const auto segments = list_segments(dir);
  out.entries.clear();
  out.first_index = 1;
  bool seen_record = false;
  for (std::size_t k = 0; k < segments.size(); ++k) {
    const auto& [number, path] = segments[k];
    const bool last = k + 1 == segments.size();
    if (k > 0 && number != segments[k - 1].first + 1)
      throw StorageError(path.string(), 0, fmt::format("segment gap: {} follows {}", segment_name(number),
                                                       segment_name(segments[k - 1].first)));
    const std::string data = read_file(path);
    std::size_t pos = 0;
    std::uint64_t seg_max = 0;
    std::uint64_t seg_first = 0;
    while (pos < data.size()) {
      std::string_view body;
      std::string why;
      const RecordCheck check = check_record(data, pos, options.max_record_bytes, body, why);
      if (check != RecordCheck::ok) {
        const bool zero_tail = std::all_of(data.begin() + static_cast<std::ptrdiff_t>(pos), data.end(),
                                           [](char c) { return c == '\0'; });
        const bool torn = last && (zero_tail || !valid_record_after(data, pos + 1, options.max_record_bytes));
        if (!torn) throw StorageError(path.string(), pos, why + " (mid-log corruption; refusing to continue)");
        // Torn tail: cut it off and make the cut durable.
        out.truncated_tail = true;
        out.truncated_file = path.string();
        out.truncated_offset = pos;
        out.truncated_bytes = data.size() - pos;
        if (::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) io_fail(path, pos, "truncate failed");
        const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) io_fail(path, pos, "fsync after truncate failed");
        ::close(fd);
        break;
      }
      ByteReader r(body);
      r.u8();
      const std::uint64_t index = r.u64();
      const std::uint64_t term = r.u64();
      if (!seen_record && index != 0) out.first_index = index;  // the log may start above 1 (compaction)
      seen_record = true;
      const std::uint64_t last_so_far = out.first_index + out.entries.size() - 1;
      if (index == 0 || index < out.first_index || index > last_so_far + 1)
        throw StorageError(path.string(), pos,
                           fmt::format("entry index {} does not follow the log (first index {}, last index {})",
                                       index, out.first_index, last_so_far));
      out.entries.resize(index - out.first_index);
      out.entries.push_back(StoredEntry{index, term, std::string(body.substr(kEntryBodyMin))});
      seg_max = std::max(seg_max, index);
      if (seg_first == 0) seg_first = index;
      pos += kRecordHeader + body.size();
    }
    s.segments_.push_back(
        Segment{number, seg_first, seg_max, out.truncated_tail && last ? out.truncated_offset : data.size()});
    if (last) {
      s.seg_number_ = number;
      s.seg_size_ = out.truncated_tail ? out.truncated_offset : data.size();
    }
  }
  if (segments.empty()) {
    s.open_segment(1, true);
  } else {
    s.open_segment(s.seg_number_, false);
  }
  s.last_index_ = out.entries.empty() ? 0 : out.first_index + out.entries.size() - 1;
  return s;
}

void Storage::open_segment(std::uint32_t number, bool create) {
  const fs::path path = dir_ / segment_name(number);
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) io_fail(path, 0, "cannot open segment");
  if (create && ::fsync(dir_fd_) != 0) io_fail(dir_, 0, "fsync of directory failed");
  if (seg_fd_ >= 0) ::close(seg_fd_);
  seg_fd_ = fd;
  seg_number_ = number;
  if (create) {
    seg_size_ = 0;
    segments_.push_back(Segment{number, 0, 0, 0});
  }
}

std::uint64_t Storage::disk_bytes() const {
  std::uint64_t n = 0;
  for (const Segment& g : segments_) n += g.bytes;
  return n;
}

// Deletes the `count` oldest segments, oldest first, then makes the
// deletions durable. Never the one being written.
void Storage::delete_segments_through(std::size_t count, void (*hook)(const char*)) {
  if (count >= segments_.size()) count = segments_.size() - 1;
  for (std::size_t k = 0; k < count; ++k) {
    const fs::path path = dir_ / segment_name(segments_.front().number);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) io_fail(path, 0, "cannot delete segment");
    segments_.erase(segments_.begin());
    if (k == 0 && hook) hook("wal-deleting");
  }
  if (count > 0 && ::fsync(dir_fd_) != 0) io_fail(dir_, 0, "fsync of directory failed");
}

void Storage::compact(std::uint64_t upto, Carry carry, void* context, void (*hook)(const char*)) {
  if (!buffer_.empty()) sync();
  // The snapshot may reach past the last stored entry (a leader applies
  // entries a majority holds before its own copy is written): the log then
  // continues after the snapshot.
  if (last_index_ < upto) last_index_ = upto;
  if (segments_.back().bytes != 0) open_segment(seg_number_ + 1, true);
  if (last_index_ > upto && carry != nullptr) {
    carry(context, *this, upto + 1);
    sync();
  }
  // Segment k may go when all its records are at or below the snapshot, or
  // a later segment starts at or below upto + 1 (superseding the rest).
  std::size_t superseded = 0;  // segments before the newest one that starts at or below upto + 1
  for (std::size_t k = 0; k < segments_.size(); ++k)
    if (segments_[k].first_index != 0 && segments_[k].first_index <= upto + 1) superseded = k;
  std::size_t count = 0;
  while (count < segments_.size() && (count < superseded || segments_[count].max_index <= upto)) ++count;
  delete_segments_through(count, hook);
}

void Storage::reset(std::uint64_t upto, void (*hook)(const char*)) {
  buffer_.clear();
  buffer_max_ = 0;
  buffer_first_ = 0;
  if (segments_.back().bytes != 0 || segments_.size() > 1) {
    open_segment(seg_number_ + 1, true);
    delete_segments_through(segments_.size() - 1, hook);
  }
  last_index_ = upto;
}

Storage::Storage(Storage&& o) noexcept { *this = std::move(o); }

Storage& Storage::operator=(Storage&& o) noexcept {
  if (this != &o) {
    close_all();
    dir_ = std::move(o.dir_);
    options_ = o.options_;
    dir_fd_ = std::exchange(o.dir_fd_, -1);
    hard_fd_ = std::exchange(o.hard_fd_, -1);
    seg_fd_ = std::exchange(o.seg_fd_, -1);
    seg_number_ = o.seg_number_;
    seg_size_ = o.seg_size_;
    hard_seq_ = o.hard_seq_;
    last_index_ = o.last_index_;
    syncs_ = o.syncs_;
    buffer_ = std::move(o.buffer_);
    hard_dirty_ = o.hard_dirty_;
    hard_ = o.hard_;
    segments_ = std::move(o.segments_);
    bytes_written_ = o.bytes_written_;
    buffer_max_ = o.buffer_max_;
    buffer_first_ = o.buffer_first_;
  }
  return *this;
}

Storage::~Storage() { close_all(); }

void Storage::close_all() noexcept {
  for (int* fd : {&dir_fd_, &hard_fd_, &seg_fd_})
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
}

void Storage::append(std::uint64_t index, std::uint64_t term, std::string_view payload) {
  if (index == 0 || index > last_index_ + 1)
    throw StorageError((dir_ / segment_name(seg_number_)).string(), seg_size_ + buffer_.size(),
                       fmt::format("append of index {} would leave a gap after {}", index, last_index_));
  encode_record(buffer_, index, term, payload);
  last_index_ = index;
  buffer_max_ = std::max(buffer_max_, index);
  if (buffer_first_ == 0) buffer_first_ = index;
}

void Storage::set_hard_state(const StoredHardState& hs) {
  if (hs == hard_) return;
  hard_ = hs;
  hard_dirty_ = true;
}

void Storage::sync() {
  // Hard state first: a crash between the two leaves a newer term with a
  // shorter log, never log entries from a term the node has not recorded.
  if (hard_dirty_) {
    ++hard_seq_;
    const std::string slot = encode_hard_slot(hard_seq_, hard_);
    const fs::path path = dir_ / "hardstate";
    pwrite_all(hard_fd_, slot.data(), slot.size(), static_cast<off_t>((hard_seq_ % 2) * kHardSlot), path);
    if (options_.sync) sync_fd(hard_fd_, path);
    hard_dirty_ = false;
    ++syncs_;
  }
  if (!buffer_.empty()) {
    const fs::path path = dir_ / segment_name(seg_number_);
    write_all(seg_fd_, buffer_.data(), buffer_.size(), path, seg_size_);
    seg_size_ += buffer_.size();
    bytes_written_ += buffer_.size();
    segments_.back().bytes = seg_size_;
    segments_.back().max_index = std::max(segments_.back().max_index, buffer_max_);
    if (segments_.back().first_index == 0) segments_.back().first_index = buffer_first_;
    buffer_max_ = 0;
    buffer_first_ = 0;
    buffer_.clear();
    if (options_.sync) sync_fd(seg_fd_, path);
    ++syncs_;
    if (seg_size_ >= options_.segment_bytes) open_segment(seg_number_ + 1, true);
  }
}

}  // namespace synod::net
