"""Generalization audit, JPEG decoding: the CLI's decoder (src/model/image/jpeg.ts, through decodeImageBytes) against
Pillow's `Image.open(f).convert("RGB")` (libjpeg-turbo), byte for byte, on random JPEGs Pillow writes (sides 1 to 255,
quality 5 to 100, 4:4:4 / 4:2:2 / 4:2:0, progressive, optimized, greyscale, from YCbCr; photo crops and noise) and,
with --scan, on every JPEG under the given folders:

    nice -n 10 /usr/bin/python3 tools/audit/jpeg.py [--count 240] [--scan /usr /root] [--dir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
PHOTO = Path("/usr/lib/python3/dist-packages/skimage/data/astronaut.png")


def random_jpegs(folder: Path, count: int, seed: int) -> list:
    src = Image.open(PHOTO).convert("RGB")
    rnd = random.Random(seed)
    files = []
    for i in range(count):
        w = rnd.choice([1, 2, 3, 5, 8, 9, 15, 16, 17, 31, 33, 64, 97, 130, 255])
        h = rnd.choice([1, 2, 3, 7, 8, 9, 16, 17, 18, 47, 64, 101, 200])
        x0, y0 = rnd.randint(0, 200), rnd.randint(0, 200)
        im = src.crop((x0, y0, x0 + 2 * w, y0 + 2 * h)).resize((w, h))
        if rnd.random() < 0.3:
            im = Image.fromarray(np.random.default_rng(i).integers(0, 256, (h, w, 3), dtype=np.uint8))
        mode = rnd.choice(["RGB"] * 5 + ["L", "YCbCr"])
        options = dict(quality=rnd.choice([5, 25, 50, 75, 90, 95, 100]), progressive=rnd.random() < 0.4,
                       optimize=rnd.random() < 0.3)
        if mode != "L":
            options["subsampling"] = rnd.choice([0, 1, 2])
        path = folder / f"r{i}_{w}x{h}_{mode}.jpg"
        im.convert(mode).save(path, **options)
        files.append(path)
    return files


def scanned(roots: list) -> list:
    found = []
    for root in roots:
        for dirpath, _, names in os.walk(root):
            found += [Path(dirpath) / n for n in names if n.lower().endswith((".jpg", ".jpeg"))]
    readable = []
    for f in found:
        try:
            if f.stat().st_size < 3_000_000:
                with Image.open(f) as im:
                    im.convert("RGB")
                readable.append(f)
        except Exception:  # noqa: BLE001  (what Pillow cannot read is not compared)
            pass
    return readable


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=240)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scan", nargs="*", default=[])
    ap.add_argument("--dir")
    a = ap.parse_args()
    folder = Path(a.dir or tempfile.mkdtemp(prefix="audit-jpeg-"))
    folder.mkdir(parents=True, exist_ok=True)
    files = random_jpegs(folder, a.count, a.seed) + scanned(a.scan)
    pairs = [[str(f), str(folder / f"{i}.rgb")] for i, f in enumerate(files)]
    proc = subprocess.run(["npx", "tsx", "tools/audit/jpeg-batch.ts"], input=json.dumps(pairs), cwd=REPO,
                          capture_output=True, text=True, check=True)
    bad = 0
    for (path, out), line in zip(pairs, proc.stdout.splitlines()):
        r = json.loads(line)
        with Image.open(path) as im:
            ref = np.asarray(im.convert("RGB"))
        if "error" in r:
            bad += 1
            print(f"REFUSED  {path}: {r['error'][:160]}")
            continue
        ours = np.fromfile(out, dtype=np.uint8)
        if ours.size != ref.size:
            bad += 1
            print(f"MISMATCH {path}: {r['width']}x{r['height']}, Pillow {ref.shape[1]}x{ref.shape[0]}")
            continue
        d = np.abs(ours.astype(int) - ref.reshape(-1).astype(int))
        if d.max():
            bad += 1
            print(f"MISMATCH {path}: max {d.max()} levels, {(d > 0).mean():.1%} of the values")
    print(f"{len(files)} JPEGs ({a.count} written here, {len(files) - a.count} found), {bad} not identical; files in {folder}")


if __name__ == "__main__":
    main()
