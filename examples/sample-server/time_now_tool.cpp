// time_now: the current time in an IANA time zone, as ISO 8601 with the zone's offset.
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include "arguments.h"
#include "tools.h"

namespace mcpgw::sample {
namespace {

constexpr const char* kZoneInfo = "/usr/share/zoneinfo/";

// glibc silently falls back to UTC for a TZ it cannot load, so the name is checked against the
// zone database first: a well-formed relative name whose file is a TZif file.
void check_zone_name(const std::string& zone) {
  auto reject = [&] {
    throw ToolError("unknown time zone '" + zone +
                    "': expected an IANA name such as UTC, Europe/Paris or America/New_York");
  };
  if (zone.empty() || zone.size() > 64 || zone.front() == '/') reject();
  for (char c : zone) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
        c != '+') {
      reject();
    }
  }
  if (zone.find("//") != std::string::npos || zone.find("..") != std::string::npos) reject();
  if (zone == "UTC") return;  // built into glibc, present even without the zone database
  std::ifstream file(kZoneInfo + zone, std::ios::binary);
  char magic[4] = {};
  if (!file.read(magic, 4) || std::string(magic, 4) != "TZif") reject();
}

// Sets TZ for the lifetime of the object. The server is single-threaded, so this is safe.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const std::string& zone) {
    if (const char* old = std::getenv("TZ")) saved_ = old;
    had_ = std::getenv("TZ") != nullptr;
    setenv("TZ", zone.c_str(), 1);
    tzset();
  }
  ~ScopedTimeZone() {
    if (had_) {
      setenv("TZ", saved_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::string saved_;
  bool had_ = false;
};

std::string format_offset(long seconds) {
  char sign = seconds < 0 ? '-' : '+';
  seconds = seconds < 0 ? -seconds : seconds;
  char text[48];
  std::snprintf(text, sizeof text, "%c%02ld:%02ld", sign, seconds / 3600, seconds / 60 % 60);
  return text;
}

ToolOutput run(const json& arguments) {
  reject_unknown_arguments(arguments, {"timezone"});
  std::string zone = optional_string(arguments, "timezone").value_or("UTC");
  check_zone_name(zone);

  auto now = std::chrono::system_clock::now();
  int64_t unix_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  time_t seconds = static_cast<time_t>(unix_ms / 1000);
  struct tm local {};
  std::string abbreviation;
  {
    ScopedTimeZone scoped(zone);
    localtime_r(&seconds, &local);
    abbreviation = local.tm_zone ? local.tm_zone : "";  // tm_zone points into TZ state: copy now
  }
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03d", static_cast<int>(unix_ms % 1000));
  std::string offset = format_offset(local.tm_gmtoff);
  std::string iso = std::string(date) + millis + (zone == "UTC" ? "Z" : offset);

  json structured = {{"iso8601", iso},
                     {"timezone", zone},
                     {"abbreviation", abbreviation},
                     {"utc_offset", offset},
                     {"unix_ms", unix_ms}};
  return {iso + " (" + zone + ", " + abbreviation + ")", structured};
}

}  // namespace

Tool make_time_now_tool() {
  return Tool{
      .name = "time_now",
      .title = "Current time",
      .description =
          "The current date and time in an IANA time zone (default UTC), in ISO 8601 "
          "with the zone's UTC offset, plus the Unix time in milliseconds.",
      .input_schema = {{"type", "object"},
                       {"properties",
                        {{"timezone",
                          {{"type", "string"},
                           {"description", "IANA zone name, e.g. UTC, Europe/Paris, Asia/Tokyo"},
                           {"default", "UTC"}}}}},
                       {"additionalProperties", false}},
      .output_schema = {{"type", "object"},
                        {"properties",
                         {{"iso8601", {{"type", "string"}}},
                          {"timezone", {{"type", "string"}}},
                          {"abbreviation", {{"type", "string"}}},
                          {"utc_offset", {{"type", "string"}}},
                          {"unix_ms", {{"type", "integer"}}}}},
                        {"required", {"iso8601", "timezone", "utc_offset", "unix_ms"}}},
      .run = run,
  };
}

}  // namespace mcpgw::sample
