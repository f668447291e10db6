#!/usr/bin/env python3
"""PyTorch's side of scripts/gpu-check, on the same GPU: the matrix-product peak (fp32, TF32, bf16)
and torchvision's ConvNeXt-B encoder timed exactly as `rsseg bench model --encoder-only` times
rsseg's (eval batch 1 fp32 and bf16 autocast, training step with AdamW on the mean square of the
last stage, fp32 and bf16 autocast), with the encoder's FLOPs. Prints one JSON object per line.

The official BiCoR-Seg model code is not on the GPU machine, so only the encoder can be compared
model for model; the rest of BiCoR-Seg (neck, HBIS decoder, losses) is rsseg's full time less its
encoder time.

    python3 scripts/gpu-reference.py [--size 512] [--train-batch 8] [--repeats 5] [--device cpu]

`--device cpu` (small sizes) only rehearses the script where there is no GPU.
"""
import argparse
import json
import statistics
import time

import torch
import torchvision
from torch.utils.flop_counter import FlopCounterMode


DEVICE = "cuda"


def synchronize():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def peak_mb():
    return torch.cuda.max_memory_allocated() / 2**20 if DEVICE == "cuda" else None


def reset_peak():
    if DEVICE == "cuda":
        torch.cuda.reset_peak_memory_stats()


def timed(body, repeats):
    """Median wall seconds of `repeats` runs after one warm-up, each ended by a device sync."""
    body()
    synchronize()
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        synchronize()
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def matmul_peak(dtype, tf32=False, n=8192):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a = torch.randn(n, n, device=DEVICE, dtype=dtype)
    b = torch.randn(n, n, device=DEVICE, dtype=dtype)
    seconds = timed(lambda: a @ b, 10)
    torch.backends.cuda.matmul.allow_tf32 = False
    return 2 * n**3 / seconds / 1e12


def encoder_benchmark(size, train_batch, repeats, train_bf16):
    torch.manual_seed(0)
    model = torchvision.models.convnext_base().features.to(DEVICE)
    image = torch.randn(1, 3, size, size, device=DEVICE)
    with FlopCounterMode(display=False) as counter:
        with torch.no_grad():
            model(image)
    forward_flops = counter.get_total_flops()

    model.eval()
    reset_peak()
    with torch.inference_mode():
        eval_fp32 = timed(lambda: model(image), repeats)
        with torch.autocast(DEVICE, dtype=torch.bfloat16):
            eval_bf16 = timed(lambda: model(image), repeats)
    eval_peak = peak_mb()

    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    images = torch.randn(train_batch, 3, size, size, device=DEVICE)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=train_bf16):
            loss = model(images).float().square().mean()
        loss.backward()
        optimizer.step()

    reset_peak()
    train = timed(step, repeats)
    return {
        "what": "torchvision convnext_base().features (PyTorch eager)",
        "torch": torch.__version__, "size": size, "train_batch": train_batch, "repeats": repeats,
        "train_precision": "bf16" if train_bf16 else "fp32",
        "forward_gflops_batch1": forward_flops / 1e9,
        "eval_fp32_s": eval_fp32, "eval_bf16_s": eval_bf16, "eval_peak_gpu_mb": eval_peak,
        "train_step_s": train, "train_peak_gpu_mb": peak_mb(),
        "train_images_per_s": train_batch / train,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--train-batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    args = parser.parse_args()
    global DEVICE
    DEVICE = args.device
    n = 8192 if DEVICE == "cuda" else 1024
    print(json.dumps({
        "what": f"matrix-product peak, {n}³ (TFLOP/s)", "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(0) if DEVICE == "cuda" else None,
        "cudnn": torch.backends.cudnn.version() if DEVICE == "cuda" else None,
        "fp32": matmul_peak(torch.float32, n=n), "tf32": matmul_peak(torch.float32, tf32=True, n=n),
        "bf16": matmul_peak(torch.bfloat16, n=n),
    }), flush=True)
    for bf16 in (False, True):
        print(json.dumps(encoder_benchmark(args.size, args.train_batch, args.repeats, bf16)), flush=True)


if __name__ == "__main__":
    main()
