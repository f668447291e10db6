#!/usr/bin/env python3
"""PyTorch eager reference timings for `rsseg bench model --preset lavt`.

LAVT as the official code builds it (github.com/yz93/LAVT-RIS: lib/backbone.py's multi-modal
Swin with PWAM and the gated residual in every stage, lib/mask_predictor.py's SimpleDecoding,
transformers' BertModel), at the shapes rsseg's benchmark uses: Swin-B window 12, bert-base,
480² images, 20-token sentences, random weights. Times evaluation at batch 1 (fp32 and bf16
autocast) and one training step at batch 2 (fp32, or bf16 under autocast; cross-entropy with class weights 0.9/1.1, AdamW
lr 5e-5, weight decay 0.01), each the median of --repeats runs after a warm-up, and prints one
JSON line. --profile N also prints the N ops with the most self CPU time in one eval and one
training step (torch.profiler), to set beside `rsseg bench model --profile N`.

Not a project dependency: run it from a private virtual environment with torch and transformers
from PyPI, e.g.  python3 -m venv venv-ref && venv-ref/bin/pip install torch transformers
--index-url … ; OMP_WAIT_POLICY=passive venv-ref/bin/python scripts/reference-lavt.py --threads 2
"""
import argparse
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as checkpoint

from reference_timing import time_evaluation, time_training


def window_partition(x, ws):
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, c)


def window_reverse(windows, ws, h, w):
    b = int(windows.shape[0] / (h * w / ws / ws))
    x = windows.view(b, h // ws, w // ws, ws, ws, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, w, -1)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class WindowAttention(nn.Module):
    def __init__(self, dim, ws, heads):
        super().__init__()
        self.ws, self.heads = ws, heads
        self.scale = (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) ** 2, heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += ws - 1
        rel[:, :, 1] += ws - 1
        rel[:, :, 0] *= 2 * ws - 1
        self.register_buffer("relative_position_index", rel.sum(-1))
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        b_, n, c = x.shape
        qkv = self.qkv(x).reshape(b_, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n, n, -1)
        attn = attn + bias.permute(2, 0, 1).contiguous().unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.view(b_ // nw, nw, self.heads, n, n) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.heads, n, n)
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b_, n, c))


class DropPath(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if self.p == 0 or not self.training:
            return x
        keep = 1 - self.p
        return x.div(keep) * x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)


class SwinBlock(nn.Module):
    def __init__(self, dim, heads, ws, shift, drop_path):
        super().__init__()
        self.ws, self.shift = ws, shift
        self.norm1, self.attn = nn.LayerNorm(dim), WindowAttention(dim, ws, heads)
        self.drop_path, self.norm2, self.mlp = DropPath(drop_path), nn.LayerNorm(dim), Mlp(dim, 4 * dim)

    def forward(self, x, h, w, mask):
        b, _, c = x.shape
        shortcut, ws = x, self.ws
        x = self.norm1(x).view(b, h, w, c)
        pad_r, pad_b = (ws - w % ws) % ws, (ws - h % ws) % ws
        x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        hp, wp = x.shape[1], x.shape[2]
        if self.shift > 0:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        windows = window_partition(x, ws).view(-1, ws * ws, c)
        windows = self.attn(windows, mask if self.shift > 0 else None).view(-1, ws, ws, c)
        x = window_reverse(windows, ws, hp, wp)
        if self.shift > 0:
            x = torch.roll(x, shifts=(self.shift, self.shift), dims=(1, 2))
        if pad_r > 0 or pad_b > 0:
            x = x[:, :h, :w, :].contiguous()
        x = shortcut + self.drop_path(x.view(b, h * w, c))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.reduction, self.norm = nn.Linear(4 * dim, 2 * dim, bias=False), nn.LayerNorm(4 * dim)

    def forward(self, x, h, w):
        b, _, c = x.shape
        x = x.view(b, h, w, c)
        if h % 2 or w % 2:
            x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x.view(b, -1, 4 * c)))


class PWAM(nn.Module):
    """lib/backbone.py's PWAM with SpatialImageLanguageAttention (one head)."""

    def __init__(self, dim, lang_dim):
        super().__init__()
        self.vis_project = nn.Sequential(nn.Conv1d(dim, dim, 1), nn.GELU(), nn.Dropout(0))
        self.f_key = nn.Conv1d(lang_dim, dim, 1)
        self.f_query = nn.Sequential(nn.Conv1d(dim, dim, 1), nn.InstanceNorm1d(dim))
        self.f_value = nn.Conv1d(lang_dim, dim, 1)
        self.W = nn.Sequential(nn.Conv1d(dim, dim, 1), nn.InstanceNorm1d(dim))
        self.project_mm = nn.Sequential(nn.Conv1d(dim, dim, 1), nn.GELU(), nn.Dropout(0))
        self.dim = dim

    def forward(self, x, l, l_mask):
        vis = self.vis_project(x.permute(0, 2, 1))
        b, hw = x.shape[:2]
        mask = l_mask.permute(0, 2, 1)
        query = self.f_query(x.permute(0, 2, 1)).permute(0, 2, 1)
        key, value = self.f_key(l) * mask, self.f_value(l) * mask
        sim = torch.matmul(query, key) * self.dim ** -0.5
        sim = (sim + (1e4 * mask - 1e4)).softmax(dim=-1)
        out = torch.matmul(sim, value.permute(0, 2, 1))
        lang = self.W(out.permute(0, 2, 1)).permute(0, 2, 1)
        return self.project_mm(vis * lang.permute(0, 2, 1)).permute(0, 2, 1)


class Stage(nn.Module):
    def __init__(self, dim, depth, heads, ws, rates, last, lang_dim, use_checkpoint):
        super().__init__()
        self.ws, self.use_checkpoint = ws, use_checkpoint
        self.blocks = nn.ModuleList([SwinBlock(dim, heads, ws, 0 if i % 2 == 0 else ws // 2, rates[i]) for i in range(depth)])
        self.downsample = None if last else PatchMerging(dim)
        self.fusion = PWAM(dim, lang_dim)
        self.res_gate = nn.Sequential(nn.Linear(dim, dim, bias=False), nn.ReLU(), nn.Linear(dim, dim, bias=False), nn.Tanh())

    def mask(self, h, w, device):
        ws, s = self.ws, self.ws // 2
        hp, wp = -(-h // ws) * ws, -(-w // ws) * ws
        img = torch.zeros((1, hp, wp, 1), device=device)
        cnt = 0
        for hs in (slice(0, -ws), slice(-ws, -s), slice(-s, None)):
            for wsl in (slice(0, -ws), slice(-ws, -s), slice(-s, None)):
                img[:, hs, wsl, :] = cnt
                cnt += 1
        mw = window_partition(img, ws).view(-1, ws * ws)
        m = mw.unsqueeze(1) - mw.unsqueeze(2)
        return m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0)

    def forward(self, x, h, w, l, l_mask):
        mask = self.mask(h, w, x.device)
        for blk in self.blocks:
            x = checkpoint.checkpoint(blk, x, h, w, mask, use_reentrant=False) if self.use_checkpoint else blk(x, h, w, mask)
        r = self.fusion(x, l, l_mask)
        x = x + self.res_gate(r) * r
        if self.downsample is None:
            return r, h, w, x, h, w
        return r, h, w, self.downsample(x, h, w), (h + 1) // 2, (w + 1) // 2


class MultiModalSwin(nn.Module):
    def __init__(self, embed=128, depths=(2, 2, 18, 2), heads=(4, 8, 16, 32), ws=12, drop_path=0.3, lang_dim=768,
                 use_checkpoint=False):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, embed, 4, 4)
        self.patch_norm = nn.LayerNorm(embed)
        rates = torch.linspace(0, drop_path, sum(depths)).tolist()
        self.layers, self.norms = nn.ModuleList(), nn.ModuleList()
        for i, d in enumerate(depths):
            dim = embed * 2 ** i
            self.layers.append(Stage(dim, d, heads[i], ws, rates[sum(depths[:i]):sum(depths[:i + 1])], i == len(depths) - 1,
                                     lang_dim, use_checkpoint))
            self.norms.append(nn.LayerNorm(dim))

    def forward(self, x, l, l_mask):
        x = self.patch_embed(x)
        h, w = x.shape[2], x.shape[3]
        x = self.patch_norm(x.flatten(2).transpose(1, 2))
        outs = []
        for layer, norm in zip(self.layers, self.norms):
            r, ho, wo, x, h, w = layer(x, h, w, l, l_mask)
            outs.append(norm(r).view(-1, ho, wo, r.shape[-1]).permute(0, 3, 1, 2).contiguous())
        return outs


class SimpleDecoding(nn.Module):
    def __init__(self, c4=1024, factor=2):
        super().__init__()
        hidden, c4, c3, c2, c1 = c4 // factor, c4, c4 // 2, c4 // 4, c4 // 8

        def step(cin):
            return nn.ModuleList([nn.Conv2d(cin, hidden, 3, padding=1, bias=False), nn.BatchNorm2d(hidden),
                                  nn.Conv2d(hidden, hidden, 3, padding=1, bias=False), nn.BatchNorm2d(hidden)])

        self.steps = nn.ModuleList([step(c4 + c3), step(hidden + c2), step(hidden + c1)])
        self.conv1_1 = nn.Conv2d(hidden, 2, 1)

    def forward(self, x_c4, x_c3, x_c2, x_c1):
        x = x_c4
        for (conv1, bn1, conv2, bn2), fine in zip(self.steps, (x_c3, x_c2, x_c1)):
            if x.size(-2) < fine.size(-2) or x.size(-1) < fine.size(-1):
                x = F.interpolate(x, size=fine.shape[-2:], mode="bilinear", align_corners=True)
            x = F.relu(bn1(conv1(torch.cat([x, fine], dim=1))))
            x = F.relu(bn2(conv2(x)))
        return self.conv1_1(x)


class LAVT(nn.Module):
    def __init__(self, use_checkpoint):
        super().__init__()
        from transformers import BertConfig, BertModel
        self.text_encoder = BertModel(BertConfig())  # bert-base-uncased shapes, random weights
        self.backbone = MultiModalSwin(use_checkpoint=use_checkpoint)
        self.classifier = SimpleDecoding()

    def forward(self, x, ids, attention_mask):
        size = x.shape[-2:]
        l = self.text_encoder(ids, attention_mask=attention_mask)[0].permute(0, 2, 1)
        l_mask = attention_mask.unsqueeze(-1).float()
        c1, c2, c3, c4 = self.backbone(x, l, l_mask)
        return F.interpolate(self.classifier(c4, c3, c2, c1), size=size, mode="bilinear", align_corners=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=480)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--train-batch", type=int, default=2)
    p.add_argument("--checkpoint-swin", action="store_true", help="recompute Swin blocks in backward (use_checkpoint)")
    p.add_argument("--skip-bf16", action="store_true")
    p.add_argument("--skip-train", action="store_true")
    p.add_argument("--train-precision", choices=["fp32", "bf16"], default="fp32", help="bf16: the step under CPU autocast")
    p.add_argument("--optimizer-in-backward", action="store_true",
                   help="AdamW per parameter in a post-accumulate-grad hook (PyTorch's tutorial recipe)")
    p.add_argument("--profile", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = LAVT(a.checkpoint_swin).eval()

    def sentences(b):
        return torch.randint(0, 30522, (b, 20)), torch.ones(b, 20, dtype=torch.long)

    image = torch.randn(1, 3, a.size, a.size)
    ids, mask = sentences(1)

    result = {"preset": "lavt-pytorch", "torch": torch.__version__, "size": a.size, "threads": a.threads,
              "checkpoint_swin": a.checkpoint_swin}
    time_evaluation(result, a, lambda: model(image, ids, mask))
    if not a.skip_train:
        model.train()
        decay = [p for n, p in model.named_parameters() if p.ndim > 1]
        no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
        optimizer = torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0}], lr=5e-5, weight_decay=0.01)
        if a.optimizer_in_backward:
            # pytorch.org/tutorials/intermediate/optimizer_step_in_backward_tutorial.html
            optimizers = {p: torch.optim.AdamW([p], lr=5e-5, weight_decay=0.01 if p.ndim > 1 else 0)
                          for p in model.parameters()}

            def update(p):
                optimizers[p].step()
                optimizers[p].zero_grad()

            for p in model.parameters():
                p.register_post_accumulate_grad_hook(update)
            optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0)  # the hooks do the updates
        images = torch.randn(a.train_batch, 3, a.size, a.size)
        tids, tmask = sentences(a.train_batch)
        targets = torch.randint(0, 2, (a.train_batch, a.size, a.size))
        weight = torch.tensor([0.9, 1.1])

        def step():
            optimizer.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.train_precision == "bf16"):
                logits = model(images, tids, tmask)
            F.cross_entropy(logits.float(), targets, weight=weight).backward()
            optimizer.step()

        result["optimizer_in_backward"] = a.optimizer_in_backward
        time_training(result, a, step)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
