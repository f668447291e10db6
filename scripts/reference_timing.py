"""What scripts/reference-lavt.py and scripts/reference-bicor.py time with: as `rsseg bench model`
does (a warm-up, then the median of wall and CPU seconds), the process's peak RSS,
torch.profiler's top ops by self CPU time, and the evaluation's and training step's entries of
the JSON line."""
import resource
import statistics
import time

import torch


def median_time(repeats, body):
    body()
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        body()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def profile(top, body):
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        body()
    ops = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)[:top]
    return [{"name": e.key, "calls": e.count, "self_s": e.self_cpu_time_total / 1e6, "total_s": e.cpu_time_total / 1e6}
            for e in ops]


def time_evaluation(result, args, forward):
    """Adds batch-1 evaluation times (fp32, and bf16 under CPU autocast unless --skip-bf16), the
    peak RSS so far and (with --profile) their top ops to `result`; `forward` runs the model once."""
    def evaluate():
        with torch.inference_mode():
            forward()

    def evaluate_bf16():
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            forward()

    result["eval_fp32_s"] = median_time(args.repeats, evaluate)
    if not args.skip_bf16:
        result["eval_bf16_s"] = median_time(args.repeats, evaluate_bf16)
    result["eval_peak_rss_mb"] = peak_rss_mb()
    if args.profile:
        result["eval_profile"] = profile(args.profile, evaluate)
        if not args.skip_bf16:
            result["eval_bf16_profile"] = profile(args.profile, evaluate_bf16)


def time_training(result, args, step):
    """Adds the training step's time, peak RSS and (with --profile) its top ops to `result`."""
    result["train_batch"] = args.train_batch
    result["train_precision"] = args.train_precision
    result["train_step_s"] = median_time(args.repeats, step)
    result["train_peak_rss_mb"] = peak_rss_mb()
    if args.profile:
        result["train_profile"] = profile(args.profile, step)
