"""Seed 004: Keras VAE 784-256-2: 2-D digit manifold.

Preset `keras-vae-2d`: Keras example VAE 784-256-2 (2-D Gaussian code for the manifold figure),
relu, sigmoid output, 784 * BCE + KL, Adam, batch 128, 50 epochs.
Run: python examples/keras_vae_2d.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import argparse
import json

from aekit import gallery, load_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--out", default="runs/examples/keras-vae-2d")
    parser.add_argument("--quick", action="store_true", help="a short version (seconds)")
    args = parser.parse_args()
    # trains through the preset, evaluates on the test split, draws the seed's figures
    record = gallery.reproduce("keras-vae-2d", args.out, data_dir=args.data_dir,
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
