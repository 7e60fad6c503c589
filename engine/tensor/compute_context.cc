#include "engine/tensor/compute_context.h"

#include <omp.h>

#include <algorithm>

namespace liteformer {

const dnnl::engine& CpuEngine() {
  static const dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

ComputeContext::ComputeContext(int threads) : threads_(std::max(1, threads)), stream_(CpuEngine()) {
  BindToCurrentThread();
}

dnnl::memory ComputeContext::Scratchpad(const dnnl::memory::desc& desc) {
  scratchpad_.EnsureSize(std::max<std::size_t>(desc.get_size(), 1));
  return dnnl::memory(desc, CpuEngine(), scratchpad_.data());
}

void ComputeContext::BindToCurrentThread() const { omp_set_num_threads(threads_); }

}  // namespace liteformer
