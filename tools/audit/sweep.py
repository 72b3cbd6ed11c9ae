"""Generalization audit: the CLI against the real tools on cases the fixtures do not hold.

For every preset (or those named) at input sizes and batches outside the fixtures, compares what the CLI prints with
what torchvision 0.14 / timm (unmodified, ../shared/reference) build and torchinfo 1.8.0 prints:

* params and trainable params (`summary --json`) against the model's parameters;
* MACs (the paper convention: conv and linear multiply-accumulates per image, no bias, blur pool's depthwise conv
  included) against every F.conv1d/conv2d/linear the model runs, counted by a TorchFunctionMode;
* `summary --format torchinfo` (depth, columns, batch) line by line against torchinfo's own printout;
* `summary --order torchvision` against torchsummary 1.5.1's printout (the fixture script's replica of it, batch 1
  cases only): rows, output shapes, params, and the pass / total size lines.

Both refusing an input counts as agreement. Prints one line per mismatch and a count per check; writes every case's
result to --out (JSON). Run with Debian's torch, niced, one thread:

    nice -n 10 /usr/bin/python3 tools/audit/sweep.py [--presets resnet18,regnetx_002] [--limit N] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "fixtures"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.overrides import TorchFunctionMode  # noqa: E402

import reference  # noqa: E402,F401  (timm and torchinfo on sys.path)
import timm  # noqa: E402
import torchinfo  # noqa: E402
import torchvision.models as tvm  # noqa: E402
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet  # noqa: E402

import torchsummary_replica as ts  # noqa: E402

TABLE = json.loads((REPO / "src" / "model" / "presets.json").read_text(encoding="utf-8"))
PRESETS = {p["name"]: p for p in TABLE["presets"] + TABLE["regnets"]}

# (H, W): odd, even, non-square; none of them is a fixture's size for most presets.
SIZES = [(160, 160), (193, 193), (257, 257), (320, 320), (224, 160), (161, 255), (97, 129), (288, 288)]
# torchinfo settings per case slot: (depth, columns).
SETTINGS = [
    (3, ["output_size", "num_params"]),
    (2, ["output_size", "num_params", "mult_adds", "kernel_size"]),
    (5, ["input_size", "output_size", "params_percent", "trainable"]),
]
HEAVY = 150_000_000  # parameters above which a preset gets one small case


class CountMacs(TorchFunctionMode):
    """Conv and linear multiply-accumulates of every call (no bias), whatever module or function makes it."""

    def __init__(self):
        super().__init__()
        self.macs = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if func in (F.conv2d, torch.conv2d, F.conv1d, torch.conv1d):
            w = args[1] if len(args) > 1 else kwargs["weight"]
            self.macs += out.numel() * w[0].numel()
        elif func is F.linear:
            w = args[1] if len(args) > 1 else kwargs["weight"]
            self.macs += out.numel() * w.shape[1]
        return out


def reference_model(ref: dict, classes: int, in_chans: int):
    if "preset" not in ref:
        return custom_model(ref, classes, in_chans)
    name = ref["preset"]
    p = PRESETS[name]
    c = p["config"]
    if c.get("implementation") == "timm":
        return timm.create_model(name, num_classes=classes, in_chans=in_chans)
    if in_chans != 3:
        raise ValueError("torchvision's models take 3 input channels")
    if name in tvm.__dict__ and callable(tvm.__dict__[name]):
        return tvm.__dict__[name](num_classes=classes)
    if c.get("stem", "imagenet") != "imagenet" or len(c["depths"]) != 4:
        raise ValueError("not buildable with torchvision's ResNet")
    block = BasicBlock if c["block"] == "basic" else Bottleneck
    return ResNet(block, c["depths"], groups=c.get("cardinality", 1), width_per_group=c.get("widthPerGroup", 64),
                  num_classes=classes)


def custom_model(ref: dict, classes: int, in_chans: int):
    """A network described by CLI flags, built by the library's own class with the same arguments."""
    kind, a = next(iter(ref.items()))
    if kind == "timm_name":
        return timm.create_model(a, num_classes=classes, in_chans=in_chans)
    if kind == "tv_resnet":
        if in_chans != 3:
            raise ValueError("torchvision's models take 3 input channels")
        block = BasicBlock if a["block"] == "basic" else Bottleneck
        return ResNet(block, a["depths"], groups=a["cardinality"], width_per_group=a["width"], num_classes=classes)
    if kind == "tv_regnet":
        from torchvision.models.regnet import BlockParams, RegNet
        params = BlockParams.from_init_params(depth=a["depth"], w_0=a["w0"], w_a=a["wa"], w_m=a["wm"],
                                              group_width=a["group_width"], se_ratio=a["se_ratio"] or None,
                                              bottleneck_multiplier=a["b"])
        return RegNet(params, num_classes=classes)
    if kind == "timm_resnet":
        from functools import partial
        from timm.layers import BlurPool2d, get_attn
        from timm.models import resnet as tr
        kwargs = dict(block=tr.Bottleneck if a["block"] == "bottleneck" else tr.BasicBlock, layers=tuple(a["depths"]),
                      num_classes=classes, in_chans=in_chans, cardinality=a["cardinality"], base_width=a["width"],
                      stem_type={"imagenet": "", "deep": "deep", "deep_tiered": "deep_tiered"}[a["stem"]],
                      avg_down=a["avg_down"], replace_stem_pool=a["stem_pool"] == "conv",
                      down_kernel_size=a["down_kernel"], block_reduce_first=a["reduce_first"])
        if a["stem"] != "imagenet":
            kwargs["stem_width"] = a["stem_width"]
        if a["attn"] == "se":
            kwargs["block_args"] = dict(attn_layer=partial(get_attn("se"), rd_ratio=1 / a["se_reduction"]))
        elif a["attn"] == "eca":
            kwargs["block_args"] = dict(attn_layer="eca")
        if a["norm"] == "groupnorm":
            kwargs["norm_layer"] = "groupnorm"
        if a["aa"] != "none":
            kwargs["aa_layer"] = BlurPool2d if a["aa"] == "blur" else torch.nn.AvgPool2d
        return tr.ResNet(**kwargs)
    if kind == "timm_regnet":
        from timm.models.regnet import RegNet as TimmRegNet, RegNetCfg
        cfg = RegNetCfg(depth=a["depth"], w0=a["w0"], wa=a["wa"], wm=a["wm"], group_size=a["group_width"],
                        bottle_ratio=a["b"], se_ratio=a["se_ratio"])
        return TimmRegNet(cfg, in_chans=in_chans, num_classes=classes)
    raise ValueError(kind)


def custom_cases(n: int, seed: int = 6):
    """n random configs of each kind the CLI's flags describe, with the library call that builds each."""
    import random
    rnd = random.Random(seed)
    cases = []

    def add(label, net, ref, slot):
        h, w = rnd.choice(SIZES + [(64, 64), (113, 77), (224, 224)])
        depth, columns = SETTINGS[slot % len(SETTINGS)]
        cases.append({"label": label, "net": net, "ref": ref, "input": [3, h, w], "batch": 1 + 2 * (slot % 2),
                      "classes": rnd.choice([1000, 10, 37]), "depth": depth, "columns": columns})

    for i in range(n):
        block = rnd.choice(["basic", "bottleneck", "bottleneck"])
        depths = [rnd.randint(1, 4) for _ in range(4)]
        c, d = (1, 64) if block == "basic" else rnd.choice([(1, 64), (2, 40), (4, 24), (8, 14), (32, 4), (16, 8),
                                                            (64, 4), (3, 20), (1, 96), (6, 12)])
        net = ["--block", block, "--depths", ",".join(map(str, depths)), "--cardinality", str(c), "--width", str(d)]
        add(f"tv:{block}/{'-'.join(map(str, depths))}/{c}x{d}d", net,
            {"tv_resnet": {"block": block, "depths": depths, "cardinality": c, "width": d}}, i)
    for i in range(n):
        block = rnd.choice(["basic", "bottleneck", "bottleneck"])
        depths = [rnd.randint(1, 3) for _ in range(4)]
        c, d = (1, 64) if block == "basic" else rnd.choice([(1, 64), (4, 24), (32, 4), (8, 8), (2, 32)])
        a = {"block": block, "depths": depths, "cardinality": c, "width": d,
             "stem": rnd.choice(["imagenet", "deep", "deep_tiered"]), "stem_width": rnd.choice([16, 32, 48, 64]),
             "avg_down": rnd.random() < 0.5, "attn": rnd.choice(["none", "se", "eca"]),
             "se_reduction": rnd.choice([16, 4, 8]), "norm": rnd.choice(["batchnorm"] * 3 + ["groupnorm"]),
             "aa": rnd.choice(["none"] * 2 + ["blur", "avgpool"]), "stem_pool": rnd.choice(["maxpool"] * 3 + ["conv"]),
             "down_kernel": rnd.choice([1, 1, 3]), "reduce_first": rnd.choice([1, 1, 2])}
        if a["avg_down"]:
            a["down_kernel"] = 1  # timm ignores down_kernel_size with avg_down; the CLI refuses a flag with no effect
        # Only the flags that change something: the CLI refuses a flag the network does not use (docs/cli.md).
        net = ["--block", block, "--depths", ",".join(map(str, depths)), "--cardinality", str(c), "--width", str(d),
               "--stem", a["stem"], "--attn", a["attn"], "--norm", a["norm"], "--aa", a["aa"],
               "--stem-pool", a["stem_pool"], "--reduce-first", str(a["reduce_first"]), "--implementation", "timm"]
        if a["down_kernel"] != 1:
            net += ["--down-kernel", str(a["down_kernel"])]
        if a["stem"] != "imagenet":
            net += ["--stem-width", str(a["stem_width"])]
        if a["avg_down"]:
            net += ["--avg-down"]
        if a["attn"] == "se":
            net += ["--se-reduction", str(a["se_reduction"])]
        add("timm:" + ",".join(f"{k}={v}" for k, v in a.items() if k not in ("block",)), net, {"timm_resnet": a}, i)
    for i in range(n):
        a = {"depth": rnd.randint(8, 28), "w0": rnd.choice([16, 24, 32, 48, 56, 64, 96]),
             "wa": round(rnd.uniform(8, 60), 2), "wm": round(rnd.uniform(1.5, 3.0), 2),
             "group_width": rnd.choice([8, 16, 24, 32, 48]), "se_ratio": rnd.choice([0, 0.25]),
             "b": rnd.choice([1.0, 1.0, 0.5])}
        net = ["--block", "regnet", "--regnet-depth", str(a["depth"]), "--w0", str(a["w0"]), "--wa", str(a["wa"]),
               "--wm", str(a["wm"]), "--group-width", str(a["group_width"]), "--se-ratio", str(a["se_ratio"]),
               "--bottleneck-ratio", str(a["b"])]
        add("tvregnet:" + ",".join(f"{k}={v}" for k, v in a.items()), net, {"tv_regnet": a}, i)
        # timm's RegNet runs exactly four stages: a timm preset's numbers, perturbed (quantize rounding).
        base = rnd.choice([p["config"] for p in TABLE["regnets"] if p["config"].get("implementation") == "timm"])
        t = {"depth": base["regnetDepth"] + rnd.choice([-1, 0, 0, 1]), "w0": base["w0"],
             "wa": round(base["wa"] * rnd.uniform(0.95, 1.05), 2), "wm": base["wm"],
             "group_width": rnd.choice([8, 16, base["groupWidth"]]), "se_ratio": a["se_ratio"], "b": a["b"]}
        tnet = ["--block", "regnet", "--regnet-depth", str(t["depth"]), "--w0", str(t["w0"]), "--wa", str(t["wa"]),
                "--wm", str(t["wm"]), "--group-width", str(t["group_width"]), "--se-ratio", str(t["se_ratio"]),
                "--bottleneck-ratio", str(t["b"]), "--implementation", "timm", "--width-rounding", "quantize"]
        add("timmregnet:" + ",".join(f"{k}={v}" for k, v in t.items()), tnet, {"timm_regnet": t}, i + 1)
    return cases


def cases_of(names):
    cases = []
    for i, name in enumerate(names):
        p = PRESETS[name]
        if p["config"].get("stem") == "cifar":
            continue
        pub = [x.get("params") for x in p.get("published", []) if x.get("params")]
        heavy = bool(pub) and max(pub) > HEAVY
        slots = [0] if heavy else [0, 1, 2]
        for slot in slots:
            h, w = (97, 129) if heavy else SIZES[(i + 3 * slot) % len(SIZES)]
            batch = 3 if slot == 1 else 1
            classes = 17 if slot == 2 else 1000
            in_chans = 1 if slot == 2 and p["config"].get("implementation") == "timm" else 3
            depth, columns = SETTINGS[slot]
            cases.append({"label": name, "net": [name], "ref": {"preset": name}, "input": [in_chans, h, w], "batch": batch, "classes": classes,
                          "depth": depth, "columns": columns})
    return cases


def size_cases(names, sizes):
    """Each preset at each of the given sizes (batch 1, torchinfo's defaults): refusals and edges of tiny inputs."""
    return [{"label": name, "net": [name], "ref": {"preset": name}, "input": [3, h, w], "batch": 1, "classes": 1000,
             "depth": 3, "columns": ["output_size", "num_params"]}
            for name in names if PRESETS[name]["config"].get("stem") != "cifar" for h, w in sizes]


def timm_layout_cases(names):
    """The torchvision-layout presets timm also has, in timm's layout (--implementation timm), at two sizes."""
    cases = []
    for i, name in enumerate(names):
        p = PRESETS[name]
        if not p["timm"] or p["config"].get("implementation") == "timm" or p["config"].get("block") == "regnet":
            continue
        for slot in (0, 2):
            h, w = SIZES[(i + 3 * slot) % len(SIZES)]
            depth, columns = SETTINGS[slot]
            cases.append({"label": f"{name} (timm layout)", "net": [name, "--implementation", "timm"],
                          "ref": {"timm_name": name}, "input": [1 if slot == 2 else 3, h, w], "batch": 1,
                          "classes": 17 if slot == 2 else 1000, "depth": depth, "columns": columns})
    return cases


def rows_cases(names):
    """One case per preset with torchinfo's other row settings and every column, batch 2, at 129x97."""
    cases = []
    for name in names:
        if PRESETS[name]["config"].get("stem") == "cifar":
            continue
        cases.append({"label": name, "net": [name], "ref": {"preset": name}, "input": [3, 129, 97], "batch": 2,
                      "classes": 1000, "depth": 4, "rows": ["var_names", "ascii_only", "hide_recursive_layers"],
                      "columns": ["input_size", "output_size", "num_params", "params_percent", "kernel_size", "groups",
                                  "mult_adds", "trainable"]})
    return cases


def cli_lines(c):
    net = [*c["net"], "--input", "x".join(map(str, c["input"])), "--classes", str(c["classes"])]
    info = [*net, "--format", "torchinfo", "--depth", str(c["depth"]), "--columns", ",".join(c["columns"]),
            "--batch", str(c["batch"]), f"--row-settings={','.join(c.get('rows', ['depth']))}"]
    return [["summary", *net, "--json"], ["summary", *info], ["summary", *net, "--order", "torchvision"], ["code", *net]]


def run_cli(all_lines):
    proc = subprocess.run(["npx", "tsx", "tools/audit/cli-batch.ts"], input=json.dumps(all_lines), cwd=REPO,
                          capture_output=True, text=True, check=True)
    return [json.loads(line) for line in proc.stdout.splitlines()]


def first_diff(ours: str, theirs: str):
    a, b = ours.splitlines(), theirs.splitlines()
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<none>"
        y = b[i] if i < len(b) else "<none>"
        if x != y:
            return {"line": i + 1, "ours": x, "ref": y, "ours_lines": len(a), "ref_lines": len(b)}
    return None


def check_case(c, cli, model_cache):
    """Returns a list of (check, detail) mismatches and the counts compared."""
    js, info, tsum, code = cli
    key = (json.dumps(c["ref"]), c["classes"], c["input"][0])
    out = {"checks": 0, "mismatches": []}

    def miss(check, detail):
        out["mismatches"].append({"check": check, **detail})

    try:
        if key not in model_cache:
            model_cache.clear()
            torch.manual_seed(0)
            model_cache[key] = reference_model(c["ref"], c["classes"], c["input"][0]).eval()
        model = model_cache[key]
        counter = CountMacs()
        with counter:
            text = str(torchinfo.summary(model, input_size=(c["batch"], *c["input"]), depth=c["depth"],
                                         col_names=c["columns"], row_settings=c.get("rows", ["depth"]), verbose=0)) + "\n"
        ref_error = None
    except Exception as e:  # noqa: BLE001  (the reference refusing the input is a result)
        ref_error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200]
    if ref_error:
        out["checks"] += 1
        if all("error" in r for r in cli[:3]):
            return out
        if ref_error.startswith("ValueError: not buildable") or "take 3 input channels" in ref_error:
            out["checks"] -= 1
            out["skipped"] = ref_error
            return out
        miss("refusal", {"ref": ref_error, "ours": [r.get("error", "(printed)") for r in cli[:3]]})
        return out
    for r, what in zip(cli, ("json", "torchinfo", "torchsummary", "code")):
        if "error" in r:
            out["checks"] += 1
            miss(f"{what} refused", {"ours": r["error"][:200]})
    if "error" not in js:
        totals = json.loads(js["out"])["totals"]
        params = sum(p.numel() for p in model.parameters())
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        macs = counter.macs // c["batch"]
        for check, ours, ref in (("params", totals["params"], params),
                                 ("trainable", totals["trainable_params"], trainable),
                                 ("macs", totals["macs"], macs)):
            out["checks"] += 1
            if ours != ref:
                miss(check, {"ours": ours, "ref": ref})
    if "error" not in info:
        out["checks"] += 1
        d = first_diff(info["out"], text)
        if d:
            miss("torchinfo", d)
    if "error" not in code:
        out["checks"] += 1
        try:
            namespace = {"__name__": "snippet"}
            exec(compile(code["out"], "<snippet>", "exec"), namespace)  # noqa: S102  (the CLI's own snippet)
            built = [(k, list(v.shape)) for k, v in namespace["model"].state_dict().items()]
            want = [(k, list(v.shape)) for k, v in model.state_dict().items()]
            if built != want:
                extra = [x for x in built if x not in want][:3]
                missing = [x for x in want if x not in built][:3]
                miss("code", {"ours_only": extra, "ref_only": missing, "ours_n": len(built), "ref_n": len(want)})
        except Exception as e:  # noqa: BLE001
            miss("code", {"ours": f"the snippet fails: {type(e).__name__}: {str(e)[:160]}"})
    if c["batch"] == 1 and "error" not in tsum:
        rows = ts.record_rows(model, c["input"])
        ref = ts.format_summary(rows, c["input"])
        out["checks"] += 1
        d = first_diff(tsum["out"], ref)
        if d:
            miss("torchsummary", d)
    return out


def training_check(names, size=(161, 255), batch=3):
    """`train_macs` (per image) against one training step's FLOPs under FlopCounterMode's rule, recorded from the
    aten ops the reference model really runs (training_fixtures.FlopRecorder: torch 1.13 has no FlopCounterMode)."""
    from training_fixtures import step_flops
    lines = [["summary", name, "--input", f"3x{size[0]}x{size[1]}", "--json"] for name in names]
    done, bad = 0, 0
    for name, r in zip(names, run_cli(lines)):
        torch.manual_seed(0)
        try:
            model = reference_model({"preset": name}, 1000, 3).train()
            x = torch.randn(batch, 3, *size)
            f = step_flops(model, x, torch.randint(0, 1000, (batch,)))
        except Exception as e:  # noqa: BLE001
            print(f"skipped  {name} training: {type(e).__name__}: {str(e)[:120]}", flush=True)
            continue
        ref = f["forward_flops"] + f["backward_flops"]
        ours = json.loads(r["out"])["totals"]["train_macs"] * 2 * batch if "out" in r else r
        done += 1
        if ours != ref:
            bad += 1
            print(f"MISMATCH {name} 3x{size[0]}x{size[1]} b{batch} train_macs: ours {ours} ref {ref} "
                  f"(forward {f['forward_flops']}, backward {f['backward_flops']})", flush=True)
    print(f"training FLOPs: {done} presets, {bad} mismatches")


MEMORY_CASES = [("resnet18", (97, 129), 3), ("resnext50_32x4d", (161, 113), 2), ("regnetx_002", (160, 160), 2),
                ("regnet_y_400mf", (129, 97), 2), ("seresnext26d_32x4d", (113, 113), 2), ("resnet50_gn", (96, 80), 2),
                ("resnetblur18", (128, 96), 2), ("ecaresnet26t", (97, 97), 3), ("resnetrs50", (96, 96), 2),
                ("resnet10t", (193, 160), 4), ("regnety_008_tv", (97, 129), 2), ("resnetaa34d", (128, 128), 2)]


def memory_check() -> None:
    """`peakTrainingMemory`'s exact-size peak (momentum SGD, zero_grad to zeros, float32; tools/audit/peak-batch.ts;
    `cost` prints the same live set rounded to the CUDA allocator's 512-byte blocks) against the peak of live tensor
    bytes of one steady-state training step of the reference model, as the fixtures measure it (the legacy profiler's
    allocation events, training_fixtures.measure_peak)."""
    from training_fixtures import measure_peak
    cases = [{"preset": name, "input": [3, h, w], "batch": b} for name, (h, w), b in MEMORY_CASES]
    proc = subprocess.run(["npx", "tsx", "tools/audit/peak-batch.ts"], input=json.dumps(cases), cwd=REPO,
                          capture_output=True, text=True, check=True)
    bad = 0
    for c, line in zip(cases, proc.stdout.splitlines()):
        ours = json.loads(line)
        torch.manual_seed(0)
        model = reference_model({"preset": c["preset"]}, 1000, 3)
        case = {"name": c["preset"], "batch": c["batch"], "input": c["input"], "optimizer": "momentum",
                "zero_grad": "zero", "foreach": False, "precision": "float32"}
        ref = measure_peak(case, model=model, classes=1000, top=True)
        same = ours["bytes"] == ref["peak_bytes"] and ours["phase"] == ref["phase"] and ours["startBytes"] == ref["start_bytes"]
        bad += not same
        print(f"{c['preset']:20} {'x'.join(map(str, c['input']))} b{c['batch']}: ours {ours['bytes']} ({ours['phase']}), "
              f"measured {ref['peak_bytes']} ({ref['phase']}){'' if same else '  MISMATCH'}", flush=True)
    print(f"peak training memory: {len(cases)} cases, {bad} mismatches")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--presets", help="comma-separated preset names (default: all)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--custom", type=int, default=0, help="also N random configs of each kind (torchvision ResNet, "
                    "timm ResNet, torchvision RegNet)")
    ap.add_argument("--no-presets", action="store_true")
    ap.add_argument("--timm-layout", action="store_true", help="the torchvision-layout presets timm also has, in timm's "
                    "layout, against timm.create_model")
    ap.add_argument("--sizes", help="HxW,... : each preset at these sizes instead of the three size cases")
    ap.add_argument("--rows", action="store_true", help="each preset once with torchinfo's other row settings, every "
                    "column, depth 4, batch 2 (instead of the three size cases)")
    ap.add_argument("--memory", action="store_true", help="only the peak training memory check (MEMORY_CASES)")
    ap.add_argument("--seed", type=int, default=6, help="of the random custom configs")
    ap.add_argument("--training", action="store_true", help="only the training-FLOPs check, on the presets named "
                    "(default: every 6th preset)")
    ap.add_argument("--out", default="/tmp/audit-sweep.json")
    a = ap.parse_args()
    torch.set_num_threads(1)
    names = a.presets.split(",") if a.presets else list(PRESETS)
    if a.memory:
        memory_check()
        return
    if a.training:
        training_check(names if a.presets else names[::6])
        return
    if a.no_presets:
        cases = []
    elif a.timm_layout:
        cases = timm_layout_cases(names)
    elif a.sizes:
        cases = size_cases(names, [tuple(map(int, x.split("x"))) for x in a.sizes.split(",")])
    else:
        cases = rows_cases(names) if a.rows else cases_of(names)
    cases += custom_cases(a.custom, a.seed) if a.custom else []
    if a.limit:
        cases = cases[: a.limit]
    t0 = time.time()
    flat = run_cli([line for c in cases for line in cli_lines(c)])
    print(f"CLI: {len(flat)} command lines in {time.time() - t0:.0f} s", flush=True)
    results, cache = [], {}
    total_checks = 0
    per_check: dict = {}
    for i, c in enumerate(cases):
        r = check_case(c, flat[4 * i: 4 * i + 4], cache)
        r["case"] = c
        results.append(r)
        total_checks += r["checks"]
        label = f"{c['label']} {'x'.join(map(str, c['input']))} b{c['batch']} c{c['classes']}"
        for m in r["mismatches"]:
            per_check[m["check"]] = per_check.get(m["check"], 0) + 1
            print(f"MISMATCH {label} {m['check']}: " + json.dumps({k: v for k, v in m.items() if k != 'check'})[:400],
                  flush=True)
        if "skipped" in r:
            print(f"skipped  {label}: {r['skipped']}", flush=True)
    Path(a.out).write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"{len(cases)} cases, {total_checks} checks, {sum(per_check.values())} mismatches {per_check} "
          f"in {time.time() - t0:.0f} s; details in {a.out}")


if __name__ == "__main__":
    main()
