// snapshot.cpp - synod-kv snapshot files (see snapshot.hpp).
#include <synod/net/bytes.hpp>
#include <synod/net/crc32c.hpp>
#include <synod/net/snapshot.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <fmt/format.h>

namespace synod::net {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kMagic = 0x31534b53;  // "SKS1"
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeader = 4 + 4 + 8 + 8 + 8 + 8;
constexpr std::size_t kTrailer = 4;

[[noreturn]] void fail(const fs::path& file, std::uint64_t offset, const std::string& what) {
  throw StorageError(file.string(), offset, fmt::format("{}: {}", what, std::strerror(errno)));
}

[[noreturn]] void corrupt(const std::string& file, std::uint64_t offset, const std::string& what) {
  throw StorageError(file, offset, what + " (damaged snapshot; refusing to start without it: the log below it is gone)");
}

void write_all(int fd, std::string_view data, const fs::path& file, std::uint64_t offset) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(file, offset, "write failed");
    }
    data.remove_prefix(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
}

void fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(dir, 0, "cannot open directory");
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail(dir, 0, "fsync of directory failed");
  }
  ::close(fd);
}

void rename_durably(const fs::path& from, const fs::path& to, const fs::path& dir, bool sync, StepHook hook,
                    const char* renamed_step) {
  if (::rename(from.c_str(), to.c_str()) != 0) fail(from, 0, "rename to " + to.string() + " failed");
  if (hook) hook(renamed_step);
  if (sync) fsync_dir(dir);
}

}  // namespace

std::string read_whole_file(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(file, 0, "cannot open");
  std::string data;
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size > 0) data.reserve(static_cast<std::size_t>(size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(data.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail(file, data.size(), "read failed");
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

std::string encode_snapshot(const kv::StateMachine& machine, std::uint64_t index, std::uint64_t term,
                            std::size_t size_hint) {
  // One pass over the map (its nodes are cache misses): the body length is
  // patched into the header afterwards.
  std::string out;
  out.reserve(size_hint);
  ByteWriter w(out);
  w.u32(kMagic);
  w.u32(kVersion);
  w.u64(index);
  w.u64(term);
  w.u64(machine.keys());
  w.u64(0);
  machine.for_each([&](const std::string& k, const std::string& v) {
    w.u32(static_cast<std::uint32_t>(k.size()));
    w.bytes(k);
    w.u32(static_cast<std::uint32_t>(v.size()));
    w.bytes(v);
  });
  const std::uint64_t body = out.size() - kHeader;
  for (std::size_t b = 0; b < 8; ++b) out[32 + b] = static_cast<char>((body >> (8 * b)) & 0xFFu);
  w.u32(crc32c(out.data(), out.size()));
  return out;
}

SnapshotMeta write_snapshot(const fs::path& dir, std::string_view bytes, bool sync, StepHook hook) {
  // encode_snapshot's output: the header is read back, the rest trusted.
  if (bytes.size() < kHeader + kTrailer) throw std::logic_error("write_snapshot: not an encoded snapshot");
  ByteReader h(bytes.substr(8, 24));
  SnapshotMeta meta;
  meta.index = h.u64();
  meta.term = h.u64();
  meta.keys = h.u64();
  meta.file_bytes = bytes.size();
  const fs::path tmp = dir / kSnapshotTemp;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(tmp, 0, "cannot create");
  // In pieces, each on its way to the disk before the next is written: the
  // writes trickle out instead of one burst at the fsync, which would stall
  // the WAL's fdatasync (the loop's group commit) behind megabytes of
  // snapshot on the same device. The hook can stop the process with half a
  // file written.
  constexpr std::size_t kPiece = 1u << 20;
  bool hooked = false;
  for (std::size_t at = 0; at < bytes.size(); at += kPiece) {
    const std::string_view piece = bytes.substr(at, kPiece);
    write_all(fd, piece, tmp, at);
    if (sync)
      (void)::sync_file_range(fd, static_cast<off_t>(at), static_cast<off_t>(piece.size()),
                              SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    if (hook && !hooked && at + piece.size() >= bytes.size() / 2) {
      hooked = true;
      hook("snapshot-partial");
    }
  }
  if (sync && ::fsync(fd) != 0) {
    ::close(fd);
    fail(tmp, 0, "fsync failed");
  }
  ::close(fd);
  if (hook) hook("snapshot-synced");
  rename_durably(tmp, dir / kSnapshotFile, dir, sync, hook, "snapshot-renamed");
  return meta;
}

SnapshotMeta check_snapshot(std::string_view data, const std::string& file) {
  if (data.size() < kHeader + kTrailer)
    corrupt(file, 0, fmt::format("file of {} bytes is shorter than a snapshot header", data.size()));
  ByteReader r(data.substr(0, kHeader));
  const std::uint32_t magic = r.u32();
  const std::uint32_t version = r.u32();
  SnapshotMeta m;
  m.index = r.u64();
  m.term = r.u64();
  m.keys = r.u64();
  const std::uint64_t body = r.u64();
  if (magic != kMagic) corrupt(file, 0, "not a synod-kv snapshot (bad magic)");
  if (version != kVersion) corrupt(file, 4, fmt::format("unknown snapshot format version {}", version));
  if (body != data.size() - kHeader - kTrailer)
    corrupt(file, 32, fmt::format("body length {} does not match the file size {} (truncated?)", body, data.size()));
  ByteReader t(data.substr(data.size() - kTrailer));
  const std::uint32_t crc = t.u32();
  if (crc32c(data.data(), data.size() - kTrailer) != crc) corrupt(file, data.size() - kTrailer, "checksum mismatch");
  if (m.index == 0 || m.term == 0) corrupt(file, 8, "snapshot at index or term 0");
  // Walk the records: the count and the lengths must account for every byte.
  ByteReader b(data.substr(kHeader, body));
  for (std::uint64_t k = 0; k < m.keys; ++k) {
    b.bytes(b.u32());
    b.bytes(b.u32());
    if (b.failed()) corrupt(file, kHeader, fmt::format("record {} of {} runs past the body", k, m.keys));
  }
  if (b.remaining() != 0) corrupt(file, kHeader + body - b.remaining(), "bytes after the last record");
  m.file_bytes = data.size();
  return m;
}

void load_snapshot(std::string_view data, kv::StateMachine& machine) {
  ByteReader r(data.substr(kHeader, data.size() - kHeader - kTrailer));
  ByteReader h(data.substr(24, 8));
  const std::uint64_t keys = h.u64();
  machine.clear();
  machine.reserve(static_cast<std::size_t>(keys));
  for (std::uint64_t k = 0; k < keys; ++k) {
    const std::string_view key = r.bytes(r.u32());
    const std::string_view value = r.bytes(r.u32());
    machine.insert(key, value);
  }
}

std::optional<SnapshotMeta> read_snapshot(const fs::path& dir, std::string& data) {
  const fs::path file = dir / kSnapshotFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    data.clear();
    return std::nullopt;
  }
  data = read_whole_file(file);
  return check_snapshot(data, file.string());
}

// ------------------------------------------------------------------ source

SnapshotSource::~SnapshotSource() {
  if (fd_ >= 0) ::close(fd_);
}

void SnapshotSource::open(const fs::path& dir, const SnapshotMeta& meta, std::uint32_t chunks) {
  const fs::path file = dir / kSnapshotFile;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(file, 0, "cannot open");
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;  // a later rename over the name leaves this file readable
  meta_ = meta;
  chunks_ = chunks == 0 ? 1 : chunks;
}

std::uint32_t chunks_for(std::uint64_t file_bytes, std::uint32_t chunk_bytes) {
  if (chunk_bytes == 0) chunk_bytes = 1;
  const std::uint64_t n = (file_bytes + chunk_bytes - 1) / chunk_bytes;
  return n == 0 ? 1 : static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX - 1));
}

bool SnapshotSource::chunk(std::uint64_t k, std::string& out) const {
  out.clear();
  if (fd_ < 0 || k >= chunks_) return false;
  // Chunk k is bytes [k * size / chunks, (k + 1) * size / chunks): any chunk
  // count splits the file, so a node that installed a snapshot serves it in
  // the leader's count whatever its own --snapshot-chunk-bytes.
  const std::uint64_t size = meta_.file_bytes;
  const auto bound = [&](std::uint64_t j) {
    return j * (size / chunks_) + j * (size % chunks_) / chunks_;  // j * size / chunks without overflow
  };
  const std::uint64_t offset = bound(k);
  out.resize(static_cast<std::size_t>(bound(k + 1) - offset));
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

// ------------------------------------------------------------------ sink

SnapshotSink::~SnapshotSink() { close(); }

void SnapshotSink::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void SnapshotSink::add(const fs::path& dir, std::uint64_t chunk, std::string_view bytes) {
  const fs::path file = dir / kSnapshotRecv;
  if (chunk == 0) {
    close();
    fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(file, 0, "cannot create");
  }
  if (fd_ < 0) throw StorageError(file.string(), 0, fmt::format("snapshot chunk {} without chunk 0", chunk));
  write_all(fd_, bytes, file, 0);
}

SnapshotMeta SnapshotSink::install(const fs::path& dir, std::uint64_t index, std::uint64_t term, bool sync,
                                   StepHook hook, std::string& data) {
  const fs::path file = dir / kSnapshotRecv;
  if (fd_ < 0) throw StorageError(file.string(), 0, "no snapshot received to install");
  if (sync && ::fsync(fd_) != 0) fail(file, 0, "fsync failed");
  close();
  data = read_whole_file(file);
  const SnapshotMeta m = check_snapshot(data, file.string());
  if (m.index != index || m.term != term)
    throw StorageError(file.string(), 8,
                       fmt::format("received snapshot is at index {} term {}, the leader announced index {} term {}",
                                   m.index, m.term, index, term));
  if (hook) hook("install-synced");
  rename_durably(file, dir / kSnapshotFile, dir, sync, hook, "install-renamed");
  return m;
}

}  // namespace synod::net
