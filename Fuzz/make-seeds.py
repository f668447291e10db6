#!/usr/bin/env python3
"""Writes the fuzz seed corpora (Fuzz/corpus/<target>/) and the hostile pickles (Fuzz/hostile/).

Seeds are small files derived from the fixtures in ../shared/parity and the bundled samples,
plus hand-made edge cases; inputs that fuzzing found (and that were fixed) are kept beside them
as found-*. The hostile pickles are what an attacker would put in a checkpoint:
Python's own pickle module writes them (so the bytes are exactly what `torch.save` or
`pickle.dump` of such an object would produce), and `Fuzz/hostile/expected.json` says which
global each one must be refused for. Run from the repository root: python3 Fuzz/make-seeds.py
(needs python3 and gdal_translate; not needed for building or testing).
"""
import builtins
import collections
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "Fuzz" / "corpus"
HOSTILE = ROOT / "Fuzz" / "hostile"


def put(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


# ---------------------------------------------------------------- safetensors


def safetensors(tensors, metadata=None, declared=None, pad=True):
    """tensors: [(name, dtype, shape, raw bytes)] in data order."""
    header, offset, blob = {}, 0, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blob += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", declared if declared is not None else len(text)) + text + blob


def seed_safetensors():
    put("safetensors", "expected.safetensors", (SHARED / "parity/pth/expected.safetensors").read_bytes())
    f32 = struct.pack("<4f", 1.5, -2, 0, 3.25)
    put("safetensors", "small.safetensors", safetensors(
        [("a", "F32", [2, 2], f32), ("b", "I64", [1], struct.pack("<q", 7)), ("c", "BOOL", [3], b"\x01\x00\x01"),
         ("e", "F16", [0], b""), ("s", "BF16", [], b"\x80\x3f")], metadata={"config": "{}", "classes": "a,b"}))
    put("safetensors", "every-dtype.safetensors", safetensors(
        [(d, d, [2], b"\x01" * (2 * n)) for d, n in
         [("F64", 8), ("I64", 8), ("F32", 4), ("I32", 4), ("BF16", 2), ("F16", 2), ("I16", 2), ("I8", 1), ("U8", 1), ("BOOL", 1)]]))
    put("safetensors", "misaligned.safetensors", safetensors(
        [("b", "BOOL", [1], b"\x01"), ("f", "F32", [2], struct.pack("<2f", 1, 2))], pad=False))
    put("safetensors", "huge-header.safetensors", safetensors([("a", "F32", [1], f32[:4])], declared=1 << 40))
    put("safetensors", "overflow-shape.safetensors", safetensors([("a", "F32", [1 << 62, 4], f32)]))
    put("safetensors", "outside.safetensors", safetensors([("a", "F32", [4], f32)])[:-4])
    put("safetensors", "empty.safetensors", struct.pack("<Q", 2) + b"{}")


# ---------------------------------------------------------------- pickles and checkpoints


class Reduce:
    """An object whose pickle calls `function(*args)` when a Python unpickler loads it."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def torch_zip(pickle_bytes, extra=(), compression=zipfile.ZIP_STORED):
    """A torch.save-style archive: archive/data.pkl, archive/byteorder, archive/data/<key>."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in [("data.pkl", pickle_bytes), ("byteorder", "little")] + list(extra):
            # A fixed timestamp keeps the seeds byte-identical from run to run.
            z.writestr(zipfile.ZipInfo("archive/" + name, date_time=(2020, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return out.getvalue()


def hostile_pickles():
    """(file name, pickle bytes, the global the error must name)."""
    import posix
    import shutil as sh
    import socket
    import webbrowser
    import runpy
    import operator
    import importlib
    cases = [
        ("os-system", Reduce(os.system, "echo pwned"), "posix.system"),
        ("eval", Reduce(builtins.eval, "__import__('os').system('echo pwned')"), "builtins.eval"),
        ("exec", Reduce(builtins.exec, "print('pwned')"), "builtins.exec"),
        ("import", Reduce(builtins.__import__, "os"), "builtins.__import__"),
        ("getattr", Reduce(builtins.getattr, "x", "upper"), "builtins.getattr"),
        ("compile", Reduce(builtins.compile, "1", "x", "eval"), "builtins.compile"),
        ("subprocess-popen", Reduce(subprocess.Popen, ["id"]), "subprocess.Popen"),
        ("subprocess-check-output", Reduce(subprocess.check_output, ["id"]), "subprocess.check_output"),
        ("posix-system", Reduce(posix.system, "id"), "posix.system"),
        ("shutil-rmtree", Reduce(sh.rmtree, "/tmp/nothing-here"), "shutil.rmtree"),
        ("socket", Reduce(socket.create_connection, ("localhost", 1)), "socket.create_connection"),
        ("webbrowser", Reduce(webbrowser.open, "http://localhost"), "webbrowser.open"),
        ("runpy", Reduce(runpy.run_path, "/tmp/x.py"), "runpy.run_path"),
        ("importlib", Reduce(importlib.import_module, "os"), "importlib.import_module"),
        ("operator-attrgetter", Reduce(operator.attrgetter, "system"), "operator.attrgetter"),
    ]
    out = []
    for name, obj, expected in cases:
        # Inside a plain dict, as a checkpoint would hide it; protocols 2 (torch.save) and 4.
        # Protocol 2 writes Python 2 names (builtins.eval as __builtin__.eval, subprocess as commands).
        old = python2_name(expected)
        out.append((name + ".pkl", pickle.dumps({"state_dict": collections.OrderedDict(), "x": obj}, protocol=2), old))
        out.append((name + "-p4.pkl", pickle.dumps([obj], protocol=4), expected))
        out.append((name + ".pth", torch_zip(pickle.dumps({"model": obj}, protocol=2)), old))
    # Protocol 0, written by hand as old exploits are: cos\nsystem\n(S'id'\ntR.
    out.append(("os-system-p0.pkl", b"cos\nsystem\n(S'echo pwned'\ntR.", "os.system"))
    # INST opcode (protocol 0 class instantiation) of subprocess.Popen.
    out.append(("inst-popen.pkl", b"(S'id'\nisubprocess\nPopen\n.", "subprocess.Popen"))
    return out


def python2_name(qualified):
    """The name protocols 0-2 write for a Python 3 global (pickle's own compatibility map)."""
    import _compat_pickle
    module, name = qualified.rsplit(".", 1)
    if (module, name) in _compat_pickle.REVERSE_NAME_MAPPING:
        module, name = _compat_pickle.REVERSE_NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.REVERSE_IMPORT_MAPPING:
        module = _compat_pickle.REVERSE_IMPORT_MAPPING[module]
    return module + "." + name


def seed_checkpoints():
    for name in ["state_dict.pth", "legacy.pth", "lightning_like.ckpt"]:
        put("checkpoint", name, (SHARED / "parity/pth" / name).read_bytes())
    put("checkpoint", "refs.p", (SHARED / "parity/rrsis_formats/rrsisd/refs(unc).p").read_bytes())
    data = {"a": [1, 2.5, None, True, "x", b"\x00\xff", (1, 2), {3, 4}, frozenset([5])],
            "big": 1 << 80, "neg": -(1 << 70), "od": collections.OrderedDict(z=1, y=2), 3: {}}
    shared = [1, 2]
    for protocol in range(0, 6):
        put("checkpoint", f"plain-p{protocol}.pkl", pickle.dumps(data, protocol=protocol))
        put("checkpoint", f"shared-p{protocol}.pkl", pickle.dumps({"a": shared, "b": shared}, protocol=protocol))
    put("checkpoint", "deep.pkl", pickle.dumps(nested(200), protocol=2))
    put("checkpoint", "zip-plain.pth", torch_zip(pickle.dumps(data, protocol=2)))
    put("checkpoint", "zip-deflated.pth", torch_zip(pickle.dumps(data, protocol=2), compression=zipfile.ZIP_DEFLATED))
    for name, payload, _ in hostile_pickles()[:6]:
        put("checkpoint", "hostile-" + name, payload)


def nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def write_hostile():
    if HOSTILE.exists():
        shutil.rmtree(HOSTILE)
    HOSTILE.mkdir(parents=True)
    expected = {}
    for name, payload, global_name in hostile_pickles():
        (HOSTILE / name).write_bytes(payload)
        expected[name] = global_name
    (HOSTILE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


# ---------------------------------------------------------------- text, configs, rasters


def seed_wordpiece():
    fixture = json.loads((SHARED / "parity/text_minilm.json").read_text())
    sentences = [row["text"] for row in fixture["rows"]]
    for k, sentence in enumerate(sentences):
        put("wordpiece", f"sentence-{k:02d}.txt", sentence)
    put("wordpiece", "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nwhite\ncar\n##s\n,\nleft\nof\nbuild\n##ing\n")
    put("wordpiece", "vocab-crlf.txt", "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nthe\rcar\r\n")
    put("wordpiece", "long-word.txt", "a" * 150 + " building" * 3)
    put("wordpiece", "empty.txt", "")
    put("wordpiece", "controls.txt", "the\x00car\u200b\ufeff\u0301 [MASK] [CLS]x [SEP]")


def seed_configs():
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        put("config", path.name, path.read_bytes())
    put("config", "minimal.yaml", "dataset: dubai\ndata: /nonexistent\n")
    put("config", "unknown-key.yaml", "dataset: dubai\ndata: x\nlearning_rate: 0.1\n")
    put("config", "wrong-type.yaml", "dataset: dubai\ndata: x\nepochs: many\n")
    put("config", "list-root.yaml", "- dataset\n- data\n")
    put("config", "anchors.yaml", "encoder_dims: &a [8, 16]\nencoder_depths: *a\ndataset: dubai\ndata: x\n")
    laughs = "dataset: dubai\ndata: x\nl0: &l0 [x, x]\n" + "".join(
        f"l{k}: &l{k} [*l{k-1}, *l{k-1}]\n" for k in range(1, 12))
    put("config", "laughs.yaml", laughs)
    put("config", "empty.yaml", "")


def seed_rasters():
    sources = [
        ROOT / "samples/dubai_aerial/data/tile_1/images/image_part_001.jpg",
        ROOT / "samples/dubai_aerial/data/tile_1/masks/image_part_001.png",
        ROOT / "samples/naip/naip_2020_utm14n.tif",
        SHARED / "parity/rrsis_formats/RefSegRS/masks/0.tif",
    ]
    formats = [
        ("GTiff", "deflate.tif", ["-co", "COMPRESS=DEFLATE", "-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16"]),
        ("GTiff", "lzw.tif", ["-co", "COMPRESS=LZW", "-co", "PREDICTOR=2"]),
        ("GTiff", "packbits.tif", ["-co", "COMPRESS=PACKBITS"]),
        ("GTiff", "jpeg.tif", ["-co", "COMPRESS=JPEG"]),
        ("PNG", "png", []),
        ("JPEG", "jpg", []),
        ("BMP", "bmp", []),
        ("GIF", "gif", []),
    ]
    for k, source in enumerate(sources):
        if not source.exists():
            continue
        for driver, suffix, options in formats:
            out = CORPUS / "raster" / f"s{k}-{suffix.replace('.', '-')}"
            out.parent.mkdir(parents=True, exist_ok=True)
            bands = ["-b", "1"] if driver == "GIF" else ["-b", "1", "-b", "2", "-b", "3"] if driver == "JPEG" and "naip" in source.name else []
            args = ["gdal_translate", "-q", "-of", driver, "-outsize", "24", "24", "-srcwin", "0", "0", "64", "64"] + bands + options
            result = subprocess.run(args + [str(source), str(out)], capture_output=True)
            for side in out.parent.glob(out.name + ".aux.xml"):
                side.unlink()
            if result.returncode != 0 and out.exists():
                out.unlink()
    put("raster", "truncated-png", (CORPUS / "raster/s1-png").read_bytes()[:200])
    put("raster", "truncated-tif", (CORPUS / "raster/s2-deflate-tif").read_bytes()[:600])


def seed_coco():
    put("coco", "rrsisd-instances.json", (SHARED / "parity/rrsis_formats/rrsisd/instances.json").read_bytes())

    def instances(segmentations, height=20, width=30):
        return json.dumps({
            "images": [{"id": 1, "file_name": "a.jpg", "height": height, "width": width}],
            "annotations": [{"id": k + 1, "image_id": 1, "segmentation": s} for k, s in enumerate(segmentations)],
        })
    put("coco", "polygons.json", instances([[[2, 2, 20, 3, 18, 15, 4, 12]], [[0, 0, 29, 0, 29, 19], [5, 5, 8, 5, 8, 9]]]))
    put("coco", "rle.json", instances([{"size": [20, 30], "counts": [100, 50, 200, 250]}]))
    put("coco", "compressed-rle.json", instances([{"size": [20, 30], "counts": "`5;a0O1N2Nf0"}]))
    put("coco", "bad-rle-sum.json", instances([{"size": [20, 30], "counts": [1, 2, 3]}]))
    put("coco", "bad-size.json", instances([{"size": [21, 30], "counts": [630]}]))
    put("coco", "huge-image.json", instances([[[0, 0, 100000, 0, 100000, 100000]]], height=100000, width=100000))
    put("coco", "negative-count.json", instances([{"size": [20, 30], "counts": [700, -100]}]))


if __name__ == "__main__":
    # Inputs found by fuzzing (found-*) stay; every seed is written afresh.
    for old in CORPUS.glob("*/*"):
        if not old.name.startswith("found-"):
            old.unlink()
    seed_safetensors()
    seed_checkpoints()
    write_hostile()
    seed_wordpiece()
    seed_configs()
    seed_rasters()
    seed_coco()
    for folder in sorted(CORPUS.iterdir()):
        files = list(folder.iterdir())
        print(f"{folder.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")
