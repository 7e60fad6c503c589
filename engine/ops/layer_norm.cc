#include "engine/ops/layer_norm.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/ops/row_chunks.h"

namespace liteformer {
namespace {
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
}  // namespace

absl::StatusOr<std::unique_ptr<LayerNorm>> LayerNorm::Create(std::span<const float> weight,
                                                             std::span<const float> bias,
                                                             const std::string& name,
                                                             float epsilon) {
  if (weight.size() != bias.size() || weight.empty()) {
    return absl::InternalError(absl::StrCat(name, ": LayerNorm weight and bias sizes differ"));
  }
  const int dim = static_cast<int>(weight.size());
  std::unique_ptr<LayerNorm> norm(new LayerNorm(dim, epsilon));
  try {
    const dnnl::memory::desc vector_desc({dim}, dt::f32, tag::a);
    norm->scale_ = dnnl::memory(vector_desc, CpuEngine());
    norm->shift_ = dnnl::memory(vector_desc, CpuEngine());
    std::copy(weight.begin(), weight.end(), static_cast<float*>(norm->scale_.get_data_handle()));
    std::copy(bias.begin(), bias.end(), static_cast<float*>(norm->shift_.get_data_handle()));
    norm->primitives_.Get(1, [&] { return norm->MakePrimitive(1); });
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat(name, ": oneDNN layer norm set-up failed: ", e.what()));
  }
  return norm;
}

LayerNorm::Primitive LayerNorm::MakePrimitive(int rows) const {
  const dnnl::memory::desc data_desc({rows, dim_}, dt::f32, tag::ab);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::layer_normalization_forward::primitive_desc pd(
      dnnl::layer_normalization_forward::desc(
          dnnl::prop_kind::forward_inference, data_desc, epsilon_,
          dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift),
      attr, CpuEngine());
  return Primitive{dnnl::layer_normalization_forward(pd), data_desc, pd.scratchpad_desc()};
}

void LayerNorm::Apply(ComputeContext& ctx, float* x, int rows) const {
  ForEachRowChunk(rows, [&](int first, int chunk) {
    const Primitive& p = primitives_.Get(chunk, [&] { return MakePrimitive(chunk); });
    dnnl::memory data(p.data_desc, CpuEngine(), x + std::size_t{1} * first * dim_);
    p.primitive.execute(ctx.stream(), {{DNNL_ARG_SRC, data},
                                       {DNNL_ARG_DST, data},
                                       {DNNL_ARG_SCALE, scale_},
                                       {DNNL_ARG_SHIFT, shift_},
                                       {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(p.scratchpad_desc)}});
    // Before the next chunk, whose Scratchpad() call may regrow the buffer.
    ctx.stream().wait();
  });
}

}  // namespace liteformer
