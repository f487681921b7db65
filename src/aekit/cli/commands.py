"""What each CLI sub-command does, on parsed arguments: each handler reads its flags and calls
one library function; it returns what to print."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from aekit import metrics, presets, registry
from aekit.cli import options as cli_options
from aekit.config import DataConfig, ModelConfig, TrainConfig
from aekit.detect import detection
from aekit.detect.base import check_contamination, check_threshold
from aekit.detect.inputs import detect_default, detect_with_run
from aekit.device import resolve_device
from aekit.errors import AekitError
from aekit.gallery import reproduce as gallery
from aekit.gallery.quick import label_quick
from aekit.report import features as report_features
from aekit.report import generated, plots
from aekit.report.html import write_report
from aekit.report.summary import summary
from aekit.runs import run
from aekit.runs.fit import fit_run, resume_run
from aekit.runs.inputs import read_options, save_npy, scaled
from aekit.runs.kinds import CLASSIFIER, SEMISUPERVISED
from aekit.tasks import classify, classify_run, semisup_run
from aekit.tasks import evaluate as evaluation
from aekit.tasks.denoise import denoise as denoise_data
from aekit.train import distributed

HANDLERS = {"map": "map_codes", "presets": "list_presets"}  # names taken by a builtin or module


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The data options given on the command line, by config field."""
    return cli_options.values(args, DataConfig)


def _loaded(args: argparse.Namespace) -> run.Run:
    return run.load_run(args.run, resolve_device(args.device))


def train(args: argparse.Namespace) -> str | dict[str, Any] | None:
    quiet = args.quiet or not distributed.is_main()  # under torchrun, rank 0 alone reports
    if args.resume:
        given = {**cli_options.given_flags(args),
                 **{k: getattr(args, k) for k in ("preset", "out") if getattr(args, k)}}
        given.pop("threads", None)  # the command's threads (held for it), not the run's maths
        if run.run_kind(args.resume) is SEMISUPERVISED:
            found = semisup_run.resume_semisup_run(args.resume, quiet=quiet, device=args.device,
                                                   **given)
            return None if quiet else semisup_run.summary(found)
        if run.run_kind(args.resume) is CLASSIFIER:
            results = classify_run.resume_classifier_run(args.resume, device=args.device,
                                                         **given)
            return None if quiet else results
        result = resume_run(args.resume, quiet=quiet, device=args.device, **given)
        return None if quiet else summary(result)
    if not args.out:
        raise AekitError("--out: required (the run directory to write), unless --resume")
    configs = presets.resolve(args.preset, cli_options.values(args, ModelConfig),
                              cli_options.values(args, TrainConfig), _given(args))
    registry.lookup("arch", configs[0].arch, "--model")
    if not (args.data or args.preset):  # said once the options are known to be good
        print("aekit: no --data given: training on digits (scikit-learn's 8x8 digits); "
              "pass --data to choose", file=sys.stderr)
    if args.labels is not None:  # semi-supervised: a ladder on N labels plus the other rows
        found = semisup_run.fit_semisup_run(*configs, args.out, args.labels,
                                            preset=args.preset, overwrite=args.overwrite,
                                            quiet=quiet, device=args.device)
        return None if quiet else semisup_run.summary(found)
    result = fit_run(*configs, args.out, preset=args.preset, overwrite=args.overwrite,
                     quiet=quiet, device=args.device)
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


def list_presets(args: argparse.Namespace) -> str:
    return presets.describe()


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    if evaluation.is_classifier(args.run):
        return evaluation.classifier_metrics(args.run, args.data, _given(args))
    return evaluation.reconstruction_metrics(_loaded(args), args.data, _given(args),
                                             binarized=args.binarize,
                                             iw_samples=args.iw_samples, seed=args.seed)


def encode(args: argparse.Namespace) -> str:
    _, x = scaled(loaded := _loaded(args), args.data, _given(args))
    codes = metrics.encode(loaded.model, x, precision=args.precision, compile=args.compile)
    save_npy(args.out, codes)
    return f"wrote {args.out}: codes {codes.shape}"


def reconstruct(args: argparse.Namespace) -> str:
    data, x = scaled(loaded := _loaded(args), args.data, _given(args))
    recon = metrics.reconstruct(loaded.model, x, precision=args.precision, compile=args.compile)
    save_npy(args.out, loaded.scaling.undo(recon))
    if args.figure and data.kind != "image":
        raise AekitError("--figure: only image data can be drawn")
    if args.figure:
        plots.reconstructions(x, recon, args.figure)
    return f"wrote {args.out}: reconstructions {recon.shape}" + (
        f"; figure {args.figure}" if args.figure else "")


def map_codes(args: argparse.Namespace) -> str:
    """Codes of labelled data as a 2-D scatter (seed 003); larger codes via PCA or t-SNE."""
    data, x = scaled(loaded := _loaded(args), args.data, _given(args))
    if data.y is None:
        raise AekitError(f"--data: {data.name} has no labels to colour the map by")
    codes = metrics.encode(loaded.model, x)
    points, how = plots.to_2d(codes, args.method)
    title = f"{loaded.model_config.arch} codes of {data.name}" + (f" ({how})" if how else "")
    plots.code_map(points, data.y, args.out, title)
    return f"wrote {args.out}: {len(codes)} codes of size {codes.shape[1]}" + (
        f", {how}" if how else "")


def denoise(args: argparse.Namespace) -> str:
    """Corrupt data with seeded noise (in the model's scaled units), clean it with the run, and
    write both in the data's own units; the same --seed gives the same noise."""
    data, x = scaled(loaded := _loaded(args), args.data, _given(args))
    spec = args.noise or loaded.model_config.noise
    if spec is None:
        raise AekitError("--noise: required (KIND:LEVEL), as this run was trained without noise")
    if args.figure and data.kind != "image":
        raise AekitError("--figure: only image data can be drawn")
    noisy, cleaned = denoise_data(loaded.model, x, spec, args.seed)
    save_npy(args.out, loaded.scaling.undo(cleaned))
    lines = [f"wrote {args.out}: cleaned {cleaned.shape} ({spec}, seed {args.seed})"]
    if args.noisy_out:
        save_npy(args.noisy_out, loaded.scaling.undo(noisy))
        lines.append(f"wrote {args.noisy_out}: noisy inputs")
    if args.figure:
        plots.denoised(noisy, cleaned, x, args.figure, f"{spec} on {data.name}")
        lines.append(f"wrote {args.figure}")
    return "\n".join(lines)


def features(args: argparse.Namespace) -> str:
    """First-layer weight images and the inputs that activate one unit most, as PNGs."""
    _, x = scaled(loaded := _loaded(args), args.data, _given(args))
    out = Path(args.out)
    grid = report_features.weight_grid(loaded.model, out / "features.png", args.units)
    top = report_features.top_inputs(loaded.model, x, args.unit,
                                     out / f"unit_{args.unit}_top.png")
    return f"wrote {grid}\nwrote {top}"


def pretrain(args: argparse.Namespace) -> dict[str, Any]:
    """Few-label classification: fine-tuned pretrained encoder vs scratch vs linear probe."""
    loaded = _loaded(args)
    data = dataclasses.replace(read_options(loaded, _given(args)),
                               source=args.data or loaded.data_config.source)
    train = classify.fine_tuning_config(epochs=args.epochs, lr=args.lr,
                                        batch_size=args.batch_size, seed=args.seed)
    return classify_run.fit_classifier_run(loaded, train, args.out, labels=args.labels,
                                           data=data, test_data=args.test_data,
                                           freeze=args.freeze, device=args.device)


def report(args: argparse.Namespace) -> str:
    """(Re)write the run's self-contained HTML page, picking up every figure now in the run."""
    return f"wrote {write_report(args.run, args.out)}"


def export(args: argparse.Namespace) -> str:
    """One part of a run as ONNX, checked against onnxruntime on the first --limit samples of
    --data (default: the training source)."""
    from aekit.export import check_choices, export_onnx  # onnx: only when exporting

    check_choices(args.part, args.format)
    data, x = scaled(loaded := run.load_run(args.run), args.data, _given(args))
    diff = export_onnx(loaded.model, args.out, x, args.part)
    return (f"wrote {args.out}: {args.part} of the {loaded.model_config.arch} model, ONNX with "
            f"a dynamic batch dimension\nonnxruntime vs PyTorch on {len(x)} samples of "
            f"{data.name} (batch 1 and {len(x)}): max abs difference {diff:.3g}")


def detect(args: argparse.Namespace) -> dict[str, Any]:
    """Scores per sample (or per point of a long series) into --out; with 0/1 labels also
    ROC-AUC, average precision, best F1 and a figure. Without a run, the default detector is
    fitted on --train (or --data) first."""
    contamination = _contamination(args.contamination)
    check_threshold(args.threshold, "--threshold")
    options = {name: value for name, value in [("contamination", contamination),
                                                ("threshold", args.threshold),
                                                ("explain", args.explain)]
               if value is not None}  # the detector's own defaults for the others
    if args.run is None:
        if args.score is not None:
            raise AekitError("--score: only with RUN; the default detector has its own score")
        found, name, train = detect_default(args.data, args.train, _given(args),
                                            device=str(resolve_device(args.device)),
                                            train_end=args.train_end, **options)
        result = {"data": name, "train": train, "detector": "default"}
        title = f"default detector on {name}"
    else:
        for flag, value in (("--train", args.train), ("--train-end", args.train_end)):
            if value is not None:
                raise AekitError(f"{flag}: only with no RUN (a run was trained on its own "
                                 "data)")
        loaded = _loaded(args)
        found, name = detect_with_run(loaded, args.data, _given(args),
                                      score=args.score or "mse", **options)
        result = {"run": str(loaded.path), "data": name, "score": args.score or "mse"}
        title = f"{loaded.model_config.arch} on {name}"
    detection.write_scores(args.out, found)
    result.update(**detection.summary(found), out=str(args.out))
    if args.figure or found.labels is not None:
        result["figure"] = args.figure or str(Path(args.out).with_suffix(".png"))
        detection.figure(result["figure"], found, title)
    return result


def _contamination(text: str | None) -> float | str | None:
    """--contamination as a fraction or auto, checked as the detectors check it."""
    if text is None:
        return None
    try:
        value: float | str = float(text)
    except ValueError:
        value = text
    return check_contamination(value, "--contamination")


def generate(args: argparse.Namespace) -> str:
    """Samples from the prior (or a 2-D manifold, an interpolation, a denoising chain) as a
    figure, and optionally as a .npy in the data's own units."""
    loaded = _loaded(args)
    if args.chain is None and not loaded.model.can_generate:
        loaded.model.sample_codes(1)  # raises the error that names the models that can generate
    if args.chain is not None:
        drawing = generated.chain(loaded, args.n, args.chain, args.seed)
    elif args.interpolate is not None:
        data, x = scaled(loaded, args.data, _given(args))
        drawing = generated.interpolation(loaded, x, tuple(args.interpolate), args.steps,
                                          data.name)
    elif args.grid is not None:
        drawing = generated.manifold(loaded, args.grid)
    else:
        drawing = generated.prior_samples(loaded, args.n, args.seed)
    return generated.write(loaded, drawing, args.out, args.npy, save_npy)


def reproduce(args: argparse.Namespace) -> str | dict[str, Any]:
    """One seed system end to end (`aekit.gallery.reproduce`), or the list of them with --list."""
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
