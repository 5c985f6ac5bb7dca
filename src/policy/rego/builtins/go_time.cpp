#include "policy/rego/builtins/go_time.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace mcpgw::policy::rego::builtins {

// ---------------------------------------------------------------- civil dates

namespace {
int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
}  // namespace

int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  // Normalise the month first so that month overflow moves the year, as Go's time.Date does.
  int64_t years = floor_div(m - 1, 12);
  y += years;
  m -= years * 12;
  // Howard Hinnant's days_from_civil, with the day added last so it may overflow too.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 + (d - 1);
}

namespace {

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int64_t y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

constexpr std::array<const char*, 12> kMonths = {"January",   "February", "March",    "April",
                                                 "May",       "June",     "July",     "August",
                                                 "September", "October",  "November", "December"};
constexpr std::array<const char*, 7> kDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};

}  // namespace

Civil civil_from_unix(int64_t secs, int64_t nanos) {
  Civil c;
  int64_t days = floor_div(secs, 86400);
  int64_t rem = secs - days * 86400;
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem % 3600 / 60);
  c.second = static_cast<int>(rem % 60);
  c.nanos = nanos;
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = y + (c.month <= 2);
  c.yday = static_cast<int>(days - days_from_civil(c.year, 1, 1) + 1);
  return c;
}

std::string_view weekday_name(int weekday) {
  return kDays[weekday];
}

void split_unix_ns(int64_t ns, int64_t& seconds, int64_t& nanos) {
  seconds = ns / 1'000'000'000;
  nanos = ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    seconds -= 1;
  }
}

// ---------------------------------------------------------------- zones

namespace {

struct PosixRule {
  enum Kind { MonthWeekDay, Julian1, Julian0 } kind = MonthWeekDay;
  int month = 0, week = 0, day = 0;  // MonthWeekDay
  int yday = 0;                      // Julian
  int time = 7200;                   // seconds after local midnight
};

struct PosixTz {
  bool valid = false;
  std::string std_name, dst_name;
  int std_offset = 0;  // seconds east of UTC
  int dst_offset = 0;
  bool has_dst = false;
  PosixRule start, end;
};

}  // namespace

struct TimeZone::Data {
  std::vector<int64_t> transitions;
  std::vector<uint8_t> transition_types;
  struct Type {
    int offset;
    bool dst;
    std::string abbrev;
  };
  std::vector<Type> types;
  PosixTz footer;
};

namespace {

class Reader {
 public:
  explicit Reader(const std::string& b) : b_(b) {}
  bool has(size_t n) const { return pos_ + n <= b_.size(); }
  int64_t be(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b_[pos_ + i]);
    pos_ += n;
    if (n == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
    return static_cast<int64_t>(v);
  }
  uint8_t byte() { return static_cast<uint8_t>(b_[pos_++]); }
  void skip(size_t n) { pos_ += n; }
  size_t pos() const { return pos_; }
  std::string rest() const { return b_.substr(pos_); }
  std::string take(size_t n) {
    std::string s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  const std::string& b_;
  size_t pos_ = 0;
};

bool parse_posix_name(std::string_view& s, std::string& name) {
  if (!s.empty() && s[0] == '<') {
    size_t close = s.find('>');
    if (close == std::string_view::npos) return false;
    name = std::string(s.substr(1, close - 1));
    s.remove_prefix(close + 1);
    return true;
  }
  size_t i = 0;
  while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
  if (i < 3) return false;
  name = std::string(s.substr(0, i));
  s.remove_prefix(i);
  return true;
}

// [+-]hh[:mm[:ss]] in seconds.
bool parse_posix_seconds(std::string_view& s, int& out) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  int parts[3] = {0, 0, 0};
  for (int p = 0; p < 3; ++p) {
    size_t i = 0;
    int v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
      v = v * 10 + (s[i++] - '0');
    if (i == 0) return false;
    parts[p] = v;
    s.remove_prefix(i);
    if (s.empty() || s[0] != ':') break;
    s.remove_prefix(1);
  }
  out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

bool parse_posix_rule(std::string_view& s, PosixRule& r) {
  auto num = [&](int& v) {
    size_t i = 0;
    v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
      v = v * 10 + (s[i++] - '0');
    s.remove_prefix(i);
    return i > 0;
  };
  if (s.empty()) return false;
  if (s[0] == 'M') {
    s.remove_prefix(1);
    r.kind = PosixRule::MonthWeekDay;
    if (!num(r.month) || s.empty() || s[0] != '.') return false;
    s.remove_prefix(1);
    if (!num(r.week) || s.empty() || s[0] != '.') return false;
    s.remove_prefix(1);
    if (!num(r.day)) return false;
  } else if (s[0] == 'J') {
    s.remove_prefix(1);
    r.kind = PosixRule::Julian1;
    if (!num(r.yday)) return false;
  } else {
    r.kind = PosixRule::Julian0;
    if (!num(r.yday)) return false;
  }
  if (!s.empty() && s[0] == '/') {
    s.remove_prefix(1);
    if (!parse_posix_seconds(s, r.time)) return false;
  }
  return true;
}

PosixTz parse_posix(std::string_view s) {
  PosixTz tz;
  if (!parse_posix_name(s, tz.std_name)) return tz;
  int off;
  if (!parse_posix_seconds(s, off)) return tz;
  tz.std_offset = -off;  // POSIX offsets are west of UTC
  if (s.empty()) {
    tz.valid = true;
    return tz;
  }
  if (!parse_posix_name(s, tz.dst_name)) return tz;
  tz.has_dst = true;
  tz.dst_offset = tz.std_offset + 3600;
  if (!s.empty() && s[0] != ',') {
    if (!parse_posix_seconds(s, off)) return tz;
    tz.dst_offset = -off;
  }
  if (s.empty() || s[0] != ',') return tz;
  s.remove_prefix(1);
  if (!parse_posix_rule(s, tz.start) || s.empty() || s[0] != ',') return tz;
  s.remove_prefix(1);
  if (!parse_posix_rule(s, tz.end)) return tz;
  tz.valid = true;
  return tz;
}

// Seconds from the start of `year` (local) to the rule's moment.
int64_t rule_seconds_in_year(const PosixRule& r, int64_t year) {
  int64_t day;  // 0-based day of year
  switch (r.kind) {
    case PosixRule::Julian1:
      day = r.yday - 1;
      if (is_leap(year) && r.yday >= 60) ++day;
      break;
    case PosixRule::Julian0:
      day = r.yday;
      break;
    default: {
      int64_t first = days_from_civil(year, r.month, 1);
      int wd_first = static_cast<int>(((first % 7) + 11) % 7);
      int d = (r.day - wd_first + 7) % 7;  // first matching weekday (0-based day of month)
      d += 7 * (r.week - 1);
      int dim = days_in_month(year, r.month);
      while (d >= dim) d -= 7;
      day = first - days_from_civil(year, 1, 1) + d;
    }
  }
  return day * 86400 + r.time;
}

TimeZone::Offset posix_offset(const PosixTz& tz, int64_t t) {
  if (!tz.has_dst) return {tz.std_offset, tz.std_name};
  Civil c = civil_from_unix(t + tz.std_offset, 0);
  int64_t year_start = days_from_civil(c.year, 1, 1) * 86400;
  int64_t start = year_start + rule_seconds_in_year(tz.start, c.year) - tz.std_offset;
  int64_t end = year_start + rule_seconds_in_year(tz.end, c.year) - tz.dst_offset;
  bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? TimeZone::Offset{tz.dst_offset, tz.dst_name}
             : TimeZone::Offset{tz.std_offset, tz.std_name};
}

std::shared_ptr<const TimeZone::Data> parse_tzif(const std::string& bytes) {
  Reader r(bytes);
  if (!r.has(44) || bytes.compare(0, 4, "TZif") != 0) return nullptr;
  char version = bytes[4];
  r.skip(20);
  int64_t counts[6];
  for (auto& c : counts) c = r.be(4);
  auto [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] =
      std::tuple{counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]};
  size_t time_size = 4;
  if (version >= '2') {
    size_t v1 = timecnt * 5 + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt;
    if (!r.has(v1 + 44)) return nullptr;
    r.skip(v1);
    if (bytes.compare(r.pos(), 4, "TZif") != 0) return nullptr;
    r.skip(20);
    for (auto& c : counts) c = r.be(4);
    isutcnt = counts[0];
    isstdcnt = counts[1];
    leapcnt = counts[2];
    timecnt = counts[3];
    typecnt = counts[4];
    charcnt = counts[5];
    time_size = 8;
  }
  size_t need = timecnt * (time_size + 1) + typecnt * 6 + charcnt + leapcnt * (time_size + 4) +
                isstdcnt + isutcnt;
  if (!r.has(need) || typecnt == 0) return nullptr;
  auto d = std::make_shared<TimeZone::Data>();
  for (int64_t i = 0; i < timecnt; ++i) d->transitions.push_back(r.be(time_size));
  for (int64_t i = 0; i < timecnt; ++i) d->transition_types.push_back(r.byte());
  std::vector<std::pair<int, int>> idx;
  for (int64_t i = 0; i < typecnt; ++i) {
    int off = static_cast<int>(r.be(4));
    bool dst = r.byte() != 0;
    int abbr = r.byte();
    d->types.push_back({off, dst, ""});
    idx.emplace_back(static_cast<int>(i), abbr);
  }
  std::string chars = r.take(charcnt);
  for (auto [i, a] : idx) {
    if (a < static_cast<int>(chars.size())) d->types[i].abbrev = std::string(chars.c_str() + a);
  }
  r.skip(leapcnt * (time_size + 4) + isstdcnt + isutcnt);
  for (auto t : d->transition_types)
    if (t >= d->types.size()) return nullptr;
  if (version >= '2') {
    std::string rest = r.rest();
    if (rest.size() >= 2 && rest[0] == '\n') {
      size_t nl = rest.find('\n', 1);
      if (nl != std::string::npos)
        d->footer = parse_posix(std::string_view(rest).substr(1, nl - 1));
    }
  }
  return d;
}

}  // namespace

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const auto zone = [] {
    auto d = std::make_shared<Data>();
    d->types.push_back({0, false, "UTC"});
    return std::make_shared<const TimeZone>(d);
  }();
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::load(std::string_view name) {
  if (name.empty() || name == "UTC") return utc();
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  // Reject names that could escape the zoneinfo folder.
  if (name.find("..") != std::string_view::npos || name.front() == '/') return nullptr;
  std::string path =
      name == "Local" ? "/etc/localtime" : "/usr/share/zoneinfo/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream ss;
  ss << in.rdbuf();
  auto data = parse_tzif(ss.str());
  if (!data) return nullptr;
  auto zone = std::make_shared<const TimeZone>(data);
  cache.emplace(std::string(name), zone);
  return zone;
}

TimeZone::Offset TimeZone::offset_at(int64_t t) const {
  const Data& d = *data_;
  if (d.transitions.empty() || t < d.transitions.front()) {
    if (d.transitions.empty() && d.footer.valid) return posix_offset(d.footer, t);
    // Before the first transition: the first standard-time type, as Go does.
    for (const auto& ty : d.types)
      if (!ty.dst) return {ty.offset, ty.abbrev};
    return {d.types[0].offset, d.types[0].abbrev};
  }
  if (t >= d.transitions.back() && d.footer.valid) return posix_offset(d.footer, t);
  auto it = std::upper_bound(d.transitions.begin(), d.transitions.end(), t);
  size_t i = static_cast<size_t>(it - d.transitions.begin()) - 1;
  const auto& ty = d.types[d.transition_types[i]];
  return {ty.offset, ty.abbrev};
}

// ---------------------------------------------------------------- layouts

std::string_view resolve_layout(std::string_view n) {
  static const std::map<std::string_view, std::string_view> named = {
      {"ANSIC", "Mon Jan _2 15:04:05 2006"},
      {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
      {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
      {"RFC822", "02 Jan 06 15:04 MST"},
      {"RFC822Z", "02 Jan 06 15:04 -0700"},
      {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
      {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
      {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
      {"RFC3339", "2006-01-02T15:04:05Z07:00"},
      {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
      {"Kitchen", "3:04PM"},
      {"Stamp", "Jan _2 15:04:05"},
      {"StampMilli", "Jan _2 15:04:05.000"},
      {"StampMicro", "Jan _2 15:04:05.000000"},
      {"StampNano", "Jan _2 15:04:05.000000000"},
      {"DateTime", "2006-01-02 15:04:05"},
      {"DateOnly", "2006-01-02"},
      {"TimeOnly", "15:04:05"},
  };
  auto it = named.find(n);
  return it == named.end() ? n : it->second;
}

namespace {

enum class Std {
  None,
  LongMonth,
  Month,
  NumMonth,
  ZeroMonth,
  LongWeekDay,
  WeekDay,
  Day,
  UnderDay,
  ZeroDay,
  UnderYearDay,
  ZeroYearDay,
  Hour,
  Hour12,
  ZeroHour12,
  Minute,
  ZeroMinute,
  Second,
  ZeroSecond,
  LongYear,
  Year,
  PM,
  pm,
  TZ,
  ISO8601TZ,
  ISO8601SecondsTZ,
  ISO8601ShortTZ,
  ISO8601ColonTZ,
  ISO8601ColonSecondsTZ,
  NumTZ,
  NumSecondsTz,
  NumShortTZ,
  NumColonTZ,
  NumColonSecondsTZ,
  FracSecond0,
  FracSecond9,
};

struct Chunk {
  std::string_view prefix;
  Std std = Std::None;
  int frac_digits = 0;
  std::string_view suffix;
};

bool starts(std::string_view s, size_t i, std::string_view p) {
  return s.substr(i, p.size()) == p;
}

// Go's nextStdChunk: the literal text before the next layout element, the element, the rest.
Chunk next_chunk(std::string_view layout) {
  for (size_t i = 0; i < layout.size(); ++i) {
    char c = layout[i];
    auto hit = [&](Std s, size_t len) {
      return Chunk{layout.substr(0, i), s, 0, layout.substr(i + len)};
    };
    switch (c) {
      case 'J':
        if (starts(layout, i, "January")) return hit(Std::LongMonth, 7);
        if (starts(layout, i, "Jan")) return hit(Std::Month, 3);
        break;
      case 'M':
        if (starts(layout, i, "Monday")) return hit(Std::LongWeekDay, 6);
        if (starts(layout, i, "Mon")) return hit(Std::WeekDay, 3);
        if (starts(layout, i, "MST")) return hit(Std::TZ, 3);
        break;
      case '0':
        if (i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          static const Std std0x[] = {Std::ZeroMonth,  Std::ZeroDay,    Std::ZeroHour12,
                                      Std::ZeroMinute, Std::ZeroSecond, Std::Year};
          return hit(std0x[layout[i + 1] - '1'], 2);
        }
        if (starts(layout, i, "002")) return hit(Std::ZeroYearDay, 3);
        break;
      case '1':
        if (starts(layout, i, "15")) return hit(Std::Hour, 2);
        return hit(Std::NumMonth, 1);
      case '2':
        if (starts(layout, i, "2006")) return hit(Std::LongYear, 4);
        return hit(Std::Day, 1);
      case '_':
        if (starts(layout, i, "_2")) {
          if (starts(layout, i + 1, "2006"))
            return Chunk{layout.substr(0, i + 1), Std::LongYear, 0, layout.substr(i + 5)};
          return hit(Std::UnderDay, 2);
        }
        if (starts(layout, i, "__2")) return hit(Std::UnderYearDay, 3);
        break;
      case '3':
        return hit(Std::Hour12, 1);
      case '4':
        return hit(Std::Minute, 1);
      case '5':
        return hit(Std::Second, 1);
      case 'P':
        if (starts(layout, i, "PM")) return hit(Std::PM, 2);
        break;
      case 'p':
        if (starts(layout, i, "pm")) return hit(Std::pm, 2);
        break;
      case '-':
        if (starts(layout, i, "-070000")) return hit(Std::NumSecondsTz, 7);
        if (starts(layout, i, "-07:00:00")) return hit(Std::NumColonSecondsTZ, 9);
        if (starts(layout, i, "-0700")) return hit(Std::NumTZ, 5);
        if (starts(layout, i, "-07:00")) return hit(Std::NumColonTZ, 6);
        if (starts(layout, i, "-07")) return hit(Std::NumShortTZ, 3);
        break;
      case 'Z':
        if (starts(layout, i, "Z070000")) return hit(Std::ISO8601SecondsTZ, 7);
        if (starts(layout, i, "Z07:00:00")) return hit(Std::ISO8601ColonSecondsTZ, 9);
        if (starts(layout, i, "Z0700")) return hit(Std::ISO8601TZ, 5);
        if (starts(layout, i, "Z07:00")) return hit(Std::ISO8601ColonTZ, 6);
        if (starts(layout, i, "Z07")) return hit(Std::ISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        if (i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
          char ch = layout[i + 1];
          size_t j = i + 1;
          while (j < layout.size() && layout[j] == ch) ++j;
          if (!(j < layout.size() && std::isdigit(static_cast<unsigned char>(layout[j])))) {
            Chunk k{layout.substr(0, i), ch == '0' ? Std::FracSecond0 : Std::FracSecond9,
                    static_cast<int>(j - (i + 1)), layout.substr(j)};
            return k;
          }
        }
        break;
    }
  }
  return Chunk{layout, Std::None, 0, {}};
}

void append_int(std::string& out, int64_t v, int width, char pad = '0') {
  std::string digits = std::to_string(v < 0 ? -v : v);
  if (v < 0) out += '-';
  if (static_cast<int>(digits.size()) < width) out.append(width - digits.size(), pad);
  out += digits;
}

void append_zone(std::string& out, int offset, Std s) {
  bool iso = s == Std::ISO8601TZ || s == Std::ISO8601SecondsTZ || s == Std::ISO8601ShortTZ ||
             s == Std::ISO8601ColonTZ || s == Std::ISO8601ColonSecondsTZ;
  if (iso && offset == 0) {
    out += 'Z';
    return;
  }
  int zone = offset / 60;
  int abs_offset = offset;
  if (zone < 0) {
    out += '-';
    zone = -zone;
    abs_offset = -abs_offset;
  } else {
    out += '+';
  }
  append_int(out, zone / 60, 2);
  if (s == Std::ISO8601ColonTZ || s == Std::NumColonTZ || s == Std::ISO8601ColonSecondsTZ ||
      s == Std::NumColonSecondsTZ)
    out += ':';
  if (s != Std::NumShortTZ && s != Std::ISO8601ShortTZ) append_int(out, zone % 60, 2);
  if (s == Std::ISO8601SecondsTZ || s == Std::NumSecondsTz || s == Std::NumColonSecondsTZ ||
      s == Std::ISO8601ColonSecondsTZ) {
    if (s == Std::NumColonSecondsTZ || s == Std::ISO8601ColonSecondsTZ) out += ':';
    append_int(out, abs_offset % 60, 2);
  }
}

}  // namespace

std::string go_format_time(std::string_view layout, int64_t unix_ns, const TimeZone& zone) {
  int64_t secs, nanos;
  split_unix_ns(unix_ns, secs, nanos);
  TimeZone::Offset off = zone.offset_at(secs);
  Civil c = civil_from_unix(secs + off.seconds, nanos);
  std::string out;
  while (!layout.empty()) {
    Chunk k = next_chunk(layout);
    out.append(k.prefix);
    if (k.std == Std::None) break;
    layout = k.suffix;
    switch (k.std) {
      case Std::Year:
        append_int(out, ((c.year % 100) + 100) % 100, 2);
        break;
      case Std::LongYear:
        append_int(out, c.year, 4);
        break;
      case Std::Month:
        out += std::string_view(kMonths[c.month - 1]).substr(0, 3);
        break;
      case Std::LongMonth:
        out += kMonths[c.month - 1];
        break;
      case Std::NumMonth:
        append_int(out, c.month, 0);
        break;
      case Std::ZeroMonth:
        append_int(out, c.month, 2);
        break;
      case Std::WeekDay:
        out += std::string_view(kDays[c.weekday]).substr(0, 3);
        break;
      case Std::LongWeekDay:
        out += kDays[c.weekday];
        break;
      case Std::Day:
        append_int(out, c.day, 0);
        break;
      case Std::UnderDay:
        append_int(out, c.day, 2, ' ');
        break;
      case Std::ZeroDay:
        append_int(out, c.day, 2);
        break;
      case Std::UnderYearDay:
        append_int(out, c.yday, 3, ' ');
        break;
      case Std::ZeroYearDay:
        append_int(out, c.yday, 3);
        break;
      case Std::Hour:
        append_int(out, c.hour, 2);
        break;
      case Std::Hour12:
        append_int(out, c.hour % 12 == 0 ? 12 : c.hour % 12, 0);
        break;
      case Std::ZeroHour12:
        append_int(out, c.hour % 12 == 0 ? 12 : c.hour % 12, 2);
        break;
      case Std::Minute:
        append_int(out, c.minute, 0);
        break;
      case Std::ZeroMinute:
        append_int(out, c.minute, 2);
        break;
      case Std::Second:
        append_int(out, c.second, 0);
        break;
      case Std::ZeroSecond:
        append_int(out, c.second, 2);
        break;
      case Std::PM:
        out += c.hour >= 12 ? "PM" : "AM";
        break;
      case Std::pm:
        out += c.hour >= 12 ? "pm" : "am";
        break;
      case Std::TZ:
        if (!off.abbrev.empty()) {
          out += off.abbrev;
        } else {
          append_zone(out, off.seconds, Std::NumShortTZ);
        }
        break;
      case Std::FracSecond0:
      case Std::FracSecond9: {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(c.nanos));
        std::string digits(buf, static_cast<size_t>(std::min(k.frac_digits, 9)));
        if (k.std == Std::FracSecond9) {
          while (!digits.empty() && digits.back() == '0') digits.pop_back();
          if (digits.empty()) break;
        }
        out += '.';
        out += digits;
        break;
      }
      default:
        append_zone(out, off.seconds, k.std);
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------- parsing

namespace {

bool is_digit(std::string_view s, size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

// Go's getnum: one or two digits (exactly two when fixed).
bool getnum(std::string_view& s, bool fixed, int& out) {
  if (!is_digit(s, 0)) return false;
  if (!is_digit(s, 1)) {
    if (fixed) return false;
    out = s[0] - '0';
    s.remove_prefix(1);
    return true;
  }
  out = (s[0] - '0') * 10 + (s[1] - '0');
  s.remove_prefix(2);
  return true;
}

bool getnum3(std::string_view& s, bool fixed, int& out) {
  int n = 0;
  size_t i = 0;
  for (; i < 3 && is_digit(s, i); ++i) n = n * 10 + (s[i] - '0');
  if (i == 0 || (fixed && i != 3)) return false;
  out = n;
  s.remove_prefix(i);
  return true;
}

bool lookup_name(std::string_view& s, const char* const* names, size_t count, size_t len,
                 int& out) {
  for (size_t i = 0; i < count; ++i) {
    std::string_view n = names[i];
    if (len) n = n.substr(0, len);
    if (s.size() >= n.size()) {
      bool eq = true;
      for (size_t j = 0; j < n.size() && eq; ++j)
        eq = std::tolower(static_cast<unsigned char>(s[j])) ==
             std::tolower(static_cast<unsigned char>(n[j]));
      if (eq) {
        out = static_cast<int>(i);
        s.remove_prefix(n.size());
        return true;
      }
    }
  }
  return false;
}

std::string quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

}  // namespace

std::optional<int64_t> go_parse_time(std::string_view layout_in, std::string_view value_in,
                                     std::string& error) {
  std::string_view layout = layout_in;
  std::string_view value = value_in;
  int64_t year = 0;
  int month = -1, day = -1, yday = -1, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  bool pm_set = false, am_set = false;
  int zone_offset = 0;
  bool have_zone = false;
  auto bad = [&](std::string_view elem, std::string_view rest, const std::string& extra = "") {
    if (!extra.empty()) {
      error = "parsing time " + quote(value_in) + extra;
    } else {
      error = "parsing time " + quote(value_in) + " as " + quote(layout_in) + ": cannot parse " +
              quote(rest) + " as " + quote(elem);
    }
    return std::nullopt;
  };
  while (true) {
    Chunk k = next_chunk(layout);
    std::string_view std_text =
        layout.substr(k.prefix.size(), layout.size() - k.prefix.size() - k.suffix.size());
    if (value.substr(0, k.prefix.size()) != k.prefix) return bad(k.prefix, value);
    value.remove_prefix(k.prefix.size());
    if (k.std == Std::None) {
      if (!value.empty()) return bad("", value, ": extra text: " + quote(value));
      break;
    }
    layout = k.suffix;
    std::string_view hold = value;
    bool ok = true;
    switch (k.std) {
      case Std::Year: {
        int y;
        if (value.size() < 2 || !(ok = getnum(value, true, y))) break;
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case Std::LongYear:
        if (value.size() < 4 || !is_digit(value, 0) || !is_digit(value, 1) || !is_digit(value, 2) ||
            !is_digit(value, 3)) {
          ok = false;
          break;
        }
        year = std::stoi(std::string(value.substr(0, 4)));
        value.remove_prefix(4);
        break;
      case Std::Month:
        ok = lookup_name(value, kMonths.data(), 12, 3, month);
        if (ok) ++month;
        break;
      case Std::LongMonth:
        ok = lookup_name(value, kMonths.data(), 12, 0, month);
        if (ok) ++month;
        break;
      case Std::NumMonth:
      case Std::ZeroMonth:
        ok = getnum(value, k.std == Std::ZeroMonth, month) && month >= 1 && month <= 12;
        break;
      case Std::WeekDay: {
        int w;
        ok = lookup_name(value, kDays.data(), 7, 3, w);
        break;
      }
      case Std::LongWeekDay: {
        int w;
        ok = lookup_name(value, kDays.data(), 7, 0, w);
        break;
      }
      case Std::Day:
      case Std::UnderDay:
      case Std::ZeroDay:
        if (k.std == Std::UnderDay && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        ok = getnum(value, k.std == Std::ZeroDay, day);
        break;
      case Std::UnderYearDay:
      case Std::ZeroYearDay:
        for (int i = 0; i < 2 && k.std == Std::UnderYearDay && !value.empty() && value[0] == ' ';
             ++i)
          value.remove_prefix(1);
        ok = getnum3(value, k.std == Std::ZeroYearDay, yday) && yday >= 1 && yday <= 366;
        break;
      case Std::Hour:
        ok = getnum(value, false, hour) && hour < 24;
        break;
      case Std::Hour12:
      case Std::ZeroHour12:
        ok = getnum(value, k.std == Std::ZeroHour12, hour) && hour <= 12;
        break;
      case Std::Minute:
      case Std::ZeroMinute:
        ok = getnum(value, k.std == Std::ZeroMinute, minute) && minute < 60;
        break;
      case Std::Second:
      case Std::ZeroSecond: {
        ok = getnum(value, k.std == Std::ZeroSecond, second) && second < 60;
        if (!ok) break;
        // A fractional second may follow even when the layout does not mention it.
        if (value.size() >= 2 && (value[0] == '.' || value[0] == ',') && is_digit(value, 1)) {
          Chunk next = next_chunk(layout);
          if (next.prefix.empty() && (next.std == Std::FracSecond0 || next.std == Std::FracSecond9))
            break;
          size_t n = 1;
          while (is_digit(value, n)) ++n;
          std::string digits(value.substr(1, n - 1));
          digits.resize(9, '0');
          nanos = std::stoll(digits.substr(0, 9));
          value.remove_prefix(n);
        }
        break;
      }
      case Std::PM:
        if (value.size() < 2) {
          ok = false;
          break;
        }
        if (value.substr(0, 2) == "PM")
          pm_set = true;
        else if (value.substr(0, 2) == "AM")
          am_set = true;
        else
          ok = false;
        if (ok) value.remove_prefix(2);
        break;
      case Std::pm:
        if (value.size() < 2) {
          ok = false;
          break;
        }
        if (value.substr(0, 2) == "pm")
          pm_set = true;
        else if (value.substr(0, 2) == "am")
          am_set = true;
        else
          ok = false;
        if (ok) value.remove_prefix(2);
        break;
      case Std::ISO8601TZ:
      case Std::ISO8601ColonTZ:
      case Std::ISO8601SecondsTZ:
      case Std::ISO8601ShortTZ:
      case Std::ISO8601ColonSecondsTZ:
      case Std::NumTZ:
      case Std::NumShortTZ:
      case Std::NumColonTZ:
      case Std::NumSecondsTz:
      case Std::NumColonSecondsTZ: {
        bool iso = k.std == Std::ISO8601TZ || k.std == Std::ISO8601ColonTZ ||
                   k.std == Std::ISO8601SecondsTZ || k.std == Std::ISO8601ShortTZ ||
                   k.std == Std::ISO8601ColonSecondsTZ;
        if (iso && !value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          have_zone = true;
          zone_offset = 0;
          break;
        }
        if (value.empty() || (value[0] != '+' && value[0] != '-')) {
          ok = false;
          break;
        }
        int sign = value[0] == '-' ? -1 : 1;
        std::string_view v = value.substr(1);
        int hh = 0, mm = 0, ss = 0;
        auto two = [&](int& out) {
          if (!is_digit(v, 0) || !is_digit(v, 1)) return false;
          out = (v[0] - '0') * 10 + (v[1] - '0');
          v.remove_prefix(2);
          return true;
        };
        auto colon = [&]() {
          if (v.empty() || v[0] != ':') return false;
          v.remove_prefix(1);
          return true;
        };
        Std s = k.std;
        bool colon_form = s == Std::ISO8601ColonTZ || s == Std::NumColonTZ ||
                          s == Std::ISO8601ColonSecondsTZ || s == Std::NumColonSecondsTZ;
        bool short_form = s == Std::ISO8601ShortTZ || s == Std::NumShortTZ;
        bool seconds_form = s == Std::ISO8601SecondsTZ || s == Std::NumSecondsTz ||
                            s == Std::ISO8601ColonSecondsTZ || s == Std::NumColonSecondsTZ;
        ok = two(hh);
        if (ok && !short_form) ok = (!colon_form || colon()) && two(mm);
        if (ok && seconds_form) ok = (!colon_form || colon()) && two(ss);
        if (!ok || hh > 24 || mm > 60 || ss > 60) {
          ok = false;
          break;
        }
        zone_offset = sign * (hh * 3600 + mm * 60 + ss);
        have_zone = true;
        value = v;
        break;
      }
      case Std::TZ: {
        if (value.size() >= 3 && value.substr(0, 3) == "UTC") {
          value.remove_prefix(3);
          have_zone = true;
          zone_offset = 0;
          break;
        }
        size_t n = 0;
        while (n < value.size() && std::isupper(static_cast<unsigned char>(value[n]))) ++n;
        if (n < 3 || n > 5) {
          ok = false;
          break;
        }
        // An unknown abbreviation gets a zero offset, as Go records it.
        value.remove_prefix(n);
        have_zone = true;
        zone_offset = 0;
        break;
      }
      case Std::FracSecond0: {
        size_t ndigit = 1 + k.frac_digits;
        if (value.size() < ndigit || (value[0] != '.' && value[0] != ',')) {
          ok = false;
          break;
        }
        std::string digits(value.substr(1, k.frac_digits));
        if (!std::all_of(digits.begin(), digits.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
          ok = false;
          break;
        }
        digits.resize(9, '0');
        nanos = std::stoll(digits.substr(0, 9));
        value.remove_prefix(ndigit);
        break;
      }
      case Std::FracSecond9: {
        if (value.size() < 2 || (value[0] != '.' && value[0] != ',') || !is_digit(value, 1)) break;
        size_t n = 1;
        while (n < 10 && is_digit(value, n)) ++n;
        std::string digits(value.substr(1, n - 1));
        digits.resize(9, '0');
        nanos = std::stoll(digits);
        value.remove_prefix(n);
        break;
      }
      case Std::None:
        break;
    }
    if (!ok) return bad(std_text, hold);
  }
  if (pm_set && hour < 12)
    hour += 12;
  else if (am_set && hour == 12)
    hour = 0;
  if (yday >= 0) {
    if (month < 0 || day < 0) {
      if (yday > (is_leap(year) ? 366 : 365)) return bad("", "", ": day-of-year out of range");
      int64_t d = days_from_civil(year, 1, 1) + yday - 1;
      Civil c = civil_from_unix(d * 86400, 0);
      month = c.month;
      day = c.day;
    }
  }
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day > days_in_month(year, month)) {
    error = "parsing time " + quote(value_in) + ": day out of range";
    return std::nullopt;
  }
  int64_t secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  if (have_zone) secs -= zone_offset;
  __int128 ns = static_cast<__int128>(secs) * 1'000'000'000 + nanos;
  if (ns > INT64_MAX || ns < INT64_MIN) {
    error = "time outside of valid range";
    return std::nullopt;
  }
  return static_cast<int64_t>(ns);
}

std::optional<int64_t> go_parse_duration(std::string_view orig, std::string& error) {
  std::string_view s = orig;
  auto invalid = [&]() {
    error = "time: invalid duration " + quote(orig);
    return std::nullopt;
  };
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return invalid();
  __int128 total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s, 0))) return invalid();
    __int128 whole = 0;
    size_t i = 0;
    bool any = false;
    while (is_digit(s, i)) {
      whole = whole * 10 + (s[i] - '0');
      if (whole > (static_cast<__int128>(1) << 63)) return invalid();
      ++i;
      any = true;
    }
    s.remove_prefix(i);
    __int128 frac = 0, scale = 1;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      while (is_digit(s, j)) {
        if (scale < 1'000'000'000'000'000'000LL) {
          frac = frac * 10 + (s[j] - '0');
          scale *= 10;
        }
        ++j;
        any = true;
      }
      s.remove_prefix(j);
    }
    if (!any) return invalid();
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !is_digit(s, u)) ++u;
    if (u == 0) {
      error = "time: missing unit in duration " + quote(orig);
      return std::nullopt;
    }
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    int64_t mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1000;
    else if (unit == "ms")
      mult = 1'000'000;
    else if (unit == "s")
      mult = 1'000'000'000;
    else if (unit == "m")
      mult = 60'000'000'000LL;
    else if (unit == "h")
      mult = 3'600'000'000'000LL;
    else {
      error = "time: unknown unit " + quote(unit) + " in duration " + quote(orig);
      return std::nullopt;
    }
    total += whole * mult + frac * mult / scale;
    if (total > (static_cast<__int128>(1) << 63)) return invalid();
  }
  if (neg) total = -total;
  if (total > INT64_MAX || total < INT64_MIN) return invalid();
  return static_cast<int64_t>(total);
}

}  // namespace mcpgw::policy::rego::builtins
