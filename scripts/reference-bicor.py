#!/usr/bin/env python3
"""PyTorch eager reference timings for `rsseg bench model --preset vaihingen` (BiCoR-Seg).

BiCoR-Seg as the official code builds it, written from the BiCoR-Seg spec §1–§3 (the official
code itself is not at hand) and checked against the parity fixtures the official code wrote
(--check-fixture): torchvision's ConvNeXt as the encoder
(`encoder.0` = `convnext_*().features`), per-stage projectors, 1×1 aggregation, the class
dictionary, L HBIS layers (top-k pooled class evidence, gated dictionary update, FiLM over the
B×N×C×H×W tensor as the reference materialises it), PixelShuffle upsampler and the dynamic and
static (auxiliary) classifiers; trained with every loss term of spec §2 (pytorch-toolbelt's
SoftCE + Dice on seg, 0.4·SoftCE on aux, in-model Fisher where the preset has it, 0.1·heatmap
supervision, 0.1·Fisher of each layer's class embeddings) and AdamW (one group) inside
catalyst's Lookahead (k 5, α 0.5) at the preset's lr and weight decay. State-dict names are the
official ones (`encoder.0.1.0.block.0.weight`, `decoder.bicor_stack.layers.0.gate_mlp.0.weight`…).

Timings follow `rsseg bench model` and scripts/reference-lavt.py: random weights, evaluation of
one random image at batch 1 (fp32, and bf16 under CPU autocast), one training step at batch 2
(zero_grad, forward and loss — under autocast with --train-precision bf16 — backward, Lookahead
step) on random images and labels 0..N−1; each the median of --repeats runs after a warm-up, as
{"wall", "cpu"} seconds; one JSON line. `forward_gflops` is one batch-1 forward counted by
torch.utils.flop_counter. --profile N adds the N ops with the most self CPU time.

Where rsseg's benchmark step does the same work differently (so time differences are expected):
rsseg recomputes the neck, each HBIS layer and the upsampler/classifier in backward (activation
checkpointing; this script, like the reference, keeps every activation); rsseg mixes FiLM as
Σ_n H_n γ_n ⊙ F + Σ_n H_n β_n (--film factored) instead of materialising B×N×C×H×W; rsseg runs
each ConvNeXt block as one fused op; rsseg's AdamW uses libtorch's fused kernel (--fused-adamw
here; default is torch.optim.AdamW's default, as the reference); rsseg skips the top-k sort when
k = S (topk_ratio 1, the ISPRS presets). train_peak_rss_mb is the process's peak so far (it
cannot be reset after evaluation as rsseg resets it).

--check-fixture PATH proves the model, losses and optimiser are the official ones: it builds the
configuration in a parity fixture's metadata (e.g. ../shared/parity/bicor_tiny.safetensors),
loads its `param.*` strictly and compares eval logits, train outputs, heatmaps, class embeddings,
loss terms and gradients (bicor_tiny), or runs the fixture's training steps in float64 with
AdamW + Lookahead and compares each step's losses and the final parameters, slow weights and
Adam moments (bicor_train_tiny). Exits 1 when a max |difference| exceeds --tol times the
reference's max |value| (--tol; default 1e-4 for float32 fixtures, 1e-9 for float64 ones).

Not a project dependency: run it from a private virtual environment with torch (and optionally
torchvision; without a working torchvision the encoder is a copy of torchvision's ConvNeXt code,
same modules and names), e.g.
  OMP_WAIT_POLICY=passive venv-ref/bin/python scripts/reference-bicor.py --size 512 --threads 2
"""
import argparse
import json
import math
import sys
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F

from reference_timing import time_evaluation, time_training


# --- ConvNeXt encoder: torchvision's, or a copy of torchvision/models/convnext.py ------------

class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth, mode "row"."""

    def __init__(self, p, mode="row"):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        noise = torch.empty([x.shape[0]] + [1] * (x.ndim - 1), dtype=x.dtype, device=x.device).bernoulli_(survival)
        if survival > 0.0:
            noise.div_(survival)
        return x * noise


class Permute(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return torch.permute(x, self.dims)


class LayerNorm2d(nn.LayerNorm):
    """torchvision.models.convnext.LayerNorm2d: LayerNorm over channels of an NCHW tensor."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    def __init__(self, dim, layer_scale, stochastic_depth_prob):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            nn.LayerNorm(dim, eps=1e-6),
            nn.Linear(dim, 4 * dim, bias=True),
            nn.GELU(),
            nn.Linear(4 * dim, dim, bias=True),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, x):
        result = self.layer_scale * self.block(x)
        result = self.stochastic_depth(result)
        result += x
        return result


def builtin_convnext_features(dims, depths, stochastic_depth, layer_scale=1e-6):
    """torchvision's ConvNeXt(...).features, built by the same code (and initialised the same way)."""
    norm = partial(LayerNorm2d, eps=1e-6)
    layers = [nn.Sequential(nn.Conv2d(3, dims[0], kernel_size=4, stride=4, padding=0, bias=True), norm(dims[0]))]
    total, block_id = sum(depths), 0
    for i, (dim, depth) in enumerate(zip(dims, depths)):
        stage = []
        for _ in range(depth):
            sd = stochastic_depth * block_id / (total - 1.0)
            stage.append(CNBlock(dim, layer_scale, sd))
            block_id += 1
        layers.append(nn.Sequential(*stage))
        if i < 3:
            layers.append(nn.Sequential(norm(dim), nn.Conv2d(dim, dims[i + 1], kernel_size=2, stride=2)))
    features = nn.Sequential(*layers)
    for m in features.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return features


def torchvision_convnext_features(dims, depths, stochastic_depth):
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt
    setting = [CNBlockConfig(dims[i], dims[i + 1] if i < 3 else None, depths[i]) for i in range(4)]
    return ConvNeXt(setting, stochastic_depth_prob=stochastic_depth).features


def convnext_features(dims, depths, stochastic_depth, which):
    """(features, description). which: auto (torchvision when it imports and runs), torchvision, builtin."""
    if which in ("auto", "torchvision"):
        try:
            import torchvision
            features = torchvision_convnext_features(dims, depths, stochastic_depth)
            return features, f"torchvision {torchvision.__version__}"
        except Exception as e:  # e.g. a torchvision built for another torch ("torchvision::nms does not exist")
            if which == "torchvision":
                raise
            reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            return builtin_convnext_features(dims, depths, stochastic_depth), f"builtin copy of torchvision's (torchvision: {reason})"
    return builtin_convnext_features(dims, depths, stochastic_depth), "builtin copy of torchvision's"


# --- BiCoR-Seg -----------------------------------------------------------------------------

class FeatureProjector(nn.Module):
    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.proj = nn.Linear(in_dim, out_dim)

    def forward(self, x):
        b, _, h, w = x.shape
        return self.proj(x.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, -1, h, w)


class ClassDictionary(nn.Module):
    def __init__(self, classes, dim):
        super().__init__()
        self.class_embed = nn.Embedding(classes, dim)
        nn.init.trunc_normal_(self.class_embed.weight, std=0.02)

    def forward(self, batch):
        return self.class_embed.weight.unsqueeze(0).expand(batch, -1, -1)


def fisher_loss(d, eps=1e-6, min_between=1e-4):
    """Fisher discriminative loss of class embeddings D [B, N, C] across the batch (spec §2)."""
    n = d.shape[1]
    mu = d.mean(dim=0)
    sw = (d - mu.unsqueeze(0)).pow(2).sum(-1).mean()
    iu = torch.triu_indices(n, n, offset=1, device=d.device)
    pair = (mu[iu[0]] - mu[iu[1]]).pow(2).sum(-1)
    sb = pair.mean().clamp_min(min_between)
    return sw / (sb + eps)


class BiCoRLayer(nn.Module):
    """One HBIS layer (spec §1, decoder steps 1–6)."""

    def __init__(self, c, topk_ratio, min_pixels, tau, lambda_film, film):
        super().__init__()
        self.dict_to_feat = nn.Linear(c, c, bias=False)
        self.feat_to_dict = nn.Conv2d(c, c, 1, bias=False)
        self.gate_mlp = nn.Sequential(nn.Linear(2 * c, c), nn.GELU(), nn.Linear(c, c), nn.Sigmoid())
        self.cand_mlp = nn.Sequential(nn.Linear(c, c), nn.GELU(), nn.Linear(c, c))
        self.gamma_proj = nn.Linear(c, c)
        self.beta_proj = nn.Linear(c, c)
        self.feat_ln = nn.LayerNorm(c)
        self.dict_ln = nn.LayerNorm(c)
        self.topk_ratio, self.min_pixels, self.tau, self.lambda_film, self.film = topk_ratio, min_pixels, tau, lambda_film, film

    @torch.no_grad()
    def pooling_weights(self, h_sig):
        """Top-k pooling weights from sigmoid heatmaps [B, N, S], each class's kept values normalised."""
        s = h_sig.shape[-1]
        k = min(s, max(self.min_pixels, int(round(self.topk_ratio * s))))
        _, idx = h_sig.topk(k, dim=-1)
        kept = torch.zeros_like(h_sig).scatter_(-1, idx, 1.0) * h_sig
        kept_sum = kept.sum(-1, keepdim=True)
        w = kept / (kept_sum + 1e-6)
        fallback = h_sig / (h_sig.sum(-1, keepdim=True) + 1e-6)
        return torch.where(kept_sum <= 1e-6, fallback, w)

    def forward(self, ce, f):
        b, c, h, w = f.shape
        ce_n = self.dict_ln(ce)
        f_n = self.feat_ln(f.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, c, h, w)
        score = torch.einsum("bnc,bchw->bnhw", self.dict_to_feat(ce_n), f_n) / math.sqrt(c)
        h_logits = score / self.tau
        h_sig = torch.sigmoid(score)
        h_soft = torch.softmax(h_logits, dim=1)

        v = self.feat_to_dict(f_n).flatten(2)                          # B, C, S
        weights = self.pooling_weights(h_sig.flatten(2))               # B, N, S (no gradient)
        cn = torch.einsum("bns,bcs->bnc", weights, v)
        gate = self.gate_mlp(torch.cat([ce_n, cn], dim=-1))
        cand = self.cand_mlp(cn)
        ce_new = gate * cand + (1 - gate) * ce

        gamma = 1 + torch.tanh(self.gamma_proj(ce_new))               # B, N, C
        beta = self.beta_proj(ce_new)
        if self.film == "materialised":                                # the reference: B×N×C×H×W
            modulated = gamma[..., None, None] * f.unsqueeze(1) + beta[..., None, None]
            f_new = (h_soft.unsqueeze(2) * modulated).sum(dim=1)
        else:                                                          # Σ_n H_n γ_n ⊙ F + Σ_n H_n β_n
            f_new = (torch.einsum("bnc,bnhw->bchw", gamma, h_soft) * f
                     + torch.einsum("bnc,bnhw->bchw", beta, h_soft))
        f_out = (1 - self.lambda_film) * f + self.lambda_film * f_new
        return ce_new, f_out, h_logits


class BiCoRStack(nn.Module):
    def __init__(self, layers, **kw):
        super().__init__()
        self.layers = nn.ModuleList([BiCoRLayer(**kw) for _ in range(layers)])

    def forward(self, ce, f):
        heatmaps, embeds = [], []
        for layer in self.layers:
            ce, f, h = layer(ce, f)
            heatmaps.append(h)
            embeds.append(ce)
        return ce, f, heatmaps, embeds


class BiCoRDecoder(nn.Module):
    def __init__(self, c, classes, layers, topk_ratio, min_pixels, tau, lambda_film, has_fisher_loss, film):
        super().__init__()
        self.class_dict = ClassDictionary(classes, c)
        self.bicor_stack = BiCoRStack(layers, c=c, topk_ratio=topk_ratio, min_pixels=min_pixels, tau=tau,
                                      lambda_film=lambda_film, film=film)
        self.upsampler = nn.Sequential(nn.PixelShuffle(2), LayerNorm2d(c // 4, eps=1e-6), nn.GELU(), nn.PixelShuffle(2), nn.GELU())
        self.classifier_proj = nn.Linear(c, c // 16, bias=False)
        self.static_classifier = nn.Linear(c, c // 16, bias=False)
        self.has_fisher_loss = has_fisher_loss

    def forward(self, f0):
        b = f0.shape[0]
        ce0 = self.class_dict(b)
        ce, f, heatmaps, embeds = self.bicor_stack(ce0, f0)
        seg = torch.einsum("bnc,bchw->bnhw", self.classifier_proj(ce), self.upsampler(f))
        if not self.training:
            return seg
        aux = torch.einsum("bnc,bchw->bnhw", self.static_classifier(ce0.detach()), self.upsampler(f0))
        fisher_final = fisher_loss(ce) if self.has_fisher_loss else None
        return seg, aux, fisher_final, heatmaps, embeds


class BiCoRSeg(nn.Module):
    def __init__(self, cfg, convnext="auto", film="materialised"):
        super().__init__()
        features, self.convnext = convnext_features(cfg["dims"], cfg["depths"], cfg.get("stochastic_depth", 0.0), convnext)
        self.encoder = nn.Sequential(features)   # keys encoder.0.<i>, as nn.Sequential(*list(convnext.children())[:-2])
        c = cfg.get("embed_dim", 256)
        self.proj_layers = nn.ModuleList([FeatureProjector(d, c) for d in cfg["dims"]])
        self.feature_aggregator = nn.Conv2d(4 * c, c, 1, bias=False)
        self.decoder = BiCoRDecoder(c, cfg["classes"], cfg["layers"], cfg.get("topk_ratio", 1.0), cfg.get("min_pixels", 64),
                                    cfg.get("tau", 1.0), cfg.get("lambda_film", 0.5),
                                    cfg.get("has_fisher_loss", cfg.get("fisher_final_in_total", False)), film)

    def forward(self, x):
        stages = []
        for i, layer in enumerate(self.encoder[0]):
            x = layer(x)
            if i % 2 == 1:
                stages.append(x)
        size = stages[0].shape[-2:]
        projected = [F.interpolate(p(s), size=size, mode="bilinear", align_corners=False)
                     for p, s in zip(self.proj_layers, stages)]
        f0 = self.feature_aggregator(torch.cat(projected[::-1], dim=1))
        return self.decoder(f0)


# --- Losses (pytorch-toolbelt SoftCrossEntropyLoss / DiceLoss, UNetFormer's UnetFormerLoss) -----

def soft_ce(logits, target, ignore_index, smooth=0.05):
    lprobs = F.log_softmax(logits, dim=1)
    target = target.unsqueeze(1)
    pad = target.eq(ignore_index)
    target = target.masked_fill(pad, 0)
    nll = (-lprobs.gather(dim=1, index=target)).masked_fill(pad, 0.0).mean()
    smooth_loss = (-lprobs.sum(dim=1, keepdim=True)).masked_fill(pad, 0.0).mean()
    return (1.0 - smooth) * nll + smooth / lprobs.size(1) * smooth_loss


def dice(logits, target, ignore_index, smooth=0.05, eps=1e-7):
    bs, n = logits.shape[:2]
    y_pred = logits.log_softmax(dim=1).exp().view(bs, n, -1)
    y_true = target.view(bs, -1)
    mask = y_true != ignore_index
    y_pred = y_pred * mask.unsqueeze(1)
    y_true = F.one_hot((y_true * mask).to(torch.long), n).permute(0, 2, 1) * mask.unsqueeze(1)
    y_true = y_true.type_as(y_pred)
    dims = (0, 2)
    intersection = torch.sum(y_pred * y_true, dim=dims)
    cardinality = torch.sum(y_pred + y_true, dim=dims)
    score = (2.0 * intersection + smooth) / (cardinality + smooth).clamp_min(eps)
    loss = (1.0 - score) * (y_true.sum(dims) > 0).to(score.dtype)
    return loss.mean()


def main_loss(logits, target, ignore_index):
    return soft_ce(logits, target, ignore_index) + dice(logits, target, ignore_index)


def bicor_loss(out, target, ignore_index):
    """Spec §2: seg_aux + fisher_final + 0.1·Σ heatmap + 0.1·Σ FDL(CE'_l). Returns a dict of terms."""
    seg, aux, fisher_final, heatmaps, embeds = out
    seg_aux = main_loss(seg, target, ignore_index) + 0.4 * soft_ce(aux, target, ignore_index)
    size = target.shape[-2:]
    heatmap_sum = sum(main_loss(F.interpolate(h, size=size, mode="bilinear", align_corners=False), target, ignore_index)
                      for h in heatmaps)
    fisher_layers_sum = sum(fisher_loss(e) for e in embeds)
    total = seg_aux + 0.1 * heatmap_sum + 0.1 * fisher_layers_sum
    terms = {"seg_aux": seg_aux, "heatmap_sum": heatmap_sum, "fisher_layers_sum": fisher_layers_sum}
    if fisher_final is not None:
        total = total + fisher_final
        terms["fisher_final"] = fisher_final
    terms["total"] = total
    return terms


# --- Optimiser: catalyst's Lookahead around torch's AdamW ------------------------------------

class Lookahead:
    """catalyst.contrib.optimizers.Lookahead: after the inner step, on the first step and then every k
    steps, slow ← slow + α(fast − slow), fast ← slow; slow weights start as the parameters."""

    def __init__(self, optimizer, k=5, alpha=0.5):
        self.optimizer, self.k, self.alpha = optimizer, k, alpha
        self.param_groups = optimizer.param_groups
        self.state = {}
        for group in self.param_groups:
            group["counter"] = 0

    @torch.no_grad()
    def update(self, group):
        for fast in group["params"]:
            st = self.state.setdefault(fast, {})
            if "slow_param" not in st:
                st["slow_param"] = torch.zeros_like(fast.data)
                st["slow_param"].copy_(fast.data)
            slow = st["slow_param"]
            slow += (fast.data - slow) * self.alpha
            fast.data.copy_(slow)

    def step(self):
        self.optimizer.step()
        for group in self.param_groups:
            if group["counter"] == 0:
                self.update(group)
            group["counter"] += 1
            if group["counter"] >= self.k:
                group["counter"] = 0

    def zero_grad(self):
        self.optimizer.zero_grad()


# --- Presets (rsseg's BiCoRSegPreset, spec §3) -------------------------------------------------

CONVNEXT = {"tiny": ([96, 192, 384, 768], [3, 3, 9, 3], 0.1), "small": ([96, 192, 384, 768], [3, 3, 27, 3], 0.4),
            "base": ([128, 256, 512, 1024], [3, 3, 27, 3], 0.5), "large": ([192, 384, 768, 1536], [3, 3, 27, 3], 0.5)}
PRESETS = {
    "vaihingen": dict(classes=6, layers=2, topk_ratio=1.0, min_pixels=64, has_fisher_loss=False, lr=5e-5),
    "potsdam": dict(classes=6, layers=3, topk_ratio=1.0, min_pixels=64, has_fisher_loss=False, lr=1e-4),
    "loveda": dict(classes=7, layers=2, topk_ratio=0.02, min_pixels=64, has_fisher_loss=True, lr=8e-5),
}


def preset_config(name, encoder="base"):
    p = PRESETS[name]
    dims, depths, sd = CONVNEXT[encoder]
    cfg = dict(dims=dims, depths=depths, stochastic_depth=sd, embed_dim=256, classes=p["classes"], ignore_index=p["classes"],
               layers=p["layers"], topk_ratio=p["topk_ratio"], min_pixels=p["min_pixels"], tau=1.0, lambda_film=0.5,
               has_fisher_loss=p["has_fisher_loss"])
    return cfg, dict(lr=p["lr"], weight_decay=0.01, lookahead_k=5, lookahead_alpha=0.5)


# --- Fixture check -----------------------------------------------------------------------------

class Checker:
    def __init__(self, tol):
        self.tol, self.failures, self.count = tol, [], 0

    def __call__(self, name, got, want):
        got, want = got.detach().double().reshape(want.shape), want.detach().double()
        diff = (got - want).abs().max().item() if want.numel() else 0.0
        scale = want.abs().max().item() if want.numel() else 0.0
        rel = diff / max(scale, 1e-30)
        ok = rel <= self.tol or diff <= 1e-12
        self.count += 1
        if not ok:
            self.failures.append(name)
        return diff, scale, rel, ok

    def report(self, name, got, want, quiet=False):
        diff, scale, rel, ok = self(name, got, want)
        if not quiet or not ok:
            print(f"  {'ok  ' if ok else 'FAIL'} {name:58s} max|diff| {diff:.3e}  max|ref| {scale:.3e}  rel {rel:.2e}")
        return diff, rel


def check_fixture(path, tol, convnext, film):
    from safetensors import safe_open
    with safe_open(path, "pt") as f:
        cfg = json.loads(f.metadata()["config"])
        t = {k: f.get_tensor(k) for k in f.keys()}
    torch.manual_seed(0)
    model = BiCoRSeg(cfg, convnext=convnext, film=film)
    params = {k[len("param."):]: v for k, v in t.items() if k.startswith("param.")}
    dtype = next(iter(params.values())).dtype
    model.to(dtype=dtype)   # before loading: a float64 fixture keeps its precision
    if tol is None:
        tol = 1e-9 if dtype == torch.float64 else 1e-4
    check = Checker(tol)
    model.load_state_dict(params, strict=True)
    ignore = cfg.get("ignore_index", cfg["classes"])
    print(f"{path}: {cfg.get('kind')} ({cfg.get('source')})")
    print(f"  model: dims {cfg['dims']} depths {cfg['depths']} embed {cfg['embed_dim']} classes {cfg['classes']} "
          f"layers {cfg['layers']} topk_ratio {cfg['topk_ratio']} min_pixels {cfg['min_pixels']}; encoder {model.convnext}; "
          f"film {film}; {sum(p.numel() for p in model.parameters())} parameters; {len(params)} tensors loaded strictly")

    if "batch.0.input" in t:
        return check_training(t, cfg, model, ignore, check)

    x, mask = t["input"], t["mask"]
    model.eval()
    with torch.no_grad():
        check.report("eval.logits", model(x), t["eval.logits"])
    model.train()
    out = model(x)
    seg, aux, fisher_final, heatmaps, embeds = out
    check.report("train.seg", seg, t["train.seg"])
    check.report("train.aux", aux, t["train.aux"])
    for l, (h, e) in enumerate(zip(heatmaps, embeds)):
        check.report(f"train.heatmap.{l}", h, t[f"train.heatmap.{l}"])
        check.report(f"train.class_embed.{l}", e, t[f"train.class_embed.{l}"])
    terms = bicor_loss(out, mask, ignore)
    for k in ("seg_aux", "fisher_final", "heatmap_sum", "fisher_layers_sum", "total"):
        if f"loss.{k}" in t:
            if k not in terms:
                print(f"  FAIL loss.{k}: the fixture has it, the model does not")
                check.failures.append(f"loss.{k}")
                continue
            check.report(f"loss.{k}", terms[k], t[f"loss.{k}"])
    terms["total"].backward()
    worst = (0.0, "")
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    for n, p in model.named_parameters():
        key = f"grad.{n}"
        if key not in t:
            print(f"  FAIL {key} missing from the fixture")
            check.failures.append(key)
            continue
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        _, rel = check.report(key, g, t[key], quiet=True)
        worst = max(worst, (rel, n))
    extra = [k for k in t if k.startswith("grad.") and k[5:] not in names]
    for k in extra:
        print(f"  FAIL {k}: no such trainable parameter")
        check.failures.append(k)
    print(f"  gradients: {len(names)} compared, worst relative difference {worst[0]:.2e} ({worst[1]})")
    return finish(check)


def check_training(t, cfg, model, ignore, check):
    model.train()
    adamw, la = cfg["adamw"], cfg["lookahead"]
    lrs = cfg["lr_per_step"]
    inner = torch.optim.AdamW(model.parameters(), lr=lrs[0], betas=tuple(adamw["betas"]), eps=adamw["eps"],
                              weight_decay=adamw["weight_decay"], amsgrad=adamw.get("amsgrad", False))
    opt = Lookahead(inner, k=la["k"], alpha=la["alpha"])
    print(f"  training: {cfg['steps']} steps in float64, AdamW {adamw['betas']} eps {adamw['eps']} "
          f"wd {adamw['weight_decay']} in Lookahead k {la['k']} α {la['alpha']}")
    for i in range(cfg["steps"]):
        for g in opt.param_groups:
            g["lr"] = lrs[i]
        opt.zero_grad()
        terms = bicor_loss(model(t[f"batch.{i}.input"]), t[f"batch.{i}.mask"], ignore)
        for k in ("seg_aux", "fisher_final", "heatmap_sum", "fisher_layers_sum", "total"):
            key = f"step.{i}.loss.{k}"
            if key in t:
                check.report(key, terms[k], t[key])
        terms["total"].backward()
        opt.step()
    worst = {}
    for n, p in model.named_parameters():
        for kind, got in (("param", p), ("slow", opt.state[p]["slow_param"]),
                          ("exp_avg", inner.state[p]["exp_avg"]), ("exp_avg_sq", inner.state[p]["exp_avg_sq"])):
            key = f"final.{kind}.{n}"
            if key not in t:
                print(f"  FAIL {key} missing from the fixture")
                check.failures.append(key)
                continue
            _, rel = check.report(key, got, t[key], quiet=True)
            worst[kind] = max(worst.get(kind, (0.0, "")), (rel, n))
    for kind, (rel, n) in worst.items():
        print(f"  final {kind}: every parameter compared, worst relative difference {rel:.2e} ({n})")
    if "cosine.reference" in t:
        p = nn.Parameter(torch.zeros(1))
        o = torch.optim.AdamW([p], lr=5e-5)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=len(t["cosine.reference"]) - 1, eta_min=1e-6)
        lrs_cos = []
        for _ in range(len(t["cosine.reference"])):
            lrs_cos.append(o.param_groups[0]["lr"])
            o.step()
            sched.step()
        check.report("cosine.reference", torch.tensor(lrs_cos, dtype=torch.float64), t["cosine.reference"])
    return finish(check)


def finish(check):
    if check.failures:
        print(f"FAILED: {len(check.failures)} of {check.count} comparisons exceed the tolerance {check.tol:g}: "
              + ", ".join(check.failures[:10]))
        return 1
    print(f"PASSED: {check.count} comparisons within relative tolerance {check.tol:g}")
    return 0


def forward_flops(model, image):
    from torch.utils.flop_counter import FlopCounterMode
    # With autograd on: under no_grad the class dictionary's expanded view still reports
    # requires_grad without a grad_fn, which FlopCounterMode's module tracker rejects.
    with FlopCounterMode(display=False) as counter:
        model(image)
    return counter.get_total_flops()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default="vaihingen")
    p.add_argument("--encoder", choices=sorted(CONVNEXT), default="base", help="ConvNeXt size (the presets use base)")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--train-batch", type=int, default=2)
    p.add_argument("--skip-bf16", action="store_true")
    p.add_argument("--skip-train", action="store_true")
    p.add_argument("--train-precision", choices=["fp32", "bf16"], default="fp32", help="bf16: forward and loss under CPU autocast")
    p.add_argument("--profile", type=int, default=0)
    p.add_argument("--convnext", choices=["auto", "torchvision", "builtin"], default="auto",
                   help="the encoder's code: torchvision's (auto: when it works) or the builtin copy of it")
    p.add_argument("--film", choices=["materialised", "factored"], default="materialised",
                   help="HBIS FiLM: the reference's B×N×C×H×W tensor, or Σ_n H_n γ_n ⊙ F + Σ_n H_n β_n as rsseg computes it")
    p.add_argument("--fused-adamw", action="store_true", help="torch.optim.AdamW(fused=True) (rsseg's AdamW runs fused)")
    p.add_argument("--check-fixture", metavar="PATH", help="compare with a BiCoR-Seg parity fixture and exit")
    p.add_argument("--tol", type=float, default=None,
                   help="--check-fixture: max |diff| / max |ref| allowed (default 1e-4 for float32 fixtures, 1e-9 for float64)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.check_fixture:
        sys.exit(check_fixture(a.check_fixture, a.tol, a.convnext, a.film))
    if a.size % 32:
        p.error("--size must be a multiple of 32")

    torch.manual_seed(0)
    cfg, train = preset_config(a.preset, a.encoder)
    model = BiCoRSeg(cfg, convnext=a.convnext, film=a.film).eval()
    image = torch.randn(1, 3, a.size, a.size)

    result = {"preset": f"{a.preset}-pytorch", "torch": torch.__version__, "convnext": model.convnext, "film": a.film,
              "size": a.size, "threads": a.threads, "repeats": a.repeats,
              "parameters": sum(q.numel() for q in model.parameters()),
              "forward_gflops": forward_flops(model, image) / 1e9}
    time_evaluation(result, a, lambda: model(image))
    if not a.skip_train:
        model.train()
        # As the reference trains (spec §3): AdamW, one group, in Lookahead k 5, α 0.5.
        inner = torch.optim.AdamW(model.parameters(), lr=train["lr"], weight_decay=train["weight_decay"],
                                  **({"fused": True} if a.fused_adamw else {}))
        optimizer = Lookahead(inner, k=train["lookahead_k"], alpha=train["lookahead_alpha"])
        images = torch.randn(a.train_batch, 3, a.size, a.size)
        labels = torch.randint(0, cfg["classes"], (a.train_batch, a.size, a.size))

        def step():
            optimizer.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.train_precision == "bf16"):
                loss = bicor_loss(model(images), labels, cfg["ignore_index"])["total"]
            loss.backward()
            optimizer.step()

        result["optimizer"] = (f"AdamW(lr {train['lr']:g}, weight_decay {train['weight_decay']:g}"
                               f"{', fused' if a.fused_adamw else ''}) in Lookahead(k {train['lookahead_k']}, "
                               f"alpha {train['lookahead_alpha']:g})")
        time_training(result, a, step)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
