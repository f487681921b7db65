"""aekit's speed against the plain PyTorch loop a tutorial would write, per model, in one run.

    python -m benchmarks [--models stacked-mnist,keras-conv] [--variants fp32,bf16,compile]
                         [--epochs 3] [--limit N] [--out runs/bench]

For each model (`linear` code 32, `keras-simple`, `stacked-mnist`, `keras-conv`, `vae-mnist`,
`lstm` on GunPoint) a fresh process trains aekit's Trainer (one per variant) and the plain loop
of benchmarks/plain.py, epoch by epoch, interleaved, and reports the median seconds per epoch
after one warm-up epoch, their ratio, test MSE after the same epochs (and its change against
fp32), FLOPs per epoch from the layer shapes (training = 3x forward) as a fraction of the fp32
matmul peak measured in the same run, and the process's peak RSS. A second table is inference:
`encode` throughput on the test set of the first variant's trained model, eager and compiled,
in fp32 and bf16, against that variant's training throughput, with the test MSE of bf16
reconstructions against fp32 ones. It also measures the peak RSS of
`aekit train --preset stacked-mnist`. Ratios are the figures to trust: these machines are
shared and absolute times drift. A model whose preset does not exist yet is skipped with a
note. Writes suite.json and suite.md into --out.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GUNPOINT = "timeseries/GunPoint_{}.ts"
MODELS: dict[str, dict[str, Any]] = {  # inline configs for models without a preset
    "linear": {"model": {"arch": "linear", "hidden": [32], "output": "none", "loss": "mse"},
               "train": {"optimizer": "adam", "lr": 1e-3, "batch_size": 128}, "data": "mnist"},
    "keras-simple": {}, "stacked-mnist": {}, "keras-conv": {}, "vae-mnist": {},
    "lstm": {"model": {"arch": "lstm", "hidden": [64, 2], "output": "none", "loss": "mse",
             "patch": 1},
             "train": {"optimizer": "adam", "lr": 3e-3, "batch_size": 10}, "data": "gunpoint",
             "inner": 20},  # 50 series: time 20 epochs per measurement
}
VARIANTS = {"fp32": {}, "bf16": {"precision": "bf16"}, "compile": {"compile": True},
            "bf16+compile": {"precision": "bf16", "compile": True}, "threads1": {"threads": 1}}


def matmul_peak(dtype: torch.dtype = torch.float32, n: int = 4096) -> float:
    """Best GFLOP/s of an n x n matmul: the practical peak of this CPU right now."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best / 1e9


def forward_flops(model: nn.Module, sample: torch.Tensor, step: Any = None) -> float:
    """FLOPs per sample of `step` (default: the model's forward pass), from the shapes of the
    Linear, Conv and LSTM layers it runs."""
    total = 0.0

    def hook(module: nn.Module, inputs: tuple, out: Any) -> None:
        nonlocal total
        if isinstance(module, nn.Linear):
            total += 2 * module.in_features * out.numel()
        elif isinstance(module, nn.modules.conv._ConvTransposeNd):
            total += 2 * inputs[0].numel() * module.out_channels * module.weight[0, 0].numel()
        elif isinstance(module, nn.modules.conv._ConvNd):
            per_output = module.in_channels // module.groups * module.weight[0, 0].numel()
            total += 2 * out.numel() * per_output
        elif isinstance(module, nn.LSTM):
            steps = out[0].shape[0] * out[0].shape[1]
            total += 2 * 4 * module.hidden_size * (module.input_size + module.hidden_size) * steps

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.inference_mode():
        (step or model.eval())(sample)
    for handle in handles:
        handle.remove()
    return total / len(sample)


def load(name: str, data_dir: Path, limit: int | None) -> tuple[dict, dict, Any, Any] | None:
    """(model config, train config, x_train, x_test) scaled as aekit scales them, or None."""
    import aekit
    from aekit.errors import AekitError

    spec = MODELS[name]
    if spec:
        model, train, source = dict(spec["model"]), dict(spec["train"]), spec["data"]
    else:
        try:
            preset = aekit.load_preset(name)
        except AekitError:
            return None
        model, train, source = dict(preset.model), dict(preset.train), preset.data
    if source == "gunpoint":
        train_set = aekit.load_source(str(data_dir / GUNPOINT.format("TRAIN")))
        test_set = aekit.load_source(str(data_dir / GUNPOINT.format("TEST")))
    else:
        train_set = aekit.load_source(source, data_dir=data_dir, limit=limit)
        test_set = aekit.load_source(f"{source}:test", data_dir=data_dir)
    scaling = aekit.fit_scaling(train_set)
    model["input_shape"] = list(train_set.x.shape[1:])
    return model, train, scaling.apply(train_set.x), scaling.apply(test_set.x)


def plain_epoch(name: str, model: dict, train: dict) -> Any:
    from benchmarks import plain

    shape = model["input_shape"]
    if model["arch"] == "conv":
        return plain.conv(model, train), lambda x: x
    if model["arch"] == "lstm":
        return plain.lstm(model, train, *shape), lambda x: x
    n_in = int(torch.tensor(shape).prod())
    build = plain.vae if model.get("latent") == "gaussian" or name == "vae-mnist" else plain.dense
    return build(model, train, n_in), lambda x: x.reshape(len(x), n_in)


def _encode_rate(model: nn.Module, x: Any, **speed: Any) -> float:
    """Samples/s of `encode` on x (repeated to at least 0.3 s, best of 3, after one warm-up
    pass that also compiles)."""
    from aekit import metrics

    metrics.encode(model, x, **speed)
    best = 0.0
    for _ in range(3):
        start, done = time.perf_counter(), 0
        while done == 0 or time.perf_counter() - start < 0.3:
            metrics.encode(model, x, **speed)
            done += len(x)
        best = max(best, done / (time.perf_counter() - start))
    return best


def measure(name: str, variants: list[str], epochs: int, data_dir: Path, limit: int | None
            ) -> list[dict[str, Any]]:
    """One model: aekit per variant and the plain loop, epoch by epoch, interleaved."""
    import aekit
    from aekit import metrics

    loaded = load(name, data_dir, limit)
    if loaded is None:
        return []
    model_cfg, train_cfg, x, x_test = loaded
    inner = MODELS[name].get("inner", 1)
    torch.manual_seed(0)
    plain_run, plain_layout = plain_epoch(name, model_cfg, train_cfg)
    x_plain = plain_layout(torch.as_tensor(x))
    class Pause(aekit.Callback):
        """Ends each `fit` after `inner` epochs, so the variants take turns with the plain loop
        within one epoch budget."""

        def on_epoch_end(self, *, trainer: aekit.Trainer, **kwargs: Any) -> None:
            if trainer.epoch % inner == 0:
                trainer.stop = True

    trainers = {}
    for variant in variants:
        torch.manual_seed(0)
        ae = aekit.Autoencoder(aekit.ModelConfig(**model_cfg))
        config = aekit.TrainConfig(**{**train_cfg, **VARIANTS[variant],
                                      "epochs": (epochs + 1) * inner, "val_split": 0.0})
        trainers[variant] = aekit.Trainer(ae, config, [Pause()], device="cpu")
    times: dict[str, list[float]] = {v: [] for v in [*variants, "plain"]}
    first: dict[str, float] = {}
    for epoch in range(epochs + 1):  # epoch 0 warms up (and compiles)
        seconds = {"plain": sum(plain_run(x_plain) for _ in range(inner)) / inner}
        for variant, trainer in trainers.items():
            trainer.fit(x)
            seconds[variant] = sum(r["seconds"] for r in trainer.history[-inner:]) / inner
        for key, value in seconds.items():
            (times[key].append(value) if epoch else first.setdefault(key, value))
        print(f"  {name} epoch {epoch}: " + ", ".join(f"{k} {v:.2f} s" for k, v in
                                                    seconds.items()), flush=True)
    plain_s = statistics.median(times["plain"])
    first_model, sample = trainers[variants[0]].model.eval(), torch.as_tensor(x[:8])
    flops = 3 * forward_flops(first_model, sample) * len(x)
    encode_flops = forward_flops(first_model, sample, first_model.encode)
    rows = []
    for variant, trainer in trainers.items():
        s = statistics.median(times[variant])
        recon = metrics.reconstruct(trainer.model, x_test)
        rows.append({
            "model": name, "variant": variant, "n_train": len(x), "epochs": trainer.epoch,
            "aekit_s": s, "plain_s": plain_s, "ratio": s / plain_s,
            "aekit_epochs_s": times[variant], "plain_epochs_s": times["plain"],
            "first_epoch_s": first[variant],
            "test_mse": metrics.recon_errors(x_test, recon)["mse"],
            "train_per_s": len(x) / s, "gflop_epoch": flops / 1e9, "gflops": flops / s / 1e9,
            "threads": str(trainer.threads),  # aekit's default: the thread rule's choice
        })
    rows[0]["inference"] = inference(first_model, x_test, rows[0]["train_per_s"],
                                     encode_flops, flops / len(x))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for row in rows:
        row["peak_rss_mb"] = rss
    return rows


def inference(model: nn.Module, x_test: Any, train_per_s: float, encode_flops: float,
              train_flops: float) -> dict[str, Any]:
    """`encode` samples/s of a trained model per inference setting, and the test MSE of its
    reconstructions in each precision (bf16 inference of an fp32-trained model)."""
    from aekit import metrics

    mse = {p: metrics.recon_errors(x_test, metrics.reconstruct(model, x_test, precision=p))["mse"]
           for p in ("fp32", "bf16")}
    rates = {f"{p}{'+compile' if c else ''}": _encode_rate(model, x_test, precision=p, compile=c)
             for p in ("fp32", "bf16") for c in (False, True)}
    return {"train_per_s": train_per_s, "encode_per_s": rates, "test_mse": mse,
            "encode_flops": encode_flops, "train_flops": train_flops}


def train_rss(data_dir: Path, epochs: int) -> dict[str, Any]:
    """Peak RSS of `aekit train --preset stacked-mnist` on 60k MNIST, in this process."""
    from aekit.cli.main import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        code = cli(["train", "--preset", "stacked-mnist", "--data-dir", str(data_dir),
                    "--epochs", str(epochs), "--device", "cpu", "--quiet",
                    "--out", str(Path(tmp) / "run")])
        seconds = time.perf_counter() - start
    return {"command": f"aekit train --preset stacked-mnist --epochs {epochs}", "exit": code,
            "seconds": seconds,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(args: list[str]) -> Any:
    """Run this module with `args` in a fresh process (clean peak RSS, no shared caches)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, "-m", "benchmarks.suite", *args, "--json", out.name],
                       check=True)
        return json.loads(Path(out.name).read_text())


def markdown(rows: list[dict[str, Any]], peak: float) -> str:
    """The training table, then the inference table."""
    lines = ["| model | variant | aekit s/epoch | plain s/epoch | ratio | test MSE (vs fp32) "
             "| GFLOP/epoch | % fp32 peak | 1st epoch s | peak RSS MB |", "|" + "---|" * 10]
    fp32 = {r["model"]: r["test_mse"] for r in rows if r["variant"] == "fp32"}
    for r in rows:
        base = fp32.get(r["model"])
        change = f" ({100 * (r['test_mse'] / base - 1):+.1f}%)" if base else ""
        lines.append(
            f"| {r['model']} | {r['variant']} | {r['aekit_s']:.3f} | {r['plain_s']:.3f} | "
            f"{r['ratio']:.2f} | {r['test_mse']:.5f}{change} | {r['gflop_epoch']:.1f} | "
            f"{100 * r['gflops'] / peak:.0f}% | {r['first_epoch_s']:.2f} | "
            f"{r['peak_rss_mb']:.0f} |")
    lines += ["", "| model | trained | train/s | train / encode FLOPs | fp32 encode/s | "
              "encode / train: fp32 | fp32 compiled | bf16 | bf16 compiled | fp32 encode "
              "% fp32 peak | bf16 inference test MSE (vs fp32) |", "|" + "---|" * 11]
    for r in rows:
        if not (inf := r.get("inference")):
            continue
        rate, mse = inf["encode_per_s"], inf["test_mse"]
        ratios = " | ".join(f"{rate[k] / inf['train_per_s']:.1f}x"
                            for k in ("fp32", "fp32+compile", "bf16", "bf16+compile"))
        lines.append(
            f"| {r['model']} | {r['variant']} | {inf['train_per_s']:,.0f} | "
            f"{inf['train_flops'] / inf['encode_flops']:.1f}x | {rate['fp32']:,.0f} | {ratios} | "
            f"{100 * rate['fp32'] * inf['encode_flops'] / 1e9 / peak:.0f}% | "
            f"{mse['bf16']:.5f} ({100 * (mse['bf16'] / mse['fp32'] - 1):+.1f}%) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--variants", default="fp32,bf16",
                        help=f"aekit settings to time, from {', '.join(VARIANTS)}")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after 1 warm-up")
    parser.add_argument("--limit", type=int, help="MNIST training images (default: all 60000)")
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=Path("runs/bench"))
    parser.add_argument("--rss-epochs", type=int, default=2,
                        help="epochs of the `aekit train` peak-RSS run (0: skip it)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--train-rss", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    variants = args.variants.split(",")
    if unknown := sorted(set(variants) - set(VARIANTS)):
        parser.error(f"--variants: unknown {unknown[0]!r}; known: {', '.join(VARIANTS)}")
    if args.one or args.train_rss:  # a child process
        result = (train_rss(args.data_dir, args.rss_epochs) if args.train_rss else
                  measure(args.one, variants, args.epochs, args.data_dir, args.limit))
        args.json.write_text(json.dumps(result))
        return
    peak, peak_bf16 = matmul_peak(), matmul_peak(torch.bfloat16)
    print(f"{torch.get_num_threads()} threads (the plain loop's; aekit's: its thread rule), "
          f"torch {torch.__version__}; matmul peak fp32 "
          f"{peak:.0f} GFLOP/s, bf16 {peak_bf16:.0f} GFLOP/s", flush=True)
    rows: list[dict[str, Any]] = []
    shared = ["--variants", args.variants, "--epochs", str(args.epochs), "--data-dir",
              str(args.data_dir), *(["--limit", str(args.limit)] if args.limit else [])]
    for name in args.models.split(","):
        got = _child(["--one", name, *shared])
        if not got:
            print(f"{name}: skipped (no preset {name!r} yet)", flush=True)
        for r in got:
            print(f"{name:13s} {r['variant']:12s} aekit {r['aekit_s']:.3f} s/epoch, plain "
                  f"{r['plain_s']:.3f}, ratio {r['ratio']:.2f}, test MSE {r['test_mse']:.5f}, "
                  f"threads {r['threads']}",
                  flush=True)
        rows += got
    peak = max(peak, matmul_peak())  # the machine is shared: the better of two peaks
    result: dict[str, Any] = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                              "peak_fp32_gflops": peak, "peak_bf16_gflops": peak_bf16,
                              "rows": rows}
    if args.rss_epochs:
        result["train_rss"] = _child(["--train-rss", "--rss-epochs", str(args.rss_epochs),
                                      "--data-dir", str(args.data_dir)])
    table = markdown(rows, peak)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "suite.json").write_text(json.dumps(result, indent=1))
    rss = result.get("train_rss")
    (args.out / "suite.md").write_text(
        table + "\n" + (f"\n`{rss['command']}`: peak RSS {rss['peak_rss_mb']:.0f} MB\n"
                        if rss else ""))
    print(table)
    if rss:
        print(f"{rss['command']}: peak RSS {rss['peak_rss_mb']:.0f} MB, {rss['seconds']:.1f} s")
    print(f"wrote {args.out / 'suite.json'} and {args.out / 'suite.md'}")


if __name__ == "__main__":
    main()
