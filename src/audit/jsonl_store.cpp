// The JSON-lines sink, for log shippers: one event object per line, appended and fdatasync'd
// per batch; a file renamed away by log rotation is followed by a new one at the same path. Prune
// anchors live beside it in <path>.anchors.json. Appending is not idempotent, so a spool replay
// interrupted by a crash can repeat lines; the readers here skip repeated ids.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "audit/store.h"

namespace mcpgw::audit {
namespace {

class JsonlStore final : public Store {
 public:
  explicit JsonlStore(std::string path) : path_(std::move(path)) {}
  ~JsonlStore() override { close(); }

  void open() override {
    close();
    std::error_code ec;
    auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0)
      throw StoreUnavailable("jsonl: cannot open " + path_ + ": " + std::strerror(errno));
  }
  bool is_open() const override { return fd_ >= 0; }
  void close() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void write(const std::vector<Event>& batch, bool /*may_exist*/) override {
    if (batch.empty()) return;
    if (fd_ < 0 || rotated()) open();
    std::string data;
    for (const auto& e : batch) {
      data += to_json_line(e);
      data.push_back('\n');
    }
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::string msg = std::strerror(errno);
        close();
        throw StoreUnavailable("jsonl: write to " + path_ + " failed: " + msg);
      }
      done += static_cast<size_t>(n);
    }
    if (::fdatasync(fd_) != 0) {
      std::string msg = std::strerror(errno);
      close();
      throw StoreUnavailable("jsonl: fdatasync " + path_ + " failed: " + msg);
    }
  }

  std::optional<ChainHead> chain_head(const std::string& instance) override {
    std::optional<ChainHead> head = anchor(instance);
    for_each([&](const Event& e) {
      if (e.instance == instance && (!head || e.seq > head->seq)) head = ChainHead{e.seq, e.hash};
    });
    return head;
  }

  std::vector<Event> query(const QueryFilter& f) override {
    std::vector<Event> out;
    for_each([&](const Event& e) {
      if (!f.subject.empty() && e.subject != f.subject) return;
      if (!f.server.empty() && e.server != f.server) return;
      if (!f.tool.empty() && e.target != f.tool) return;
      if (!f.decision.empty() && e.decision != f.decision) return;
      if (!f.instance.empty() && e.instance != f.instance) return;
      if (f.since_us && e.time_us < f.since_us) return;
      if (f.until_us && e.time_us >= f.until_us) return;
      out.push_back(e);
    });
    std::sort(out.begin(), out.end(), [](const Event& a, const Event& b) {
      return a.time_us != b.time_us ? a.time_us > b.time_us : a.id > b.id;
    });
    if (out.size() > f.limit) out.resize(f.limit);
    return out;
  }

  std::vector<std::string> instances() override {
    std::set<std::string> names;
    for_each([&](const Event& e) { names.insert(e.instance); });
    for (const auto& [name, head] : read_anchors()) names.insert(name);
    return {names.begin(), names.end()};
  }

  std::optional<ChainHead> anchor(const std::string& instance) override {
    auto anchors = read_anchors();
    auto it = anchors.find(instance);
    if (it == anchors.end()) return std::nullopt;
    return it->second;
  }

  void walk_chain(const std::string& instance,
                  const std::function<void(const Event&)>& visit) override {
    std::vector<Event> chain;
    for_each([&](const Event& e) {
      if (e.instance == instance) chain.push_back(e);
    });
    std::stable_sort(chain.begin(), chain.end(), [](const Event& a, const Event& b) {
      return a.seq != b.seq ? a.seq < b.seq : a.id < b.id;
    });
    for (const auto& e : chain) visit(e);
  }

  PruneResult prune(int64_t cutoff_us) override {
    std::map<std::string, ChainHead> cut;
    for_each([&](const Event& e) {
      if (e.time_us < cutoff_us && (!cut.count(e.instance) || cut[e.instance].seq < e.seq))
        cut[e.instance] = ChainHead{e.seq, e.hash};
    });
    PruneResult result;
    if (cut.empty()) return result;
    auto anchors = read_anchors();
    for (const auto& [instance, head] : cut) anchors[instance] = head;
    std::string tmp = path_ + ".prune";
    {
      std::ofstream out(tmp, std::ios::trunc);
      std::ifstream in(path_);
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        Event e = event_from_json(nlohmann::json::parse(line));
        auto it = cut.find(e.instance);
        if (it != cut.end() && e.seq <= it->second.seq) {
          ++result.events_deleted;
          continue;
        }
        out << line << '\n';
      }
      if (!out.flush()) throw std::runtime_error("jsonl: cannot write " + tmp);
    }
    write_anchors(anchors);
    close();
    std::filesystem::rename(tmp, path_);
    return result;
  }

 private:
  // True when the file was renamed or removed (log rotation): the next batch starts a new file.
  bool rotated() const {
    struct stat open_st {
    }, path_st{};
    if (::fstat(fd_, &open_st) != 0) return true;
    if (::stat(path_.c_str(), &path_st) != 0) return true;
    return open_st.st_ino != path_st.st_ino || open_st.st_dev != path_st.st_dev;
  }

  // Every event in the file once (first occurrence of each id).
  void for_each(const std::function<void(const Event&)>& visit) {
    std::ifstream in(path_);
    if (!in) return;
    std::set<std::string> seen;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      Event e;
      try {
        e = event_from_json(nlohmann::json::parse(line));
      } catch (const std::exception& ex) {
        throw std::runtime_error("jsonl: " + path_ + " line " + std::to_string(number) + ": " +
                                 ex.what());
      }
      if (!seen.insert(e.id).second) continue;
      visit(e);
    }
  }

  std::map<std::string, ChainHead> read_anchors() {
    std::map<std::string, ChainHead> out;
    std::ifstream in(path_ + ".anchors.json");
    if (!in) return out;
    nlohmann::json j = nlohmann::json::parse(in);
    for (auto it = j.begin(); it != j.end(); ++it)
      out[it.key()] =
          ChainHead{it.value().at("seq").get<int64_t>(), it.value().at("hash").get<std::string>()};
    return out;
  }

  void write_anchors(const std::map<std::string, ChainHead>& anchors) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [name, head] : anchors) j[name] = {{"seq", head.seq}, {"hash", head.hash}};
    std::string tmp = path_ + ".anchors.json.tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << j.dump(2) << '\n';
      if (!out.flush()) throw std::runtime_error("jsonl: cannot write " + tmp);
    }
    std::filesystem::rename(tmp, path_ + ".anchors.json");
  }

  std::string path_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<Store> make_jsonl_store(const std::string& path) {
  return std::make_unique<JsonlStore>(path);
}

}  // namespace mcpgw::audit
