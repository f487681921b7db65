"""LSTM and conv1d autoencoders on UCR GunPoint: test reconstruction MSE (standardised series)
next to PCA with the same code size, and 1-nearest-neighbour accuracy of the codes.

    PYTHONPATH=src python benchmarks/gunpoint.py [--models lstm,conv1d] [--code 2]

Trains on GunPoint_TRAIN (50 series), evaluates on GunPoint_TEST (150), through the library's
own pipeline (the run directory is a temporary folder).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import aekit
from aekit import metrics
from aekit.runs.fit import fit_run

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "timeseries"
MODELS = {  # (model config without the code size, epochs, learning rate)
    "lstm": ({"arch": "lstm", "hidden": [64], "output": "none"}, 600, 3e-3),
    "conv1d": ({"arch": "conv1d", "conv_mode": "stride", "channels": [8, 16, 16], "kernel": 5,
                "hidden": [32], "activation": "elu", "output": "none"}, 300, 2e-3),
}


def evaluate(name: str, code: int, epochs: int | None = None, lr: float | None = None,
             data_dir: Path = DATA) -> dict[str, float]:
    """Train one model on the train split; test MSE, PCA test MSE and 1-NN accuracies."""
    base, default_epochs, default_lr = MODELS[name]
    model = {**base, "hidden": [*base["hidden"], code]}
    epochs, lr = epochs or default_epochs, lr or default_lr
    train_src, test_src = (str(data_dir / f"GunPoint_{s}.ts") for s in ("TRAIN", "TEST"))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = fit_run(aekit.ModelConfig(**{**model, "hidden": tuple(model["hidden"]),
                                              **({"channels": tuple(model["channels"])}
                                                 if "channels" in model else {})}),
                         aekit.TrainConfig(optimizer="adam", lr=lr, batch_size=10,
                                           epochs=epochs, val_split=0.0, seed=0),
                         aekit.DataConfig(source=train_src), Path(tmp) / name)
        seconds = time.perf_counter() - started
        train, test = aekit.load_source(train_src), aekit.load_source(test_src)
        x_train, x_test = result.scaling.apply(train.x), result.scaling.apply(test.x)
        recon = metrics.reconstruct(result.model, x_test)
        codes_train = metrics.encode(result.model, x_train)
        codes_test = metrics.encode(result.model, x_test)
    from sklearn.decomposition import PCA

    pca = PCA(code, random_state=0).fit(x_train.reshape(len(x_train), -1))
    pca_codes = [pca.transform(x.reshape(len(x), -1)) for x in (x_train, x_test)]
    return {
        "test_mse": metrics.recon_errors(x_test, recon)["mse"],
        "pca_test_mse": metrics.pca_mse(x_train, x_test, code) or float("nan"),
        "1nn_codes": metrics.nn1_accuracy(codes_train, train.y, codes_test, test.y),
        "1nn_pca": metrics.nn1_accuracy(pca_codes[0], train.y, pca_codes[1], test.y),
        "1nn_raw": metrics.nn1_accuracy(x_train.reshape(50, -1), train.y, x_test.reshape(150, -1),
                                test.y),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lstm,conv1d")
    parser.add_argument("--code", type=int, default=2)
    parser.add_argument("--epochs", type=int, help="default: per model (lstm 600, conv1d 300)")
    parser.add_argument("--lr", type=float, help="default: per model (lstm 3e-3, conv1d 2e-3)")
    args = parser.parse_args()
    for name in args.models.split(","):
        r = evaluate(name, args.code, args.epochs, args.lr)
        print(f"{name:7s} code {args.code}: test MSE {r['test_mse']:.4f} vs PCA "
              f"{r['pca_test_mse']:.4f}; 1-NN accuracy codes {r['1nn_codes']:.3f}, PCA "
              f"{r['1nn_pca']:.3f}, raw series {r['1nn_raw']:.3f}; {r['seconds']:.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
