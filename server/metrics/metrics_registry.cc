#include "server/metrics/metrics_registry.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace liteformer::metrics {

struct Registry::Child {
  // Exactly one is set, matching the family's type.
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
};

struct Registry::Family {
  Type type;
  std::string help;
  std::vector<double> bounds;  // histograms only
  // Keyed by the name-ordered label set, which is also the render order.
  std::map<Labels, Child> children;
};

namespace {

// Debian's Abseil is built with its own string_view type, which StrCat does
// not take a std::string_view for.
absl::string_view AsAbsl(std::string_view text) { return {text.data(), text.size()}; }

// Misuse of the API by the calling code, never a runtime condition: report
// and abort (see the header).
[[noreturn]] void ProgrammingError(std::string_view message) {
  std::fprintf(stderr, "liteformer::metrics: programming error: %.*s\n",
               static_cast<int>(message.size()), message.data());
  std::abort();
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name) {
  if (name.empty() || IsAsciiDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_' || c == ':';
  });
}

// [a-zA-Z_][a-zA-Z0-9_]*, and names starting with "__" are Prometheus's own.
bool IsValidLabelName(std::string_view name) {
  if (name.empty() || IsAsciiDigit(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_'; });
}

// Orders `labels` by name (the registry's key and render order) and checks
// the names.
Labels NormalizedLabels(const Labels& labels, std::string_view metric, bool is_histogram) {
  Labels sorted = labels;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const std::string& name = sorted[i].first;
    if (!IsValidLabelName(name)) {
      ProgrammingError(absl::StrCat(AsAbsl(metric), ": invalid label name \"", name, "\""));
    }
    if (i > 0 && sorted[i - 1].first == name) {
      ProgrammingError(absl::StrCat(AsAbsl(metric), ": label \"", name, "\" given twice"));
    }
    // The histogram's own bucket label.
    if (is_histogram && name == "le")
      ProgrammingError(absl::StrCat(AsAbsl(metric), ": label \"le\" is reserved"));
  }
  return sorted;
}

std::vector<double> NormalizedBounds(std::vector<double> bounds) {
  if (!bounds.empty() && bounds.back() == std::numeric_limits<double>::infinity())
    bounds.pop_back();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) ProgrammingError("histogram bounds must be finite");
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      ProgrammingError("histogram bounds must be strictly increasing");
    }
  }
  return bounds;
}

// Integral values print without exponent or fraction ("42", not "4.2e+01");
// others print in the shortest form that parses back to the same double.
std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  // Below 2^53 every integer is exact; past it fixed notation would print
  // long runs of digits that are not really there.
  const bool integral = value == std::trunc(value) && std::fabs(value) < 0x1p53;
  const std::to_chars_result result =
      integral ? std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed)
               : std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

// Backslash and newline are escaped in HELP text and label values; double
// quotes only in label values (the exposition format's rules).
void AppendEscaped(std::string_view text, bool quotes, std::string& out) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `{a="1",b="2"}` plus an optional `le` label last; nothing when there are no
// labels at all.
void AppendLabels(const Labels& labels, const std::string* le, std::string& out) {
  if (labels.empty() && le == nullptr) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    absl::StrAppend(&out, name, "=\"");
    AppendEscaped(value, /*quotes=*/true, out);
    out += '"';
  }
  if (le != nullptr) absl::StrAppend(&out, first ? "" : ",", "le=\"", *le, "\"");
  out += '}';
}

void AppendSample(std::string_view name, std::string_view suffix, const Labels& labels,
                  const std::string* le, double value, std::string& out) {
  absl::StrAppend(&out, AsAbsl(name), AsAbsl(suffix));
  AppendLabels(labels, le, out);
  absl::StrAppend(&out, " ", FormatNumber(value), "\n");
}

}  // namespace

void Counter::Increment(double by) {
  assert(by >= 0.0 && "a counter only goes up");
  if (!(by >= 0.0)) return;
  value_.fetch_add(by, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(NormalizedBounds(std::move(bounds))),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double value) {
  // The first bucket whose bound is >= value; NaN compares false everywhere
  // and so lands past the end, in +Inf.
  const auto bucket = std::partition_point(bounds_.begin(), bounds_.end(),
                                           [value](double bound) { return !(value <= bound); });
  counts_[bucket - bounds_.begin()].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::CumulativeCounts() const {
  std::vector<std::uint64_t> cumulative(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    cumulative[i] = total;
  }
  return cumulative;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  if (!(start > 0.0) || !(factor > 1.0) || count < 1) {
    ProgrammingError(absl::StrCat("ExponentialBuckets(", start, ", ", factor, ", ", count,
                                  "): need start > 0, factor > 1, count >= 1"));
  }
  std::vector<double> bounds;
  bounds.reserve(count);
  double bound = start;
  for (int i = 0; i < count; ++i) {
    bounds.push_back(bound);
    bound *= factor;
  }
  return bounds;
}

// Out of line: Family is complete only here.
Registry::Registry() = default;
Registry::~Registry() = default;

Counter& Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  return *GetChild(Type::kCounter, name, help, {}, labels).counter;
}

Gauge& Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  return *GetChild(Type::kGauge, name, help, {}, labels).gauge;
}

Histogram& Registry::GetHistogram(std::string_view name, std::string_view help,
                                  std::vector<double> bounds, const Labels& labels) {
  return *GetChild(Type::kHistogram, name, help, NormalizedBounds(std::move(bounds)), labels)
              .histogram;
}

const Registry::Child& Registry::GetChild(Type type, std::string_view name, std::string_view help,
                                          const std::vector<double>& bounds, const Labels& labels) {
  const auto check_same_family = [&](const Family& family) {
    if (family.type != type) {
      ProgrammingError(absl::StrCat(AsAbsl(name), ": registered again with a different type"));
    }
    if (family.help != help) {
      ProgrammingError(absl::StrCat(AsAbsl(name), ": registered again with a different help"));
    }
    if (family.bounds != bounds) {
      ProgrammingError(
          absl::StrCat(AsAbsl(name), ": registered again with different histogram bounds"));
    }
  };
  Labels key = NormalizedLabels(labels, name, type == Type::kHistogram);
  {
    // The common case, an existing child, only needs the shared lock.
    absl::ReaderMutexLock lock(&mutex_);
    const auto family = families_.find(name);
    if (family != families_.end()) {
      check_same_family(*family->second);
      const auto child = family->second->children.find(key);
      if (child != family->second->children.end()) return child->second;
    }
  }
  absl::MutexLock lock(&mutex_);
  auto family = families_.find(name);
  if (family == families_.end()) {
    if (!IsValidMetricName(name)) {
      ProgrammingError(absl::StrCat("invalid metric name \"", AsAbsl(name), "\""));
    }
    family = families_
                 .emplace(std::string(name),
                          std::make_unique<Family>(Family{type, std::string(help), bounds, {}}))
                 .first;
  }
  check_same_family(*family->second);
  // Another thread may have created the child between the two locks.
  auto [child, inserted] = family->second->children.try_emplace(std::move(key));
  if (inserted) {
    switch (type) {
      case Type::kCounter:
        child->second.counter = std::make_unique<Counter>();
        break;
      case Type::kGauge:
        child->second.gauge = std::make_unique<Gauge>();
        break;
      case Type::kHistogram:
        child->second.histogram = std::make_unique<Histogram>(bounds);
        break;
    }
  }
  return child->second;
}

std::string Registry::Render() const {
  std::string out;
  absl::ReaderMutexLock lock(&mutex_);
  for (const auto& [name, family] : families_) {
    if (!family->help.empty()) {
      absl::StrAppend(&out, "# HELP ", name, " ");
      AppendEscaped(family->help, /*quotes=*/false, out);
      out += '\n';
    }
    switch (family->type) {
      case Type::kCounter:
        absl::StrAppend(&out, "# TYPE ", name, " counter\n");
        break;
      case Type::kGauge:
        absl::StrAppend(&out, "# TYPE ", name, " gauge\n");
        break;
      case Type::kHistogram:
        absl::StrAppend(&out, "# TYPE ", name, " histogram\n");
        break;
    }
    for (const auto& [labels, child] : family->children) {
      switch (family->type) {
        case Type::kCounter:
          AppendSample(name, "", labels, nullptr, child.counter->value(), out);
          break;
        case Type::kGauge:
          AppendSample(name, "", labels, nullptr, child.gauge->value(), out);
          break;
        case Type::kHistogram: {
          const Histogram& histogram = *child.histogram;
          // Read once, so every bucket, +Inf and _count agree with each other
          // even while observations continue.
          const std::vector<std::uint64_t> counts = histogram.CumulativeCounts();
          for (std::size_t i = 0; i < counts.size(); ++i) {
            const std::string le =
                i < family->bounds.size() ? FormatNumber(family->bounds[i]) : "+Inf";
            AppendSample(name, "_bucket", labels, &le, static_cast<double>(counts[i]), out);
          }
          AppendSample(name, "_sum", labels, nullptr, histogram.sum(), out);
          AppendSample(name, "_count", labels, nullptr, static_cast<double>(counts.back()), out);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace liteformer::metrics
