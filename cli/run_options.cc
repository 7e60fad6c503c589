#include "cli/run_options.h"

#include <functional>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace liteformer {

const char kRunUsage[] = R"(usage: liteformer-run COMMAND --model DIR [options] < input

commands:
  translate   one source per line -> its best translation
  summarize   the same, with the model's summarization defaults; a document longer
              than the model's positions is summarized from its beginning
  score       "source<TAB>target" per line (a language model: the text) -> log-prob and perplexity;
              a language model scores a text of any length in windows
  generate    one prompt per line -> its continuation (language models)

options (unset = the model's default from config.json):
  --ids                 input and output are space-separated token ids (no final </s>)
  --json                one JSON object per line
  --split-sentences     translate: split each line into sentences (as the server does),
                        translate each alone and keep the line's spacing and list markers
  --threads N           intra-op threads (default 1)
  --compute-type T      float32 (default, exact) or int8 (AVX-512 VNNI)
  --batch-size N        lines decoded together (default 16)
  --beam N  --lenpen X  --max-len-a A  --max-len-b B  --min-len N
  --no-repeat-ngram N   --nbest N
  --max-tokens N        generation budget (generate)
  --topk K  --topp P  --temperature T  --seed S  --sampling  --no-sampling
  --context-window N    score, language model: each window after the first sees the N
                        tokens before it as context (0 <= N < positions; default positions/2)
)";

namespace {

template <typename T>
absl::Status ParseNumber(const std::string& flag, const std::string& text, T* out) {
  bool ok;
  if constexpr (std::is_same_v<T, float>) {
    ok = absl::SimpleAtof(text, out);
  } else {
    ok = absl::SimpleAtoi(text, out);
  }
  if (!ok) return absl::InvalidArgumentError(absl::StrCat(flag, ": '", text, "' is not a number"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RunOptions> ParseRunOptions(const std::vector<std::string>& args) {
  RunOptions options;
  if (args.empty()) return absl::InvalidArgumentError("missing command");
  static const std::map<std::string, RunCommand> kCommands = {{"translate", RunCommand::kTranslate},
                                                              {"summarize", RunCommand::kSummarize},
                                                              {"score", RunCommand::kScore},
                                                              {"generate", RunCommand::kGenerate}};
  const auto command = kCommands.find(args[0]);
  if (command == kCommands.end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown command '", args[0], "'"));
  }
  options.command = command->second;

  using Setter = std::function<absl::Status(const std::string& flag, const std::string& value)>;
  // Parses the flag's value into an optional numeric field.
  auto number = [](auto* field) -> Setter {
    return [field](const std::string& flag, const std::string& value) {
      typename std::remove_reference_t<decltype(*field)>::value_type parsed{};
      if (auto status = ParseNumber(flag, value, &parsed); !status.ok()) return status;
      *field = parsed;
      return absl::OkStatus();
    };
  };
  const std::map<std::string, Setter> with_value = {
      {"--model",
       [&](const std::string&, const std::string& v) {
         options.model_dir = v;
         return absl::OkStatus();
       }},
      {"--compute-type",
       [&](const std::string& f, const std::string& v) -> absl::Status {
         absl::StatusOr<ComputeType> type = ParseComputeType(v);
         if (!type.ok())
           return absl::InvalidArgumentError(absl::StrCat(f, ": ", type.status().message()));
         options.compute_type = *type;
         return absl::OkStatus();
       }},
      {"--threads", [&](const std::string& f,
                        const std::string& v) { return ParseNumber(f, v, &options.threads); }},
      {"--batch-size",
       [&](const std::string& f, const std::string& v) {
         return ParseNumber(f, v, &options.batch_size);
       }},
      {"--beam", number(&options.beam)},
      {"--lenpen", number(&options.lenpen)},
      {"--max-len-a", number(&options.max_len_a)},
      {"--max-len-b", number(&options.max_len_b)},
      {"--min-len", number(&options.min_len)},
      {"--no-repeat-ngram", number(&options.no_repeat_ngram)},
      {"--nbest", number(&options.nbest)},
      {"--max-tokens", number(&options.max_tokens)},
      {"--topk", number(&options.top_k)},
      {"--topp", number(&options.top_p)},
      {"--temperature", number(&options.temperature)},
      {"--seed", number(&options.seed)},
      {"--context-window", number(&options.context_window)},
  };
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (const auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "--ids" || flag == "--json" || flag == "--sampling" || flag == "--no-sampling" ||
        flag == "--split-sentences") {
      if (value) return absl::InvalidArgumentError(absl::StrCat(flag, " takes no value"));
      if (flag == "--split-sentences") options.split_sentences = true;
      if (flag == "--ids") options.ids = true;
      if (flag == "--json") options.json = true;
      if (flag == "--sampling") options.sampling = true;
      if (flag == "--no-sampling") options.sampling = false;
      continue;
    }
    const auto setter = with_value.find(flag);
    if (setter == with_value.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", flag, "'"));
    }
    if (!value) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      value = args[++i];
    }
    if (auto status = setter->second(flag, *value); !status.ok()) return status;
  }
  if (options.model_dir.empty()) return absl::InvalidArgumentError("--model DIR is required");
  if (options.threads < 1) return absl::InvalidArgumentError("--threads must be at least 1");
  if (options.batch_size < 1) return absl::InvalidArgumentError("--batch-size must be at least 1");
  if (options.split_sentences && (options.command != RunCommand::kTranslate || options.ids)) {
    return absl::InvalidArgumentError("--split-sentences is for translate, without --ids");
  }
  return options;
}

}  // namespace liteformer
