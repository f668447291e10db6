"""Error of Winograd's F(4x4, 3x3) with bf16 operands, against the direct bf16 convolution.

Why rsseg's Winograd convolutions stay float32 under bf16 autocast (README, Benchmarks): on LAVT's
decoder shapes, the transformed tiles and kernels rounded to bf16 (products accumulated in
float32) give about 2 % relative RMS error, against 0.3 % for autocast's direct bf16
convolution. Run with PyTorch from a private venv: venv-ref/bin/python scripts/winograd-bf16-error.py
"""
import torch
import torch.nn.functional as F

# Lavin & Gray's F(4x4, 3x3) transforms, as in Sources/CTorch/nn_winograd.cpp.
BT = torch.tensor([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                   [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], dtype=torch.float64)
G = torch.tensor([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                  [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], dtype=torch.float64)
AT = torch.tensor([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
                  dtype=torch.float64)


def winograd(x, w, operand_dtype):
    """conv2d(x, w, padding=1) by F(4x4, 3x3); transforms in float64, the tiles' and kernels'
    transforms rounded to operand_dtype, their products summed in float32."""
    n, c, h, width = x.shape
    th, tw = (h + 3) // 4, (width + 3) // 4
    padded = F.pad(x, (1, tw * 4 + 1 - width, 1, th * 4 + 1 - h))
    tiles = padded.unfold(2, 6, 4).unfold(3, 6, 4)
    v = torch.einsum("ij,nctwjk,lk->nctwil", BT, tiles, BT).to(operand_dtype).float()
    u = torch.einsum("ij,kcjl,ml->kcim", G, w, G).to(operand_dtype).float()
    m = torch.einsum("nctwij,kcij->nktwij", v, u).double()
    y = torch.einsum("ij,nktwjl,ml->nktwim", AT, m, AT)
    return y.permute(0, 1, 2, 4, 3, 5).reshape(n, -1, th * 4, tw * 4)[:, :, :h, :width]


def relative_rms(y, reference):
    return ((y - reference).pow(2).mean().sqrt() / reference.pow(2).mean().sqrt()).item()


torch.manual_seed(0)
# LAVT decoder convolutions (in → out channels), on crops of their maps.
for c, k, side in [(640, 512, 24), (512, 512, 24), (768, 512, 16)]:
    x = torch.randn(1, c, side, side).relu()
    w = torch.randn(k, c, 3, 3) * (2 / (9 * c)) ** 0.5
    reference = F.conv2d(x.double(), w.double(), padding=1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        direct = F.conv2d(x, w, padding=1).double()
    print(f"[{c} -> {k}, {side}x{side}] relative RMS error: direct bf16 {relative_rms(direct, reference):.2e}, "
          f"Winograd float32 {relative_rms(winograd(x.double(), w.double(), torch.float32), reference):.2e}, "
          f"Winograd bf16 operands {relative_rms(winograd(x.double(), w.double(), torch.bfloat16), reference):.2e}")
