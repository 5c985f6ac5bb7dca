// `audit verify`: walks each instance's hash chain and reports the first event that was
// modified, inserted or deleted.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "audit/store.h"

namespace mcpgw::audit {

struct ChainProblem {
  std::string kind;  // "modified" | "inserted" | "deleted"
  std::string instance;
  std::string event_id;  // the event at (or right after) the problem
  int64_t seq = 0;
  std::string detail;  // a sentence for the auditor
};

struct ChainReport {
  std::string instance;
  uint64_t events = 0;
  ChainHead head;  // the last verified position (record it elsewhere to detect truncation)
  std::optional<ChainProblem> problem;
};

// Verifies every chain in the store, or only `instance` when it is not empty.
std::vector<ChainReport> verify_chains(Store& store, const std::string& instance = "");

}  // namespace mcpgw::audit
