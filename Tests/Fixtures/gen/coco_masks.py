"""Writes Tests/Fixtures/coco_masks.json: COCO segmentations decoded by pycocotools, for
COCOMaskParityTests. Random polygons (inside the image, crossing its borders, on a half-pixel
grid, with repeated vertices), multi-polygons (merged as COCO.annToRLE does), and compressed RLE
strings of random masks. Each case's expected mask is stored as column-major runs.

    pip install pycocotools numpy && python3 Tests/Fixtures/gen/coco_masks.py
"""
import json
import os
import random
from importlib.metadata import version

import numpy as np
import pycocotools.mask as mask_utils


def runs(mask):
    """Column-major runs of a 0/1 mask, starting with background (uncompressed COCO RLE)."""
    flat = mask.flatten(order="F")
    counts, value, run = [], 0, 0
    for v in flat:
        if v != value:
            counts.append(run)
            value, run = v, 0
        run += 1
    counts.append(run)
    return counts


def polygon(rng, h, w, mode):
    k = rng.randint(3, 12)
    points = []
    for j in range(k):
        rx, ry = rng.random(), rng.random()
        if mode == "inside":
            x, y = rx * w, ry * h
        elif mode == "border":
            x, y = rx * 1.6 * w - 0.3 * w, ry * 1.6 * h - 0.3 * h
        elif mode == "grid":
            x, y = round(rx * w * 2) / 2, round(ry * h * 2) / 2
        else:  # repeated vertices
            x, y = round(rx * w * 10) / 10, round(ry * h * 10) / 10
            if j > 0 and rng.random() < 0.35:
                x, y = points[-2], points[-1]
        points += [x, y]
    return points


def main():
    rng = random.Random(20261122)
    cases = []
    for i in range(240):
        h, w = rng.randint(5, 48), rng.randint(5, 48)
        parts = [polygon(rng, h, w, rng.choice(["inside", "border", "grid", "repeat"])) for _ in range(1 if i < 160 else rng.randint(2, 3))]
        rle = mask_utils.merge(mask_utils.frPyObjects(parts, h, w))
        m = mask_utils.decode(rle)
        cases.append({"height": h, "width": w, "polygons": parts, "runs": runs(m)})
    for i in range(60):
        h, w = rng.randint(1, 40), rng.randint(1, 40)
        m = np.zeros((h, w), dtype=np.uint8, order="F")
        for _ in range(rng.randint(0, 4)):
            y0, x0 = rng.randrange(h), rng.randrange(w)
            m[y0:y0 + rng.randint(1, h), x0:x0 + rng.randint(1, w)] = 1
        string = mask_utils.encode(np.asfortranarray(m))["counts"].decode("ascii")
        cases.append({"height": h, "width": w, "compressed": string, "runs": runs(m)})
    out = os.path.join(os.path.dirname(__file__), "..", "coco_masks.json")
    with open(out, "w") as f:
        json.dump({"generator": "pycocotools " + version("pycocotools"), "cases": cases}, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
