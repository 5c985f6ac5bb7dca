// `mcp-gateway audit verify|query|prune`: read the audit trail named by the gateway's config
// file (--config) or directly (--dsn, --sqlite, --jsonl).
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "audit/duration.h"
#include "audit/recorder.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "cli/commands.h"
#include "ops/config.h"

namespace mcpgw::cli {
namespace {

struct Source {
  std::string config, dsn, sqlite, jsonl;
};

void add_source_options(CLI::App* cmd, Source& src) {
  cmd->add_option("--config", src.config,
                  "gateway config file; its audit: section names the store");
  cmd->add_option("--dsn", src.dsn, "PostgreSQL connection string or URI");
  cmd->add_option("--sqlite", src.sqlite, "SQLite audit database file");
  cmd->add_option("--jsonl", src.jsonl, "JSON-lines audit file");
}

// Throws std::runtime_error / config::ConfigError with a message for the user.
audit::Settings settings_from(const Source& src) {
  int given = !src.config.empty() + !src.dsn.empty() + !src.sqlite.empty() + !src.jsonl.empty();
  if (given != 1)
    throw std::runtime_error(
        "name the audit store with exactly one of --config, --dsn, --sqlite, --jsonl");
  audit::Settings s;
  if (!src.config.empty()) {
    YAML::Node root = config::read_file(src.config);  // a map, or null when empty
    s = audit::load_settings(root["audit"]);
    if (s.sink == audit::SinkKind::None)
      throw std::runtime_error(src.config +
                               ": audit.sink is none: there is no audit trail to read");
  } else if (!src.dsn.empty()) {
    s.sink = audit::SinkKind::Postgres;
    s.dsn = src.dsn;
  } else if (!src.sqlite.empty()) {
    s.sink = audit::SinkKind::Sqlite;
    s.path = src.sqlite;
  } else {
    s.sink = audit::SinkKind::Jsonl;
    s.path = src.jsonl;
  }
  return s;
}

std::unique_ptr<audit::Store> open_store(const audit::Settings& s) {
  auto store = audit::make_store(s);
  store->open();
  return store;
}

int64_t parse_time_option(const std::string& name, const std::string& text) {
  if (text.empty()) return 0;
  try {
    return audit::parse_time(text);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("--" + name + ": " + e.what());
  }
}

std::string clip(const std::string& s, size_t width) {
  return s.size() <= width ? s : s.substr(0, width - 1) + "~";
}

void print_table(const std::vector<audit::Event>& events) {
  std::printf("%-27s %-8s %-20s %-16s %-12s %-24s %-8s %s\n", "TIME", "DECISION", "SUBJECT",
              "METHOD", "SERVER", "TARGET", "OUTCOME", "REASON");
  for (const auto& e : events) {
    std::printf("%-27s %-8s %-20s %-16s %-12s %-24s %-8s %s\n",
                audit::format_time(e.time_us).c_str(), clip(e.decision, 8).c_str(),
                clip(e.subject, 20).c_str(), clip(e.mcp_method, 16).c_str(),
                clip(e.server, 12).c_str(), clip(e.target, 24).c_str(), clip(e.outcome, 8).c_str(),
                e.reason.c_str());
  }
  std::printf("(%zu events)\n", events.size());
}

// Runs `body`, turning errors into a message on stderr and exit code 2.
template <typename F>
void guarded(int& exit_code, F&& body) {
  try {
    exit_code = body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "audit: %s\n", e.what());
    exit_code = 2;
  }
}

}  // namespace

void add_audit_command(CLI::App& app, int& exit_code) {
  auto* audit_cmd = app.add_subcommand("audit", "Read, verify and prune the audit trail");
  audit_cmd->require_subcommand(1);

  auto verify_src = std::make_shared<Source>();
  auto verify_instance = std::make_shared<std::string>();
  auto* verify = audit_cmd->add_subcommand(
      "verify", "Walk each hash chain; report the first modified, inserted or deleted event");
  add_source_options(verify, *verify_src);
  verify->add_option("--instance", *verify_instance, "verify only this gateway instance's chain");
  verify->callback([&exit_code, verify_src, verify_instance] {
    guarded(exit_code, [&] {
      auto store = open_store(settings_from(*verify_src));
      auto reports = audit::verify_chains(*store, *verify_instance);
      int rc = 0;
      uint64_t total = 0;
      for (const auto& r : reports) {
        total += r.events;
        if (r.problem) {
          rc = 1;
          std::printf("TAMPERED instance=%s: %s event %s (position %lld): %s\n", r.instance.c_str(),
                      r.problem->kind.c_str(), r.problem->event_id.c_str(),
                      static_cast<long long>(r.problem->seq), r.problem->detail.c_str());
        } else {
          std::printf("ok instance=%s events=%llu head=%lld:%s\n", r.instance.c_str(),
                      static_cast<unsigned long long>(r.events), static_cast<long long>(r.head.seq),
                      r.head.hash.c_str());
        }
      }
      if (reports.empty()) std::printf("no audit events\n");
      std::printf("%s: %zu chain(s), %llu event(s) checked\n", rc ? "FAILED" : "verified",
                  reports.size(), static_cast<unsigned long long>(total));
      return rc;
    });
  });

  auto query_src = std::make_shared<Source>();
  auto filter = std::make_shared<audit::QueryFilter>();
  auto since = std::make_shared<std::string>();
  auto until = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto* query = audit_cmd->add_subcommand("query", "Print matching events, newest first");
  add_source_options(query, *query_src);
  query->add_option("--subject", filter->subject, "who called");
  query->add_option("--server", filter->server, "upstream server name");
  query->add_option("--tool", filter->tool, "tool, resource or prompt name");
  query->add_option("--decision", filter->decision, "allow or deny")
      ->check(CLI::IsMember({"allow", "deny"}));
  query->add_option("--instance", filter->instance, "gateway instance");
  query->add_option("--since", *since, "from this time (inclusive), e.g. 2026-11-25T18:00:00Z");
  query->add_option("--until", *until, "to this time (exclusive)");
  query->add_option("--limit", filter->limit, "at most this many events (default 100)")
      ->check(CLI::Range(1, 1000000));
  query->add_flag("--json", *as_json, "JSON lines instead of a table");
  query->callback([&exit_code, query_src, filter, since, until, as_json] {
    guarded(exit_code, [&] {
      filter->since_us = parse_time_option("since", *since);
      filter->until_us = parse_time_option("until", *until);
      auto settings = settings_from(*query_src);
      if (*as_json) {
        std::fputs(audit::query_json(settings, *filter).c_str(), stdout);
      } else {
        print_table(open_store(settings)->query(*filter));
      }
      return 0;
    });
  });

  auto prune_src = std::make_shared<Source>();
  auto older_than = std::make_shared<std::string>();
  auto* prune = audit_cmd->add_subcommand("prune", "Delete events older than a duration");
  add_source_options(prune, *prune_src);
  prune->add_option("--older-than", *older_than, "e.g. 90d, 12w, 36h")->required();
  prune->callback([&exit_code, prune_src, older_than] {
    guarded(exit_code, [&] {
      std::chrono::milliseconds age;
      try {
        age = audit::parse_duration(*older_than);
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("--older-than: ") + e.what());
      }
      if (age.count() <= 0) throw std::runtime_error("--older-than must be longer than 0");
      int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      int64_t cutoff = now_us - age.count() * 1000;
      auto result = open_store(settings_from(*prune_src))->prune(cutoff);
      std::printf("pruned %llu event(s) older than %s; dropped %llu partition(s)\n",
                  static_cast<unsigned long long>(result.events_deleted),
                  audit::format_time(cutoff).c_str(),
                  static_cast<unsigned long long>(result.partitions_dropped));
      return 0;
    });
  });
}

}  // namespace mcpgw::cli
