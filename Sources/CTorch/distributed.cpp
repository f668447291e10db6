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

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

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

/// Bucket state shared by the reducer handle and its autograd hooks (which hold it weakly, so
/// freeing the handle ends it even while the parameters' hooks remain).
struct GradReduction {
  c10::intrusive_ptr<c10d::Backend> backend;
  std::chrono::milliseconds timeout;
  std::vector<at::Tensor> params;
  std::vector<std::vector<size_t>> buckets;
  std::vector<size_t> bucket_of;
  /// Keeps the AccumulateGrad nodes (and so the hooks) alive; variables hold them weakly.
  /// Their pointer type is whatever grad_accumulator returns: std::shared_ptr<Node> in libtorch
  /// 2.11, c10::intrusive_ptr<Node> in 2.13.
  using AccumulatorPtr =
      decltype(torch::autograd::impl::grad_accumulator(std::declval<const at::Tensor&>()));
  std::vector<AccumulatorPtr> accumulators;
  std::mutex mutex;
  bool armed = false;
  std::vector<size_t> pending;
  /// Which parameters have reported their gradient in this backward pass.
  std::vector<bool> marked;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  size_t next = 0;
  int64_t overlapped = 0;

  void reset() {
    pending.clear();
    for (auto& b : buckets) pending.push_back(b.size());
    marked.assign(params.size(), false);
    works.assign(buckets.size(), {});
    next = 0;
  }

  /// Starts bucket `b` (its gradients are final); caller holds the mutex.
  void launch(size_t b) {
    std::vector<at::Tensor> grads;
    for (size_t i : buckets[b]) {
      auto& p = params[i];
      if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
      grads.push_back(p.grad());
    }
    if (grads.size() == 1) {
      c10d::AllreduceOptions opts;
      opts.timeout = timeout;
      works[b] = backend->allreduce(grads, opts);
    } else {
      c10d::AllreduceCoalescedOptions opts;
      opts.timeout = timeout;
      works[b] = backend->allreduce_coalesced(grads, opts);
    }
  }

  /// Hook: parameter i's gradient is final for this backward pass.
  void ready(size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!armed) return;
    // A second report means the gradient was not final at the first, which may already have
    // started its bucket's all-reduce (as DDP, which refuses it too).
    TORCH_CHECK(!marked[i], "DataParallel: parameter ", i, " received its gradient twice in one backward pass; "
                "a parameter used in two separately checkpointed calls (Torch.checkpoint) does that");
    marked[i] = true;
    size_t b = bucket_of[i];
    if (pending[b] > 0) --pending[b];
    while (next < buckets.size() && pending[next] == 0) {
      launch(next++);
      ++overlapped;
    }
  }

  void finish() {
    std::lock_guard<std::mutex> lock(mutex);
    armed = false;
    while (next < buckets.size()) launch(next++);
    c10::NoGradGuard no_grad;
    std::exception_ptr failure;
    for (size_t b = 0; b < buckets.size(); ++b) {
      try {
        works[b]->wait(timeout);
        for (size_t i : buckets[b]) params[i].mutable_grad().div_(backend->getSize());
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    }
    reset();
    if (failure) std::rethrow_exception(failure);
  }
};

struct rs_grad_reducer_s {
  std::shared_ptr<GradReduction> state;
};

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

rs_status rs_grad_reducer_create(rs_grad_reducer* out, rs_process_group group, const rs_tensor* params,
                                 int64_t n, const int64_t* bucket_of) {
  RS_GUARD({
    auto state = std::make_shared<GradReduction>();
    state->backend = group->backend;
    state->timeout = group->timeout;
    state->params = rs::tensors(params, n);
    for (int64_t i = 0; i < n; ++i) {
      TORCH_CHECK(state->params[i].requires_grad() && state->params[i].is_leaf(),
                  "gradient reducer: parameter ", i, " is not a leaf that requires grad");
      TORCH_CHECK(bucket_of[i] >= 0 && bucket_of[i] < n, "gradient reducer: bad bucket of parameter ", i);
      size_t b = (size_t)bucket_of[i];
      if (state->buckets.size() <= b) state->buckets.resize(b + 1);
      state->buckets[b].push_back((size_t)i);
      state->bucket_of.push_back(b);
    }
    for (size_t b = 0; b < state->buckets.size(); ++b)
      TORCH_CHECK(!state->buckets[b].empty(), "gradient reducer: bucket ", b, " is empty");
    std::weak_ptr<GradReduction> weak = state;
    for (int64_t i = 0; i < n; ++i) {
      auto accumulator = torch::autograd::impl::grad_accumulator(state->params[i]);
      accumulator->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
          [weak, i](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
            if (auto s = weak.lock()) s->ready((size_t)i);
            return outputs;
          }));
      state->accumulators.push_back(std::move(accumulator));
    }
    state->reset();
    *out = new rs_grad_reducer_s{std::move(state)};
  })
}

rs_status rs_grad_reducer_prepare(rs_grad_reducer reducer) {
  RS_GUARD({
    std::lock_guard<std::mutex> lock(reducer->state->mutex);
    reducer->state->reset();
    reducer->state->armed = true;
    reducer->state->overlapped = 0;
  })
}

rs_status rs_grad_reducer_finish(rs_grad_reducer reducer) { RS_GUARD(reducer->state->finish()) }

int64_t rs_grad_reducer_overlapped(rs_grad_reducer reducer) { return reducer->state->overlapped; }

void rs_grad_reducer_free(rs_grad_reducer reducer) { delete reducer; }

}  // extern "C"
