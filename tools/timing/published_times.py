#!/usr/bin/env python3
"""Extracts the published GPU timings the time model is calibrated on into fixtures/timing/published.json.

    /usr/bin/python3 tools/timing/published_times.py --pycls PYCLS_GIT_DIR --timm TIMM_GIT_DIR

PYCLS_GIT_DIR and TIMM_GIT_DIR are clones (bare or not) of github.com/facebookresearch/pycls and
github.com/huggingface/pytorch-image-models; the files are read at their HEAD commit with `git show`, and
that commit is written next to every table. Nothing is edited by hand: run it again to regenerate.

What is kept (and nothing else; the issue allows calibration on these tables only):
- pycls MODEL_ZOO.md, every row's "infer (ms)" (V100, float32, PyTorch 1.6, 64 images), with the source data the
  table is generated from (dev/model_timing.json: `test_fw_time`, seconds per forward pass at the batch pycls
  timed) and the batch it timed (TEST.BATCH_SIZE / NUM_GPUS of the row's config, at TRAIN.IM_SIZE, as
  pycls/core/benchmark.py's compute_time_eval does). The training timings of the same json (`train_fw_time`,
  `train_bw_time` at TRAIN.BATCH_SIZE / NUM_GPUS) are kept marked `validation`: they are never fitted.
- timm results/benchmark-{infer,train}-amp-{nchw,nhwc}-*-rtx3090.csv: the rows of the networks of timm's
  resnet.py and regnet.py (the models registered there at that commit), so that a network joins the calibration
  as soon as the app can build it. Tables timm has since removed from results/ are read at the commit before their
  removal (`removed_by` names the removing commit) when a table of the same run is still there: the PyTorch 1.12
  inference tables, from the run of the 1.12 training tables. The time model compares with those, never fits them.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
OUT = REPO / "fixtures" / "timing" / "published.json"


def torch_release(tag: str) -> str:
    """timm's file tag of a PyTorch release: pt112 / pt113 are 1.12 / 1.13, pt210 / pt240 / pt291 are 2.1.0 / 2.4.0 / 2.9.1
    (written 2.1, 2.4, 2.9.1: a zero patch dropped)."""
    digits = tag[2:]
    if digits[0] == "1":
        return f"1.{digits[1:]}"
    major, minor, patch = digits[0], digits[1], digits[2:]
    return f"{major}.{minor}" + (f".{patch}" if patch and patch != "0" else "")


def git(repo: str, *args: str) -> str:
    return subprocess.check_output(["git", "-C", repo, *args], text=True)


def show(repo: str, path: str) -> str:
    return git(repo, "show", f"HEAD:{path}")


def yaml_value(text: str, section: str, key: str) -> int:
    """A scalar of a two-level YAML config (pycls's configs are that simple)."""
    m = re.search(rf"^{section}:\n((?:[ ]+.*\n)+)", text, re.M)
    if section == "":
        m2 = re.search(rf"^{key}: (\S+)", text, re.M)
        return int(m2.group(1))
    assert m, (section, key)
    m2 = re.search(rf"^[ ]+{key}: (\S+)", m.group(1), re.M)
    assert m2, (section, key)
    return int(m2.group(1))


def pycls_tables(repo: str) -> dict:
    commit = git(repo, "rev-parse", "HEAD").strip()
    zoo = show(repo, "MODEL_ZOO.md")
    timing = json.loads(show(repo, "dev/model_timing.json"))
    configs = [p for p in git(repo, "ls-tree", "-r", "--name-only", "HEAD", "configs/dds_baselines").split() if p.endswith(".yaml")]
    rows = []
    for m in re.finditer(r"<!-- ROW (.*?) -->\n<tr>\n(.*?)</tr>", zoo, re.S):
        name = m.group(1)
        cells = [re.sub(r"<.*?>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(2))]
        link = re.search(r'href="(configs/[^"]+)"', m.group(2)).group(1)
        assert link in configs, link
        cfg = show(repo, link)
        gpus = yaml_value(cfg, "", "NUM_GPUS")
        test_batch = yaml_value(cfg, "TEST", "BATCH_SIZE") // gpus
        train_batch = yaml_value(cfg, "TRAIN", "BATCH_SIZE") // gpus
        size = yaml_value(cfg, "TRAIN", "IM_SIZE")
        t = timing[name]
        rows.append({
            "model": name,
            "config": link,
            "img_size": size,
            "infer_ms_64": float(cells[5]),
            "timed_batch": test_batch,
            "test_fw_s": t["test_fw_time"],
            "train_batch": train_batch,
            "train_fw_s": t["train_fw_time"],
            "train_bw_s": t["train_bw_time"],
        })
    return {
        "id": "pycls-v100",
        "repo": "facebookresearch/pycls",
        "commit": commit,
        "files": ["MODEL_ZOO.md", "dev/model_timing.json", "configs/dds_baselines/*"],
        "device": "v100",
        "software": "PyTorch 1.6, CUDA 10.0, cuDNN 7.6",
        "dtype": "float32",
        "layout": "nchw",
        "note": (
            "One V100 16 GB (SXM2) per process, 8 processes at once. infer_ms_64 is MODEL_ZOO.md's 'infer (ms)': "
            "test_fw_s x 64 / timed_batch, i.e. an eval forward pass (torch.no_grad, cudnn.benchmark) of timed_batch "
            "images at img_size, scaled to 64 images. train_fw_s / train_bw_s: one training-mode forward (with the loss) "
            "and its backward at train_batch per GPU, under DistributedDataParallel on 8 GPUs (gradient all-reduce "
            "overlapping the backward), no optimizer step: kept for validation only."
        ),
        "rows": rows,
    }


def registered(repo: str, path: str) -> list[str]:
    return re.findall(r"@register_model\s*\ndef (\w+)\(", show(repo, path))


TABLE = r"results/benchmark-(infer|train)-amp-(nchw|nhwc)-.*-rtx3090\.csv"


def removed_tables(repo: str) -> list[tuple[str, str, str]]:
    """The RTX 3090 tables deleted from results/ since (timm removed its PyTorch 1.10-1.12 inference tables in 2022
    and 2024): (path, the commit before the deletion, where they are read, and the deleting commit)."""
    out = []
    log = git(repo, "log", "--diff-filter=D", "--name-only", "--format=commit %H", "HEAD", "--", "results/")
    deleting = ""
    for line in log.splitlines():
        if line.startswith("commit "):
            deleting = line.split()[1]
        elif re.fullmatch(TABLE, line.strip()):
            parent = git(repo, "rev-parse", f"{deleting}^").strip()
            out.append((line.strip(), parent, deleting))
    return out


def timm_tables(repo: str) -> list[dict]:
    commit = git(repo, "rev-parse", "HEAD").strip()
    family = set(registered(repo, "timm/models/resnet.py")) | set(registered(repo, "timm/models/regnet.py"))
    files = [(p, commit, "") for p in git(repo, "ls-tree", "--name-only", "HEAD", "results/").split() if re.fullmatch(TABLE, p)]
    # A removed table is kept when a table of the same benchmark run (its PyTorch and CUDA tags) is still there:
    # the PyTorch 1.12 inference tables, run with the same code (timm 0.6.6) as the 1.12 training tables.
    present = {p for p, _, _ in files}
    runs = {re.search(r"-(pt\d+-cu\d+)-", p).group(1) for p in present}
    files += [f for f in removed_tables(repo) if f[0] not in present and re.search(r"-(pt\d+-cu\d+)-", f[0]).group(1) in runs]
    tables = []
    for path, at, deleted in sorted(files):
        mode, layout = re.match(r"results/benchmark-(infer|train)-amp-(nchw|nhwc)-", path).groups()
        software = re.search(r"-(pt\d+)-(cu\d+)-", path).groups()
        rows = []
        for r in csv.DictReader(io.StringIO(git(repo, "show", f"{at}:{path}"))):
            if r["model"] not in family:
                continue
            rows.append({
                "model": r["model"],
                "img_size": int(r[f"{mode}_img_size"]),
                "batch": int(float(r[f"{mode}_batch_size"])),
                "step_ms": float(r[f"{mode}_step_time"]),
                "samples_per_s": float(r[f"{mode}_samples_per_sec"]),
            })
        rows.sort(key=lambda r: (r["model"], r["img_size"]))
        pt, cu = software
        tables.append({
            "id": f"timm-{mode}-{layout}-{pt}-rtx3090",
            "repo": "huggingface/pytorch-image-models",
            "commit": at,
            "files": [path],
            **({"removed_by": deleted} if deleted else {}),
            "device": "rtx3090",
            "software": f"PyTorch {torch_release(pt)}, CUDA {cu[2:-1]}.{cu[-1]}",
            "dtype": "amp",
            "layout": layout,
            "mode": mode,
            "note": (
                "timm benchmark.py: torch.autocast float16 over a float32 model, cudnn.benchmark, "
                + ("channels_last model and input, " if layout == "nhwc" else "")
                + ("eval, torch.no_grad; step_ms = one forward pass of the batch" if mode == "infer" else
                   "train mode, forward + CrossEntropyLoss + backward + SGD step (timm 'sgd': momentum 0.9, Nesterov), "
                   "zero_grad before the timer; step_ms = one step of the batch (the batch is lowered from 512 "
                   "until the step fits)")
                + (f"; removed from results/ by {deleted[:7]}, read at the commit before it" if deleted else "")
            ),
            "rows": rows,
        })
    return tables


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pycls", required=True, help="git directory of facebookresearch/pycls")
    p.add_argument("--timm", required=True, help="git directory of huggingface/pytorch-image-models")
    a = p.parse_args()
    tables = [pycls_tables(a.pycls), *timm_tables(a.timm)]
    out = {
        "$comment": "Generated by tools/timing/published_times.py from the repositories and commits named in each table; never edit by hand. "
                    "The time model is calibrated on these tables only (pycls rows: infer_ms_64; timm rows: step_ms); "
                    "pycls's train_fw_s / train_bw_s are validation only.",
        "tables": tables,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(out, indent=None, separators=(",", ":"))
    # One row per line: small diffs, readable.
    text = text.replace('},{"model"', '},\n{"model"').replace('"rows":[{', '"rows":[\n{')
    OUT.write_text(text + "\n")
    print(f"{OUT.relative_to(REPO)}: {sum(len(t['rows']) for t in tables)} rows in {len(tables)} tables")


if __name__ == "__main__":
    main()
