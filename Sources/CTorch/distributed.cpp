// c10d process groups through the flat C interface: a TCPStore rendezvous and libtorch's own
// ProcessGroupGloo (and ProcessGroupNCCL in CUDA builds with RS_WITH_NCCL).
//
// The CPU wheel exports ProcessGroupGloo but ships no gloo headers, which ProcessGroupGloo.hpp
// includes; they come from Debian's libgloo-dev (scripts/bootstrap). Only declarations are used:
// every gloo type reaches this file behind a pointer, and all gloo code runs inside libtorch.
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef RS_WITH_NCCL
#define USE_C10D_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <string>

#include "shim.hpp"

using rs::T;

struct rs_process_group_s {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
  std::chrono::milliseconds timeout;
};

struct rs_work_s {
  c10::intrusive_ptr<c10d::Work> work;
  std::chrono::milliseconds timeout;
  /// Divided by `divisor` once the work completes (an all-reduce mean); Gloo has no AVG op.
  std::vector<at::Tensor> divide;
  int64_t divisor = 1;
};

static c10d::ReduceOp reduce_op(int32_t reduction) {
  switch (reduction) {
    case RS_DIST_SUM:
    case RS_DIST_MEAN: return c10d::ReduceOp::SUM;
    case RS_DIST_MAX: return c10d::ReduceOp::MAX;
    case RS_DIST_MIN: return c10d::ReduceOp::MIN;
  }
  TORCH_CHECK(false, "unknown reduction code ", reduction);
}

static c10::intrusive_ptr<c10d::Backend> make_backend(int32_t backend,
                                                      const c10::intrusive_ptr<c10d::Store>& store,
                                                      int rank, int size,
                                                      std::chrono::milliseconds timeout) {
  if (backend == 0) {
    // create_default honours GLOO_SOCKET_IFNAME, as torch.distributed does.
    auto options = c10d::ProcessGroupGloo::Options::create_default(timeout);
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
  }
#ifdef RS_WITH_NCCL
  if (backend == 1) {
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
  }
#endif
  TORCH_CHECK(backend != 1, "this build has no NCCL: its libtorch has no CUDA");
  TORCH_CHECK(false, "unknown process-group backend code ", backend);
}

static rs_work make_work(c10::intrusive_ptr<c10d::Work> work, std::chrono::milliseconds timeout) {
  auto w = new rs_work_s();
  w->work = std::move(work);
  w->timeout = timeout;
  return w;
}

extern "C" {

int32_t rs_distributed_has_nccl(void) {
#ifdef RS_WITH_NCCL
  return 1;
#else
  return 0;
#endif
}

rs_status rs_process_group_create(rs_process_group* out, int32_t backend, const char* master_addr,
                                  int32_t master_port, int32_t rank, int32_t world_size,
                                  int64_t timeout_ms) {
  RS_GUARD({
    TORCH_CHECK(world_size >= 1, "world size must be at least 1, got ", world_size);
    TORCH_CHECK(rank >= 0 && rank < world_size, "rank ", rank, " is outside [0, ", world_size, ")");
    TORCH_CHECK(master_port > 0 && master_port < 65536, "master port ", master_port,
                " is outside 1...65535");
    TORCH_CHECK(timeout_ms > 0, "timeout must be positive");
    const auto timeout = std::chrono::milliseconds(timeout_ms);
    c10d::TCPStoreOptions options;
    options.port = (std::uint16_t)master_port;
    options.isServer = rank == 0;
    options.numWorkers = (size_t)world_size;
    options.waitWorkers = true;
    options.timeout = timeout;
    auto group = std::make_unique<rs_process_group_s>();
    group->store = c10::make_intrusive<c10d::TCPStore>(std::string(master_addr), options);
    group->backend = make_backend(backend, group->store, rank, world_size, timeout);
    group->timeout = timeout;
    *out = group.release();
  })
}

void rs_process_group_free(rs_process_group group) { delete group; }
int32_t rs_process_group_rank(rs_process_group group) { return group->backend->getRank(); }
int32_t rs_process_group_size(rs_process_group group) { return group->backend->getSize(); }

rs_status rs_process_group_allreduce(rs_work* out, rs_process_group group, const rs_tensor* tensors,
                                     int64_t n, int32_t reduction) {
  RS_GUARD({
    TORCH_CHECK(n >= 1, "all-reduce needs at least one tensor");
    auto list = rs::tensors(tensors, n);
    c10::intrusive_ptr<c10d::Work> work;
    if (n == 1) {
      c10d::AllreduceOptions opts;
      opts.reduceOp = reduce_op(reduction);
      opts.timeout = group->timeout;
      work = group->backend->allreduce(list, opts);
    } else {
      c10d::AllreduceCoalescedOptions opts;
      opts.reduceOp = reduce_op(reduction);
      opts.timeout = group->timeout;
      work = group->backend->allreduce_coalesced(list, opts);
    }
    auto w = make_work(std::move(work), group->timeout);
    if (reduction == RS_DIST_MEAN) {
      w->divide = std::move(list);
      w->divisor = group->backend->getSize();
    }
    *out = w;
  })
}

rs_status rs_process_group_broadcast(rs_work* out, rs_process_group group, rs_tensor tensor,
                                     int32_t root) {
  RS_GUARD({
    TORCH_CHECK(root >= 0 && root < group->backend->getSize(), "broadcast root ", root,
                " is not a rank");
    std::vector<at::Tensor> list{T(tensor)};
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    opts.timeout = group->timeout;
    *out = make_work(group->backend->broadcast(list, opts), group->timeout);
  })
}

rs_status rs_process_group_allgather(rs_tensor** out, int64_t* count, rs_process_group group,
                                     rs_tensor tensor) {
  RS_GUARD({
    const auto& input = T(tensor);
    std::vector<at::Tensor> inputs{input};
    std::vector<std::vector<at::Tensor>> outputs(1);
    for (int k = 0; k < group->backend->getSize(); ++k) outputs[0].push_back(at::empty_like(input));
    c10d::AllgatherOptions opts;
    opts.timeout = group->timeout;
    auto work = group->backend->allgather(outputs, inputs, opts);
    work->wait(group->timeout);
    rs::wrap_list(std::move(outputs[0]), out, count);
  })
}

rs_status rs_process_group_barrier(rs_process_group group) {
  RS_GUARD({
    c10d::BarrierOptions opts;
    opts.timeout = group->timeout;
    group->backend->barrier(opts)->wait(group->timeout);
  })
}

rs_status rs_work_wait(rs_work work) {
  RS_GUARD({
    work->work->wait(work->timeout);
    c10::NoGradGuard no_grad;
    for (auto& t : work->divide) t.div_(work->divisor);
    work->divide.clear();
  })
}

void rs_work_free(rs_work work) { delete work; }

}  // extern "C"
