// The result of a liteformer-load run, as text for people and as JSON.
#ifndef LITEFORMER_CLIENT_LOAD_REPORT_H_
#define LITEFORMER_CLIENT_LOAD_REPORT_H_

#include <cstdint>
#include <map>
#include <string>

#include "client/latency_stats.h"
#include "nlohmann/json.hpp"

namespace liteformer::client {

// Everything counts only requests sent after the warm-up.
struct LoadReport {
  std::string target;
  std::string method;
  std::string model;
  std::string mode;  // "closed (concurrency N)" or "open (R/s poisson)"
  size_t texts_per_request = 1;

  double warmup_seconds = 0;
  // From the end of the warm-up to the last counted completion.
  double elapsed_seconds = 0;
  uint64_t sent = 0;
  uint64_t completed = 0;  // Successes and errors.
  uint64_t ok = 0;
  std::map<std::string, uint64_t> errors;  // Status code name (or MISMATCH) -> count.
  uint64_t input_tokens = 0;
  uint64_t output_tokens = 0;

  LatencyStats latency;      // Of successful requests, ms.
  LatencyStats first_chunk;  // generate: time to the first streamed message, ms.
  // --split_by_length: requests whose texts average fewer characters than
  // the median text are "short".
  bool split_by_length = false;
  size_t median_chars = 0;
  LatencyStats short_latency;
  LatencyStats long_latency;
  // Where the time went, by the server's account (each response's Usage):
  // waiting for a batch, and decoding. The rest of `latency` is the network,
  // gRPC and the request's own tokenizing.
  LatencyStats server_queue;
  LatencyStats server_compute;

  double requests_per_second() const { return elapsed_seconds > 0 ? ok / elapsed_seconds : 0; }
  double output_tokens_per_second() const {
    return elapsed_seconds > 0 ? output_tokens / elapsed_seconds : 0;
  }
  uint64_t failed() const { return completed - ok; }
};

std::string FormatReport(const LoadReport& report);
nlohmann::ordered_json ReportToJson(const LoadReport& report);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_LOAD_REPORT_H_
