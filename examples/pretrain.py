"""Seed 000 (Géron, ch. 15): unsupervised pretraining for a classifier with only 100 labels.

Train an autoencoder on all training digits without labels (784-300-150 relu, masking noise 0.7,
sigmoid output, BCE, Adam 0.001), put a softmax layer on its 150 codes and fine-tune the whole net
on 100 labelled digits (10 per class). The honest baseline: the same net from random weights on
the same 100 labels. Figure: the confusion matrix of the pretrained classifier on the test set.

    python examples/pretrain.py --data-dir ../shared/data [--quick] [--out DIR]
"""

import dataclasses

import torch
from common import build_configs, finish, load, parse_args
from sklearn.metrics import confusion_matrix

import aekit
from aekit import metrics
from aekit.report import plots
from aekit.tasks.classify import PretrainedClassifier, few_labels


def configs(quick: bool) -> tuple[aekit.ModelConfig, aekit.TrainConfig]:
    # heavy masking (noise "dropout:0.7") makes codes far more linearly separable than plain MSE
    # codes (benchmarks/pretrain_mnist.py)
    preset = aekit.load_preset("pretrain-mnist")
    train = dict(preset.train)
    if quick:
        train["epochs"] = 3
    return build_configs(preset.model, train)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args("pretrain", __doc__, argv)
    data = load(args)  # MNIST as (N, 1, 28, 28) in [0, 1], with labels
    model_config, train_config = configs(args.quick)
    torch.manual_seed(train_config.seed)  # the seed fixes the initial weights too
    model = aekit.Autoencoder(dataclasses.replace(model_config, input_shape=data.shape))
    untrained = metrics.recon_errors(data.x_test, metrics.reconstruct(model, data.x_test))
    history = aekit.Trainer(model, train_config).fit(data.x_train, data.x_test)  # no labels
    few = few_labels(data.y_train, 100, seed=0)  # 100 indices, stratified by class
    x_few, y_few = data.x_train[few], data.y_train[few]
    options = {"epochs": 20 if args.quick else 200, "random_state": 0}  # scikit-learn style
    tuned = PretrainedClassifier(model, **options).fit(x_few, y_few)  # copies `model`
    scratch = PretrainedClassifier(model, from_scratch=True, **options).fit(x_few, y_few)
    matrix = confusion_matrix(data.y_test, tuned.predict(data.x_test))
    figure = plots.confusion(matrix, [str(c) for c in tuned.classes_], args.out / "confusion.png")
    found = {"accuracy": float(tuned.score(data.x_test, data.y_test)),
             "scratch_accuracy": float(scratch.score(data.x_test, data.y_test)),
             "test_mse": metrics.recon_errors(data.x_test,
                                              metrics.reconstruct(model, data.x_test))["mse"],
             "untrained_mse": untrained["mse"]}
    return finish(found, [figure], history)


if __name__ == "__main__":
    main()
