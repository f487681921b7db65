"""The sub-commands and their options. `train`'s options are made from the config fields
(`cli_options`); the others are what each command itself needs. Standard library only."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from aekit.cli import arguments, catalog
from aekit.cli.arguments import CSV, NPY, ONNX, PNG
from aekit.cli.options import READ_FIELDS, SECTIONS, add_flags, add_listed_flags, add_part_flags
from aekit.config import BINARIZE, DataConfig, TrainConfig


def _run(p: argparse.ArgumentParser, data: bool = True) -> None:
    """The positional run directory, and the data flags of a command that reads data with it."""
    p.add_argument("run", help="run directory")
    if data:
        add_flags(p, DataConfig, READ_FIELDS, source="; default: the run's own training source")


def _device(p: Any) -> None:
    p.add_argument("--device", default="auto", help="{device} (auto: a GPU when present; "
                                                    "cuda:N picks one)")


def _compute(p: Any) -> None:
    """Where and on how many threads a command runs its model: --device, and --threads as the
    training config declares it."""
    _device(p)
    add_flags(p, TrainConfig, ("threads",))


def _train(sub: Any) -> None:
    """A flag for every config field, in help groups, beside the run's own options; the parts'
    own options follow the model group, one group per part, once `train` is parsed."""
    p = sub.add_parser("train", help="train a model into a run directory")
    groups = {title: p.add_argument_group(title)
              for title in ("model", "regularisers", "training", "data", "output")}
    groups["model"].add_argument("--preset", help="a seed system's settings (see `aekit "
                                                  "presets`); options given here override it")
    for section in SECTIONS:
        add_flags(p, section, groups=groups)

    def part_group(title: str) -> Any:
        """The help group of the parts named in `title`, after the model's and earlier parts'."""
        if title not in groups:
            groups[title] = p.add_argument_group(title)
            p._action_groups.remove(groups[title])
            p._action_groups.insert(p._action_groups.index(groups["regularisers"]),
                                    groups[title])
        return groups[title]

    def part_flags() -> None:
        importlib.import_module("aekit.parts")  # registers every part with its options
        add_part_flags(part_group)

    p.add_later(part_flags, lambda: add_listed_flags(part_group, catalog.part_flags()))
    training = groups["training"]
    _device(training)
    training.add_argument("--nproc", type=int, metavar="N",
                          help="train on N local processes with DDP: runs torchrun --standalone "
                               "--nproc-per-node N -m aekit train ... (for several machines, "
                               "call torchrun yourself; see the README)")
    training.add_argument("--labels", type=int, metavar="N",
                          help="semi-supervised: keep N class-balanced labels (drawn by --seed) "
                               "and use every other row without its label (preset "
                               "semisup-mnist)")
    training.add_argument("--resume", metavar="RUN",
                          help="continue an interrupted run from its last checkpoint")
    output = groups["output"]
    output.add_argument("--out", help="run directory to write (required unless --resume)")
    output.add_argument("--overwrite", action="store_true",
                        help="replace an existing run in --out")
    output.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def _apply(sub: Any) -> None:
    """Commands that apply a run to data: evaluate, encode, reconstruct, denoise, features,
    map, pretrain."""
    p = sub.add_parser("evaluate", help="print reconstruction metrics of a run on data, as JSON "
                                        "(and a VAE's -ELBO and NLL)")
    _run(p)
    p.add_argument("--binarize", choices=(*BINARIZE, "none"),
                   help="make [0, 1] images binary as in training (threshold, static or "
                        "dynamic), or none; default: as the run was trained")
    p.add_argument("--iw-samples", type=int, default=1000, metavar="K",
                   help="VAE: importance samples per input for the NLL (default: 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the VAE's draws and of a "
                                                       "static binarisation (default: 0)")
    _compute(p)
    for name, what in (("encode", "write the codes of data as an (N, code) float32 .npy"),
                       ("reconstruct", "write reconstructions of data as a .npy shaped like "
                                       "the input, in its own units")):
        p = sub.add_parser(name, help=what)
        _run(p)
        p.add_argument("--out", required=True, type=NPY, help="output .npy file")
        if name == "reconstruct":
            p.add_argument("--figure", type=PNG,
                           help="also draw originals above reconstructions (PNG)")
        p.add_argument("--precision", default="fp32", help="fp32 (default) or bf16 autocast")
        p.add_argument("--compile", action="store_true",
                       help="torch.compile the model first (seconds; pays on large data)")
        _compute(p)
    p = sub.add_parser("denoise", help="corrupt data with seeded noise, clean it with a run, "
                                       "write the cleaned (and noisy) arrays")
    _run(p)
    p.add_argument("--noise", help="KIND:LEVEL[+clip], KIND one of {noise} (default: the run's "
                                   "training noise)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default: 0)")
    p.add_argument("--out", required=True, type=NPY, help="cleaned .npy, shaped like the input")
    p.add_argument("--noisy-out", type=NPY, help="also write the noisy inputs (.npy)")
    p.add_argument("--figure", type=PNG, help="also draw noisy / cleaned / original rows (PNG)")
    _compute(p)
    p = sub.add_parser("features", help="draw first-layer weights and the inputs that "
                                        "activate a unit most")
    _run(p)
    p.add_argument("--out", required=True, help="folder for the PNGs")
    p.add_argument("--units", type=int, default=30, help="weight images to draw (default: 30)")
    p.add_argument("--unit", type=int, default=0,
                   help="unit whose top inputs to draw (default: 0)")
    _compute(p)
    p = sub.add_parser("map", help="scatter the codes of data in 2-D, coloured by label (PNG)")
    _run(p)
    p.add_argument("--out", required=True, type=PNG, help="output .png file")
    p.add_argument("--method", choices=("pca", "tsne"), default="pca",
                   help="how codes larger than 2-D are brought to 2-D (default: pca)")
    _compute(p)
    p = sub.add_parser("pretrain", help="classify with few labels on a trained encoder, next to "
                                        "the same net from scratch and a linear probe")
    _run(p)
    p.add_argument("--labels", type=int, required=True,
                   help="labelled samples to use (stratified by class, seeded)")
    p.add_argument("--test-data", help="labelled test source (default: the --data set's :test)")
    p.add_argument("--freeze", action="store_true", help="train only the softmax head")
    p.add_argument("--epochs", type=int, default=200, help="fine-tuning epochs (default: 200)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default: 1e-3)")
    p.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default: 32)")
    p.add_argument("--seed", type=int, default=0, help="seed for the label choice and init")
    p.add_argument("--out", required=True, help="classifier run directory to write")
    _compute(p)


def _generate(sub: Any) -> None:
    p = sub.add_parser("generate", help="decode samples of a VAE's or AAE's prior (or a 2-D "
                                        "manifold, an interpolation, a denoising chain)")
    _run(p)
    p.add_argument("--n", type=int, default=64, help="samples or chains (default: 64)")
    p.add_argument("--out", type=PNG, help="figure to write (PNG)")
    p.add_argument("--npy", type=NPY, help="also write the samples, shaped like the training "
                                           "inputs, in the data's own units")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default: 0)")
    p.add_argument("--interpolate", type=int, nargs=2, metavar=("A", "B"),
                   help="decode the line between the codes of samples A and B of --data")
    p.add_argument("--steps", type=int, default=10, help="interpolation points (default: 10)")
    p.add_argument("--grid", type=int, metavar="N",
                   help="2-D codes: decode an N x N grid of the prior's quantiles (seed 004)")
    p.add_argument("--chain", type=int, metavar="STEPS",
                   help="denoising run: alternate its corruption and reconstruction from noise")
    _compute(p)


def _detect(sub: Any) -> None:
    p = sub.add_parser("detect", help="score data for anomalies with a run: scores.csv with "
                                      "score and flag; with 0/1 labels, ROC-AUC, AP, best F1 "
                                      "and a figure")
    p.add_argument("run", nargs="?",
                   help="run directory (trained on normal data); without one, the default "
                        "detector is fitted on --train (default: --data itself) and scores "
                        "--data")
    add_flags(p, DataConfig, READ_FIELDS, source="; default: the run's own training source")
    p.add_argument("--train", help="without RUN: the source to fit the default detector on "
                                   "(default: --data, whose anomalies may be in it)")
    p.add_argument("--train-end", type=int, metavar="N",
                   help="without RUN, on one long series: its first N points are normal (the "
                        "neighbours every window is compared with)")
    p.add_argument("--out", required=True, type=CSV,
                   help="scores CSV: one row per sample or time point")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--threshold", type=float, help="flag scores above this value")
    how.add_argument("--contamination", metavar="FRACTION|auto",
                     help="flag this fraction of the training data, in (0, 0.5] (default 0.05); "
                          "the threshold is a quantile of the training scores kept in the run; "
                          "auto: median + 3 robust standard deviations (1.4826 * MAD) of the "
                          "training scores, when the fraction is unknown")
    p.add_argument("--explain", type=int, metavar="K",
                   help="tables: add, per row, the K columns that contribute most to its score "
                        "and their shares (explain_1, explain_1_share, ...)")
    p.add_argument("--score", help="with RUN, the anomaly score: {score} (default: mse; l1, l2, "
                                   "linf: reconstruction errors; code: distance of the code "
                                   "from the training codes)")
    p.add_argument("--figure", type=PNG, help="PNG: score histogram by class, or the series "
                                              "with its scores and flagged points (default with "
                                              "labels: --out with .png)")
    _compute(p)


def _ecosystem(sub: Any) -> None:
    p = sub.add_parser("report", help="write RUN/report.html: one self-contained page with the "
                                      "configuration, figures and metrics")
    _run(p, data=False)
    p.add_argument("--out", help="write the page here instead of RUN/report.html")
    p = sub.add_parser("export", help="export a run's encoder, decoder or whole model (ONNX), "
                                      "checked against onnxruntime")
    _run(p)
    p.add_argument("--format", default="onnx", help="file format: onnx (default)")
    p.add_argument("--part", default="full", help="encoder (x -> code), decoder (code -> "
                                                  "reconstruction) or full (default)")
    p.add_argument("--out", required=True, type=ONNX, help="output file, e.g. model.onnx")
    add_flags(p, TrainConfig, ("threads",))
    p.set_defaults(limit=64)  # check samples; --limit N checks on N
    p = sub.add_parser("reproduce", help="run one seed system end to end through its preset: "
                                         "its figures and reproduce.json (aekit's number beside "
                                         "the seed's)")
    p.add_argument("name", nargs="?", help="the system (see --list)")
    p.add_argument("--list", action="store_true", help="list the seed systems")
    p.add_argument("--quick", action="store_true",
                   help="a short version: a 2,000-sample slice and a few epochs")
    p.add_argument("--out", help="output folder (default: runs/reproduce/NAME)")
    p.add_argument("--data-dir", help="folder holding the data sets (mnist/, timeseries/)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    p.add_argument("--seed", type=int, help="training seed instead of the preset's")
    _compute(p)
    sub.add_parser("models", help="list the registered architectures")
    sub.add_parser("presets", help="list the presets, one line each")


def build_parser() -> argparse.ArgumentParser:
    parser = arguments.Parser(
        prog="aekit", description="Build, train, evaluate and apply autoencoders.")
    parser.add_argument("--version", action="version", version=f"aekit {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("demo", help="train a stacked AE on scikit-learn's digits (offline) and "
                                    "compare it with PCA")
    p.add_argument("--out", default="runs/demo", help="run directory (default: runs/demo)")
    p.add_argument("--epochs", type=int, default=150, help="training epochs (default: 150)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    _compute(p)
    for add in (_train, _apply, _generate, _ecosystem, _detect):
        add(sub)
    arguments.finish(sub)
    return parser


def _version() -> str:
    import aekit

    return aekit.__version__
