"""Seed 000 (Géron, ch. 15): greedy layer-wise training of 784-300-150, "cached" way.

Training one layer pair at a time: pair 1 (784-300-784) as a shallow autoencoder of the images,
then pair 2 (300-150-300) as one of pair 1's codes. "cached": as "phases" (the stack's own layers,
the earlier ones frozen), but the frozen layers' outputs are computed once and reused every
epoch, the fastest of the three ways.
The stacked preset (ELU, He, linear output, MSE) with the seed's L2 0.0005 and Adam 0.01, 4 epochs
per phase and no fine-tuning of the whole stack after; the seed states no number.

    python examples/greedy_cached.py --data-dir ../shared/data [--quick] [--out DIR]

The code is greedy_separate.py's, with the way set to "cached".
"""

import greedy_separate

import aekit


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    return greedy_separate.configs(quick, way="cached")


def main(argv: list[str] | None = None) -> dict:
    return greedy_separate.main(argv, way="cached", doc=__doc__)


if __name__ == "__main__":
    main()
