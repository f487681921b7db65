"""What every example shares: its command line and its data, so each script shows only the model.

`python examples/NAME.py` puts this folder on sys.path, so the scripts `from common import ...`.
Examples train on the whole training split and validate on the test split (as seed 004 does), so
each epoch's `val_loss` in the returned history is the test loss; `aekit train` and `aekit
reproduce` hold out `val_split` of the training data instead (the settings are otherwise the same).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import aekit
from aekit.config import from_dict
from aekit.gallery import reproduce as gallery

QUICK_TRAIN = 2000  # --quick: the first 2,000 training samples ...
QUICK_TEST = 500  # ... and the first 500 test samples, so an example runs in seconds


def reference(system: str) -> tuple[str, float, int] | None:
    """The number the seed reports for `system` (metric, value, epochs), from its preset's
    `[reproduce]` table: the one place it is written."""
    found = gallery.get(system).reference
    return None if found is None else (found.metric, found.value, found.epochs)


def parse_args(name: str, doc: str, argv: list[str] | None = None) -> argparse.Namespace:
    """--data-dir (where mnist/ and timeseries/ are), --out (figures) and --quick."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data",
                        help="folder holding mnist/ and timeseries/ (default ../shared/data)")
    parser.add_argument("--out", default=f"runs/examples/{name}", help="where figures go")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_TRAIN} training / {QUICK_TEST} test samples, few epochs")
    args = parser.parse_args(argv)
    args.out = Path(args.out)
    return args


def build_configs(model: dict[str, Any], train: dict[str, Any]
            ) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    """Validated configs from plain dicts (a preset's tables plus the seed's changes); a typo
    fails here naming the field, not somewhere in training."""
    return (from_dict(aekit.ModelConfig, model, "model"),
            from_dict(aekit.TrainConfig, train, "train"))


@dataclass
class Data:
    """A training and a test split, scaled the same way (the scaling fitted on training data)."""

    x_train: np.ndarray  # (N, 1, 28, 28) images, (N, T, 1) series, (N, 3) tables
    y_train: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray | None
    scaling: aekit.Scaling
    full_scale: float  # 255 for uint8 images

    @property
    def shape(self) -> tuple[int, ...]:
        """One sample's shape: the model's `input_shape`."""
        return tuple(self.x_train.shape[1:])

    def unit(self, x: np.ndarray) -> np.ndarray:
        """Scaled images back to [0, 1], as the figures draw them."""
        return self.scaling.undo(x) / self.full_scale


def load(args: argparse.Namespace, train: str = "mnist", test: str | None = None,
         scaling: str = "auto") -> Data:
    """A named set (`mnist`, its test split `mnist:test`) or files under --data-dir; images go
    to [0, 1] (`scaling="symmetric"`: [-1, 1], for a tanh output), tables and series are
    standardised with the training split's statistics."""
    test = test or f"{train}:test"

    def read(spec: str, limit: int) -> aekit.Dataset:
        source = str(Path(args.data_dir) / spec) if "/" in spec else spec  # a file, or a name
        return aekit.load_source(source, data_dir=args.data_dir,
                                 limit=limit if args.quick else None)

    train_set, test_set = read(train, QUICK_TRAIN), read(test, QUICK_TEST)
    fitted = aekit.fit_scaling(train_set, scaling)
    return Data(fitted.apply(train_set.x), train_set.y, fitted.apply(test_set.x), test_set.y,
                fitted, train_set.full_scale)


def finish(found: dict[str, float], figures: list[Path], history: list[dict[str, Any]],
           reference: tuple[str, float, int] | None = None) -> dict[str, Any]:
    """Print the numbers, the seed's `(metric, value, epochs)` beside aekit's, and the figures;
    return what `main` returns."""
    for key, value in found.items():
        seed = f"   seed: {reference[1]:.4f} after {reference[2]} epochs" \
            if reference and reference[0] == key else ""
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{key:>16}: {shown}{seed}")
    print("figures:", ", ".join(str(f) for f in figures))
    return {"metrics": found, "figures": figures, "history": history}
