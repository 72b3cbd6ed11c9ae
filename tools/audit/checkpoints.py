"""Generalization audit, checkpoints: state_dicts of real timm / torchvision architectures (random init, random
BatchNorm statistics and affines) saved as .pth and safetensors under a temporary folder (never committed), loaded by
the CLI's `predict` (the config inferred from the file, and once more with the preset named), and the logits compared
with the library's model in eval mode, computed in float64. Then, with the preset named: `predict --image` of a JPEG
(timm's create_transform on Pillow's decoding, bicubic, crop_pct 0.9), `features` of three to six modules (a conv in the
middle, a BatchNorm, a stage; an SE / ECA module, an anti-aliasing pool, the stem pool where there are) against PyTorch's forward hooks, and `cam` against fc.weight[k] . A (A: the global
pool's input). Prints one row per run:

    nice -n 10 /usr/bin/python3 tools/audit/checkpoints.py [--models resnet10t,regnetx_002] [--size 96x80] [--dir DIR]

Tolerance: the project's 1e-4 on the largest absolute logit difference (the fixtures' tests use the same), relative
where the largest logit is above 1 (random BatchNorm statistics can drive logits into the hundreds, where float32
itself is off by more than 1e-4: torch's own float32 result against float64 is printed beside ours for scale).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "fixtures"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import reference  # noqa: E402,F401  (timm on sys.path)
import timm  # noqa: E402
import torchvision.models as tvm  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

# Architectures outside fixtures/ (whose weight files are tiny networks); the flags a file cannot tell
# (anti-aliasing leaves no trace in a state_dict, docs/family.md).
MODELS = {
    "resnet18": [], "resnext50_32x4d": [], "regnet_x_400mf": [], "regnet_y_400mf": [],
    "resnet10t": [], "resnet14t": [], "resnet26": [], "resnet26t": [], "resnet18d": [], "resnet34d": [],
    "seresnet18": [], "resnetblur18": ["--aa", "blur"], "resnetaa34d": ["--aa", "avgpool"], "ecaresnetlight": [],
    "ecaresnet26t": [], "seresnext26d_32x4d": [], "resnet50_gn": [], "resnetrs50": [], "ecaresnet50d_pruned": [],
    "regnetx_002": [], "regnety_002": [], "regnetx_004_tv": [], "regnety_008_tv": [],
}
TOLERANCE = 1e-4
IMAGE = REPO / "src" / "app" / "samples" / "chelsea.jpg"


def build(name: str) -> torch.nn.Module:
    if name in tvm.__dict__ and callable(tvm.__dict__[name]) and not name.startswith(("regnetx_", "regnety_")):
        return tvm.__dict__[name]()
    return timm.create_model(name)


def randomize(model: torch.nn.Module, g: torch.Generator) -> None:
    """BatchNorm statistics and affines, GroupNorm affines: random, so that no norm is an identity."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.GroupNorm)):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


def modules_to_check(model: torch.nn.Module) -> list:
    """A conv in the middle, a BatchNorm a third of the way, and the third stage (names as named_modules says)."""
    convs = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
    norms = [n for n, m in model.named_modules() if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.GroupNorm))]
    names = dict(model.named_modules())
    stage = next(n for n in ("layer3", "trunk_output.block3", "s3") if n in names)
    picks = [convs[len(convs) // 2], norms[len(norms) // 3], stage]
    # An attention module, an anti-aliasing pool and the maxpool / stem pool where the network has them.
    for suffix in (".se", ".aa", "maxpool"):
        found = [n for n in names if n.endswith(suffix) and n and not isinstance(names[n], torch.nn.Identity)]
        if found:
            picks.append(found[len(found) // 2])
    return picks


def pool_and_fc(model: torch.nn.Module):
    """The global pool module (its input is the CAM's A) and the classifier's weight."""
    if hasattr(model, "get_classifier"):
        pool = model.head.global_pool if hasattr(model, "head") else model.global_pool
        return pool, model.get_classifier().weight
    return model.avgpool, model.fc.weight


def cli(lines):
    proc = subprocess.run(["npx", "tsx", "tools/audit/cli-batch.ts"], input=json.dumps(lines), cwd=REPO,
                          capture_output=True, text=True, check=True)
    return [json.loads(line) for line in proc.stdout.splitlines()]


def logits_diff(out: Path, ref: np.ndarray) -> tuple:
    """The CLI's logits in `out` against PyTorch's `ref`: the largest difference (inf if the sizes differ) and whether it
    is within TOLERANCE of the largest logit."""
    ours = np.fromfile(out, dtype="<f4")
    diff = float(np.abs(ours - ref.ravel()).max()) if ours.size == ref.size else float("inf")
    return diff, diff <= TOLERANCE * max(1.0, float(np.abs(ref).max()))


def custom_main(n: int, seed: int, folder: Path) -> None:
    """Random custom configs of tools/audit/sweep.py (torchvision's and timm's ResNet, both RegNets), built by the
    libraries, saved as safetensors and loaded by `predict` with the network inferred from the file alone (the flags a
    file cannot tell, anti-aliasing, given as the docs say); logits against the library's in float64."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sweep import custom_cases, custom_model
    lines, meta = [], []
    for i, c in enumerate(custom_cases(n, seed)):
        g = torch.Generator().manual_seed(2000 + i)
        torch.manual_seed(2000 + i)
        try:
            model = custom_model(c["ref"], c["classes"], 3).eval()
            if sum(t.numel() for t in model.parameters()) > 150_000_000:
                continue  # a file of more than 600 MB: a run of its own (a 3 GB one was loaded by hand)
            randomize(model, g)
            x = torch.randn(2, 3, 64, 64, generator=g)
            with torch.no_grad():
                ref = model.double()(x.double()).numpy()
        except Exception as e:  # noqa: BLE001  (the library refusing a config: nothing to load)
            continue
        f = folder / f"custom{i}.safetensors"
        write_safetensors(f, model.float().state_dict())
        x.numpy().astype("<f4").tofile(folder / f"custom{i}.input.bin")
        kind, args = next(iter(c["ref"].items()))
        extra = ["--aa", args["aa"]] if kind == "timm_resnet" and args.get("aa", "none") != "none" else []
        out = folder / f"custom{i}.logits.bin"
        lines.append(["predict", "--weights", str(f), *extra, "--input", str(folder / f"custom{i}.input.bin"),
                      "--shape", "2,3,64,64", "--out", str(out)])
        meta.append((c["label"], out, ref))
    bad = 0
    for (label, out, ref), r in zip(meta, cli(lines)):
        if "error" in r:
            bad += 1
            print(f"REFUSED  {label[:110]}: {r['error'][:200]}")
            continue
        diff, ok = logits_diff(out, ref)
        if not ok:
            bad += 1
            print(f"MISMATCH {label[:110]}: max diff {diff:.3g} (largest logit {float(np.abs(ref).max()):.3g})")
    print(f"{len(meta)} custom networks loaded with the config inferred, {bad} mismatches or refusals")


def pretrained_main(tags: list, folder: Path) -> None:
    """`predict --pretrained TAG --weights F --image JPEG` (the catalogue's network and preprocessing) against
    timm.create_model(TAG's architecture) with the same state_dict (random weights, BatchNorm statistics from the
    image), on timm's create_transform of
    resolve_data_config(use_test_size=True) for the tag, in float64."""
    from PIL import Image
    from timm.data import create_transform, resolve_data_config
    from timm.models import get_pretrained_cfg
    lines, meta = [], []
    for i, tag in enumerate(tags):
        arch = tag.split(".")[0]
        torch.manual_seed(3000 + i)
        model = build(arch).eval()
        if sum(t.numel() for t in model.parameters()) > 100_000_000:
            continue
        # The test size where the tag has one, as timm's validate.py (and the published accuracy) uses it, and so
        # does `predict --pretrained` (docs/catalogue.md).
        cfg = resolve_data_config({}, pretrained_cfg=get_pretrained_cfg(tag).to_dict(), use_test_size=True)
        with Image.open(IMAGE) as im:
            x = create_transform(**cfg)(im.convert("RGB"))[None]
        # BatchNorm statistics from data (the image, flipped and dimmed), as a trained network has them: activations
        # stay normalised (random statistics blow deep nets' logits up to 1e9, where torch's own float32 result is off
        # by as much as ours).
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = None
                m.reset_running_stats()
        model.train()
        with torch.no_grad():
            model(torch.cat([x, x.flip(3), x.flip(2), x * 0.5]))
        model.eval()
        f = folder / f"{tag}.safetensors"
        write_safetensors(f, model.state_dict())
        with torch.no_grad():
            ref32 = model(x).numpy()
            ref = model.double()(x.double()).numpy()
        model.float()
        cfg["torch_f32_error"] = float(np.abs(ref32 - ref).max())
        out = folder / f"{tag}.logits.bin"
        lines.append(["predict", "--pretrained", tag, "--weights", str(f), "--image", str(IMAGE), "--out", str(out)])
        meta.append((tag, cfg, out, ref))
    bad = 0
    for (tag, cfg, out, ref), r in zip(meta, cli(lines)):
        if "error" in r:
            bad += 1
            print(f"REFUSED  {tag}: {r['error'][:200]}")
            continue
        diff, ok = logits_diff(out, ref)
        bad += not ok
        print(f"{tag:45} {cfg['input_size'][1]} {cfg['interpolation']:8} {cfg['crop_pct']:.3f} {cfg.get('crop_mode', 'center'):7}"
              f" max |ours - f64| {diff:.2e} (torch f32 {cfg['torch_f32_error']:.2e}, largest logit {float(np.abs(ref).max()):.3g})"
              f"{'' if ok else '  MISMATCH'}")
    print(f"{len(meta)} catalogue tags, {bad} mismatches or refusals")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", help="comma-separated (default: all of MODELS)")
    ap.add_argument("--size", default="128x96", help="HxW of the random input (batch 2; each stride-2 stage's input even, which timm's "
                    "average-pool anti-aliasing needs)")
    ap.add_argument("--dir", help="where the files go (default: a new temporary folder)")
    ap.add_argument("--custom", type=int, default=0, help="instead: N random custom configs of each kind (sweep.py's), "
                    "the network inferred from the file")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--pretrained", help="instead: these catalogue tags (comma-separated) through predict --pretrained")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.pretrained:
        folder = Path(a.dir or tempfile.mkdtemp(prefix="audit-ckpt-"))
        folder.mkdir(parents=True, exist_ok=True)
        pretrained_main(a.pretrained.split(","), folder)
        return
    if a.custom:
        folder = Path(a.dir or tempfile.mkdtemp(prefix="audit-ckpt-"))
        folder.mkdir(parents=True, exist_ok=True)
        custom_main(a.custom, a.seed, folder)
        return
    h, w = map(int, a.size.split("x"))
    folder = Path(a.dir or tempfile.mkdtemp(prefix="audit-ckpt-"))
    folder.mkdir(parents=True, exist_ok=True)
    names = a.models.split(",") if a.models else list(MODELS)
    lines, meta = [], []
    t0 = time.time()
    for i, name in enumerate(names):
        g = torch.Generator().manual_seed(1000 + i)
        torch.manual_seed(1000 + i)
        model = build(name).eval()
        randomize(model, g)
        x = torch.randn(2, 3, h, w, generator=g)
        try:
            with torch.no_grad():
                ref64 = model.double()(x.double()).numpy()
                ref32 = model.float()(x).numpy()
        except RuntimeError as e:
            print(f"{name}: the library refuses the input: {str(e).splitlines()[0][:160]}", flush=True)
            continue
        sd = model.state_dict()
        torch.save(sd, folder / f"{name}.pth")
        write_safetensors(folder / f"{name}.safetensors", sd)
        x.numpy().astype("<f4").tofile(folder / f"{name}.input.bin")
        # features, CAM and an image, with the preset named, from the .pth
        outputs = {}
        hooks = [dict(model.named_modules())[n].register_forward_hook(
            lambda _m, _i, o, n=n: outputs.__setitem__(n, o.detach().clone())) for n in modules_to_check(model)]
        pool, fc_w = pool_and_fc(model)
        hooks.append(pool.register_forward_hook(lambda _m, i, _o: outputs.__setitem__("_A", i[0].detach().clone())))
        with torch.no_grad():
            model.double()(x.double())
        for hook in hooks:
            hook.remove()
        model.float()
        weights = [name, "--weights", str(folder / f"{name}.pth"), *MODELS.get(name, [])]
        raw = ["--input", str(folder / f"{name}.input.bin"), "--shape", f"2,3,{h},{w}"]
        for layer in modules_to_check(model):
            out = folder / f"{name}.features.{layer}.bin"
            lines.append(["features", *weights, *raw, "--layer", layer, "--out", str(out)])
            meta.append((name, f"features {layer}", True, out, outputs[layer].numpy(), float("nan")))
        cam = torch.einsum("k,nkhw->nhw", fc_w.detach().double()[3], outputs["_A"]).numpy()
        lines.append(["cam", *weights, *raw, "--class", "3", "--out", str(folder / f"{name}.cam.bin")])
        meta.append((name, "cam class 3", True, folder / f"{name}.cam.bin", cam, float("nan")))
        from PIL import Image
        from timm.data import create_transform
        t = create_transform(input_size=(3, 224, 224), interpolation="bicubic", crop_pct=0.9)
        with Image.open(IMAGE) as im:
            xi = t(im.convert("RGB"))[None]
        with torch.no_grad():
            ref_img = model.double()(xi.double()).numpy()
        model.float()
        out = folder / f"{name}.image.logits.bin"
        lines.append(["predict", *weights, "--image", str(IMAGE), "--size", "224", "--crop-pct", "0.9",
                      "--interpolation", "bicubic", "--out", str(out)])
        meta.append((name, "image (JPEG)", True, out, ref_img, float("nan")))
        for fmt in ("pth", "safetensors"):
            for named in (False, True):
                out = folder / f"{name}.{fmt}.{'preset' if named else 'inferred'}.logits.bin"
                lines.append(["predict", *([name] if named else []), "--weights", str(folder / f"{name}.{fmt}"),
                              *MODELS.get(name, []), "--input", str(folder / f"{name}.input.bin"),
                              "--shape", f"2,3,{h},{w}", "--out", str(out)])
                meta.append((name, fmt, named, out, ref64, float(np.abs(ref32 - ref64).max())))
    print(f"{len(names)} models saved in {time.time() - t0:.0f} s; {len(lines)} CLI runs", flush=True)
    results = cli(lines)
    bad = 0
    print(f"{'model':24} {'file':12} {'config':9} {'max |ours - f64|':>17} {'torch f32':>10} {'max |logit|':>11}")
    for (name, fmt, named, out, ref64, t32), r in zip(meta, results):
        label = f"{name:24} {fmt:12} {'preset' if named else 'inferred':9}" if fmt in ("pth", "safetensors") else f"{name:24} {fmt:22}"
        if "error" in r:
            bad += 1
            print(f"{label} REFUSED: {r['error'][:200]}")
            continue
        ours = np.fromfile(out, dtype="<f4")
        if ours.size != ref64.size:
            bad += 1
            print(f"{label} MISMATCH: {ours.size} values, PyTorch {ref64.shape}")
            continue
        ours = ours.reshape(ref64.shape)
        diff = float(np.abs(ours - ref64).max())
        flag = "" if diff <= TOLERANCE * max(1.0, float(np.abs(ref64).max())) else "  MISMATCH"
        bad += bool(flag)
        print(f"{label} {diff:17.2e} {t32:10.2e} {float(np.abs(ref64).max()):11.3f}{flag}")
    print(f"{len(results)} runs, {bad} mismatches or refusals, in {time.time() - t0:.0f} s; files in {folder}")


if __name__ == "__main__":
    main()
