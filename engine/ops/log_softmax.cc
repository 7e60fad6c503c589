#include "engine/ops/log_softmax.h"

#include "engine/ops/row_chunks.h"

namespace liteformer {

LogSoftmax::Primitive LogSoftmax::MakePrimitive(int rows) const {
  const dnnl::memory::desc data_desc({rows, width_}, dnnl::memory::data_type::f32,
                                     dnnl::memory::format_tag::ab);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::logsoftmax_forward::primitive_desc pd(
      dnnl::logsoftmax_forward::desc(dnnl::prop_kind::forward_inference, data_desc, 1), attr,
      CpuEngine());
  return Primitive{dnnl::logsoftmax_forward(pd), data_desc, pd.scratchpad_desc()};
}

void LogSoftmax::Apply(ComputeContext& ctx, float* x, int rows) const {
  ForEachRowChunk(rows, [&](int first, int chunk) {
    const Primitive& p = primitives_.Get(chunk, [&] { return MakePrimitive(chunk); });
    dnnl::memory data(p.data_desc, CpuEngine(), x + std::size_t{1} * first * width_);
    p.primitive.execute(ctx.stream(), {{DNNL_ARG_SRC, data},
                                       {DNNL_ARG_DST, data},
                                       {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(p.scratchpad_desc)}});
    // Before the next chunk, whose Scratchpad() call may regrow the buffer.
    ctx.stream().wait();
  });
}

}  // namespace liteformer
