#!/usr/bin/env python3
"""The predicted peak of a training step against `torch.cuda.max_memory_allocated()` on a CUDA GPU.

    python3 tools/gpu/peak_memory.py                 # every case of tools/gpu/peak_predictions.json
    python3 tools/gpu/peak_memory.py --only resnet50 --json out.json

Needs torch and torchvision with CUDA, nothing else (the networks are torchvision's). For each case of
tools/gpu/peak_predictions.json (written by `npx tsx tools/gpu/predict.ts` from src/analysis/peak-memory.ts) it
runs the step the model predicts: `zero_grad` (set_to_none as the case says), forward, cross-entropy, backward,
`optimizer.step()` (single-tensor, `foreach=False`, as torch 1.13 defaults), under autocast for the mixed cases
(bfloat16 where the GPU has it, else float16), after one warm-up step that creates the optimizer state; then
prints the measured peak of the second step (`reset_peak_memory_stats` before it) beside the prediction.

What the measurement holds that the prediction does not: cuDNN's workspaces (allocated through the caching
allocator by the convolution kernels, a few MB to a few hundred MB depending on the algorithms cuDNN picks) and,
for allocations over 1 MB, the remainder of a cached block the allocator did not split (under 1 MB each). The
script also prints the peak with cuDNN disabled (`--without-cudnn`), where PyTorch's own kernels allocate their
im2col columns instead; neither is a tensor of the step.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import torchvision

HERE = Path(__file__).resolve().parent


def build(name: str) -> torch.nn.Module:
    return getattr(torchvision.models, name)()


def optimizer_of(kind: str, params):
    if kind == "none":
        return None
    if kind == "sgd":
        return torch.optim.SGD(params, lr=0.01, foreach=False)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, foreach=False)
    if kind == "adam":
        return torch.optim.Adam(params, lr=1e-3, foreach=False)
    raise ValueError(kind)


def measure(case: dict, cudnn: bool) -> dict:
    torch.backends.cudnn.enabled = cudnn
    torch.cuda.empty_cache()
    torch.manual_seed(0)
    model = build(case["name"]).cuda().train()
    batch = case["batch"]
    x = torch.randn(batch, *case["input"], device="cuda")
    y = torch.randint(0, 1000, (batch,), device="cuda")
    params = list(model.parameters())
    optimizer = optimizer_of(case["optimizer"], params)
    set_to_none = case["zero_grad"] == "none"
    mixed = case["precision"] == "mixed"
    half = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16

    def step():
        if not set_to_none:
            model.zero_grad(set_to_none=False)
        with torch.autocast("cuda", dtype=half, enabled=mixed):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        del loss
        if optimizer is not None:
            optimizer.step()

    step()
    if set_to_none:
        model.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    start = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated()
    del model, x, y, params, optimizer
    return {"start_bytes": start, "peak_bytes": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="only the cases of this network")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--without-cudnn", action="store_true", help="also measure with cuDNN disabled")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("no CUDA device: this script compares the prediction with torch.cuda.max_memory_allocated() on a GPU")
    cases = json.loads((HERE / "peak_predictions.json").read_text(encoding="utf-8"))["cases"]
    if args.only:
        cases = [c for c in cases if c["name"] == args.only]
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"cuDNN {torch.backends.cudnn.version()}")
    print(f"{'network':<18} {'batch':>5} {'optimizer':<9} {'grads':<5} {'precision':<8} {'predicted':>14} "
          f"{'measured':>14} {'error':>8}" + (f" {'no cuDNN':>14} {'error':>8}" if args.without_cudnn else ""))
    rows = []
    errors = []
    for case in cases:
        m = measure(case, cudnn=True)
        error = (case["predicted_cuda_bytes"] - m["peak_bytes"]) / m["peak_bytes"]
        errors.append(abs(error))
        row = {**case, "measured_bytes": m["peak_bytes"], "measured_start_bytes": m["start_bytes"], "error": error}
        line = (f"{case['name']:<18} {case['batch']:>5} {case['optimizer']:<9} {case['zero_grad']:<5} {case['precision']:<8} "
                f"{case['predicted_cuda_bytes']:>14,} {m['peak_bytes']:>14,} {error * 100:>7.2f}%")
        if args.without_cudnn:
            n = measure(case, cudnn=False)
            row["measured_no_cudnn_bytes"] = n["peak_bytes"]
            line += f" {n['peak_bytes']:>14,} {(case['predicted_cuda_bytes'] - n['peak_bytes']) / n['peak_bytes'] * 100:>7.2f}%"
        print(line, flush=True)
        rows.append(row)
    print(f"mean |error| {sum(errors) / len(errors) * 100:.2f}%, worst {max(errors) * 100:.2f}% over {len(errors)} cases")
    if args.json:
        Path(args.json).write_text(json.dumps({"device": torch.cuda.get_device_name(), "torch": torch.__version__,
                                               "rows": rows}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
