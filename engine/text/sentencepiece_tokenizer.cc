#include "engine/text/sentencepiece_tokenizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#ifndef LITEFORMER_SPM_SHIM_BUILD_PATH
#define LITEFORMER_SPM_SHIM_BUILD_PATH ""
#endif

namespace liteformer {
namespace {

struct ShimApi {
  void* (*load)(const char*, char*, size_t) = nullptr;
  void (*free)(void*) = nullptr;
  long (*encode)(void*, const char*, size_t, char*, size_t) = nullptr;
  long (*decode)(void*, const char*, size_t, char*, size_t) = nullptr;
};

bool UseDlmopen() {
#if defined(__SANITIZE_ADDRESS__)
  return false;
#else
  return std::getenv("LITEFORMER_SPM_NO_DLMOPEN") == nullptr;
#endif
}

// Where the shim may be: $LITEFORMER_SPM_SHIM, beside the executable
// (../lib/), the installed library directory, then the build tree.
std::vector<std::string> ShimCandidates() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("LITEFORMER_SPM_SHIM")) candidates.emplace_back(env);
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) candidates.push_back((exe.parent_path() / "../lib/libliteformer_spm.so").string());
  candidates.emplace_back("/usr/local/lib/libliteformer_spm.so");
  candidates.emplace_back(LITEFORMER_SPM_SHIM_BUILD_PATH);
  return candidates;
}

absl::StatusOr<const ShimApi*> LoadShim() {
  static std::once_flag once;
  static ShimApi api;
  static absl::Status status;
  std::call_once(once, [] {
    std::vector<std::string> tried;
    void* handle = nullptr;
    for (const std::string& path : ShimCandidates()) {
      if (path.empty() || !std::filesystem::exists(path)) continue;
      tried.push_back(path);
      handle = UseDlmopen() ? dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL)
                            : dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle != nullptr) break;
      status = absl::FailedPreconditionError(absl::StrCat("cannot load ", path, ": ", dlerror()));
    }
    if (handle == nullptr) {
      if (tried.empty()) {
        status = absl::FailedPreconditionError(
            "libliteformer_spm.so not found (set LITEFORMER_SPM_SHIM to its path)");
      }
      return;
    }
    api.load = reinterpret_cast<decltype(api.load)>(dlsym(handle, "lf_spm_load"));
    api.free = reinterpret_cast<decltype(api.free)>(dlsym(handle, "lf_spm_free"));
    api.encode = reinterpret_cast<decltype(api.encode)>(dlsym(handle, "lf_spm_encode"));
    api.decode = reinterpret_cast<decltype(api.decode)>(dlsym(handle, "lf_spm_decode"));
    if (!api.load || !api.free || !api.encode || !api.decode) {
      status = absl::FailedPreconditionError("libliteformer_spm.so lacks its lf_spm_* functions");
      return;
    }
    status = absl::OkStatus();
  });
  if (!status.ok()) return status;
  return &api;
}

// Calls a shim function that writes into a caller buffer, growing it once.
template <typename Call>
absl::StatusOr<std::string> CallWithBuffer(Call&& call, const char* what) {
  std::string out(256, '\0');
  long length = call(out.data(), out.size());
  if (length > static_cast<long>(out.size())) {
    out.resize(length);
    length = call(out.data(), out.size());
  }
  if (length < 0) return absl::InvalidArgumentError(absl::StrCat("sentencepiece could not ", what));
  out.resize(length);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> SentencePieceTokenizer::Load(
    const std::string& model_path) {
  absl::StatusOr<const ShimApi*> api = LoadShim();
  if (!api.ok()) return api.status();
  char error[512] = {0};
  void* processor = (*api)->load(model_path.c_str(), error, sizeof(error));
  if (processor == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(model_path, ": not a sentencepiece model (", error, ")"));
  }
  return std::unique_ptr<SentencePieceTokenizer>(new SentencePieceTokenizer(processor));
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  if (auto api = LoadShim(); api.ok()) (*api)->free(processor_);
}

absl::StatusOr<std::vector<std::string>> SentencePieceTokenizer::Encode(
    absl::string_view text) const {
  const ShimApi* api = *LoadShim();
  absl::StatusOr<std::string> joined = CallWithBuffer(
      [&](char* out, size_t capacity) {
        return api->encode(processor_, text.data(), text.size(), out, capacity);
      },
      "encode the text");
  if (!joined.ok()) return joined.status();
  return std::vector<std::string>(absl::StrSplit(*joined, ' ', absl::SkipEmpty()));
}

absl::StatusOr<std::string> SentencePieceTokenizer::Decode(
    const std::vector<std::string>& pieces) const {
  const ShimApi* api = *LoadShim();
  const std::string joined = absl::StrJoin(pieces, " ");
  return CallWithBuffer(
      [&](char* out, size_t capacity) {
        return api->decode(processor_, joined.data(), joined.size(), out, capacity);
      },
      "decode the pieces");
}

}  // namespace liteformer
