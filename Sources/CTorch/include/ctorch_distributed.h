// CTorch distributed: c10d process groups (Gloo for CPU tensors, NCCL when libtorch has CUDA)
// with a TCPStore rendezvous, and their collectives.
#pragma once
#include "ctorch_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/// One member of a process group: its TCPStore connection and its c10d backend.
typedef struct rs_process_group_s* rs_process_group;
/// An asynchronous collective in flight; rs_work_wait completes it.
typedef struct rs_work_s* rs_work;

/// Backends: 0 = Gloo (CPU tensors), 1 = NCCL (CUDA tensors; only in builds with NCCL).
int32_t rs_distributed_has_nccl(void);

/// Joins the group `world_size` processes form: rank 0 hosts a c10d TCPStore at
/// `master_addr:master_port` and every rank connects to it, then the backend connects its
/// peers. Every collective and the rendezvous itself fail after `timeout_ms` instead of waiting
/// for a missing peer forever.
rs_status rs_process_group_create(rs_process_group* out, int32_t backend, const char* master_addr,
                                  int32_t master_port, int32_t rank, int32_t world_size,
                                  int64_t timeout_ms);
void rs_process_group_free(rs_process_group group);
int32_t rs_process_group_rank(rs_process_group group);
int32_t rs_process_group_size(rs_process_group group);

/// Reductions of rs_process_group_allreduce.
enum { RS_DIST_SUM = 0, RS_DIST_MEAN = 1, RS_DIST_MAX = 2, RS_DIST_MIN = 3 };

/// Starts an in-place all-reduce of `n` tensors (one dtype and device). With n > 1 they travel as
/// one flattened message (c10d's allreduce_coalesced), the unit of gradient bucketing. The mean
/// divides the sum by the world size when the work completes.
rs_status rs_process_group_allreduce(rs_work* out, rs_process_group group, const rs_tensor* tensors,
                                     int64_t n, int32_t reduction);
/// Starts an in-place broadcast of `tensor` from `root`.
rs_status rs_process_group_broadcast(rs_work* out, rs_process_group group, rs_tensor tensor,
                                     int32_t root);
/// All-gather: every rank's `tensor` (all of one shape), in rank order; waits for completion.
/// Writes world-size handles to *out (a malloc'ed array).
rs_status rs_process_group_allgather(rs_tensor** out, int64_t* count, rs_process_group group,
                                     rs_tensor tensor);
/// Blocks until every rank has reached the barrier (or the timeout passed).
rs_status rs_process_group_barrier(rs_process_group group);

/// Waits for the work (at most the group's timeout); a peer's failure or the timeout is an error.
rs_status rs_work_wait(rs_work work);
void rs_work_free(rs_work work);

// --- data-parallel gradient reduction (the core of DistributedDataParallel's Reducer) -------
/// Averages parameters' gradients over the group's ranks in buckets. Each bucket's all-reduce
/// starts from an autograd hook (a post-hook of the parameter's AccumulateGrad node) as soon as
/// every gradient of the bucket is final and all earlier buckets have started (the same order
/// on every rank), so communication overlaps the rest of the backward pass.
typedef struct rs_grad_reducer_s* rs_grad_reducer;

/// `bucket_of[i]` is parameter i's bucket (0, 1, … in launch order); every parameter needs
/// requires_grad. The reducer stays valid after the group is freed only until its next use.
rs_status rs_grad_reducer_create(rs_grad_reducer* out, rs_process_group group, const rs_tensor* params,
                                 int64_t n, const int64_t* bucket_of);
/// Arms the hooks for the next backward pass (the last one before an optimiser step).
rs_status rs_grad_reducer_prepare(rs_grad_reducer reducer);
/// Starts the buckets not started yet (a parameter without a gradient contributes zeros), waits
/// for all, divides by the world size and disarms the hooks.
rs_status rs_grad_reducer_finish(rs_grad_reducer reducer);
/// Buckets whose all-reduce started from a hook during the last armed backward pass.
int64_t rs_grad_reducer_overlapped(rs_grad_reducer reducer);
void rs_grad_reducer_free(rs_grad_reducer reducer);

#ifdef __cplusplus
}
#endif
