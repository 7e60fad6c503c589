#include "client/load_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace liteformer::client {
namespace {

std::string LatencyLine(absl::string_view label, const LatencyStats& stats) {
  return absl::StrFormat("%-22s p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f  (n=%d)\n", label,
                         stats.Percentile(50), stats.Percentile(90), stats.Percentile(99),
                         stats.Max(), stats.count());
}

nlohmann::ordered_json LatencyJson(const LatencyStats& stats) {
  return {{"count", stats.count()},      {"mean", stats.Mean()},
          {"p50", stats.Percentile(50)}, {"p90", stats.Percentile(90)},
          {"p99", stats.Percentile(99)}, {"max", stats.Max()}};
}

}  // namespace

std::string FormatReport(const LoadReport& report) {
  std::string text =
      absl::StrFormat("%s on %s%s, %s, %d text(s) per request\n", report.method, report.target,
                      report.model.empty() ? "" : absl::StrCat(" (model ", report.model, ")"),
                      report.mode, report.texts_per_request);
  absl::StrAppendFormat(
      &text, "sent %d  completed %d  ok %d  failed %d  in %.2f s (after %.1f s warm-up)\n",
      report.sent, report.completed, report.ok, report.failed(), report.elapsed_seconds,
      report.warmup_seconds);
  absl::StrAppendFormat(&text, "throughput %.2f requests/s  %.1f output tokens/s\n",
                        report.requests_per_second(), report.output_tokens_per_second());
  absl::StrAppend(&text, LatencyLine("latency ms", report.latency));
  if (report.first_chunk.count() > 0) {
    absl::StrAppend(&text, LatencyLine("first chunk ms", report.first_chunk));
  }
  if (report.split_by_length) {
    absl::StrAppend(
        &text,
        LatencyLine(absl::StrCat("short (<", report.median_chars, " chars)"), report.short_latency),
        LatencyLine(absl::StrCat("long (>=", report.median_chars, " chars)"), report.long_latency));
  }
  if (report.server_queue.count() > 0) {
    absl::StrAppend(&text, LatencyLine("server: queue ms", report.server_queue),
                    LatencyLine("server: compute ms", report.server_compute));
  }
  for (const auto& [code, count] : report.errors) {
    absl::StrAppendFormat(&text, "errors %s: %d\n", code, count);
  }
  return text;
}

nlohmann::ordered_json ReportToJson(const LoadReport& report) {
  nlohmann::ordered_json json = {
      {"target", report.target},
      {"method", report.method},
      {"model", report.model},
      {"mode", report.mode},
      {"texts_per_request", report.texts_per_request},
      {"warmup_seconds", report.warmup_seconds},
      {"elapsed_seconds", report.elapsed_seconds},
      {"sent", report.sent},
      {"completed", report.completed},
      {"ok", report.ok},
      {"failed", report.failed()},
      {"errors", report.errors},
      {"input_tokens", report.input_tokens},
      {"output_tokens", report.output_tokens},
      {"requests_per_second", report.requests_per_second()},
      {"output_tokens_per_second", report.output_tokens_per_second()},
      {"latency_ms", LatencyJson(report.latency)},
  };
  if (report.first_chunk.count() > 0) json["first_chunk_ms"] = LatencyJson(report.first_chunk);
  if (report.server_queue.count() > 0) {
    json["server_queue_ms"] = LatencyJson(report.server_queue);
    json["server_compute_ms"] = LatencyJson(report.server_compute);
  }
  if (report.split_by_length) {
    json["median_chars"] = report.median_chars;
    json["short_latency_ms"] = LatencyJson(report.short_latency);
    json["long_latency_ms"] = LatencyJson(report.long_latency);
  }
  return json;
}

}  // namespace liteformer::client
