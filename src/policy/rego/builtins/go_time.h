// Go's time semantics for the time.* built-ins: civil dates, IANA zones read from the system's
// TZif files (/usr/share/zoneinfo), Go layout strings ("2006-01-02T15:04:05Z07:00") for
// formatting and parsing, and Go duration strings ("1h30m").
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgw::policy::rego::builtins {

struct Civil {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  int weekday = 4;  // 0 = Sunday
  int yday = 1;     // 1..366
};

int64_t days_from_civil(int64_t y, int64_t m, int64_t d);  // days since 1970-01-01; m may overflow
Civil civil_from_unix(int64_t unix_seconds, int64_t nanos);
// Splits nanoseconds since the epoch into floored seconds and 0..999999999 nanoseconds.
void split_unix_ns(int64_t ns, int64_t& seconds, int64_t& nanos);
std::string_view weekday_name(int weekday);

class TimeZone {
 public:
  struct Offset {
    int seconds = 0;
    std::string abbrev = "UTC";
  };
  static std::shared_ptr<const TimeZone> utc();
  // "" and "UTC" give UTC; "Local" the machine's zone; otherwise an IANA name. nullptr when
  // the zone is unknown.
  static std::shared_ptr<const TimeZone> load(std::string_view name);
  Offset offset_at(int64_t unix_seconds) const;

  struct Data;
  explicit TimeZone(std::shared_ptr<const Data> d) : data_(std::move(d)) {}

 private:
  std::shared_ptr<const Data> data_;
};

// Expands Go's named layouts ("RFC3339", "RFC1123Z", ...); other strings are returned as is.
std::string_view resolve_layout(std::string_view name_or_layout);

std::string go_format_time(std::string_view layout, int64_t unix_ns, const TimeZone& zone);

// Go's time.Parse in UTC: the instant in nanoseconds, or nullopt with `error` set. Values
// outside int64 nanoseconds give "time outside of valid range".
std::optional<int64_t> go_parse_time(std::string_view layout, std::string_view value,
                                     std::string& error);

// Go's time.ParseDuration in nanoseconds.
std::optional<int64_t> go_parse_duration(std::string_view s, std::string& error);

}  // namespace mcpgw::policy::rego::builtins
