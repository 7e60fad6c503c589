#include "cli/run_session.h"

#include <cmath>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/search/offline_decoding.h"
#include "engine/search/score_windows.h"
#include "engine/search/sentence_jobs.h"
#include "engine/text/language.h"
#include "engine/text/utf8.h"
#include "engine/util/status_macros.h"
#include "nlohmann/json.hpp"

namespace liteformer {
namespace {

constexpr int kEos = 2;

DecodingOptions MergeOptions(const DecodingDefaults& defaults, const RunOptions& o) {
  DecodingOptions d = DecodingOptions::FromDefaults(defaults);
  if (o.beam) {
    d.beam_size = *o.beam;
    if (!o.nbest) d.nbest = std::min(d.nbest, *o.beam);  // A smaller beam caps the default nbest.
  }
  if (o.lenpen) d.length_penalty = *o.lenpen;
  if (o.max_len_a) d.max_len_a = *o.max_len_a;
  if (o.max_len_b) d.max_len_b = *o.max_len_b;
  if (o.min_len) d.min_len = *o.min_len;
  if (o.no_repeat_ngram) d.no_repeat_ngram_size = *o.no_repeat_ngram;
  if (o.nbest) d.nbest = *o.nbest;
  if (o.max_tokens) d.max_tokens = *o.max_tokens;
  if (o.top_k) d.top_k = *o.top_k;
  if (o.top_p) d.top_p = *o.top_p;
  if (o.temperature) d.temperature = *o.temperature;
  if (o.seed) d.seed = *o.seed;
  if (o.sampling) d.sampling = *o.sampling;
  return d;
}

absl::StatusOr<std::vector<int>> ParseIds(const std::string& text) {
  std::vector<int> ids;
  for (absl::string_view field : absl::StrSplit(text, ' ', absl::SkipWhitespace())) {
    int id;
    if (!absl::SimpleAtoi(field, &id)) {
      return absl::InvalidArgumentError(absl::StrCat("'", field, "' is not an integer id"));
    }
    ids.push_back(id);
  }
  if (ids.empty()) return absl::InvalidArgumentError("empty line");
  return ids;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RunSession>> RunSession::Create(const RunOptions& options) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Model> model,
                   Model::Load(options.model_dir, {.compute_type = options.compute_type}));
  const bool lm = !model->is_encoder_decoder();
  if (lm &&
      (options.command == RunCommand::kTranslate || options.command == RunCommand::kSummarize)) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.model_dir, " is a language model: use generate or score"));
  }
  if (!lm && options.command == RunCommand::kGenerate) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.model_dir, " is an encoder-decoder model: use translate, summarize or score"));
  }
  if (options.context_window) {
    if (options.command != RunCommand::kScore || !lm) {
      return absl::InvalidArgumentError(
          "--context-window is for scoring with a language model (score on an LM directory)");
    }
    RETURN_IF_ERROR(CheckContextWindow(*options.context_window,
                                       model->config().max_target_positions, "--context-window"));
  }
  if (lm && options.command == RunCommand::kGenerate && options.max_tokens &&
      *options.max_tokens >= model->config().max_target_positions) {
    // As the server: the budget and </s> must fit the positions, with room
    // for at least the leading </s>.
    return absl::InvalidArgumentError(absl::StrCat("--max-tokens ", *options.max_tokens,
                                                   ": must be below max_target_positions ",
                                                   model->config().max_target_positions));
  }
  std::unique_ptr<RunSession> session(new RunSession(options, model));
  session->decoding_ = MergeOptions(model->config().decoding, options);
  RETURN_IF_ERROR(session->decoding_.Validate());
  // Also with --ids: the JSON output carries each hypothesis' text.
  ASSIGN_OR_RETURN(session->codec_, TextCodec::ForModel(*model));
  return session;
}

absl::StatusOr<std::vector<int>> RunSession::ParseSentence(const std::string& text,
                                                           bool source) const {
  std::vector<int> ids;
  if (options_.ids) {
    ASSIGN_OR_RETURN(ids, ParseIds(text));
  } else {
    if (text.find_first_not_of(" \t\r") == std::string::npos)
      return absl::InvalidArgumentError("empty line");
    ASSIGN_OR_RETURN(ids, source ? codec_->EncodeSource(text) : codec_->EncodeTarget(text));
  }
  const ModelConfig& config = model_->config();
  const bool is_source = source && model_->is_encoder_decoder();
  const int vocab = is_source ? config.vocab.source_size : config.vocab.target_size;
  RETURN_IF_ERROR(CheckIds(ids, vocab, is_source ? "source" : "text"));
  const int limit = is_source ? config.max_source_positions : config.max_target_positions;
  if (is_source && options_.command == RunCommand::kSummarize &&
      static_cast<int>(ids.size()) + 1 > limit) {
    // A summary is of the document's beginning (fairseq's --truncate-source,
    // and the server's Summarize): the rest cannot fit the model's positions.
    ids.resize(limit - 1);
  }
  // A language model scores a long text in windows and keeps a long prompt's
  // end: its texts have no length limit here.
  if (!model_->is_encoder_decoder()) return ids;
  if (static_cast<int>(ids.size()) + 1 > limit) {
    return absl::InvalidArgumentError(
        absl::StrCat(ids.size() + 1, " tokens with </s> exceed the model's ",
                     is_source ? "max_source_positions " : "max_target_positions ", limit));
  }
  return ids;
}

RunSession::Line RunSession::Parse(const std::string& raw) const {
  Line line;
  std::string text = raw;
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (const auto bad = FindInvalidUtf8(text)) {
    line.status = absl::InvalidArgumentError(absl::StrCat("invalid UTF-8 at byte ", *bad));
    return line;
  }
  auto assign = [&](absl::StatusOr<std::vector<int>> ids, std::vector<int>& into) {
    if (!ids.ok()) {
      if (line.status.ok()) line.status = ids.status();
    } else {
      into = std::move(*ids);
    }
  };
  if (options_.command == RunCommand::kScore && model_->is_encoder_decoder()) {
    const std::vector<std::string> fields = absl::StrSplit(text, '\t');
    if (fields.size() != 2) {
      line.status = absl::InvalidArgumentError("expected 'source<TAB>target'");
      return line;
    }
    assign(ParseSentence(fields[0], true), line.source);
    assign(ParseSentence(fields[1], false), line.target);
  } else if (options_.command == RunCommand::kScore) {
    assign(ParseSentence(text, false), line.target);
  } else if (options_.split_sentences) {
    line.text = text;
    line.layout = SegmentText(text, LanguageFromCode(model_->config().source_lang));
    for (const TextSegment& segment : line.layout) {
      if (!segment.is_sentence()) continue;
      assign(ParseSentence(std::string(segment.In(text)), true), line.sentences.emplace_back());
    }
    // A line of list markers alone has no sentence: it is translated whole.
    if (line.sentences.empty()) {
      line.layout.clear();
      assign(ParseSentence(text, true), line.sentences.emplace_back());
    }
  } else {
    assign(ParseSentence(text, options_.command != RunCommand::kGenerate), line.source);
  }
  return line;
}

void RunSession::RunSplitBatch(std::vector<Line*>& lines) {
  std::vector<std::vector<int>> inputs;
  for (Line* line : lines) {
    for (const std::vector<int>& ids : line->sentences) inputs.push_back(ids);
  }
  auto results = Translate(ctx_, *model_, inputs, decoding_);
  if (!results.ok()) {
    for (Line* line : lines) line->status = results.status();
    return;
  }
  std::size_t next = 0;
  for (Line* line : lines) {
    std::vector<std::string> texts;
    nlohmann::json sentences = nlohmann::json::array();
    for (std::size_t s = 0; s < line->sentences.size(); ++s) {
      const DecodeResult& result = (*results)[next++];
      if (absl::Status status =
              FinishedSentenceStatus(result.hypotheses, result.non_finite, options_.model_dir);
          !status.ok()) {
        line->status = status;
        continue;
      }
      texts.push_back(TextOf(result.hypotheses[0].tokens));
      if (options_.json) sentences.push_back(nlohmann::json::parse(FormatHypotheses(result)));
    }
    if (!line->status.ok()) continue;
    absl::StatusOr<std::string> text = line->layout.empty()
                                           ? absl::StatusOr<std::string>(texts.front())
                                           : Reassemble(line->layout, line->text, texts);
    if (!text.ok()) {
      line->status = text.status();
      continue;
    }
    line->output =
        options_.json ? nlohmann::json{{"text", *text}, {"sentences", sentences}}.dump() : *text;
  }
}

std::string RunSession::TextOf(const std::vector<int>& tokens) const {
  std::vector<int> without_eos(tokens.begin(), tokens.end());
  if (!without_eos.empty() && without_eos.back() == kEos) without_eos.pop_back();
  absl::StatusOr<std::string> text = codec_->Decode(without_eos);
  return text.ok() ? *text : std::string();
}

std::string RunSession::FormatHypotheses(const DecodeResult& result) const {
  auto text_of = [&](const std::vector<int>& tokens) { return TextOf(tokens); };
  if (!options_.json) {
    if (result.hypotheses.empty()) return "";
    const std::vector<int>& best = result.hypotheses[0].tokens;
    if (!options_.ids) return text_of(best);
    return absl::StrJoin(best.begin(), best.end() - (best.back() == kEos ? 1 : 0), " ");
  }
  nlohmann::json hypotheses = nlohmann::json::array();
  for (const Hypothesis& h : result.hypotheses) {
    hypotheses.push_back({{"ids", h.tokens},
                          {"text", text_of(h.tokens)},
                          {"score", h.score},
                          {"token_scores", h.token_scores}});
  }
  nlohmann::json output = {{"hypotheses", hypotheses}, {"macs", result.macs}};
  if (options_.command == RunCommand::kGenerate) {
    output["dropped_prompt_tokens"] = result.dropped_prompt_tokens;
  }
  return output.dump();
}

void RunSession::RunBatch(std::vector<Line>& lines) {
  std::vector<Line*> valid;
  for (Line& line : lines) {
    if (line.status.ok()) valid.push_back(&line);
  }
  if (valid.empty()) return;
  auto fail_all = [&](const absl::Status& status) {
    for (Line* line : valid) line->status = status;
  };
  if (options_.split_sentences) return RunSplitBatch(valid);
  if (options_.command == RunCommand::kScore) {
    std::vector<std::pair<std::vector<int>, std::vector<int>>> pairs;
    for (Line* line : valid) pairs.emplace_back(line->source, line->target);
    auto results = Score(ctx_, *model_, pairs, options_.context_window);
    if (!results.ok()) return fail_all(results.status());
    for (std::size_t i = 0; i < valid.size(); ++i) {
      const ScoreResult& r = (*results)[i];
      valid[i]->output = options_.json ? nlohmann::json{{"token_scores", r.token_scores},
                                                        {"score", r.log_prob},
                                                        {"perplexity", r.perplexity}}
                                             .dump()
                                       : absl::StrCat(r.log_prob, "\t", r.perplexity);
    }
    return;
  }
  std::vector<std::vector<int>> inputs;
  for (Line* line : valid) inputs.push_back(line->source);
  auto results = options_.command == RunCommand::kGenerate
                     ? Generate(ctx_, *model_, inputs, decoding_)
                     : Translate(ctx_, *model_, inputs, decoding_);
  if (!results.ok()) return fail_all(results.status());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if (absl::Status status = FinishedSentenceStatus((*results)[i].hypotheses,
                                                     (*results)[i].non_finite, options_.model_dir);
        !status.ok()) {
      valid[i]->status = status;
    } else {
      valid[i]->output = FormatHypotheses((*results)[i]);
    }
  }
}

int RunSession::Process(std::istream& in, std::ostream& out, std::ostream& err) {
  int exit_status = 0;
  long line_number = 0;
  std::string text;
  bool more = true;
  while (more) {
    std::vector<Line> batch;
    while (static_cast<int>(batch.size()) < options_.batch_size &&
           (more = static_cast<bool>(std::getline(in, text)))) {
      batch.push_back(Parse(text));
    }
    RunBatch(batch);
    for (const Line& line : batch) {
      ++line_number;
      if (line.status.ok()) {
        out << line.output << "\n";
      } else {
        exit_status = 1;
        err << "line " << line_number << ": " << line.status.message() << "\n";
        out << (options_.json ? nlohmann::json{{"error", std::string(line.status.message())}}.dump()
                              : "")
            << "\n";
      }
    }
    out.flush();
  }
  return exit_status;
}

}  // namespace liteformer
