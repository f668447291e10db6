#!/usr/bin/env python3
"""Draws the outlines of `rsseg predict/polygonize --vector geojson` polygons over a scene, in the
class map's colours, for the README's picture (needs Pillow; GDAL is not needed: the scene and the
class map are plain GeoTIFFs whose geotransform is read from their tags).

    scripts/polygon-picture.py SCENE.tif CLASSMAP.tif POLYGONS.geojson OUT.png [--dim 0.6]
"""
import argparse
import json

from PIL import Image, ImageDraw


def geotransform(image):
    """(x0, pixel width, y0, pixel height) from ModelTiepoint and ModelPixelScale."""
    scale, tie = image.tag_v2[33550], image.tag_v2[33922]
    return tie[3] - tie[0] * scale[0], scale[0], tie[4] + tie[1] * scale[1], -scale[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scene")
    parser.add_argument("classmap")
    parser.add_argument("polygons")
    parser.add_argument("out")
    parser.add_argument("--dim", type=float, default=0.6, help="brightness of the scene under the outlines")
    args = parser.parse_args()
    scene = Image.open(args.scene)
    x0, dx, y0, dy = geotransform(scene)
    rgb = Image.merge("RGB", scene.split()[:3]).point(lambda v: int(v * args.dim))
    palette = Image.open(args.classmap).getpalette()
    draw = ImageDraw.Draw(rgb)
    features = json.load(open(args.polygons))["features"]
    for feature in features:
        k = feature["properties"]["class_id"]
        colour = tuple(palette[3 * k: 3 * k + 3])
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for polygon in polygons:
            for ring in polygon:
                draw.line([((x - x0) / dx, (y - y0) / dy) for x, y in ring], fill=colour, width=1)
    rgb.save(args.out, optimize=True)
    print(f"{args.out}: {len(features)} polygons")


if __name__ == "__main__":
    main()
