"""Seed 000 (Géron, ch. 15): greedy layer-wise training of 784-300-150, "separate" way.

Training one layer pair at a time: pair 1 (784-300-784) as a shallow autoencoder of the images,
then pair 2 (300-150-300) as one of pair 1's codes. "separate": a fresh shallow autoencoder per
pair, trained on the previous pair's codes, its weights then copied into the stack (the seed's
"one graph per autoencoder").
The stacked preset (ELU, He, linear output, MSE) with the seed's L2 0.0005 and Adam 0.01, 4 epochs
per phase and no fine-tuning of the whole stack after; the seed states no number.

    python examples/greedy_separate.py --data-dir ../shared/data [--quick] [--out DIR]

greedy_phases.py and greedy_cached.py run this same code with the other two ways.
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args

import aekit
from aekit import metrics
from aekit.report import plots
from aekit.train import Trainer
from aekit.train.greedy import greedy_pretrain


def configs(quick: bool, way: str = "separate") -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    preset = aekit.load_preset("stacked-mnist")
    model = {**preset.model, "l2": 0.0005}
    # fine_tune_epochs 0: the seed stops after the phases (`aekit train --greedy WAY
    # --fine-tune-epochs N` would then train the whole stack for N epochs)
    train = {**preset.train, "greedy": way, "lr": 0.01, "greedy_epochs": 4,
             "fine_tune_epochs": 0}
    if quick:
        train.update(greedy_epochs=1, epochs=1)
    return build_configs(model, train)


def main(argv: list[str] | None = None, way: str = "separate", doc: str = __doc__) -> dict:
    args = parse_args(f"greedy-{way}", doc, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1]
    model_config, train_config = configs(args.quick, way)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    # each phase is a Trainer.fit of a shallow model; the history records say which phase
    history = greedy_pretrain(Trainer(model, train_config), data.x_train, data.x_test)
    recon = metrics.reconstruct(model, data.x_test)  # the whole stack, after the phases
    figure = plots.image_rows([data.x_test[:10], recon[:10]], ["original", "reconstruction"],
                              args.out / "reconstructions.png", f"greedy {way}, 784-300-150")
    found = {"test_mse": metrics.recon_errors(data.x_test, recon)["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
