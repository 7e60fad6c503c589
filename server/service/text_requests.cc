#include "server/service/text_requests.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "absl/base/casts.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/search/sentence_jobs.h"
#include "engine/text/sentence_splitter.h"
#include "engine/text/utf8.h"
#include "engine/util/status_macros.h"
#include "server/quota/client_quotas.h"
#include "server/request/decoding_request.h"
#include "server/request/request_priority.h"

namespace liteformer {
namespace {

// How errors name a request's text: Generate has one prompt, not texts.
std::string TextLabel(const TextCall& call, int index) {
  return call.work == TextWork::kGenerate ? "prompt" : absl::StrCat("texts[", index, "]");
}

// One text's sentences as ids, or why the text cannot be served.
// `sentences_before`: the sentences of the request's earlier texts, which
// count against the same max_sentences_per_request.
absl::StatusOr<std::vector<std::vector<int>>> TokenizeText(const ServedModel& model,
                                                           const TextCall& call, int index,
                                                           const RequestLimits& limits,
                                                           int sentences_before) {
  const std::string& text = call.texts[index];
  const std::string label = TextLabel(call, index);
  // Invalid UTF-8 is reported by the tokenizer, with its byte offset.
  const long characters = static_cast<long>(CountUtf8Characters(text));
  if (characters > limits.max_chars_per_text) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": ", characters,
                     " characters exceed max_chars_per_text = ", limits.max_chars_per_text));
  }
  if (absl::StripAsciiWhitespace(text).empty() && call.work != TextWork::kGenerate) {
    return absl::InvalidArgumentError(absl::StrCat(label, " is empty"));
  }
  // A source to translate is decoded sentence by sentence; a document to
  // summarize, a prompt or a scored text is one piece.
  const bool summarize = call.task == Task::kSummarization;
  std::vector<std::string> pieces;
  if (call.work == TextWork::kDecode && !summarize) {
    pieces = SplitSentences(text, SourceLanguage(model));
  }
  // A text of list markers alone has no sentence: it is translated whole.
  if (pieces.empty()) pieces.push_back(text);
  const int sentences = sentences_before + static_cast<int>(pieces.size());
  if (sentences > limits.max_sentences_per_request) {
    return absl::InvalidArgumentError(
        sentences_before == 0
            ? absl::StrCat(label, ": ", pieces.size(),
                           " sentences exceed max_sentences_per_request = ",
                           limits.max_sentences_per_request)
            : absl::StrCat(
                  label, ": its ", pieces.size(), " sentences bring the request to ", sentences,
                  ", over max_sentences_per_request = ", limits.max_sentences_per_request));
  }
  const int max_tokens = MaxTokensPerSentence(model.model(), limits);
  std::vector<std::vector<int>> ids_per_sentence;
  for (std::size_t s = 0; s < pieces.size(); ++s) {
    const std::string sentence_label =
        pieces.size() == 1 ? label : absl::StrCat(label, " sentence ", s);
    absl::StatusOr<std::vector<int>> ids;
    if (call.work == TextWork::kGenerate && absl::StripAsciiWhitespace(pieces[s]).empty()) {
      ids = std::vector<int>();  // An empty prompt: generate from nothing.
    } else if (model.model().is_encoder_decoder()) {
      ids = model.codec().EncodeSource(pieces[s]);
    } else {
      ids = model.codec().EncodeTarget(pieces[s]);
    }
    if (!ids.ok()) {
      return absl::Status(ids.status().code(),
                          absl::StrCat(sentence_label, ": ", ids.status().message()));
    }
    if (summarize && static_cast<int>(ids->size()) > max_tokens) {
      // A summary is of the document's beginning, as fairseq's
      // --truncate-source does: the rest cannot fit the model's positions.
      ids->resize(max_tokens);
    }
    if (static_cast<int>(ids->size()) > max_tokens) {
      return absl::InvalidArgumentError(
          absl::StrCat(sentence_label, ": ", ids->size(),
                       " tokens exceed max_tokens_per_sentence = ", max_tokens));
    }
    ids_per_sentence.push_back(*std::move(ids));
  }
  return ids_per_sentence;
}

// A sentence's job and its batching length (Job::length).
struct MadeJob {
  SentenceJob sentence;
  int length = 0;
  std::string cache_key;  // Empty: not cached (see CacheKey).
};

// What determines a decoded sentence's result, as a response-cache key: the
// model instance (name, version, compute type and the loaded weights'
// address, so another load of the model never meets an old entry), the task, every effective
// decoding option and the source ids. Empty when the result is not
// determined by them or may not be cached: work other than decoding (a
// scored window or a generation), sampling with a seed the server drew,
// DecodingOptions.no_cache, or no cache.
std::string CacheKey(const ServiceContext& context, const ServedModel& model, const TextCall& call,
                     const DecodingOptions& o, const std::vector<int>& ids) {
  if (context.cache == nullptr || !context.cache->enabled() || call.work != TextWork::kDecode ||
      call.options.no_cache() || (o.sampling && call.options.seed() == 0)) {
    return "";
  }
  const auto bits = [](float value) { return absl::bit_cast<std::uint32_t>(value); };
  std::string key = absl::StrCat(
      model.name(), "\x1f", model.info().version(), "\x1f", model.info().compute_type(), "\x1f",
      reinterpret_cast<std::uintptr_t>(&model.model()), "\x1f", static_cast<int>(call.task), ":",
      o.beam_size, ",", bits(o.length_penalty), ",", bits(o.max_len_a), ",", o.max_len_b, ",",
      o.min_len, ",", o.no_repeat_ngram_size, ",", o.nbest, ",", o.sampling, ",", o.top_k, ",",
      bits(o.top_p), ",", bits(o.temperature), ",", o.sampling ? o.seed : 0, ",",
      call.options.return_scores(), ":");
  for (int id : ids) absl::StrAppend(&key, id, " ");
  return key;
}

// One job per sentence, or per window of a scored text (score_windows.h).
absl::StatusOr<std::vector<MadeJob>> MakeJobs(const ServedModel& model, const TextCall& call,
                                              const DecodingOptions& options,
                                              const std::vector<int>& ids,
                                              const std::string& label) {
  std::vector<MadeJob> made;
  const int length = static_cast<int>(ids.size()) + 1;
  switch (call.work) {
    case TextWork::kDecode: {
      ASSIGN_OR_RETURN(SentenceJob job, MakeTranslationJob(model.model(), ids, options, label));
      made.push_back({std::move(job), length, {}});
      break;
    }
    case TextWork::kScore: {
      ASSIGN_OR_RETURN(std::vector<WindowJob> windows,
                       MakeWindowedScoringJobs(model.model(), ids, model.context_window(), label));
      for (WindowJob& window : windows) made.push_back({std::move(window.job), window.length, {}});
      break;
    }
    case TextWork::kGenerate: {
      ASSIGN_OR_RETURN(SentenceJob job, MakeGenerationJob(model.model(), ids, options, label));
      const int kept_length = length - job.dropped_prompt_tokens;
      made.push_back({std::move(job), kept_length, {}});
      break;
    }
  }
  return made;
}

absl::Status CheckTexts(const TextCall& call, const RequestLimits& limits) {
  if (call.texts.empty()) return absl::InvalidArgumentError("texts is empty: nothing to do");
  if (call.texts.size() > static_cast<std::size_t>(limits.max_texts_per_request)) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.texts.size(), " texts exceed max_texts_per_request = ", limits.max_texts_per_request));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> ToTexts(const google::protobuf::RepeatedPtrField<std::string>& texts) {
  return std::vector<std::string>(texts.begin(), texts.end());
}

void StartTextCall(ServiceContext& context, TextCall call, TextCallbacks callbacks,
                   const std::function<void(const std::string&)>& record_model) {
  auto refuse = [&](const ServedModel* model, const absl::Status& status) {
    callbacks.request_done(model, status, RequestTotals{});
  };
  if (context.draining.load()) {
    return refuse(nullptr, absl::UnavailableError("the server is shutting down"));
  }
  absl::StatusOr<std::shared_ptr<ServedModel>> found = context.registry.Find(call.model, call.task);
  if (!found.ok()) return refuse(nullptr, found.status());
  // The callbacks hold this version: a reload that replaces it meanwhile
  // lets the request finish on it.
  const std::shared_ptr<ServedModel> served = *std::move(found);
  ServedModel& model = *served;
  record_model(model.name());
  if (absl::Status status = CheckTexts(call, context.limits); !status.ok()) {
    return refuse(&model, status);
  }
  absl::StatusOr<DecodingOptions> options =
      ToEngineOptions(call.options, call.max_tokens, model.model(), context.limits);
  if (!options.ok()) return refuse(&model, options.status());
  absl::StatusOr<Priority> scheduling = ToSchedulingPriority(call.priority);
  if (!scheduling.ok()) return refuse(&model, scheduling.status());
  const Priority priority = *scheduling;

  std::vector<std::vector<MadeJob>> texts;
  std::vector<int> sentences_per_text;
  std::vector<int> input_tokens;
  int sentences_before = 0;
  int jobs_before = 0;
  for (int i = 0; i < static_cast<int>(call.texts.size()); ++i) {
    absl::StatusOr<std::vector<std::vector<int>>> sentences =
        TokenizeText(model, call, i, context.limits, sentences_before);
    if (!sentences.ok()) return refuse(&model, sentences.status());
    int tokens = 0;
    std::vector<MadeJob>& made = texts.emplace_back();
    for (std::size_t s = 0; s < sentences->size(); ++s) {
      const std::vector<int>& ids = (*sentences)[s];
      tokens += static_cast<int>(ids.size()) + 1;
      const std::string label = sentences->size() == 1
                                    ? TextLabel(call, i)
                                    : absl::StrCat(TextLabel(call, i), " sentence ", s);
      absl::StatusOr<std::vector<MadeJob>> jobs = MakeJobs(model, call, *options, ids, label);
      if (!jobs.ok()) return refuse(&model, jobs.status());
      if (jobs->size() == 1)
        jobs->front().cache_key = CacheKey(context, model, call, *options, ids);
      for (MadeJob& job : *jobs) made.push_back(std::move(job));
    }
    // A long scored text's windows are jobs like sentences, under the same limit.
    jobs_before += static_cast<int>(made.size());
    if (jobs_before > context.limits.max_sentences_per_request) {
      return refuse(
          &model,
          absl::InvalidArgumentError(absl::StrCat(
              TextLabel(call, i), ": its ", made.size(), " scoring windows bring the request to ",
              jobs_before,
              ", over max_sentences_per_request = ", context.limits.max_sentences_per_request)));
    }
    input_tokens.push_back(tokens);
    sentences_per_text.push_back(static_cast<int>(made.size()));
    sentences_before += static_cast<int>(sentences->size());
  }

  auto pending = std::make_shared<PendingRequest>(
      std::move(sentences_per_text), input_tokens,
      [served, text_done = callbacks.text_done](int text, std::vector<FinishedSentence>& sentences,
                                                const RequestTotals& totals) {
        if (text_done) text_done(*served, text, sentences, totals);
      },
      [served, request_done = callbacks.request_done](const absl::Status& status,
                                                      const RequestTotals& totals) {
        request_done(served.get(), status, totals);
      });
  pending->set_seed(options->sampling ? options->seed : 0);
  // The RPC's cancellation and the request's own failure stop the same jobs.
  std::shared_ptr<std::atomic<bool>> rpc_cancelled = call.cancelled;
  std::shared_ptr<std::atomic<bool>> request_cancelled = pending->cancelled();
  std::vector<std::unique_ptr<Job>> jobs;
  struct Hit {
    int text;
    int sentence;
    FinishedSentence result;
  };
  std::vector<Hit> hits;
  for (std::size_t t = 0; t < texts.size(); ++t) {
    for (std::size_t s = 0; s < texts[t].size(); ++s) {
      const std::string& key = texts[t][s].cache_key;
      if (!key.empty()) {
        std::optional<FinishedSentence> cached = context.cache->Find(key);
        context.metrics.RecordCacheLookup(model.name(), cached.has_value());
        if (cached.has_value()) {
          // Nothing was computed for it this time.
          cached->macs = 0;
          cached->steps = 0;
          hits.push_back({static_cast<int>(t), static_cast<int>(s), *std::move(cached)});
          continue;
        }
      }
      auto job = std::make_unique<Job>();
      job->sentence = std::move(texts[t][s].sentence);
      job->length = texts[t][s].length;
      // A translation takes about as many steps as its source (the default);
      // a scored text (window) is read in one pass; a generation runs to
      // max_tokens.
      if (call.work == TextWork::kScore) job->expected_steps = 1;
      if (call.work == TextWork::kGenerate) job->expected_steps = options->max_tokens;
      job->deadline = call.deadline;
      job->priority = priority;
      job->client = call.quota_key;
      job->cancelled = [rpc_cancelled, request_cancelled] {
        return (rpc_cancelled && rpc_cancelled->load()) || request_cancelled->load();
      };
      if (callbacks.on_token) {
        job->sentence.stream_tokens = true;
        job->on_token = [served, on_token = callbacks.on_token](int token) {
          on_token(*served, token);
        };
      }
      job->done = pending->DoneCallback(static_cast<int>(t), static_cast<int>(s));
      if (!key.empty()) {
        job->done = [cache = context.cache, key, done = std::move(job->done)](
                        absl::StatusOr<FinishedSentence> result, const JobTimes& times) mutable {
          if (result.ok() && !result->non_finite) cache->Insert(key, *result);
          done(std::move(result), times);
        };
      }
      jobs.push_back(std::move(job));
    }
  }
  // Quotas count what the queue would run (cache hits are free); each
  // sentence leaves the client's in-flight count as it finishes, before its
  // result is handed on.
  std::shared_ptr<QuotaLease> lease;
  if (context.quotas != nullptr && context.quotas->enabled() && !jobs.empty()) {
    ClientQuotas::Admission admission =
        context.quotas->Admit(call.quota_key, static_cast<int>(jobs.size()), absl::Now(),
                              model.scheduler().expected_wait(priority));
    if (admission.refusal.has_value()) {
      context.metrics.RecordQuotaRefusal(call.client, QuotaLimitName(admission.refusal->limit));
      pending->FailBeforeSubmit(admission.refusal->status);
      return;
    }
    lease = std::move(admission.lease);
    if (lease != nullptr) {
      for (std::unique_ptr<Job>& job : jobs) {
        job->done = [lease, done = std::move(job->done)](absl::StatusOr<FinishedSentence> result,
                                                         const JobTimes& times) mutable {
          lease->ReleaseOne();
          done(std::move(result), times);
        };
      }
    }
  }
  // Hits skip the queue; they are handed over only once the rest is
  // admitted, so a refused request reports the refusal and nothing else.
  if (!jobs.empty()) {
    if (absl::Status status = model.scheduler().Submit(jobs); !status.ok()) {
      // Refused by admission: nothing ran, so the quota is not spent.
      if (lease != nullptr) lease->ReturnTokens();
      pending->FailBeforeSubmit(status);
      return;
    }
  }
  for (Hit& hit : hits) {
    pending->DoneCallback(hit.text, hit.sentence)(std::move(hit.result), JobTimes{});
  }
}

Language SourceLanguage(const ServedModel& model) {
  return LanguageFromCode(model.model().config().source_lang);
}

v1::Result JoinSentences(const ServedModel& model, std::vector<FinishedSentence>& sentences,
                         bool with_scores, const std::string* original) {
  const TextCodec& codec = model.codec();
  // The text is segmented again, as TokenizeText did (the same function of
  // the same text): its layout is then not kept for the whole call.
  std::vector<TextSegment> layout;
  if (original != nullptr) layout = SegmentText(*original, SourceLanguage(model));
  v1::Result result;
  std::size_t ranks = 0;
  for (const FinishedSentence& sentence : sentences) {
    ranks = std::max(ranks, sentence.hypotheses.size());
  }
  for (std::size_t rank = 0; rank < ranks; ++rank) {
    std::vector<std::string> texts;
    double weighted_score = 0.0;
    std::size_t tokens = 0;
    v1::Hypothesis& hypothesis = *result.add_hypotheses();
    for (const FinishedSentence& sentence : sentences) {
      // A sentence with fewer hypotheses lends its last one.
      const Hypothesis& h = sentence.hypotheses[std::min(rank, sentence.hypotheses.size() - 1)];
      absl::StatusOr<std::string> decoded = codec.Decode(h.tokens);
      texts.push_back(decoded.ok() ? *decoded : std::string());
      weighted_score += static_cast<double>(h.score) * h.tokens.size();
      tokens += h.tokens.size();
      if (with_scores) {
        for (float score : h.token_scores) hypothesis.add_token_scores(score);
      }
    }
    absl::StatusOr<std::string> text = absl::FailedPreconditionError("no layout");
    if (original != nullptr) text = Reassemble(layout, *original, texts);
    // Without a layout (Summarize; a text of list markers alone, translated
    // whole), the sentences are joined by spaces.
    hypothesis.set_text(text.ok() ? *std::move(text) : absl::StrJoin(texts, " "));
    // One sentence: its own score; several: their token-weighted mean.
    hypothesis.set_score(tokens == 0 ? 0.0f : static_cast<float>(weighted_score / tokens));
  }
  return result;
}

v1::Usage MakeUsage(const ServedModel& model, const RequestTotals& totals) {
  v1::Usage usage;
  usage.set_model(model.name());
  usage.set_model_version(model.info().version());
  usage.set_input_tokens(totals.input_tokens);
  usage.set_output_tokens(totals.output_tokens);
  usage.set_macs(static_cast<std::uint64_t>(totals.macs));
  usage.set_queue_seconds(absl::ToDoubleSeconds(totals.max_queued));
  usage.set_compute_seconds(absl::ToDoubleSeconds(totals.compute));
  usage.set_seed(totals.seed);
  return usage;
}

}  // namespace liteformer
