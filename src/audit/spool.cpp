#include "audit/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mcpgw::audit {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error("audit spool: write to " + path + " failed: " + errno_text());
    done += static_cast<size_t>(n);
  }
}

}  // namespace

Spool::Spool(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw std::runtime_error("audit spool: cannot create " + dir_ + ": " + ec.message());
  path_ = dir_ + "/spool.jsonl";
  head_path_ = dir_ + "/chain-head.json";
  std::string lock_path = dir_ + "/lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0)
    throw std::runtime_error("audit spool: cannot open " + lock_path + ": " + errno_text());
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    throw std::runtime_error("audit spool: " + dir_ + " is in use by another gateway process");
  }
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    ::close(lock_fd_);
    throw std::runtime_error("audit spool: cannot open " + path_ + ": " + errno_text());
  }
  // Read what a previous run left: remember each chain's last position and cut a torn tail.
  std::ifstream in(path_, std::ios::binary);
  std::string line;
  size_t good = 0;
  size_t pos = 0;
  while (std::getline(in, line)) {
    bool complete = !in.eof();
    pos += line.size() + (complete ? 1 : 0);
    if (!complete) break;
    try {
      Event e = event_from_json(nlohmann::json::parse(line));
      auto& head = last_heads_[e.instance];
      if (e.seq >= head.seq) head = ChainHead{e.seq, e.hash};
      good = pos;
    } catch (const std::exception&) {
      break;  // a torn or damaged line: everything after it is unusable
    }
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && static_cast<size_t>(st.st_size) != good) {
    if (::ftruncate(fd_, static_cast<off_t>(good)) != 0 || ::fdatasync(fd_) != 0) {
      ::close(fd_);
      ::close(lock_fd_);
      throw std::runtime_error("audit spool: cannot repair " + path_ + ": " + errno_text());
    }
  }
  size_ = good;
}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void Spool::append(const std::vector<Event>& batch) {
  if (batch.empty()) return;
  std::string data;
  for (const auto& e : batch) {
    data += to_json_line(e);
    data.push_back('\n');
  }
  try {
    write_all(fd_, data, path_);
  } catch (...) {
    // A partial write would leave a torn line in the middle of the file: cut it off.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    }
    throw;
  }
  if (::fdatasync(fd_) != 0) {
    std::string msg = errno_text();
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    }
    throw std::runtime_error("audit spool: fdatasync " + path_ + " failed: " + msg);
  }
  size_ += data.size();
  for (const auto& e : batch) last_heads_[e.instance] = ChainHead{e.seq, e.hash};
}

size_t Spool::replay(size_t batch_size,
                     const std::function<void(const std::vector<Event>&)>& write) {
  if (size_ == 0) return 0;
  std::ifstream in(path_, std::ios::binary);
  if (!in) throw std::runtime_error("audit spool: cannot read " + path_);
  in.seekg(static_cast<std::streamoff>(replay_offset_));
  size_t replayed = 0;
  std::vector<Event> batch;
  size_t offset = replay_offset_;
  size_t batch_end = offset;
  std::string line;
  auto flush = [&] {
    write(batch);
    replayed += batch.size();
    replay_offset_ = batch_end;
    batch.clear();
  };
  while (offset < size_ && std::getline(in, line)) {
    offset += line.size() + 1;
    batch.push_back(event_from_json(nlohmann::json::parse(line)));
    batch_end = offset;
    if (batch.size() >= batch_size) flush();
  }
  if (!batch.empty()) flush();
  if (::ftruncate(fd_, 0) != 0 || ::fdatasync(fd_) != 0)
    throw std::runtime_error("audit spool: cannot empty " + path_ + ": " + errno_text());
  size_ = 0;
  replay_offset_ = 0;
  last_heads_.clear();
  return replayed;
}

std::optional<ChainHead> Spool::last_head(const std::string& instance) const {
  auto it = last_heads_.find(instance);
  if (it == last_heads_.end()) return std::nullopt;
  return it->second;
}

void Spool::save_head(const std::string& instance, const ChainHead& head) {
  nlohmann::json j = {{"instance", instance}, {"seq", head.seq}, {"hash", head.hash}};
  std::string tmp = head_path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << '\n';
    if (!out.flush()) return;  // only a hint for a later start; the spool and sink are the truth
  }
  std::error_code ec;
  std::filesystem::rename(tmp, head_path_, ec);
}

std::optional<ChainHead> Spool::saved_head(const std::string& instance) const {
  std::ifstream in(head_path_);
  if (!in) return std::nullopt;
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    if (j.at("instance").get<std::string>() != instance) return std::nullopt;
    return ChainHead{j.at("seq").get<int64_t>(), j.at("hash").get<std::string>()};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace mcpgw::audit
