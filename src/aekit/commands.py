"""What each CLI sub-command does, on parsed arguments; returns what to print."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from aekit import metrics, registry, run, rundir
from aekit.config import DataConfig, ModelConfig, TrainConfig, from_dict
from aekit.data.binarize import binarize
from aekit.data.formats import csv_header, read_time_column
from aekit.data.labels import anomaly_labels
from aekit.data.scaling import check_shape
from aekit.data.sources import Dataset, known_sources, load_source
from aekit.errors import AekitError
from aekit.io import atomic_write
from aekit.presets import Recipe, arch_defaults, load_preset, preset_names
from aekit.report import best_effort, plots
from aekit.report import features as report_features
from aekit.report.gallery_full import label_quick
from aekit.report.html import write_report
from aekit.report.summary import summary
from aekit.tasks import classify, semisup_run
from aekit.tasks import detect as detection
from aekit.tasks import generate as generate_task
from aekit.tasks.denoise import denoise as denoise_data
from aekit.train import distributed
from aekit.train.pipeline import fit_run, resume_run
from aekit.train.trainer import resolve_device

MODEL_OPTIONS = ("hidden", "activation", "code_activation", "init", "output", "loss", "l2")
TRAIN_OPTIONS = ("optimizer", "lr", "batch_size", "epochs", "seed", "val_split", "patience",
                 "clip_grad", "detect_anomaly", "greedy", "greedy_epochs", "fine_tune_epochs",
                 "tensorboard")
DATA_OPTIONS = ("data_dir", "limit", "array", "label_column", "time_column", "nan_policy",
                "max_memory")
REGULARISE_OPTIONS = ("noise", "sparsity", "contractive", "k_sparse", "k_sparse_lifetime")
# --- generative autoencoders (issue 6) ---
MODEL_OPTIONS += ("latent", "beta", "prior", "iw_train")
TRAIN_OPTIONS += ("kl_warmup",)
DATA_OPTIONS += ("binarize",)
# --- convolutional and sequence models (issue 7) ---
MODEL_OPTIONS += ("conv_mode", "channels", "kernel")
DATA_OPTIONS += ("kind", "window", "stride", "scaling", "image_size")
STREAM_OPTIONS = ("stream", "workers")  # train only (issue 13)
DATA_OPTIONS += ("train_normal_only",)  # anomaly detection (issue 8)
TRAIN_OPTIONS += ("precision", "compile", "threads")  # speed (issue 9)
MODEL_OPTIONS += ("patch", "linear_path")  # sequence models
TRAIN_OPTIONS += ("schedule", "restore_best")
DATA_OPTIONS += ("pad",)
HANDLERS = {"map": "map_codes"}  # sub-commands whose function name would shadow a builtin


def train(args: argparse.Namespace) -> str | None:
    quiet = args.quiet or not distributed.is_main()  # under torchrun, rank 0 alone reports
    if args.resume:
        given = _given(args, ("model", "preset", "data", "out", *MODEL_OPTIONS, *TRAIN_OPTIONS,
                              *DATA_OPTIONS, *REGULARISE_OPTIONS, *STREAM_OPTIONS))
        result = resume_run(args.resume, quiet=quiet, device=args.device, **given)
        return None if quiet else summary(result)
    if not args.out:
        raise AekitError("--out: required (the run directory to write), unless --resume")
    preset = load_preset(args.preset) if args.preset else None
    arch = args.model or (preset.model.get("arch") if preset else None) or "stacked"
    recipe = arch_defaults(arch) if not preset else Recipe({}, {})
    model: dict[str, Any] = {"arch": "stacked", "output": "auto", **recipe.model,
                             **(preset.model if preset else {})}
    if args.model:
        model["arch"] = args.model
    model.update(_given(args, MODEL_OPTIONS))
    model.update(_given(args, REGULARISE_OPTIONS))
    train_options = {**recipe.train, **(preset.train if preset else {}),
                     **_given(args, TRAIN_OPTIONS)}
    data = {"source": args.data or (preset.data if preset else "digits"),
            **_given(args, DATA_OPTIONS), **_given(args, STREAM_OPTIONS)}
    if data.get("data_dir"):
        data["data_dir"] = str(Path(data["data_dir"]).resolve())
    configs = (from_dict(ModelConfig, model, "model"),
               from_dict(TrainConfig, train_options, "train"), from_dict(DataConfig, data, "data"))
    registry.lookup("arch", configs[0].arch, "--model")
    if not (args.data or preset):  # said once the options are known to be good
        print("aekit: no --data given: training on digits (scikit-learn's 8x8 digits); "
              "pass --data to choose", file=sys.stderr)
    if args.labels is not None:  # semi-supervised: a ladder on N labels plus the other rows
        found = semisup_run.fit_semisup_run(*configs, args.out, args.labels,
                                            preset=args.preset, overwrite=args.overwrite,
                                            quiet=quiet, device=args.device)
        return None if quiet else semisup_run.summary(found)
    result = fit_run(*configs, args.out,
                     preset=args.preset, overwrite=args.overwrite, quiet=quiet,
                     device=args.device)
    return None if quiet else summary(result)


def demo(args: argparse.Namespace) -> str:
    """A stacked AE on scikit-learn's bundled digits, next to PCA with the same code size."""
    out = Path(args.out)
    result = fit_run(
        ModelConfig(arch="stacked", hidden=(32, 8), activation="elu", init="he",
                    output="sigmoid", loss="mse"),
        TrainConfig(optimizer="adam", lr=3e-3, batch_size=64, epochs=args.epochs, seed=0,
                    val_split=0.1),
        DataConfig(source="digits"), out, overwrite=args.overwrite, quiet=args.quiet,
        device=args.device)
    return summary(result) + (
        f"\n\nNext, try:\n"
        f"  aekit evaluate {out} --data digits:test\n"
        f"  aekit encode {out} --data digits --out codes.npy\n"
        f"  aekit reconstruct {out} --data digits:test --out recon.npy --figure recon.png\n"
        f"  aekit train --preset stacked-mnist --data-dir PATH/TO/DATA --out runs/stacked\n")


def models(args: argparse.Namespace) -> str:
    return "\n".join(f"{name:<10} {doc}" for name, doc in registry.describe("arch").items())


def presets(args: argparse.Namespace) -> str:
    lines = []
    for name in preset_names():
        preset = load_preset(name)
        lines.append(f"{name:<15} seed {preset.seed}, {preset.data}: {preset.description}")
    return "\n".join(lines)


def pretrain(args: argparse.Namespace) -> dict[str, Any]:
    """Few-label classification: fine-tuned pretrained encoder vs scratch vs linear probe."""
    loaded, data, x = _run_and_data(args)
    if data.y is None:
        raise AekitError(f"--data: {data.name} has no labels; pretraining for classification "
                         "needs labelled data")
    test_spec = args.test_data or _test_split(args.data or loaded.data_config.source)
    test = _scaled(loaded, test_spec, args)
    idx = classify.few_labels(data.y, args.labels, args.seed)
    options = {"epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
               "seed": args.seed, "device": str(resolve_device(args.device))}
    tuned = classify.PretrainedClassifier(loaded.model, freeze=args.freeze, **options)
    tuned.fit(x[idx], data.y[idx])
    scratch = classify.PretrainedClassifier(loaded.model, from_scratch=True, **options)
    scratch.fit(x[idx], data.y[idx])
    results = {
        "labels": int(args.labels), "n_test": len(test[1]), "freeze": args.freeze,
        "accuracy": float(tuned.score(*test)),
        "scratch_accuracy": float(scratch.score(*test)),
        "probe_accuracy": classify.linear_probe_accuracy(loaded.model, x[idx], data.y[idx],
                                                         *test),
    }
    out = classify.save_classifier(args.out, tuned, loaded, results)
    best_effort("confusion figure", lambda: _confusion_figure(tuned, *test, out / "figures"
                                                              / "confusion.png"))
    best_effort(f"report {out / 'report.html'}", lambda: write_report(out))
    return {**results, "run": str(out)}


def _test_split(spec: str) -> str:
    name = spec.partition(":")[0]
    if name in known_sources() and f"{name}:test" in known_sources():
        return f"{name}:test"
    raise AekitError(f"--test-data: needed, {spec!r} has no known test split")


def _scaled(loaded: run.Run, spec: str, args: argparse.Namespace
            ) -> tuple[np.ndarray, np.ndarray]:
    """Labelled test data for a classifier, read and scaled like the run's training data."""
    data = _load_for_run(loaded, spec, args, "--test-data" if args.command == "pretrain"
                         else "--data")
    if data.y is None:
        raise AekitError(f"--test-data: {data.name} has no labels")
    return loaded.scaling.apply(data.x), data.y


def _confusion_figure(clf: classify.PretrainedClassifier, x: np.ndarray, y: np.ndarray,
                      path: Path) -> list[list[int]]:
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(y, clf.predict(x), labels=clf.classes_)
    plots.confusion(matrix, [str(c) for c in clf.classes_], path)
    return matrix.tolist()


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    if "classes" in run.read_config(args.run):
        clf = (semisup_run.load_semisup if semisup_run.is_semisup_run(run.read_config(args.run))
               else classify.load_classifier)(args.run)
        loaded = run.load_run(args.run)
        test = _scaled(loaded, args.data or _test_split(loaded.data_config.source), args)
        with rundir.locked(args.run):
            matrix = _confusion_figure(clf, *test, Path(args.run) / "figures" / "confusion.png")
        return {"run": str(args.run), "n": len(test[1]), "accuracy": float(clf.score(*test)),
                "confusion_matrix": matrix}
    loaded, data, x = _run_and_data(args)
    x, binarized = _binarized(loaded, x, args)
    recon = metrics.reconstruct(loaded.model, x)
    result = {"run": str(loaded.path), "data": data.name, "n": len(x),
              **metrics.recon_errors(x, recon), **metrics.loss_terms(loaded.model, x)}
    if loaded.model_config.variational:
        result.update(binarize=binarized, **_likelihood(loaded, x, args))
    return result


def encode(args: argparse.Namespace) -> str:
    loaded, _, x = _run_and_data(args)
    codes = metrics.encode(loaded.model, x, precision=args.precision, compile=args.compile)
    save_npy(args.out, codes)
    return f"wrote {args.out}: codes {codes.shape}"


def reconstruct(args: argparse.Namespace) -> str:
    loaded, data, x = _run_and_data(args)
    recon = metrics.reconstruct(loaded.model, x, precision=args.precision, compile=args.compile)
    save_npy(args.out, loaded.scaling.undo(recon))
    message = f"wrote {args.out}: reconstructions {recon.shape}"
    if args.figure:
        if data.kind != "image":
            raise AekitError("--figure: only image data can be drawn")
        plots.image_rows([x[:10], recon[:10]], ["original", "reconstruction"], args.figure)
        message += f"; figure {args.figure}"
    return message


def map_codes(args: argparse.Namespace) -> str:
    """Codes of labelled data as a 2-D scatter (seed 003); larger codes via PCA or t-SNE."""
    loaded, data, x = _run_and_data(args)
    if data.y is None:
        raise AekitError(f"--data: {data.name} has no labels to colour the map by")
    codes = metrics.encode(loaded.model, x)
    points, how = plots.to_2d(codes, args.method)
    title = f"{loaded.model_config.arch} codes of {data.name}" + (f" ({how})" if how else "")
    plots.code_map(points, data.y, args.out, title)
    return f"wrote {args.out}: {len(codes)} codes of size {codes.shape[1]}" + (
        f", {how}" if how else "")


def save_npy(path: str | Path, array: np.ndarray) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:
            np.save(handle, array, allow_pickle=False)

    atomic_write(path, write)


def _run_and_data(args: argparse.Namespace) -> tuple[run.Run, Dataset, np.ndarray]:
    """The run (on the chosen device) and the data scaled as at training time."""
    loaded = run.load_run(args.run, resolve_device(args.device))
    data = _load_for_run(loaded, args.data or loaded.data_config.source, args, "--data",
                         args.limit)
    return loaded, data, loaded.scaling.apply(data.x)


def _load_for_run(loaded: run.Run, spec: str, args: argparse.Namespace, option: str,
                  limit: int | None = None, **overrides: Any) -> Dataset:
    """`spec` read with the run's own data options (overridden by those given, then by
    `overrides`), and checked against the shape the model was trained on."""
    data = load_source(spec, limit=limit, **{**_data_kwargs(loaded, args), **overrides})
    check_shape(loaded.scaling, data.x, data.name)
    expected = loaded.model_config.input_shape
    if tuple(data.x.shape[1:]) != expected:
        raise AekitError(f"{option}: samples of {data.name} have shape {data.x.shape[1:]}, "
                         f"the model expects {expected}")
    return data


def _data_kwargs(loaded: run.Run, args: argparse.Namespace) -> dict[str, Any]:
    """`load_source` options: the run's own, overridden by those given on the command line."""
    stored = loaded.data_config
    given = _given(args, DATA_OPTIONS)
    names = ("data_dir", "array", "label_column", "time_column", "nan_policy", "max_memory",
             "kind", "window", "stride", "image_size", "columns", "pad")
    shape = loaded.model_config.input_shape  # unequal-length series: to the model's length
    length = {"length": shape[0]} if len(shape) == 2 and stored.window is None else {}
    return {**{name: given.get(name, getattr(stored, name)) for name in names}, **length}


def _given(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


# --- regularised autoencoders (issue 4): denoise and features -----------------------------------


def denoise(args: argparse.Namespace) -> str:
    """Corrupt data with seeded noise (in the model's scaled units), clean it with the run, and
    write both in the data's own units; the same --seed gives the same noise."""
    loaded, data, x = _run_and_data(args)
    spec_text = args.noise or loaded.model_config.noise
    if spec_text is None:
        raise AekitError("--noise: required (KIND:LEVEL), as this run was trained without noise")
    noisy, cleaned = denoise_data(loaded.model, x, spec_text, args.seed)
    save_npy(args.out, loaded.scaling.undo(cleaned))
    message = f"wrote {args.out}: cleaned {cleaned.shape} ({spec_text}, seed {args.seed})"
    if args.noisy_out:
        save_npy(args.noisy_out, loaded.scaling.undo(noisy))
        message += f"\nwrote {args.noisy_out}: noisy inputs"
    if args.figure:
        if data.kind != "image":
            raise AekitError("--figure: only image data can be drawn")
        plots.image_rows([noisy[:10], cleaned[:10], x[:10]], ["noisy", "cleaned", "original"],
                         args.figure, f"{spec_text} on {data.name}")
        message += f"\nwrote {args.figure}"
    return message


def features(args: argparse.Namespace) -> str:
    """First-layer weight images and the inputs (default: the run's training source) that
    activate one unit most, as PNGs in --out."""
    loaded, _, x = _run_and_data(args)
    out = Path(args.out)
    grid = report_features.weight_grid(loaded.model, out / "features.png", args.units)
    top = report_features.top_inputs(loaded.model, x, args.unit,
                                     out / f"unit_{args.unit}_top.png")
    return f"wrote {grid}\nwrote {top}"


# --- report and export (issue 10) ---------------------------------------------------------------


def report(args: argparse.Namespace) -> str:
    """(Re)write the run's self-contained HTML page, picking up every figure now in the run."""
    return f"wrote {write_report(args.run, args.out)}"


def export(args: argparse.Namespace) -> str:
    """Export one part of a run as ONNX, checked against onnxruntime on the run's own data
    (the first --limit samples of --data, default the training source)."""
    from aekit.export import check_choices, export_onnx

    check_choices(args.part, args.format)
    loaded = run.load_run(args.run)
    data = _load_for_run(loaded, args.data or loaded.data_config.source, args, "--data",
                         args.limit)
    diff = export_onnx(loaded.model, args.out, loaded.scaling.apply(data.x), args.part)
    return (f"wrote {args.out}: {args.part} of the {loaded.model_config.arch} model, ONNX with "
            f"a dynamic batch dimension\nonnxruntime vs PyTorch on {len(data.x)} samples of "
            f"{data.name} (batch 1 and {len(data.x)}): max abs difference {diff:.3g}")


# --- anomaly detection (issue 8) ----------------------------------------------------------------


def detect(args: argparse.Namespace) -> dict[str, Any]:
    """Score data with a run: scores.csv (score and flag per sample, or per point of a long
    series); with 0/1 labels also ROC-AUC, average precision, best F1 and a figure. Without a
    run, the default detector is fitted on --train (or --data) first."""
    if args.run is None:
        return _detect_without_run(args)
    if args.train is not None:
        raise AekitError("--train: only without RUN (a run was trained on its own data)")
    loaded = run.load_run(args.run, resolve_device(args.device))
    detector = detection.detector_for_run(loaded, args.score or "mse", args.contamination,
                                          args.threshold)
    spec = args.data or loaded.data_config.source
    window = loaded.data_config.window
    labels = _data_kwargs(loaded, args)["label_column"]
    if args.label_column is None and labels and spec.endswith(".csv") \
            and labels not in csv_header(Path(spec)):
        labels = None  # unlabelled data to score, in the training file's format
    times = (read_time_column(Path(spec), _data_kwargs(loaded, args)["time_column"])
             if spec.endswith(".csv") else None)
    times = times and times[:args.limit]  # the rows --limit keeps
    if window is None:
        data = _load_for_run(loaded, spec, args, "--data", args.limit, label_column=labels)
        found = detection.score_samples(detector, data.x, anomaly_labels(data), times)
    else:
        options = {**_data_kwargs(loaded, args), "window": None, "stride": None,
                   "label_column": labels}
        if args.window is not None and args.window != window:
            raise AekitError(f"--window {args.window}: the model was trained on windows of "
                             f"{window} steps")
        data = load_source(spec, limit=args.limit, **options)
        stride = args.stride or loaded.data_config.stride or 1  # default: as in training
        found = detection.score_series(detector, data.x, anomaly_labels(data), window, stride,
                                       times, data.name)
        found.channels = data.features
    detection.write_scores(args.out, found)
    result = {"run": str(loaded.path), "data": data.name, "score": args.score or "mse",
              **detection.summary(found), "out": str(args.out)}
    return _detect_figure(args, found, result, f"{loaded.model_config.arch} on {data.name}")


def _detect_without_run(args: argparse.Namespace) -> dict[str, Any]:
    if args.data is None:
        raise AekitError("--data: required without RUN (the table to score)")
    if args.score is not None:
        raise AekitError("--score: only with RUN; the default detector has its own score")
    options = _given(args, ("data_dir", "array", "label_column", "nan_policy", "max_memory",
                            "kind", "image_size"))
    data = load_source(args.data, limit=args.limit, **options)
    train = None if args.train is None else load_source(
        args.train, limit=args.limit, **options)
    found = detection.fit_and_score(data, train, args.contamination, args.threshold,
                                    str(resolve_device(args.device)))
    detection.write_scores(args.out, found)
    result = {"data": data.name, "train": train.name if train else data.name,
              "detector": "default", **detection.summary(found), "out": str(args.out)}
    return _detect_figure(args, found, result, f"default detector on {data.name}")


def _detect_figure(args: argparse.Namespace, found: detection.Detection,
                   result: dict[str, Any], title: str) -> dict[str, Any]:
    if args.figure or found.labels is not None:
        path = args.figure or str(Path(args.out).with_suffix(".png"))
        detection.figure(path, found, title)
        result["figure"] = path
    return result


# --- generative autoencoders (issue 6) ----------------------------------------------------------


def generate(args: argparse.Namespace) -> str:
    """Samples from the prior (or a 2-D manifold, an interpolation, a denoising chain) as a
    figure, and optionally as a .npy in the data's own units."""
    loaded = run.load_run(args.run, resolve_device(args.device))
    model, shape = loaded.model, loaded.model_config.input_shape
    if args.chain is None and not model.can_generate:
        model.sample_codes(1)  # raises the error that names the models that can generate
    if args.chain is not None:
        chain = generate_task.gsn_chain(model, args.n, args.chain, args.seed,
                                         start=generate_task.image_range(loaded.scaling))
        samples, what = chain[-1], f"{args.n} chains of {args.chain} steps"
        shown = chain[np.unique(np.linspace(0, args.chain, min(args.chain + 1, 11)).astype(int))]
        rows = [_shown(loaded, step) for step in shown[:, :min(args.n, 16)]]
        figure = lambda path: plots.image_grid(np.concatenate(rows), len(rows[0]), path,  # noqa: E731
                                               f"denoising chain, rows: steps 0..{args.chain}")
    elif args.interpolate is not None:
        _, data, x = _run_and_data(args)
        a, b = (_index(x, i, data.name) for i in args.interpolate)
        samples = generate_task.interpolate(model, a, b, args.steps)
        what = f"interpolation {args.interpolate[0]} -> {args.interpolate[1]}"
        figure = lambda path: plots.image_grid(_shown(loaded, samples), len(samples), path,  # noqa: E731
                                               what)
    elif args.grid is not None:
        samples = generate_task.latent_grid(model, args.grid)
        what = f"{args.grid}x{args.grid} manifold"
        figure = lambda path: plots.image_grid(_shown(loaded, samples), args.grid, path,  # noqa: E731
                                               pad=0)
    else:
        samples = generate_task.sample(model, args.n, args.seed)
        what = f"{args.n} samples"
        figure = lambda path: plots.image_grid(  # noqa: E731
            _shown(loaded, samples), math.ceil(math.sqrt(len(samples))), path,
            f"{loaded.model_config.arch} samples, seed {args.seed}")
    lines = []
    if args.out:
        if len(shape) != 3:
            raise AekitError(f"--out: only images can be drawn; samples here are shaped "
                             f"{list(shape)}, write them with --npy")
        figure(args.out)
        lines.append(f"wrote {args.out}: {what}")
    if args.npy:
        save_npy(args.npy, loaded.scaling.undo(samples))
        lines.append(f"wrote {args.npy}: {samples.shape}")
    if not lines:
        raise AekitError("--out/--npy: give a figure (--out PNG) or an array (--npy) to write")
    return "\n".join(lines)


def _shown(loaded: run.Run, images: np.ndarray) -> np.ndarray:
    """Model-unit images in [0, 1] for drawing, whatever the run's scaling."""
    return loaded.scaling.undo(images) / loaded.scaling.full_scale


def _index(x: np.ndarray, i: int, name: str) -> np.ndarray:
    if not 0 <= i < len(x):
        raise AekitError(f"--interpolate: index {i} is outside {name} (0..{len(x) - 1})")
    return x[i]


def _likelihood(loaded: run.Run, x: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    """A VAE's -ELBO, IW NLL, KL per dimension and active units on (binarised) data."""
    if args.iw_samples < 1:
        raise AekitError(f"--iw-samples: must be >= 1, got {args.iw_samples}")
    return metrics.likelihood(loaded.model, x, args.iw_samples, args.seed)


def _binarized(loaded: run.Run, x: np.ndarray, args: argparse.Namespace
               ) -> tuple[np.ndarray, str | None]:
    """Evaluation data binarised as asked (default: as the run was trained): one seeded draw
    for static and dynamic runs, so the figures repeat."""
    how = args.binarize or loaded.data_config.binarize
    if how in (None, "none"):
        return x, None
    return binarize(x, "threshold" if how == "threshold" else "static", args.seed), how


# --- seed gallery (issue 12) --------------------------------------------------------------------


def reproduce(args: argparse.Namespace) -> str | dict[str, Any]:
    """One seed system end to end (`aekit.gallery`), or the list of them with --list."""
    from aekit import gallery

    if args.list:
        return gallery.describe()
    if not args.name:
        raise AekitError("reproduce: name a system (see `aekit reproduce --list`)")
    out = args.out or f"runs/reproduce/{args.name}"
    data_dir = str(Path(args.data_dir).resolve()) if args.data_dir else None
    record = gallery.reproduce(args.name, out, data_dir=data_dir, quick=args.quick,
                               device=args.device, overwrite=args.overwrite, seed=args.seed,
                               threads=args.threads)
    if args.quick:
        record = label_quick(record, Path(out), gallery.QUICK_LIMIT)
    return {**record, "out": str(out)}
