"""Seed 000: variational AE as the seed lists it (sigma head): generated digits.

Preset `vae-mnist-sigma`: Seed 000's VAE as listed: a sigma head (KL with log(sigma^2 + 1e-10))
instead of log-variance; 784-500-500-20, ELU, He, BCE + KL, Adam 0.001.
Run: python examples/vae.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import argparse
import json

from aekit import gallery, load_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--out", default="runs/examples/vae")
    parser.add_argument("--quick", action="store_true", help="a short version (seconds)")
    args = parser.parse_args()
    # trains through the preset, evaluates on the test split, draws the seed's figures
    record = gallery.reproduce("vae", args.out, data_dir=args.data_dir,
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
