"""Generalization audit, images: the CLI's `preprocess` against timm's `create_transform` on images and settings
outside the fixtures (scikit-image's sample PNGs in every colour type they come in, its JPEG and the app's sample
JPEGs, random crop sides, crop shares, interpolations, crop modes, means and stds; with --formats also BMP, GIF and
WebP copies of some of them). Pillow opens each image and converts it to RGB, as timm's loaders do. Prints one row per
mismatch (the project's tolerance for PNGs is 0) and a count:

    nice -n 10 /usr/bin/python3 tools/audit/preprocess.py [--cases 60] [--formats] [--dir DIR]
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "fixtures"))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import reference  # noqa: E402,F401  (timm on sys.path)
from timm.data import create_transform  # noqa: E402

SKIMAGE = Path("/usr/lib/python3/dist-packages/skimage/data")
IMAGES = ["chelsea.png", "coffee.png", "astronaut.png", "camera.png", "logo.png", "rocket.png", "horse.png",
          "page.png", "motorcycle_left.png", "color.png", "green_palette.png", "coins.png"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--dir")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--formats", action="store_true", help="only BMP, GIF and WebP copies of the sample images")
    a = ap.parse_args()
    folder = Path(a.dir or tempfile.mkdtemp(prefix="audit-pre-"))
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(a.seed)
    images = [SKIMAGE / n for n in IMAGES if (SKIMAGE / n).exists()]
    images += [SKIMAGE / "hubble_deep_field.jpg", *sorted((REPO / "src" / "app" / "samples").glob("*.jpg"))]
    if a.formats:
        copies = []
        for src in images[:6]:
            with Image.open(src) as im:
                rgb = im.convert("RGB")
            for ext, save in ((".bmp", {}), (".gif", {}), (".webp", {"quality": 80}), ("_lossless.webp", {"lossless": True})):
                path = folder / f"{src.stem}{ext}"
                (rgb.quantize(256) if ext == ".gif" else rgb).save(path, **save)
                copies.append(path)
        images = copies
    cases, lines = [], []
    for i in range(a.cases):
        image = images[i % len(images)]
        c = {"image": image.name, "size": rnd.choice([64, 97, 160, 193, 224, 257, 288, 320]),
             "crop_pct": rnd.choice([0.8, 0.875, 0.9, 0.95, 1.0, 0.7, 1.15]),
             "interpolation": rnd.choice(["bilinear", "bicubic"]), "crop_mode": rnd.choice(["center", "squash", "border"]),
             "mean": rnd.choice([(0.485, 0.456, 0.406), (0.5, 0.5, 0.5)]),
             "std": rnd.choice([(0.229, 0.224, 0.225), (0.5, 0.5, 0.5)])}
        out = folder / f"{i}.bin"
        cases.append((c, image, out))
        lines.append(["preprocess", "--image", str(image), "--size", str(c["size"]), "--crop-pct", str(c["crop_pct"]),
                      "--interpolation", c["interpolation"], "--crop-mode", c["crop_mode"],
                      "--mean", ",".join(map(str, c["mean"])), "--std", ",".join(map(str, c["std"])), "--out", str(out)])
    proc = subprocess.run(["npx", "tsx", "tools/audit/cli-batch.ts"], input=json.dumps(lines), cwd=REPO,
                          capture_output=True, text=True, check=True)
    bad = 0
    for (c, image, out), line in zip(cases, proc.stdout.splitlines()):
        r = json.loads(line)
        t = create_transform(input_size=(3, c["size"], c["size"]), interpolation=c["interpolation"],
                             crop_pct=c["crop_pct"], crop_mode=c["crop_mode"], mean=c["mean"], std=c["std"])
        with Image.open(image) as im:
            mode = im.mode
            ref = t(im.convert("RGB")).numpy()
        if "error" in r:
            bad += 1
            print(f"REFUSED  {c} ({mode}): {r['error'][:200]}")
            continue
        ours = np.fromfile(out, dtype="<f4")
        if ours.size != ref.size:
            bad += 1
            print(f"MISMATCH {c} ({mode}): {ours.size} values, timm {ref.size} {ref.shape}")
            continue
        d = np.abs(ours - ref.reshape(-1))
        if d.max() > 0:
            bad += 1
            print(f"MISMATCH {c} ({mode}): max {d.max():.3g}, {int((d > 0).sum())} of {d.size} values differ")
    print(f"{len(cases)} cases, {bad} mismatches; files in {folder}")


if __name__ == "__main__":
    main()
