#include "engine/ops/packed_linear.h"

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/ops/int8_matmul.h"
#include "engine/ops/matmul_stats.h"
#include "engine/ops/row_chunks.h"

namespace liteformer {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// Our kernels' name for the same epilogue.
GemvEpilogue ToGemvEpilogue(LinearEpilogue epilogue) {
  switch (epilogue) {
    case LinearEpilogue::kRelu:
      return GemvEpilogue::kRelu;
    case LinearEpilogue::kAccumulate:
      return GemvEpilogue::kAccumulate;
    case LinearEpilogue::kNone:
      break;
  }
  return GemvEpilogue::kNone;
}

dnnl::memory::desc RowMajor(int rows, int cols) {
  return dnnl::memory::desc({rows, cols}, dt::f32, tag::ab);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PackedLinear>> PackedLinear::Create(
    std::span<const float> weight, std::span<const float> bias, int in_features, int out_features,
    const std::string& name, ComputeType compute_type) {
  if (static_cast<std::int64_t>(weight.size()) !=
          static_cast<std::int64_t>(in_features) * out_features ||
      (!bias.empty() && static_cast<int>(bias.size()) != out_features)) {
    return absl::InternalError(absl::StrCat(name, ": weight or bias size does not match"));
  }
  std::unique_ptr<PackedLinear> linear(new PackedLinear(in_features, out_features, name));
  if (compute_type == ComputeType::kInt8) {
    if (absl::Status supported = CheckComputeTypeSupported(compute_type); !supported.ok()) {
      return supported;
    }
    linear->int8_ =
        std::make_unique<const Int8Weights>(QuantizeInt8Weights(weight, out_features, in_features));
    linear->int8_bias_.Resize(out_features);  // zero when the layer has no bias
    if (!bias.empty()) std::copy(bias.begin(), bias.end(), linear->int8_bias_.data());
    return linear;
  }
  try {
    const dnnl::engine& engine = CpuEngine();
    // Ask the primitive for its preferred weight layout once (it is the same
    // for every row count on this CPU) and reorder the weights into it.
    const dnnl::memory::desc any_weights({in_features, out_features}, dt::f32, tag::any);
    const dnnl::matmul::primitive_desc probe(
        dnnl::matmul::desc(RowMajor(1, in_features), any_weights, RowMajor(1, out_features),
                           RowMajor(1, out_features)),
        engine);
    linear->weights_desc_ = probe.weights_desc();
    linear->layout_ = DescribePackedLayout(linear->weights_desc_);
    // W is [out, in] row-major, i.e. the [in, out] matrix in column-major "ba".
    const dnnl::memory::desc plain_weights({in_features, out_features}, dt::f32, tag::ba);
    dnnl::memory plain(plain_weights, engine, const_cast<float*>(weight.data()));
    linear->weights_ = dnnl::memory(linear->weights_desc_, engine);
    dnnl::stream stream(engine);
    dnnl::reorder(plain, linear->weights_).execute(stream, plain, linear->weights_);
    linear->bias_ = dnnl::memory(RowMajor(1, out_features), engine);
    auto* bias_data = static_cast<float*>(linear->bias_.get_data_handle());
    for (int i = 0; i < out_features; ++i) bias_data[i] = bias.empty() ? 0.0f : bias[i];
    stream.wait();
    // The decoding path (one row) is created now so the first request pays nothing.
    linear->GetPrimitive(Key{1, LinearEpilogue::kNone});
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat(name, ": oneDNN matmul set-up failed: ", e.what()));
  }
  return linear;
}

PackedLinear::Primitive PackedLinear::MakePrimitive(const Key& key) const {
  const LinearEpilogue epilogue = key.epilogue;
  dnnl::post_ops post_ops;
  if (epilogue == LinearEpilogue::kRelu)
    post_ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0, 0);
  if (epilogue == LinearEpilogue::kAccumulate) post_ops.append_sum(1.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(post_ops);
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::matmul::primitive_desc pd(
      dnnl::matmul::desc(RowMajor(key.rows, in_features_), weights_desc_,
                         RowMajor(1, out_features_), RowMajor(key.rows, out_features_)),
      attr, CpuEngine());
  return Primitive{dnnl::matmul(pd), pd.src_desc(), pd.dst_desc(), pd.scratchpad_desc()};
}

const PackedLinear::Primitive& PackedLinear::GetPrimitive(const Key& key) const {
  return primitives_.Get(key, [&] { return MakePrimitive(key); });
}

void PackedLinear::Apply(ComputeContext& ctx, const float* x, int rows, float* y,
                         LinearEpilogue epilogue) const {
  MatmulStats& stats = GlobalMatmulStats();
  const bool timed = stats.enabled.load(std::memory_order_relaxed);
  const auto start =
      timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
  auto account = [&] {
    if (!timed) return;
    stats.nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count();
    stats.flops += 2ull * rows * in_features_ * out_features_;
    ++stats.calls;
  };
  if (int8_) {
    ApplyInt8(ctx, x, rows, y, epilogue);
    account();
    return;
  }
  if (layout_ && rows <= kMaxGemvRows) {
    PackedGemv(*layout_, packed_weights(), static_cast<const float*>(bias_.get_data_handle()), x,
               rows, y, ToGemvEpilogue(epilogue), ctx.threads());
    account();
    return;
  }
  const dnnl::engine& engine = CpuEngine();
  ForEachRowChunk(rows, [&](int first, int chunk) {
    const Primitive& p = GetPrimitive(Key{chunk, epilogue});
    dnnl::memory src(p.src_desc, engine,
                     const_cast<float*>(x) + std::size_t{1} * first * in_features_);
    dnnl::memory dst(p.dst_desc, engine, y + std::size_t{1} * first * out_features_);
    p.matmul.execute(ctx.stream(), {{DNNL_ARG_SRC, src},
                                    {DNNL_ARG_WEIGHTS, weights_},
                                    {DNNL_ARG_BIAS, bias_},
                                    {DNNL_ARG_DST, dst},
                                    {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(p.scratchpad_desc)}});
    // Before the next chunk, whose Scratchpad() call may regrow the buffer.
    ctx.stream().wait();
  });
  account();
}

void PackedLinear::ApplyInt8(ComputeContext& ctx, const float* x, int rows, float* y,
                             LinearEpilogue epilogue) const {
  const Int8Weights& w = *int8_;
  // Bytes in float-sized slots: the context's buffers are float arrays.
  const std::size_t bytes = static_cast<std::size_t>(rows) * w.k_padded;
  auto* xq = reinterpret_cast<std::uint8_t*>(
      ctx.Buffer(ComputeContext::kQuantizedInput, (bytes + sizeof(float) - 1) / sizeof(float)));
  float* x_inverse_scales = ctx.Buffer(ComputeContext::kQuantizedScales, rows);
  QuantizeRowsU8(x, rows, in_features_, w.k_padded, xq, x_inverse_scales);
  Int8Matmul(w, xq, x_inverse_scales, int8_bias_.data(), rows, y, ToGemvEpilogue(epilogue),
             ctx.threads());
}

void PackedLinear::WeightRow(int out, float* row) const {
  if (int8_) {
    const float inverse = int8_->inverse_scales.data()[out];
    for (int c = 0; c < in_features_; ++c) row[c] = int8_->at(out, c) * inverse;
    return;
  }
  // Element (c, out) of the packed [in, out] weights.
  const PackedLayout& layout = *layout_;
  const float* weights =
      packed_weights() + static_cast<long>(out / layout.bn) * layout.stride_nb + out % layout.bn;
  for (int c = 0; c < in_features_; ++c) {
    row[c] =
        weights[(c / layout.bk) * layout.stride_kb + static_cast<long>(c % layout.bk) * layout.bn];
  }
}

MatmulStats& GlobalMatmulStats() {
  static MatmulStats stats;
  return stats;
}

}  // namespace liteformer
