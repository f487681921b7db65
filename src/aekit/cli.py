"""The command line: a thin map from sub-commands to library functions.

User mistakes raise AekitError and are printed as one line (`aekit: error: ...`), exit code 2.
Parsing needs the standard library alone; torch and the commands are imported after it, so
`--help` and `--version` answer at once and Ctrl-C while they load ends quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from aekit import cli_args
from aekit.cli_args import CSV, NPY, ONNX, PNG, sizes
from aekit.errors import AekitError, AekitWarning, describe_os_error, one_line


def _data_options(p: argparse.ArgumentParser, required: bool = False) -> None:
    p.add_argument("--data", required=required,
                   help="a named source (digits, mnist, mnist:test, fashion-mnist[:test], "
                        "synthetic-3d[:test]) or a .npy/.npz/.csv/.ts/IDX file"
                        + ("" if required else "; default: the run's own training source"))
    p.add_argument("--data-dir", help="folder with the named data sets (then $AEKIT_DATA, "
                                      "then the user cache, where missing sets are downloaded)")
    p.add_argument("--limit", type=int, help="use only the first N samples")
    p.add_argument("--array", help="array name inside an .npz (default: x; labels: y)")
    p.add_argument("--label-column", help="CSV column holding labels (not a feature)")
    p.add_argument("--time-column", help="CSV column holding time stamps (not a feature)")
    p.add_argument("--nan-policy", choices=("error", "drop", "zero"),
                   help="samples with NaN/inf: refuse (default), drop them, or set them to 0")
    p.add_argument("--max-memory", type=float, metavar="GIB",
                   help="refuse in-memory data larger than this (default: 80%% of RAM)")
    # --- series and image inputs (issue 7) ---
    p.add_argument("--kind", choices=("image", "series", "tabular"),
                   help="how a .npy/.npz array is meant: image (N,H,W[,C]) or (N,C,H,W), "
                        "series (N,T[,C]), tabular (N,F); default: guessed from the shape")
    p.add_argument("--window", type=int, help="cut one long series (CSV or .npy) into windows "
                                              "of this many steps")
    p.add_argument("--stride", type=int, help="steps between window starts (default: 1)")
    p.add_argument("--image-size", type=int, metavar="N",
                   help="resize the images of a folder source to N x N")


def _sequence_options(p: argparse.ArgumentParser) -> None:
    """Sequence models; their defaults for lstm and conv1d are in presets/arch/*.toml."""
    p.add_argument("--patch", type=int, help="lstm: series steps read per LSTM step "
                                             "(default: ceil(steps / 64))")
    p.add_argument("--linear-path", action=argparse.BooleanOptionalAction, default=None,
                   help="lstm/conv1d: the model is PCA of the training data plus the network, "
                        "which learns what PCA misses (default for lstm and conv1d: on)")
    p.add_argument("--schedule", choices=("constant", "cosine"),
                   help="learning rate: constant, or cosine (warm-up over 5%% of the steps, "
                        "then cosine to 0; default for lstm and conv1d)")
    p.add_argument("--restore-best", action=argparse.BooleanOptionalAction, default=None,
                   help="end with the weights of the epoch with the lowest validation loss "
                        "(default for lstm and conv1d: on)")
    p.add_argument("--pad", choices=("mask", "resample"),
                   help="unequal-length .ts series: pad with a mask that no loss or score "
                        "counts (default), or resample every series to the longest length")


def _device_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", help="auto (GPU when present), cpu, cuda or mps")


def _speed_options(p: argparse.ArgumentParser) -> None:
    """Issue 9; the README's Speed section gives the measurements behind each default."""
    p.add_argument("--precision", help="fp32 (default) or bf16: autocast the forward pass "
                                       "(fast on GPUs and CPUs with AMX/AVX512-BF16)")
    p.add_argument("--compile", action="store_true", default=None,
                   help="torch.compile the training step (compiling takes tens of seconds; "
                        "pays on long runs only)")
    p.add_argument("--threads", type=int, help="torch threads for training (default: torch's, "
                                               "all cores)")


# --- regularised autoencoders (issue 4) ---------------------------------------------------------


def _regularise_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--noise", help="corrupt inputs in training: KIND:LEVEL[+clip] with KIND "
                                   "gaussian, dropout, masking or saltpepper, e.g. gaussian:1.0")
    p.add_argument("--sparsity", help="code sparsity penalty: kl:TARGET:WEIGHT (sigmoid codes) "
                                      "or l1:WEIGHT")
    p.add_argument("--contractive", type=float, help="weight of the encoder Jacobian's squared "
                                                     "Frobenius norm")
    p.add_argument("--k-sparse", type=int, metavar="K", help="keep the K largest code units "
                                                             "per sample")
    p.add_argument("--k-sparse-lifetime", type=float, metavar="P",
                   help="in training, each code unit keeps its top fraction P of the batch")


# --- generative autoencoders (issue 6) ---------------------------------------------------------


def _generative_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--latent", help="code part: identity, gaussian (a VAE on any architecture: "
                                    "mean and log-variance heads) or gaussian-sigma (seed 000's "
                                    "sigma head); --model vae implies gaussian")
    p.add_argument("--beta", type=float, help="weight of a gaussian latent's KL term (default 1)")
    p.add_argument("--iw-train", type=int, metavar="K",
                   help="train a gaussian latent on the importance-weighted bound with K draws "
                        "per sample (IWAE, Burda et al. 2016); default 1: the ELBO")
    p.add_argument("--kl-warmup", type=int, metavar="EPOCHS",
                   help="raise the KL weight linearly from 0 over this many epochs")
    p.add_argument("--prior", choices=("gaussian", "mixture"),
                   help="adversarial AE prior for the codes (--model aae: gaussian); mixture: "
                        "10 Gaussians on a circle")


def _binarize_option(p: argparse.ArgumentParser, evaluate: bool = False) -> None:
    p.add_argument("--binarize", choices=("threshold", "static", "dynamic", "none")
                   if evaluate else ("threshold", "static", "dynamic"),
                   help="make [0, 1] images binary: threshold at 0.5, static (one seeded "
                        "Bernoulli draw) or dynamic (a fresh draw every training batch)"
                        + ("; default: as the run was trained" if evaluate else ""))


def _generate_command(sub: Any) -> None:
    p = sub.add_parser("generate", help="decode samples of a VAE's or AAE's prior (or a 2-D "
                                        "manifold, an interpolation, a denoising chain)")
    p.add_argument("run", help="run directory")
    _data_options(p)
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
    _device_option(p)


def _regularised_commands(sub: Any) -> None:
    p = sub.add_parser("denoise", help="corrupt data with seeded noise, clean it with a run, "
                                       "write the cleaned (and noisy) arrays")
    p.add_argument("run", help="run directory")
    _data_options(p)
    p.add_argument("--noise", help="KIND:LEVEL[+clip] (default: the run's training noise)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default: 0)")
    p.add_argument("--out", required=True, type=NPY, help="cleaned .npy, shaped like the input")
    p.add_argument("--noisy-out", type=NPY, help="also write the noisy inputs (.npy)")
    p.add_argument("--figure", type=PNG, help="also draw noisy / cleaned / original rows (PNG)")
    _device_option(p)

    p = sub.add_parser("features", help="draw first-layer weights and the inputs that "
                                        "activate a unit most")
    p.add_argument("run", help="run directory")
    _data_options(p)
    p.add_argument("--out", required=True, help="folder for the PNGs")
    p.add_argument("--units", type=int, default=30, help="weight images to draw (default: 30)")
    p.add_argument("--unit", type=int, default=0, help="unit whose top inputs to draw "
                                                       "(default: 0)")
    _device_option(p)


# --- report and export (issue 10) -----------------------------------------------------------------


def _ecosystem_commands(sub: Any) -> None:
    p = sub.add_parser("report", help="write RUN/report.html: one self-contained page with the "
                                      "configuration, figures and metrics")
    p.add_argument("run", help="run directory")
    p.add_argument("--out", help="write the page here instead of RUN/report.html")

    p = sub.add_parser("export", help="export a run's encoder, decoder or whole model (ONNX), "
                                      "checked against onnxruntime")
    p.add_argument("run", help="run directory")
    p.add_argument("--format", default="onnx", help="file format: onnx (default)")
    p.add_argument("--part", default="full", help="encoder (x -> code), decoder (code -> "
                                                  "reconstruction) or full (default)")
    p.add_argument("--out", required=True, type=ONNX, help="output file, e.g. model.onnx")
    _data_options(p)
    p.set_defaults(limit=64)  # check samples; --limit N checks on N


# --- scale: streaming and torchrun (issue 13) ---------------------------------------------------


def _scale_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stream", action="store_true", default=None,
                   help="stream batches from disk through DataLoader workers even when the "
                        "data would fit under --max-memory (larger data streams anyway)")
    p.add_argument("--workers", type=int, help="DataLoader worker processes when streaming "
                                               "(default: 2)")
    p.add_argument("--nproc", type=int, metavar="N",
                   help="train on N local processes with DDP: runs torchrun --standalone "
                        "--nproc-per-node N -m aekit train ... (for several machines, call "
                        "torchrun yourself; see the README)")


# --- anomaly detection (issue 8) ----------------------------------------------------------------


def _detect_command(sub: Any) -> None:
    p = sub.add_parser("detect", help="score data for anomalies with a run: scores.csv with "
                                      "score and flag; with 0/1 labels, ROC-AUC, AP, best F1 "
                                      "and a figure")
    p.add_argument("run", nargs="?",
                   help="run directory (trained on normal data); without one, the default "
                        "detector is fitted on --train (default: --data itself) and scores "
                        "--data")
    _data_options(p)
    p.add_argument("--train", help="without RUN: the source to fit the default detector on "
                                   "(default: --data, whose anomalies may be in it)")
    p.add_argument("--out", required=True, type=CSV, help="scores CSV: one row per sample or "
                                                          "time point")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--threshold", type=float, help="flag scores above this value")
    how.add_argument("--contamination", type=float,
                     help="flag this fraction of the training data, in (0, 0.5] (default 0.05); "
                          "the threshold is a quantile of the training scores kept in the run")
    p.add_argument("--score",
                   help="with RUN, the anomaly score: mse (default), bce, l1, l2, linf "
                        "(reconstruction errors), code (distance of the code from the training "
                        "codes) or mse+code")
    p.add_argument("--figure", type=PNG,
                   help="PNG: score histogram by class, or the series with its "
                        "scores and flagged points (default with labels: --out "
                                    "with .png)")
    _device_option(p)


def _reproduce_command(sub: Any) -> None:
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
    p.add_argument("--threads", type=int, help="torch threads for training (default: torch's)")
    _device_option(p)


def build_parser() -> argparse.ArgumentParser:
    parser = cli_args.Parser(
        prog="aekit", description="Build, train, evaluate and apply autoencoders.")
    parser.add_argument("--version", action="version", version=f"aekit {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="train a stacked AE on scikit-learn's digits (offline) and "
                                    "compare it with PCA")
    p.add_argument("--out", default="runs/demo", help="run directory (default: runs/demo)")
    p.add_argument("--epochs", type=int, default=150, help="training epochs (default: 150)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    _device_option(p)

    p = sub.add_parser("train", help="train a model into a run directory")
    p.add_argument("--preset", help="a seed system's settings (see `aekit presets`); "
                                    "options given here override it")
    p.add_argument("--model", help="architecture (see `aekit models`); default: stacked")
    p.add_argument("--hidden", type=sizes, help="encoder layer sizes, the last is the code "
                                                 "size, e.g. 300,150; for conv/conv1d: dense "
                                                 "layers after the convs, or none")
    p.add_argument("--activation", help="hidden activation: relu, elu, sigmoid, tanh, leaky_relu")
    p.add_argument("--code-activation", help="activation of the code layer (default: as "
                                             "--activation; none gives a linear code)")
    p.add_argument("--init", help="weight init: he, xavier, normal (std 0.02) or default")
    p.add_argument("--output", help="output activation: sigmoid, tanh or none (default: sigmoid "
                                    "for images, none for tabular data)")
    p.add_argument("--loss", help="reconstruction loss: mse, bce (from logits), l1, huber or "
                                  "trimmed-mse (each batch's worst 10%% of rows left out: "
                                  "contaminated data)")
    p.add_argument("--l2", type=float, help="L2 weight penalty: l2 * sum(W^2) / 2")
    # --- convolutional models (issue 7) ---
    p.add_argument("--conv-mode", choices=("pool", "stride"),
                   help="conv/conv1d: pool (conv + max-pool, upsampling; Keras blog) or stride "
                        "(stride-2 convs, transposed convs)")
    p.add_argument("--channels", type=sizes, help="conv/conv1d channels per step, e.g. 16,8,8")
    p.add_argument("--kernel", type=int, help="conv/conv1d kernel size (default: 3)")
    _sequence_options(p)
    p.add_argument("--scaling", choices=("auto", "unit", "symmetric", "standard"),
                   help="input scaling stored in the run: unit [0,1], symmetric [-1,1], standard "
                        "(mean 0, std 1); auto: images unit ([-1,1] for --output tanh), "
                        "others standard")
    p.add_argument("--optimizer", help="adam, adamw, sgd, adadelta or rmsprop (Keras-2 defaults)")
    p.add_argument("--lr", type=float, help="learning rate (default: the optimizer's)")
    p.add_argument("--batch-size", type=int, help="mini-batch size (default: 128)")
    p.add_argument("--epochs", type=int, help="epochs (default: 10); with --resume, the new total")
    p.add_argument("--seed", type=int, help="seed for init, split and shuffling (default: 0)")
    p.add_argument("--val-split", type=float, help="held-out fraction (default: 0.1)")
    p.add_argument("--patience", type=int, help="stop after this many epochs without a better "
                                                "validation loss")
    p.add_argument("--greedy", choices=("separate", "phases", "cached"),
                   help="greedy layer-wise training: separate AEs, phases with frozen layers, "
                        "or phases with the frozen layers' outputs cached")
    p.add_argument("--greedy-epochs", type=int, help="epochs per greedy phase (default: --epochs)")
    p.add_argument("--fine-tune-epochs", type=int,
                   help="after greedy phases, epochs of training the whole stack (default: 0)")
    p.add_argument("--clip-grad", type=float, help="clip the gradient norm to this value")
    p.add_argument("--detect-anomaly", action="store_true", default=None,
                   help="find the operation that made a NaN (slow; for debugging)")
    p.add_argument("--tensorboard", action="store_true", default=None,
                   help="log losses, learning rate, reconstructions and code histograms each "
                        "epoch to RUN/tensorboard/ (needs pip install 'aekit[tensorboard]')")
    _speed_options(p)
    _data_options(p)
    p.add_argument("--train-normal-only", action="store_true", default=None,
                   help="drop samples labelled 1 (anomaly; y in an .npz, --label-column in a "
                        "CSV; windows holding one) before training")
    p.add_argument("--labels", type=int, help="semi-supervised: keep N class-balanced labels "
                                              "(drawn by --seed) and use every other row "
                                              "without its label (preset semisup-mnist)")
    p.add_argument("--out", help="run directory to write (required unless --resume)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    p.add_argument("--resume", metavar="RUN", help="continue an interrupted run from its last "
                                                   "checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    _device_option(p)
    _regularise_options(p)
    _scale_options(p)
    _generative_options(p)
    _binarize_option(p)

    p = sub.add_parser("evaluate", help="print reconstruction metrics of a run on data, as JSON "
                                        "(and a VAE's -ELBO and NLL)")
    p.add_argument("run", help="run directory")
    _data_options(p)
    _binarize_option(p, evaluate=True)
    p.add_argument("--iw-samples", type=int, default=1000, metavar="K",
                   help="VAE: importance samples per input for the NLL (default: 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the VAE's draws and of a "
                                                       "static binarisation (default: 0)")
    _device_option(p)

    for name, what in (("encode", "write the codes of data as an (N, code) float32 .npy"),
                       ("reconstruct", "write reconstructions of data as a .npy shaped like "
                                       "the input, in its own units")):
        p = sub.add_parser(name, help=what)
        p.add_argument("run", help="run directory")
        _data_options(p)
        p.add_argument("--out", required=True, type=NPY, help="output .npy file")
        if name == "reconstruct":
            p.add_argument("--figure", type=PNG,
                           help="also draw originals above reconstructions (PNG)")
        p.add_argument("--precision", default="fp32", help="fp32 (default) or bf16 autocast")
        p.add_argument("--compile", action="store_true",
                       help="torch.compile the model first (seconds; pays on large data)")
        _device_option(p)

    _regularised_commands(sub)
    _generate_command(sub)
    p = sub.add_parser("pretrain", help="classify with few labels on a trained encoder, next to "
                                        "the same net from scratch and a linear probe")
    p.add_argument("run", help="run directory of the pretrained autoencoder")
    _data_options(p)
    p.add_argument("--labels", type=int, required=True,
                   help="labelled samples to use (stratified by class, seeded)")
    p.add_argument("--test-data", help="labelled test source (default: the --data set's :test)")
    p.add_argument("--freeze", action="store_true", help="train only the softmax head")
    p.add_argument("--epochs", type=int, default=200, help="fine-tuning epochs (default: 200)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default: 1e-3)")
    p.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default: 32)")
    p.add_argument("--seed", type=int, default=0, help="seed for the label choice and init")
    p.add_argument("--out", required=True, help="classifier run directory to write")
    _device_option(p)

    p = sub.add_parser("map", help="scatter the codes of data in 2-D, coloured by label (PNG)")
    p.add_argument("run", help="run directory")
    _data_options(p)
    p.add_argument("--out", required=True, type=PNG, help="output .png file")
    p.add_argument("--method", choices=("pca", "tsne"), default="pca",
                   help="how codes larger than 2-D are brought to 2-D (default: pca)")
    _device_option(p)

    _ecosystem_commands(sub)
    _detect_command(sub)
    _reproduce_command(sub)
    sub.add_parser("models", help="list the registered architectures")
    sub.add_parser("presets", help="list the presets, one line each")
    cli_args.finish(sub)
    return parser


def _version() -> str:
    import aekit

    return aekit.__version__


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    shown = warnings.showwarning

    def warn_on_one_line(message: Warning | str, category: type[Warning], *rest: Any,
                         **kwargs: Any) -> None:
        if issubclass(category, AekitWarning):
            print(f"aekit: warning: {message}", file=sys.stderr)
        else:
            shown(message, category, *rest, **kwargs)

    warnings.showwarning = warn_on_one_line
    try:
        return _run(args, argv)
    except KeyboardInterrupt:  # while torch and the commands load, before any work
        print("aekit: interrupted while starting; nothing was written", file=sys.stderr)
        return 130
    finally:
        warnings.showwarning = shown


def _run(args: argparse.Namespace, argv: list[str]) -> int:
    # imported here, after parsing: these pull in torch (seconds)
    from aekit import commands
    from aekit.train import distributed
    from aekit.train.trainer import TrainingInterrupted

    try:
        if getattr(args, "nproc", None) is not None:
            if args.nproc < 1:
                raise AekitError(f"--nproc: expected a number of processes >= 1, got "
                                 f"{args.nproc}")
            distributed.exec_torchrun(args.nproc, cli_args.without_nproc(argv))
        name = commands.HANDLERS.get(args.command, args.command.replace("-", "_"))
        result = getattr(commands, name)(args)
    except TrainingInterrupted as exc:
        print(f"aekit: {one_line(exc)}", file=sys.stderr)
        return 130
    except AekitError as exc:
        print(f"aekit: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"aekit: interrupted{_resume_hint(args)}", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, read-only, too long a name: the path and the reason
        print(f"aekit: error: {one_line(describe_os_error(exc))}", file=sys.stderr)
        return 2
    except MemoryError:
        print("aekit: error: out of memory; use --limit or a smaller --max-memory, or stream "
              "the data (--stream)", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug in aekit: one line to report, the traceback on request
        if os.environ.get("AEKIT_DEBUG"):
            raise
        print(f"aekit: internal error: {type(exc).__name__}: {one_line(exc, 300)} (please "
              "report it; AEKIT_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1
    finally:
        distributed.shutdown()
    if result is not None:
        cli_args.print_result(result)
    return 0


def _resume_hint(args: argparse.Namespace | None) -> str:
    """How to continue an interrupted train, only when a checkpoint exists to continue from."""
    if args is None or getattr(args, "command", None) != "train":
        return ""
    out = getattr(args, "resume", None) or getattr(args, "out", None)
    if out and (Path(out) / "checkpoints" / "last.safetensors").is_file():
        return f"; continue with: aekit train --resume {out}"
    return " before the first checkpoint; nothing to resume, start the run again"
