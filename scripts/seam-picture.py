#!/usr/bin/env python3
"""Puts crops of class-map previews side by side with the window borders of a tiling drawn in
(for the README's picture of window seams; needs Pillow).

    scripts/seam-picture.py OUT.png X Y SIZE LABEL=PREVIEW.png=TILE [LABEL=PREVIEW.png=TILE ...]

The crop is SIZE × SIZE pixels at (X, Y), scaled 2×; each panel shows where the TILE-pixel
windows of its run (overlap TILE/4, `WindowGrid.starts`) start and end, as white lines.
"""
import sys

from PIL import Image, ImageDraw


def starts(length, window, stride):
    if length <= window:
        return [0]
    return list(range(0, length - window, stride)) + [length - window]


def main():
    out, x, y, size = sys.argv[1], *map(int, sys.argv[2:5])
    panels = [arg.split("=") for arg in sys.argv[5:]]
    scale, label_height = 2, 18
    sheet = Image.new("RGB", (len(panels) * (size * scale + 6), size * scale + label_height), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, path, tile) in enumerate(panels):
        image = Image.open(path).convert("RGB")
        tile = int(tile)
        overlap = tile // 4
        borders = {e for s in starts(image.width, tile, tile - overlap) for e in (s, s + tile)}
        rows = {e for s in starts(image.height, tile, tile - overlap) for e in (s, s + tile)}
        crop = image.crop((x, y, x + size, y + size)).resize((size * scale, size * scale), Image.NEAREST)
        left = i * (size * scale + 6)
        sheet.paste(crop, (left, label_height))
        for b in borders:
            if x < b < x + size:
                px = left + (b - x) * scale
                draw.line([(px, label_height), (px, label_height + size * scale)], fill="white", width=1)
        for b in rows:
            if y < b < y + size:
                py = label_height + (b - y) * scale
                draw.line([(left, py), (left + size * scale, py)], fill="white", width=1)
        draw.text((left + 2, 3), label, fill="black")
    sheet.save(out, optimize=True)


if __name__ == "__main__":
    main()
