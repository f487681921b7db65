"""Seed 004: Keras sparse 784-32, L1 activity 1e-4.

Preset `keras-sparse-l1`: Keras blog's sparse AE 784-32 relu, L1 activity 10e-5 (= 1e-4 as
written), sigmoid output, BCE, Adadelta lr 1.0, batch 128, 100 epochs. The seed's changes to it:
model {}, training {'val_split': 0.0}.
Run: python examples/keras_sparse_l1.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import argparse
import json

from aekit import gallery, load_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--out", default="runs/examples/keras-sparse-l1")
    parser.add_argument("--quick", action="store_true", help="a short version (seconds)")
    args = parser.parse_args()
    # trains through the preset, evaluates on the test split, draws the seed's figures
    record = gallery.reproduce("keras-sparse-l1", args.out, data_dir=args.data_dir,
                               quick=args.quick, overwrite=True)
    run = load_run(f"{args.out}/run")  # the trained model, its configs and scaling
    print(f"{run.model_config.arch} {run.model_config.hidden}, {record['epochs']} epochs, "
          f"{record['wall_seconds']} s")
    print(json.dumps(record["metrics"], indent=1))
    if record["reference"]:
        print(f"seed: {record['reference']['value']}, aekit: {record['reference']['aekit']:.4f}")
    print("figures:", ", ".join(f"{args.out}/{f}" for f in record["figures"]))


if __name__ == "__main__":
    main()
