"""Seed 001: strided conv AE 16-32-64-128: reconstructions.

Preset `conv-strided`: 4 stride-2 convs 16-32-64-128 + 4 transposed convs, leaky ReLU, tanh output
on [-1, 1] inputs, MSE, Adam 1e-3.
Run: python examples/conv_strided.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import argparse
import json

from aekit import gallery, load_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--out", default="runs/examples/conv-strided")
    parser.add_argument("--quick", action="store_true", help="a short version (seconds)")
    args = parser.parse_args()
    # trains through the preset, evaluates on the test split, draws the seed's figures
    record = gallery.reproduce("conv-strided", args.out, data_dir=args.data_dir,
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
