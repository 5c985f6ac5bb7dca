// The local spool: an append-only file of events (one JSON object per line) that holds
// everything written while the sink was away, fdatasync'd per batch so that it survives a
// crash of the gateway. Replayed in order when the sink returns, then emptied.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "audit/event.h"

namespace mcpgw::audit {

class Spool {
 public:
  // Creates `dir` if needed and locks it (one gateway per spool). A torn last line left by a
  // crash is cut off. Throws std::runtime_error when the folder cannot be used or is locked.
  explicit Spool(std::string dir);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends and syncs. Throws std::runtime_error (nothing is counted as spooled then).
  void append(const std::vector<Event>& batch);
  bool empty() const { return size_ == 0; }
  size_t bytes() const { return size_; }

  // Hands the spooled events, in order and in batches, to `write`; when all have been
  // written the spool is emptied. If `write` throws, the spool stays (the next replay resumes
  // where this one stopped) and the exception propagates. Returns the events replayed.
  size_t replay(size_t batch_size, const std::function<void(const std::vector<Event>&)>& write);

  // The last spooled position of `instance`'s chain, if any.
  std::optional<ChainHead> last_head(const std::string& instance) const;

  // The chain head last written anywhere, remembered across restarts for when the sink is
  // unreachable at start and the spool is empty.
  void save_head(const std::string& instance, const ChainHead& head);
  std::optional<ChainHead> saved_head(const std::string& instance) const;

  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_, head_path_;
  int fd_ = -1;
  int lock_fd_ = -1;
  size_t size_ = 0;
  size_t replay_offset_ = 0;                     // bytes already replayed in this process
  std::map<std::string, ChainHead> last_heads_;  // per instance, from what the spool holds
};

}  // namespace mcpgw::audit
