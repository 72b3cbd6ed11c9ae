"""PyTorch on this CPU for `npm run bench:predict` (bench/predict.ts runs it with /usr/bin/python3).

    python3 bench/torch_predict.py --probe [--threads 2]
        one JSON line: the CPU, the threads, a float32 GEMM (torch.mm of 1024 x 1024, GFLOP/s), copies of a 4 MB
        and a 64 MB tensor (bytes read + written per second: in the caches and past them), the time of one tiny module call (nn.ReLU on one element:
        Python's module call + the dispatcher), ten dense convs and a grouped 3x3 conv (GFLOP/s, oneDNN), five weight
        gradients of dense convs at batch 4 (milliseconds), grouped convs of 32, 24, 28 and 14 channels per
        group, a training-mode BatchNorm forward and backward, one tiny conv
        module call (microseconds), a max pooling (window comparisons per second), the vector width and the memory
    python3 bench/torch_predict.py --time NAME[,NAME...] [--threads 2] [--runs 5] [--train-runs 3] [--clock wall|least|cpu] [--probe-each] [--rounds R]
        one JSON line per preset: ms (the median wall time; --clock least: the least; --clock cpu: the least CPU time) of an eval forward pass at batch 1 and 8 (torch.inference_mode), and of
        one training step at batch 8 (train mode, CrossEntropyLoss, backward, SGD with momentum 0.9, zero_grad
        with set_to_none), 224 x 224, random init, after warm-up; --probe-each: the probe's JSON as "probe", taken just
        before the network (a shared machine's speed moves from minute to minute); --rounds R: batch 1 timed again in
        R - 1 more rounds over all the networks, each figure the least (--clock least, cpu) or median of its rounds

glibc keeps freed memory (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_; see below), as jemalloc or tcmalloc would.
The networks are built by tools/fixtures/models.py from src/model/presets.json (timm's from the reference timm,
see tools/fixtures/reference.py), exactly as the fixtures build them.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools" / "fixtures"))
# glibc returns freed blocks above its (dynamic) mmap and trim thresholds to the kernel, so every pass at batch 8
# page-faults its large tensors afresh: measured on this machine, 35-45% of a ResNet-50 batch-8 pass was the kernel
# zeroing pages, and how much depended on glibc's thresholds, not on the network. Keep the heap instead (what jemalloc
# or tcmalloc do, which PyTorch's CPU performance guides recommend): glibc reads these when the process starts, so
# restart with them.
HEAP = {"MALLOC_MMAP_THRESHOLD_": str(1 << 32), "MALLOC_TRIM_THRESHOLD_": str(1 << 34)}
if any(os.environ.get(k) != v for k, v in HEAP.items()):
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **HEAP})
# Read by OpenMP when torch loads, so set before the import. With --clock cpu, waiting threads must sleep, not
# spin, or their spinning counts as work; OMP_NUM_THREADS keeps the pool at the threads asked for.
if "--clock" in sys.argv and sys.argv[sys.argv.index("--clock") + 1:][:1] == ["cpu"]:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
if "--threads" in sys.argv:
    os.environ.setdefault("OMP_NUM_THREADS", sys.argv[sys.argv.index("--threads") + 1])

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def vector_lanes() -> int:
    """Floats per vector register of the ISA oneDNN runs: the CPU's, unless DNNL_MAX_CPU_ISA / ONEDNN_MAX_CPU_ISA caps it
    (e.g. AVX2 on an AVX-512 machine, as on a Zen 3: `DNNL_VERBOSE=1` prints the ISA oneDNN picked)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return 8
    cap = (os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "").upper()
    if " avx512f" in flags and (not cap or cap == "ALL" or cap.startswith("AVX512") or cap.startswith("AVX10")):
        return 16
    if " avx2" in flags and (not cap or cap == "ALL" or cap.startswith("AVX2") or cap.startswith("AVX512") or cap.startswith("AVX10")):
        return 8
    return 4


def memory_bytes() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# "least": wall time, the least of the runs. On this 2-core VM, PyTorch's two threads at batch 1 run in two modes:
# most passes at one speed, some up to 2x slower (the second thread held off its core), so a median of five can
# land in the slow mode (resnet101 at 173 against 80 ms in two calm runs); the least is the undisturbed pass.
CLOCK = {"wall": time.perf_counter, "cpu": time.process_time, "least": time.perf_counter}
clock_name = "wall"
clock = time.perf_counter
threads_used = 1


def median_time(fn, runs: int, warmup: int = 2, parallel: bool = True) -> float:
    """Median seconds of `fn` in wall time; with --clock least the least wall time; with --clock cpu (for a machine
    other work keeps busy) the least CPU time of the process over its threads (waiting threads sleep: OMP_WAIT_POLICY=PASSIVE); `parallel=False` for
    serial work (Python's call overhead runs on one thread)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    if clock_name == "least":
        return min(times)
    if clock is time.process_time:
        # Other work only ever adds to a run's CPU time (it evicts caches, it steals the core mid-kernel): the
        # least is the closest to the work itself.
        return min(times) / (threads_used if parallel else 1)
    return statistics.median(times)


# (input channels, output channels, kernel, side) of the probe's dense convs, stride 1, "same" padding.
DENSE_SHAPES = [(16, 16, 1, 112), (32, 32, 1, 112), (64, 64, 3, 56), (64, 256, 1, 56), (256, 64, 1, 56), (128, 128, 3, 28),
                (256, 256, 1, 14), (1024, 256, 1, 14), (512, 512, 3, 7), (2048, 512, 1, 7)]
WGRAD_SHAPES = [(64, 64, 3, 56), (64, 256, 1, 56), (128, 128, 3, 28), (512, 512, 3, 7), (2048, 512, 1, 7)]
WGRAD_BATCH = 4
# Channels per group of the probe's grouped convs, one per oneDNN path (see probe()).
GROUP_WIDTHS = [32, 24, 28, 14]


def probe() -> dict:
    a = torch.randn(1024, 1024)
    b = torch.randn(1024, 1024)
    gemm = median_time(lambda: torch.mm(a, b), 15, 3)
    # 4 MB, the size of a ResNet's largest activation at batch 1 (the browser's probe uses the same).
    x = torch.randn(1024 * 1024)
    y = torch.empty_like(x)

    def copies():
        for _ in range(20):
            y.copy_(x)

    copy = median_time(copies, 15, 3) / 20
    # 64 MB: past the caches, as a ResNet's activations at batch 8 are (the model interpolates between the two).
    big = torch.randn(16 * 1024 * 1024)
    big_out = torch.empty_like(big)
    big_copy = median_time(lambda: big_out.copy_(big), 7, 2)
    relu = nn.ReLU(inplace=True)
    tiny = torch.randn(1)

    def calls():
        for _ in range(2000):
            relu(tiny)

    op = median_time(calls, 7, 2, parallel=False) / 2000
    # The convolutions themselves (oneDNN, not BLAS: inference convs run at their own rate): ten dense convs of a
    # ResNet's stages at batch 1, from 2 to 83 multiply-adds per byte moved (few channels at 112 x 112, the bottleneck's
    # 1x1s and 3x3s at 56 x 56 to 7 x 7, large weights on small maps), so that the split of their times into arithmetic
    # and layout reorders (src/analysis/devices.ts, cpuConvSplit) rests on more than the noise of two or three; a
    # grouped one (32 groups of 4 channels, ResNeXt-50's first stage), and a tiny conv whose time is the per-call cost
    # of a conv (the call, oneDNN's primitive lookup).
    with torch.inference_mode():
        shapes = DENSE_SHAPES
        dense_flops = sum(2 * co * ci * k * k * hw * hw for ci, co, k, hw in shapes)
        dense_args = [(torch.randn(1, ci, hw, hw), torch.randn(co, ci, k, k), k // 2) for ci, co, k, hw in shapes]
        dense_each = [median_time(lambda a=a: torch.nn.functional.conv2d(a[0], a[1], padding=a[2]), 15, 3) for a in dense_args]
        dense = sum(dense_each)
        grouped_x, grouped_w = torch.randn(1, 128, 56, 56), torch.randn(128, 4, 3, 3)
        grouped = median_time(lambda: torch.nn.functional.conv2d(grouped_x, grouped_w, padding=1, groups=32), 15, 3)
        small = nn.Conv2d(8, 8, 1, bias=False).eval()
        small_x = torch.randn(1, 8, 2, 2)

        def conv_calls():
            for _ in range(500):
                small(small_x)

        conv_call = median_time(conv_calls, 7, 2, parallel=False) / 500
        # The stem's max pooling (3x3, stride 2, 64 x 112 x 112): PyTorch compares window by window, far below the
        # bandwidth (measured: about a fifth of a tiered-stem ResNet-10's time on one thread), so it gets its own rate.
        pool_x = torch.randn(1, 64, 112, 112)
        pool = median_time(lambda: torch.nn.functional.max_pool2d(pool_x, 3, 2, 1), 15, 3)
        # An eval BatchNorm module on a stage-1 activation (256 x 56 x 56, 3.2 MB): the bandwidth an element-wise op
        # of the network reaches (a copy of one tensor over and over, `copyGBs`, reads it from the nearest cache).
        bn = nn.BatchNorm2d(256).eval()
        bn_x = torch.randn(1, 256, 56, 56)
        bn_t = median_time(lambda: bn(bn_x), 15, 3)
    # Grouped 3x3 convs of 8 groups at 56 x 56 whose channels per group take each of oneDNN's paths (its verbose log
    # names them): a multiple of the vector width (32: 16-channel blocks with AVX-512), of 8 (24: 8-channel blocks), of
    # 4 (28: 4-channel blocks, about 2x the time per MAC) and none (14: im2col and a GEMM, about 2.5x).
    grouped_paths = []
    with torch.inference_mode():
        for width in GROUP_WIDTHS:
            c = 8 * width
            gx, gw = torch.randn(1, c, 56, 56), torch.randn(c, width, 3, 3)
            t = median_time(lambda gx=gx, gw=gw: torch.nn.functional.conv2d(gx, gw, padding=1, groups=8), 9, 2)
            grouped_paths.append({"width": width, "groups": 8, "side": 56, "ms": t * 1e3})
    # A BatchNorm in training mode, forward and backward by themselves (a stage-1 activation at batch 8): its
    # statistics are reduced per channel in double precision (acc_type of float on the CPU), so it runs at about a
    # tenth of the eval BatchNorm's bandwidth, and a training step has one per conv.
    with torch.no_grad():
        bn_train_x = torch.randn(8, 64, 56, 56)
        ones, zeros = torch.ones(64), torch.zeros(64)
        running_mean, running_var = torch.zeros(64), torch.ones(64)
        bn_args = (bn_train_x, ones, zeros, running_mean, running_var, True, 0.1, 1e-5)
        bn_fwd = median_time(lambda: torch.ops.aten.native_batch_norm(*bn_args), 9, 2)
        _, save_mean, save_invstd = torch.ops.aten.native_batch_norm(*bn_args)
        bn_grad = torch.randn_like(bn_train_x)
        bn_bwd = median_time(lambda: torch.ops.aten.native_batch_norm_backward(
            bn_grad, bn_train_x, ones, running_mean, running_var, save_mean, save_invstd, True, 1e-5, [True, True, True]), 9, 2)
    # Weight gradients, timed by themselves (aten's convolution_backward with only the weight's mask) at batch 4, on
    # five of those shapes: on this kind of CPU they run at 0.7-0.9x the forward's rate, lower on small maps with large
    # weights (the gradient is reduced across the threads); the model takes their rate from these (cpuWgradEfficiency).
    wgrad_each = []
    with torch.no_grad():
        for ci, co, k, hw in WGRAD_SHAPES:
            x = torch.randn(WGRAD_BATCH, ci, hw, hw)
            w = torch.randn(co, ci, k, k)
            g = torch.randn(WGRAD_BATCH, co, hw, hw)
            pad = [k // 2, k // 2]
            t = median_time(lambda x=x, w=w, g=g, pad=pad: torch.ops.aten.convolution_backward(
                g, x, w, None, [1, 1], pad, [1, 1], False, [0, 0], 1, [False, True, False]), 7, 2)
            wgrad_each.append({"inChannels": ci, "outChannels": co, "kernel": k, "side": hw, "batch": WGRAD_BATCH, "ms": t * 1e3})
    return {
        "cpu": cpu_name(), "threads": torch.get_num_threads(), "gemmGflops": 2 * 1024 ** 3 / gemm / 1e9,
        "copyGBs": 2 * x.numel() * 4 / copy / 1e9, "largeCopyGBs": 2 * big.numel() * 4 / big_copy / 1e9, "opUs": op * 1e6, "vectorLanes": vector_lanes(),
        "convGflops": dense_flops / dense / 1e9, "groupedConvGflops": 2 * 128 * 4 * 9 * 56 * 56 / grouped / 1e9,
        "convUs": conv_call * 1e6, "memoryBytes": memory_bytes(), "torch": torch.__version__,
        "poolGops": 8 * 64 * 56 * 56 / pool / 1e9,
        "bnGBs": 2 * bn_x.numel() * 4 / bn_t / 1e9,
        "denseConvs": [{"inChannels": ci, "outChannels": co, "kernel": k, "side": hw, "ms": t * 1e3} for (ci, co, k, hw), t in zip(shapes, dense_each)],
        "wgradConvs": wgrad_each,
        "groupedPaths": grouped_paths,
        "bnTrain": {"elements": bn_train_x.numel(), "forwardMs": bn_fwd * 1e3, "backwardMs": bn_bwd * 1e3},
    }


def time_network(name: str, runs: int, train_runs: int):
    """The network's line (batch 1 and 8, the training step) and a function that times batch 1 again."""
    import presets
    from models import build_model

    torch.manual_seed(0)
    config = {**presets.architecture(name), "input": [3, 224, 224], "classes": 1000, "include_top": True}
    model = build_model(config)
    out = {"name": name}
    model.eval()
    one = torch.randn(1, 3, 224, 224)

    def batch1() -> float:
        with torch.inference_mode():
            return median_time(lambda: model(one), runs) * 1000

    out["infer1Ms"] = batch1()
    with torch.inference_mode():
        x = torch.randn(8, 3, 224, 224)
        out["infer8Ms"] = median_time(lambda: model(x), runs) * 1000
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(8, 3, 224, 224)
    target = torch.randint(0, 1000, (8,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), target).backward()
        opt.step()

    out["train8Ms"] = median_time(step, train_runs, 1) * 1000
    # Keep only what batch 1 needs for the later rounds: the weights, in eval mode.
    opt.zero_grad(set_to_none=True)
    del opt
    model.eval()
    return out, batch1


def combine(values: list) -> float:
    """Rounds of one figure as one: the least with --clock least or cpu (the undisturbed pass), else the median."""
    return min(values) if clock_name in ("least", "cpu") else statistics.median(values)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--probe", action="store_true")
    p.add_argument("--time", help="comma-separated preset names")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--train-runs", type=int, default=3)
    p.add_argument("--clock", choices=sorted(CLOCK), default="wall")
    p.add_argument("--rounds", type=int, default=1, help="with --time: time batch 1 in this many rounds over all the networks")
    p.add_argument("--probe-each", action="store_true", help="with --time: run the probe just before each network and put it in its line")
    a = p.parse_args()
    global clock, clock_name, threads_used
    clock = CLOCK[a.clock]
    clock_name = a.clock
    threads_used = a.threads
    torch.set_num_threads(a.threads)
    if a.probe:
        print(json.dumps(probe()), flush=True)
        return
    if not a.time:
        raise SystemExit("give --probe or --time NAME[,NAME...]")
    # Batch 1 again in later rounds, every network in turn: its passes then spread over the whole run, so a spell of
    # a slower machine (a neighbour on the host, the second thread held off its core) cannot own all of one network's.
    lines, again = [], []
    for name in a.time.split(","):
        beside = {"probe": probe()} if a.probe_each else {}
        line, batch1 = time_network(name, a.runs, a.train_runs)
        lines.append({**line, **beside})
        again.append(batch1)
        print(f"  {name}: {line['infer1Ms']:.1f} / {line['infer8Ms']:.1f} / {line['train8Ms']:.1f} ms (round 1 of {a.rounds})", file=sys.stderr, flush=True)
    rounds = [[line["infer1Ms"]] for line in lines]
    for _ in range(a.rounds - 1):
        for r, batch1 in zip(rounds, again):
            r.append(batch1())
    for line, r in zip(lines, rounds):
        print(json.dumps({**line, "infer1Ms": combine(r), "infer1Rounds": r}), flush=True)


if __name__ == "__main__":
    main()
