"""Generalization audit, BMP / GIF / WebP decoding: the CLI's decoders (src/model/image/bmp.ts, gif.ts, webp.ts, through
decodeImageBytes) against Pillow's `Image.open(path).convert("RGB")`, byte for byte, on random files of every variant
(tools/fixtures/format_fixtures.py builds them: palettes, bitfields, RLE, header versions, top-down rows; LZW with clear
codes, interlacing, local palettes, offset frames, transparency; lossy / lossless / alpha / animated WebP, Pillow's own
writers) and, with --scan, on every such file under the given folders. Where Pillow refuses a file the CLI must refuse
it too (one line); damaged copies (--damage: each file cut short and with bytes flipped) count the same way.

    nice -n 10 /usr/bin/python3 tools/audit/formats.py [--count 200] [--damage] [--scan /usr] [--dir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "fixtures"))
from format_fixtures import pillow_rgb, random_bmp, random_gif, random_webp  # noqa: E402

import hashlib  # noqa: E402


def damaged(data: bytes, rnd: random.Random) -> bytes:
    if rnd.random() < 0.5:
        return data[: rnd.randint(1, max(1, len(data) - 1))]
    out = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        out[rnd.randrange(len(out))] = rnd.randrange(256)
    return bytes(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200, help="random files of each format")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--damage", action="store_true", help="also a damaged copy of each random file")
    ap.add_argument("--scan", nargs="*", default=[])
    ap.add_argument("--dir")
    a = ap.parse_args()
    folder = Path(a.dir or tempfile.mkdtemp(prefix="audit-formats-"))
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(a.seed)
    files = []
    for ext, make in ((".bmp", random_bmp), (".gif", random_gif), (".webp", random_webp)):
        for i in range(a.count):
            name, data = make(rnd, i)
            path = folder / f"{name}{ext}"
            path.write_bytes(data)
            files.append(path)
            if a.damage:
                bad = folder / f"{name}_damaged{ext}"
                bad.write_bytes(damaged(data, rnd))
                files.append(bad)
    for root in a.scan:
        for dirpath, _, names in os.walk(root):
            files += [Path(dirpath) / n for n in names if n.lower().endswith((".bmp", ".gif", ".webp"))
                      and (Path(dirpath) / n).stat().st_size < 3_000_000]
    pairs = [[str(f), str(folder / f"{i}.rgb")] for i, f in enumerate(files)]
    proc = subprocess.run(["npx", "tsx", "tools/audit/jpeg-batch.ts"], input=json.dumps(pairs), cwd=REPO,
                          capture_output=True, text=True, check=True)
    tally: dict = {}
    bad = 0
    for (path, out), line in zip(pairs, proc.stdout.splitlines()):
        r = json.loads(line)
        ref = pillow_rgb(Path(path))
        ext = Path(path).suffix
        t = tally.setdefault(ext, {"identical": 0, "both refuse": 0, "wrong": 0})
        if "pillow_error" in ref and "error" in r:
            t["both refuse"] += 1
            continue
        if "pillow_error" in ref:
            t["wrong"] += 1
            bad += 1
            print(f"READ     {path}: Pillow refuses it ({ref['pillow_error'][:100]}), the CLI reads {r['width']}x{r['height']}")
            continue
        if "error" in r and "megapixels are accepted" in r["error"]:
            t["over the limit"] = t.get("over the limit", 0) + 1  # the CLI's 50-megapixel limit, by design
            continue
        if "error" in r:
            t["wrong"] += 1
            bad += 1
            print(f"REFUSED  {path}: {r['error'][:160]}")
            continue
        ours = Path(out).read_bytes()
        if (r["width"], r["height"]) != (ref["width"], ref["height"]) or hashlib.sha256(ours).hexdigest() != ref["sha256"]:
            t["wrong"] += 1
            bad += 1
            print(f"MISMATCH {path}: {r['width']}x{r['height']}, Pillow {ref['width']}x{ref['height']}")
            continue
        t["identical"] += 1
    for ext, t in tally.items():
        print(f"{ext}: {t['identical']} identical to Pillow, {t['both refuse']} refused by both, "
              f"{t.get('over the limit', 0)} over the CLI's size limit, {t['wrong']} wrong")
    print(f"{len(files)} files, {bad} not as Pillow; files in {folder}")


if __name__ == "__main__":
    main()
