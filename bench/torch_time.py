"""PyTorch CPU reference timing for `npm run bench`: batch --batch (default 1), 224x224, median of --runs
after warm-up. Prints one JSON line. Uses the .pth from fixtures/large when given, else torchvision's
random init (timing does not depend on the weight values, except through subnormal activations, which
the rescaled large fixtures avoid). With --export-onnx PATH it instead writes the model as ONNX with a
dynamic batch axis (for onnxruntime-web at batch 8) and exits."""
import argparse, json, statistics, time
import torch, torchvision

p = argparse.ArgumentParser()
p.add_argument("--model", required=True)
p.add_argument("--weights")
p.add_argument("--threads", type=int, default=1)
p.add_argument("--runs", type=int, default=10)
p.add_argument("--batch", type=int, default=1)
p.add_argument("--export-onnx")
a = p.parse_args()
torch.set_num_threads(a.threads)
model = getattr(torchvision.models, a.model)()
if a.weights:
    model.load_state_dict(torch.load(a.weights, map_location="cpu"))
model.eval()
if a.export_onnx:
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), a.export_onnx, opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      do_constant_folding=True)
    print(json.dumps({"model": a.model, "onnx": a.export_onnx}))
    raise SystemExit(0)
x = torch.randn(a.batch, 3, 224, 224)
times = []
with torch.inference_mode():
    for _ in range(3):
        model(x)
    for _ in range(a.runs):
        t0 = time.perf_counter()
        model(x)
        times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"model": a.model, "batch": a.batch, "threads": torch.get_num_threads(), "medianMs": statistics.median(times),
                  "runs": a.runs, "torch": torch.__version__}))
