"""Seed 004: Keras LSTM sequence AE on GunPoint series.

Preset `keras-lstm`: Keras blog's sequence-to-sequence AE: LSTM reader, code repeated over time
(RepeatVector), LSTM writer; here LSTM 64 -> code 8 on UCR GunPoint (--data
.../timeseries/GunPoint_TRAIN.ts), MSE, Adam 3e-3, batch 16, 100 epochs.
Run: python examples/keras_lstm.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import argparse
import json

from aekit import gallery, load_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--out", default="runs/examples/keras-lstm")
    parser.add_argument("--quick", action="store_true", help="a short version (seconds)")
    args = parser.parse_args()
    # trains through the preset, evaluates on the test split, draws the seed's figures
    record = gallery.reproduce("keras-lstm", args.out, data_dir=args.data_dir,
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
