#!/usr/bin/env python3
"""The predicted peak of a training step against `torch.cuda.max_memory_allocated()` on a CUDA GPU.

    python3 tools/gpu/peak_memory.py                       # every case of tools/gpu/peak_predictions.json
    python3 tools/gpu/peak_memory.py --only resnet50 --json out.json
    python3 tools/gpu/peak_memory.py --without-cudnn       # also measure with cuDNN disabled
    python3 tools/gpu/peak_memory.py --only-library torchvision   # without timm
    python3 tools/gpu/peak_memory.py --dry-run             # no GPU: small cases of each layer kind on the CPU, to check the plumbing

Needs torch and torchvision with CUDA, and timm for the cases whose `library` is timm (timm's resnet.py family:
GroupNorm, BlurPool2d, average-pool anti-aliasing, ResNet-RS, SENet-154, the pruned ECA nets; timm's RegNets): an
installed timm, or an unmodified copy of its source in the folder $RESNEXT_LAB_REFERENCE (or `shared/reference` beside
the repository or inside it) holding `timm/`; `--only-library torchvision` runs without it. For each case of
tools/gpu/peak_predictions.json (written by `npx tsx tools/gpu/predict.ts` from src/analysis/peak-memory.ts) it
runs the step the model predicts: `zero_grad` (set_to_none as the case says), forward, cross-entropy, backward,
`optimizer.step()` (single-tensor, `foreach=False`, as torch 1.13 defaults), under autocast for the mixed cases
(bfloat16 where the GPU has it, else float16), after one warm-up step that creates the gradients and the optimizer
state (and lets the caching allocator cache the step's blocks); then measures the second step two ways:

- `max_memory_allocated`: `torch.cuda.max_memory_allocated()` over the step (`reset_peak_memory_stats` before it),
  the figure the issue names. It holds what the model leaves out: cuDNN's workspaces (allocated through the
  caching allocator inside the convolution kernels, from nothing to a few hundred MB depending on the algorithms
  cuDNN picks) and, for requests over 1 MB, the remainder of a cached block the allocator did not split (under
  1 MB each).
- `between ops`: `torch.cuda.memory_allocated()` read after every aten operator the step dispatches (a
  `TorchDispatchMode`, which sees the backward's operators too), the largest reading: the live tensors between
  operators, without a kernel's own workspace: the same reading as the CPU fixtures' (fixtures/training), on the
  device's 512-byte blocks. The model's `predicted_cuda_bytes` is meant to equal it.

Prints predicted against both, with the error of each, and the mean and worst error over the cases.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode

try:
    import torchvision
except ImportError:
    sys.exit("needs torchvision (the networks are torchvision's): install the torchvision that matches this torch")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from optimizers import make_optimizer  # noqa: E402  (beside this script; torch alone)


class BetweenOps(TorchDispatchMode):
    """Reads the allocated bytes after every dispatched aten operator; keeps the largest and counts the operators."""

    def __init__(self, read):
        super().__init__()
        self.read = read
        self.peak = 0
        self.ops = 0
        self.backward_convs = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.ops += 1
        if func.overloadpacket is torch.ops.aten.convolution_backward:
            self.backward_convs += 1
        self.peak = max(self.peak, self.read())
        return out


def import_timm():
    """timm: installed, or an unmodified copy of its source (see the top)."""
    try:
        import timm
        return timm
    except ImportError:
        pass
    repo = HERE.parent.parent
    for root in (os.environ.get("RESNEXT_LAB_REFERENCE"), repo.parent / "shared" / "reference", repo / "shared" / "reference"):
        if root and (Path(root) / "timm" / "timm").is_dir():
            sys.path.insert(0, str(Path(root) / "timm"))
            import timm
            return timm
    sys.exit("needs timm for the timm cases: install it, set RESNEXT_LAB_REFERENCE to a folder holding an unmodified "
             "copy of its source in timm/, or run with --only-library torchvision")


def build(name: str, library: str) -> torch.nn.Module:
    """The network as its library builds it (torchvision's ResNets and regnet_*; timm's resnet.py family and RegNets)."""
    if library == "torchvision":
        return getattr(torchvision.models, name)()
    return import_timm().create_model(name, pretrained=False)


def measure(case: dict, device: str, cudnn: bool = True) -> dict:
    cuda = device == "cuda"
    torch.backends.cudnn.enabled = cudnn
    if cuda:
        torch.cuda.empty_cache()
    torch.manual_seed(0)
    model = build(case["name"], case["library"]).to(device).train()
    batch = case["batch"]
    x = torch.randn(batch, *case["input"], device=device)
    y = torch.randint(0, 1000, (batch,), device=device)
    params = list(model.parameters())
    optimizer = make_optimizer(case["optimizer"], params)
    set_to_none = case["zero_grad"] == "none"
    mixed = case["precision"] == "mixed"
    half = torch.bfloat16 if not cuda or torch.cuda.is_bf16_supported() else torch.float16

    def step(mode=None):
        if not set_to_none:
            model.zero_grad(set_to_none=False)
        with torch.autocast(device, dtype=half, enabled=mixed):
            if mode is None:
                loss = torch.nn.functional.cross_entropy(model(x), y)
            else:
                with mode:
                    loss = torch.nn.functional.cross_entropy(model(x), y)
        if mode is None:
            loss.backward()
        else:
            with mode:
                loss.backward()
        del loss
        if optimizer is not None:
            if mode is None:
                optimizer.step()
            else:
                with mode:
                    optimizer.step()

    read = torch.cuda.memory_allocated if cuda else (lambda: 0)
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    step()
    if set_to_none:
        model.zero_grad(set_to_none=True)
    sync()
    start = read()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    step()
    sync()
    peak = torch.cuda.max_memory_allocated() if cuda else 0
    # The same step again, read between operators (the mode's own readings do not allocate).
    if set_to_none:
        model.zero_grad(set_to_none=True)
    mode = BetweenOps(read)
    step(mode)
    sync()
    if mode.backward_convs == 0:
        sys.exit("the dispatch mode saw no convolution_backward: this torch does not pass it to the backward's thread; "
                 "only max_memory_allocated can be read")
    del model, x, y, params, optimizer
    return {"start_bytes": start, "peak_bytes": peak, "between_ops_bytes": max(mode.peak, start), "ops": mode.ops,
            "backward_convs": mode.backward_convs}


def percent(predicted: int, measured: int) -> float:
    return (predicted - measured) / measured * 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="only the cases of this network")
    parser.add_argument("--only-library", choices=["torchvision", "timm"], help="only the networks of this library")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--without-cudnn", action="store_true", help="also measure with cuDNN disabled")
    parser.add_argument("--dry-run", action="store_true",
                        help="no GPU needed: run a small network of each layer kind (torchvision's ResNet and RegNet, "
                             "timm's GroupNorm, BlurPool2d, average-pool anti-aliasing and RegNet) at 64 x 64, batch 2, "
                             "on the CPU and count the operators seen")
    args = parser.parse_args()
    if args.dry_run:
        torch.set_num_threads(1)
        dry = [("resnet18", "torchvision"), ("regnet_y_400mf", "torchvision"), ("resnet50_gn", "timm"),
               ("resnetblur18", "timm"), ("resnetaa34d", "timm"), ("regnety_002", "timm")]
        for name, library in dry:
            if args.only_library and library != args.only_library:
                continue
            # torch 1.13's CPU autocast cannot run GroupNorm (a bfloat16 input with float32 affine weights); CUDA's
            # autocast runs group_norm in float32.
            for precision in ("float32",) if name == "resnet50_gn" else ("float32", "mixed"):
                m = measure({"name": name, "library": library, "input": [3, 64, 64], "batch": 2, "optimizer": "adam",
                             "zero_grad": "none", "precision": precision}, "cpu")
                print(f"dry run on the CPU, {name} ({library}), {precision}: {m['ops']} operators seen, "
                      f"{m['backward_convs']} convolution_backward")
        return
    if not torch.cuda.is_available():
        sys.exit("no CUDA device: this script compares the prediction with torch.cuda.max_memory_allocated() on a GPU "
                 "(--dry-run checks it on the CPU)")
    cases = json.loads((HERE / "peak_predictions.json").read_text(encoding="utf-8"))["cases"]
    if args.only:
        cases = [c for c in cases if c["name"] == args.only]
        if not cases:
            sys.exit(f"no case of {args.only!r} in peak_predictions.json: pick one of its networks")
    if args.only_library:
        cases = [c for c in cases if c["library"] == args.only_library]
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}, torchvision {torchvision.__version__}, "
          f"cuDNN {torch.backends.cudnn.version()}")
    print(f"{'network':<22} {'batch':>5} {'optimizer':<9} {'grads':<5} {'precision':<8} {'predicted':>14} "
          f"{'max_allocated':>14} {'error':>8} {'between ops':>14} {'error':>8}"
          + (f" {'no cuDNN':>14} {'error':>8}" if args.without_cudnn else ""))
    rows = []
    errors = {"peak": [], "between": []}
    for case in cases:
        predicted = case["predicted_cuda_bytes"]
        m = measure(case, "cuda")
        row = {**case, "measured_bytes": m["peak_bytes"], "measured_between_ops_bytes": m["between_ops_bytes"],
               "measured_start_bytes": m["start_bytes"], "error": percent(predicted, m["peak_bytes"]) / 100,
               "error_between_ops": percent(predicted, m["between_ops_bytes"]) / 100}
        errors["peak"].append(abs(row["error"]))
        errors["between"].append(abs(row["error_between_ops"]))
        line = (f"{case['name']:<22} {case['batch']:>5} {case['optimizer']:<9} {case['zero_grad']:<5} {case['precision']:<8} "
                f"{predicted:>14,} {m['peak_bytes']:>14,} {row['error'] * 100:>7.2f}% "
                f"{m['between_ops_bytes']:>14,} {row['error_between_ops'] * 100:>7.2f}%")
        if args.without_cudnn:
            n = measure(case, "cuda", cudnn=False)
            row["measured_no_cudnn_bytes"] = n["peak_bytes"]
            line += f" {n['peak_bytes']:>14,} {percent(predicted, n['peak_bytes']):>7.2f}%"
        print(line, flush=True)
        rows.append(row)
    for key, label in (("peak", "max_memory_allocated"), ("between", "between operators")):
        e = errors[key]
        print(f"against {label}: mean |error| {sum(e) / len(e) * 100:.2f}%, worst {max(e) * 100:.2f}% over {len(e)} cases")
    if args.json:
        Path(args.json).write_text(json.dumps({"device": torch.cuda.get_device_name(), "torch": torch.__version__,
                                               "cudnn": torch.backends.cudnn.version(), "rows": rows}, indent=1) + "\n",
                                   encoding="utf-8")


if __name__ == "__main__":
    main()
