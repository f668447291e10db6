#!/usr/bin/env python3
"""Summarises what scripts/gpu-check left in its work folder: gpu-check.json (everything),
gpu-check.md (the README's tables) and loss-curves.png (fp32 vs bf16 training losses).

    scripts/gpu-report.py WORK RESULTS
"""
import csv
import json
import re
import sys
from pathlib import Path


def json_lines(path):
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return rows


def first(path):
    rows = json_lines(path)
    return rows[0] if rows else None


def training_curve(folder):
    path = folder / "steps.csv"
    if not path.exists():
        return None
    with path.open() as f:
        rows = list(csv.DictReader(f))
    return {
        "step": [int(float(r["step"])) for r in rows],
        "loss": [float(r["total"]) for r in rows if "total" in r],
        "images_per_s": [float(r["images_per_s"]) for r in rows],
        "gpu_peak_mb": [float(r["gpu_peak_mb"]) for r in rows if r.get("gpu_peak_mb")],
    }


def predict_rate(work, precision):
    text = (work / f"predict-{precision}.out").read_text() if (work / f"predict-{precision}.out").exists() else ""
    match = re.search(r"([\d.]+) Mpx in ([\d.]+) s \(([\d.]+) Mpx/s\)", text)
    return {"megapixels": float(match[1]), "seconds": float(match[2]), "mpx_per_s": float(match[3])} if match else None


def parity(work, name):
    path = work / f"parity-{name}.out"
    if not path.exists():
        return None
    text = path.read_text()
    return {"ok": "parity: ok" in text, "output": text.strip().splitlines()[-12:]}


def seconds(timing):
    return timing["wall"] if isinstance(timing, dict) else timing


def fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}g}"


def markdown(r):
    lines = []
    gpu = r.get("gpus") or []
    peak = r.get("matmul_peak") or {}
    lines.append(f"GPU: {', '.join(g.get('name', '?') for g in gpu) or '?'}; "
                 f"matrix-product peak {fmt(peak.get('fp32'))} TFLOP/s fp32, {fmt(peak.get('tf32'))} TF32, "
                 f"{fmt(peak.get('bf16'))} bf16 ({peak.get('what', 'PyTorch')}).")
    lines.append("")
    batch = next((b.get("train_batch") for b in r.get("bench", {}).values() if b and b.get("train_batch")), "?")
    lines.append(f"| model, size | eval fp32 (batch 1) | eval bf16 | train step fp32 (batch {batch}) | train step bf16 | images/s fp32 → bf16 | GPU peak train fp32 / bf16 | of the matmul roofline: eval fp32 / bf16, train fp32 / bf16 |")
    lines.append("|---|---|---|---|---|---|---|---|")

    def row(label, fp32, bf16):
        if not fp32:
            lines.append(f"| {label} | not measured | | | | | | |")
            return
        t32 = seconds(fp32.get("train_step_s")) if fp32.get("train_step_s") else None
        t16 = seconds(bf16.get("train_step_s")) if bf16 and bf16.get("train_step_s") else None
        batch = fp32.get("train_batch") or 0
        rate = f"{batch / t32:.1f} → {batch / t16:.1f}" if t32 and t16 else "—"
        mem = f"{fmt(fp32.get('train_peak_gpu_mb'), 4)} / {fmt(bf16.get('train_peak_gpu_mb') if bf16 else None, 4)} MiB"
        def share(result, key):
            roof = (result or {}).get(key)
            return f"{100 * roof['fraction']:.0f} %" if roof else "—"
        roofs = (f"{share(fp32, 'eval_fp32_roofline')} / {share(fp32, 'eval_bf16_roofline')}, "
                 f"{share(fp32, 'train_roofline')} / {share(bf16, 'train_roofline')}")
        lines.append(f"| {label} | {fmt(seconds(fp32.get('eval_fp32_s')))} s | {fmt(seconds(fp32.get('eval_bf16_s')) if fp32.get('eval_bf16_s') else None)} s "
                     f"| {fmt(t32)} s | {fmt(t16)} s | {rate} | {mem} | {roofs} |")

    bench = r.get("bench", {})
    row("rsseg BiCoR-Seg Vaihingen 512²", bench.get("vaihingen-fp32"), bench.get("vaihingen-bf16"))
    row("rsseg ConvNeXt-B encoder 512²", bench.get("encoder-fp32"), bench.get("encoder-bf16"))
    ref = {x.get("train_precision"): x for x in r.get("reference", []) if "train_precision" in x}
    row("PyTorch torchvision ConvNeXt-B features 512²", ref.get("fp32"), ref.get("bf16"))
    row("rsseg LAVT (Swin-B + bert-base) 480²", bench.get("lavt-fp32"), bench.get("lavt-bf16"))
    enc, full, tv = bench.get("encoder-fp32"), bench.get("vaihingen-fp32"), ref.get("fp32")
    if enc and full and tv and enc.get("train_step_s") and full.get("train_step_s"):
        decoder = seconds(full["train_step_s"]) - seconds(enc["train_step_s"])
        estimate = tv["train_step_s"] + decoder
        lines.append("")
        lines.append(f"BiCoR-Seg training step vs an estimate of PyTorch's (torchvision encoder {tv['train_step_s']:.3f} s "
                     f"+ rsseg's measured decoder/loss cost {decoder:.3f} s = {estimate:.3f} s): "
                     f"rsseg {seconds(full['train_step_s']):.3f} s, {seconds(full['train_step_s']) / estimate:.2f}×; "
                     f"encoder alone rsseg/PyTorch {seconds(enc['train_step_s']) / tv['train_step_s']:.2f}×. "
                     f"Forward FLOPs per image: ConvNeXt-B {tv.get('forward_gflops_batch1', 0):.1f} G (torch.utils.flop_counter), "
                     f"{enc.get('forward_gflops', 0):.1f} G (rsseg's count); BiCoR-Seg {full.get('forward_gflops', 0):.1f} G.")
    lines.append("")
    for precision in ("fp32", "bf16"):
        p = r.get("predict", {}).get(precision)
        lines.append(f"- predict {precision}, Vaihingen preset, {r.get('mosaic', '?')}² VRT mosaic, batch {batch}: "
                     + (f"**{p['mpx_per_s']:.1f} Mpx/s** ({p['megapixels']:.0f} Mpx in {p['seconds']:.1f} s)" if p else "not measured"))
    for precision in ("fp32", "bf16"):
        c = r.get("training", {}).get(precision)
        if c and c["loss"]:
            steady = c["images_per_s"][2:] or c["images_per_s"]
            lines.append(f"- training {precision} on the Dubai sample (batch {batch}, crops of {r.get('crop', '?')}², from scratch): loss "
                         f"{c['loss'][0]:.3f} → {c['loss'][-1]:.3f} in {len(c['loss'])} steps, "
                         f"{sorted(steady)[len(steady) // 2]:.1f} images/s"
                         + (f", GPU peak {max(c['gpu_peak_mb']):.0f} MB" if c["gpu_peak_mb"] else ""))
    for name in ("bicor", "lavt"):
        p = r.get("parity", {}).get(name)
        lines.append(f"- parity {name} on the GPU (fp32): " + ("ok" if p and p["ok"] else "FAILED" if p else "not run"))
    lines.append("")
    lines.append("Steps: " + ", ".join(f"{s['step']} {s['status']} ({s['seconds']} s)" for s in r.get("steps", [])))
    return "\n".join(lines) + "\n"


def plot(r, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    curves = {k: v for k, v in r.get("training", {}).items() if v and v["loss"]}
    if not curves:
        return
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for precision, c in curves.items():
        ax.plot(c["step"][: len(c["loss"])], c["loss"], label=precision)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (all BiCoR-Seg terms)")
    ax.set_title("rsseg: fp32 vs bf16 training, Dubai sample")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def main():
    work, results = Path(sys.argv[1]), Path(sys.argv[2])
    results.mkdir(parents=True, exist_ok=True)
    info = first(work / "info.out") or {}
    reference = json_lines(work / "reference.out")
    r = {
        "gpus": info.get("gpus"),
        "info": info,
        "nvidia_smi": (work / "nvidia-smi.out").read_text() if (work / "nvidia-smi.out").exists() else None,
        "matmul_peak": next((x for x in reference if "bf16" in x and "fp32" in x), None),
        "reference": reference,
        "bench": {p.stem[len("bench-"):]: first(p) for p in sorted(work.glob("bench-*.out"))},
        "training": {p: training_curve(work / f"train-{p}") for p in ("fp32", "bf16")},
        "predict": {p: predict_rate(work, p) for p in ("fp32", "bf16")},
        "parity": {n: parity(work, n) for n in ("bicor", "lavt")},
        "steps": json_lines(work / "steps.jsonl"),
    }
    sizes = first(work / "sizes.json") or {}
    r.update(mosaic=sizes.get("mosaic"), crop=sizes.get("crop"))
    (results / "gpu-check.json").write_text(json.dumps(r, indent=1))
    (results / "gpu-check.md").write_text(markdown(r))
    plot(r, results / "loss-curves.png")
    print(markdown(r))


if __name__ == "__main__":
    main()
