"""PyTorch on an NVIDIA GPU: the measurements `bench/gpu-predict.ts` puts beside the time model's predictions.

    python3 bench/gpu_predict.py --out gpu.jsonl [--networks a,b,c] [--dtypes float32,tf32,amp] [--layouts nchw,nhwc]
                                 [--infer-batches 1,64,256] [--train-batch 64] [--runs 10] [--budget-s 420]
    npx tsx bench/gpu-predict.ts --measured gpu.jsonl [--device NAME]     (here, with Node: predicted against measured)
    python3 bench/gpu_predict.py --dry-run        (no GPU: resnet18 at 64 x 64, batch 1 and 2, on the CPU, float32,
                                                   both layouts, wall-clock timing: checks the script, not a GPU)

The GPU machine needs only Python and a CUDA build of PyTorch (torchvision for the torchvision networks; the timm
networks also need the reference timm, see tools/fixtures/reference.py, else they are skipped with a note). Each
network is built as the fixtures build it (tools/fixtures/models.py from src/model/presets.json), random init, 224 x 224,
`torch.backends.cudnn.benchmark = True` (as pycls and timm benchmark). Per network, precision and layout:

- an eval forward pass (torch.inference_mode) at each inference batch;
- one training step at the training batch: train mode, CrossEntropyLoss, backward, SGD with momentum 0.9,
  zero_grad(set_to_none=True); with `amp` the forward and loss under autocast, no GradScaler (as timm's benchmark).

Precisions: `float32` (cudnn.allow_tf32 and cuda.matmul.allow_tf32 off), `tf32` (both on), `amp`
(torch.autocast('cuda', torch.float16) over a float32 model), `float16` / `bfloat16` (model.half() / .bfloat16()).
Layouts: `nchw`, `nhwc` (model and input to torch.channels_last). Time: CUDA events around `runs` passes after
warm-up, median of 3 such groups, per pass. The first line is the GPU (name, SMs, memory, torch, CUDA, cuDNN); then
one JSON line per measurement. Output stops, with a note, when --budget-s is spent (a lent GPU's time is short).
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools" / "fixtures"))

DEFAULT_NETWORKS = [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x4d",
    "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "resnext50_8x14d", "resnet50d", "seresnext50_32x4d",
]
PRECISIONS = ("float32", "tf32", "amp", "float16", "bfloat16")


def fail(message: str) -> None:
    print(f"gpu_predict: {message}", file=sys.stderr)
    raise SystemExit(2)


def emit(out, record: dict) -> None:
    line = json.dumps(record)
    print(line, flush=True)
    if out:
        out.write(line + "\n")
        out.flush()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", help="also write the JSON lines to this file")
    p.add_argument("--networks", default=",".join(DEFAULT_NETWORKS))
    p.add_argument("--dtypes", default="float32,tf32,amp")
    p.add_argument("--layouts", default="nchw,nhwc")
    p.add_argument("--infer-batches", default="1,64,256")
    p.add_argument("--train-batch", type=int, default=64)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--budget-s", type=float, default=420)
    p.add_argument("--dry-run", action="store_true", help="no GPU: a small run on the CPU to check the script")
    a = p.parse_args()
    if a.dry_run:
        a.networks, a.dtypes, a.infer_batches, a.train_batch, a.runs = "resnet18", "float32", "1,2", 2, 1
    dtypes = a.dtypes.split(",")
    for d in dtypes:
        if d not in PRECISIONS:
            fail(f'--dtypes: unknown precision "{d}": use {", ".join(PRECISIONS)}')
    layouts = a.layouts.split(",")
    for layout in layouts:
        if layout not in ("nchw", "nhwc"):
            fail(f'--layouts: unknown layout "{layout}": use nchw or nhwc')
    try:
        batches = [int(b) for b in a.infer_batches.split(",")]
    except ValueError:
        fail(f'--infer-batches: "{a.infer_batches}" is not a list of whole numbers: use e.g. 1,64,256')
    if min(batches) < 1 or a.train_batch < 1 or a.runs < 1:
        fail("batches and --runs must be at least 1")

    import torch
    import torch.nn as nn

    if not a.dry_run and not torch.cuda.is_available():
        fail(f"PyTorch {torch.__version__} sees no CUDA GPU: run this on an NVIDIA GPU with a CUDA build of PyTorch "
             "(--dry-run checks the script on the CPU)")
    import presets
    from models import build_model

    out = open(a.out, "w") if a.out else None
    if a.dry_run:
        torch.set_num_threads(1)
        dev = torch.device("cpu")
        emit(out, {"gpu": None, "dryRun": "CPU, wall-clock timing: checks the script, measures no GPU",
                   "torch": torch.__version__})
    else:
        torch.backends.cudnn.benchmark = True
        dev = torch.device("cuda")
        props = torch.cuda.get_device_properties(dev)
        emit(out, {
            "gpu": props.name, "sms": props.multi_processor_count, "memoryBytes": props.total_memory,
            "capability": f"{props.major}.{props.minor}", "torch": torch.__version__, "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(),
        })
    size = 64 if a.dry_run else 224
    start = time.monotonic()
    out_of_memory = torch.cuda.OutOfMemoryError

    def timed(fn) -> float:
        """Median over 3 groups of `runs` passes of the time per pass, in ms (CUDA events), after warm-up."""
        for _ in range(1 if a.dry_run else 3):
            fn()
        if a.dry_run:
            t0 = time.perf_counter()
            for _ in range(a.runs):
                fn()
            return (time.perf_counter() - t0) * 1000 / a.runs
        torch.cuda.synchronize()
        groups = []
        for _ in range(3):
            t0 = torch.cuda.Event(enable_timing=True)
            t1 = torch.cuda.Event(enable_timing=True)
            t0.record()
            for _ in range(a.runs):
                fn()
            t1.record()
            t1.synchronize()
            groups.append(t0.elapsed_time(t1) / a.runs)
        return statistics.median(groups)

    for name in a.networks.split(","):
        try:
            config = {**presets.architecture(name), "input": [3, size, size], "classes": 1000, "include_top": True}
            base = build_model(config)
        except (KeyError, SystemExit, ImportError) as e:
            emit(out, {"name": name, "skipped": f"cannot build it here: {e}"})
            continue
        for dtype in dtypes:
            # PyTorch's defaults are cudnn.allow_tf32 True and cuda.matmul.allow_tf32 False (since 1.12): set both.
            torch.backends.cudnn.allow_tf32 = dtype == "tf32"
            torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
            for layout in layouts:
                if time.monotonic() - start > a.budget_s:
                    emit(out, {"stopped": f"--budget-s {a.budget_s} spent before {name} {dtype} {layout}"})
                    return
                fmt = torch.channels_last if layout == "nhwc" else torch.contiguous_format
                model = build_model(config)
                model.load_state_dict(base.state_dict())
                model = model.to(dev, memory_format=fmt)
                data_type = {"float16": torch.float16, "bfloat16": torch.bfloat16}.get(dtype, torch.float32)
                model = model.to(data_type)
                autocast = torch.autocast(dev.type, torch.float16 if dev.type == "cuda" else torch.bfloat16, enabled=dtype == "amp")
                row = {"name": name, "dtype": dtype, "layout": layout, **({"imageSize": size} if a.dry_run else {})}
                model.eval()
                for batch in batches:
                    x = torch.randn(batch, 3, size, size, device=dev).to(data_type).contiguous(memory_format=fmt)
                    try:
                        with torch.inference_mode(), autocast:
                            ms = timed(lambda: model(x))
                        emit(out, {**row, "mode": "inference", "batch": batch, "ms": ms})
                    except out_of_memory:
                        emit(out, {**row, "mode": "inference", "batch": batch, "skipped": "out of memory"})
                    del x
                    torch.cuda.empty_cache()
                model.train()
                opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
                loss_fn = nn.CrossEntropyLoss()
                x = torch.randn(a.train_batch, 3, size, size, device=dev).to(data_type).contiguous(memory_format=fmt)
                target = torch.randint(0, 1000, (a.train_batch,), device=dev)

                def step():
                    opt.zero_grad(set_to_none=True)
                    with autocast:
                        loss = loss_fn(model(x), target)
                    loss.backward()
                    opt.step()

                try:
                    emit(out, {**row, "mode": "training", "batch": a.train_batch, "ms": timed(step)})
                except out_of_memory:
                    emit(out, {**row, "mode": "training", "batch": a.train_batch, "skipped": "out of memory"})
                del model, opt, x, target
                torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
