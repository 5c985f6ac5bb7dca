#include "audit/verify.h"

namespace mcpgw::audit {
namespace {

// Consumes a chain in (seq, id) order. Events sharing a position are held until the next
// position arrives, because the genuine one is the one its successor links to.
class ChainWalker {
 public:
  ChainWalker(std::string instance, ChainHead start)
      : instance_(std::move(instance)), prev_(std::move(start)) {
    report_.instance = instance_;
    report_.head = prev_;
  }

  void add(const Event& e) {
    if (report_.problem) return;
    ++report_.events;
    if (!group_.empty() && group_.front().seq != e.seq) resolve(&e);
    group_.push_back(e);
  }

  ChainReport finish() {
    if (!report_.problem && !group_.empty()) resolve(nullptr);
    return report_;
  }

 private:
  void problem(const char* kind, const Event& e, std::string detail) {
    report_.problem = ChainProblem{kind, instance_, e.id, e.seq, std::move(detail)};
  }

  bool links(const Event& e) const { return e.prev_hash == prev_.hash; }

  void resolve(const Event* next) {
    std::vector<Event> group;
    group.swap(group_);
    if (report_.problem) return;
    if (group.size() > 1) {
      // Several events claim one position: keep the one the chain goes through.
      const Event* genuine = nullptr;
      for (const auto& g : group) {
        bool linked = next ? next->prev_hash == g.hash : (links(g) && compute_hash(g) == g.hash);
        if (linked && !genuine) genuine = &g;
      }
      for (const auto& g : group) {
        if (&g == genuine) continue;
        problem("inserted", g,
                "event " + g.id + " claims chain position " + std::to_string(g.seq) + ", which " +
                    (genuine ? "event " + genuine->id : std::string("another event")) +
                    " holds; it is not part of the chain");
        return;
      }
    }
    const Event& e = group.front();
    int64_t expected = prev_.seq + 1;
    if (e.seq > expected) {
      problem("deleted", e,
              std::to_string(e.seq - expected) + " event(s) at chain position(s) " +
                  std::to_string(expected) + ".." + std::to_string(e.seq - 1) +
                  " are missing before event " + e.id);
      return;
    }
    if (e.seq < expected) {
      problem("inserted", e,
              "event " + e.id + " claims position " + std::to_string(e.seq) +
                  ", before the start of the chain (position " + std::to_string(expected) + ")");
      return;
    }
    if (!links(e)) {
      problem("inserted", e,
              "event " + e.id + " at position " + std::to_string(e.seq) +
                  " does not link to its predecessor: it was inserted, or the event before it "
                  "was rewritten");
      return;
    }
    if (compute_hash(e) != e.hash) {
      problem("modified", e,
              "event " + e.id + " at position " + std::to_string(e.seq) +
                  " was modified: its content no longer matches its hash");
      return;
    }
    prev_ = ChainHead{e.seq, e.hash};
    report_.head = prev_;
  }

  std::string instance_;
  ChainHead prev_;
  std::vector<Event> group_;
  ChainReport report_;
};

}  // namespace

std::vector<ChainReport> verify_chains(Store& store, const std::string& instance) {
  std::vector<std::string> names;
  if (instance.empty())
    names = store.instances();
  else
    names.push_back(instance);
  std::vector<ChainReport> reports;
  for (const auto& name : names) {
    ChainWalker walker(name, store.anchor(name).value_or(ChainHead{}));
    store.walk_chain(name, [&](const Event& e) { walker.add(e); });
    reports.push_back(walker.finish());
  }
  return reports;
}

}  // namespace mcpgw::audit
