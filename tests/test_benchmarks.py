"""The speed suite's arithmetic: FLOPs from layer shapes, and the tables it prints."""

from __future__ import annotations

import numpy as np
import torch

import aekit
from benchmarks import suite, ucr_anomaly


def test_forward_flops_count_every_dense_layer() -> None:
    model = aekit.create_model("stacked", input_shape=(1, 28, 28), hidden=(300, 150))
    sample = torch.rand(8, 1, 28, 28)
    encode = 2 * (784 * 300 + 300 * 150)
    assert suite.forward_flops(model, sample, model.encode) == encode
    assert suite.forward_flops(model, sample) == 2 * encode  # the decoder mirrors it


def test_forward_flops_of_a_conv_encoder() -> None:
    model = aekit.create_model("conv", input_shape=(1, 28, 28), channels=(16, 8), hidden=(),
                               conv_mode="pool", kernel=3)
    # same-padded 3x3 convs: 28x28x16 outputs of 1x9 taps, then 14x14x8 outputs of 16x9 taps
    expected = 2 * (28 * 28 * 16 * 9 + 14 * 14 * 8 * 16 * 9)
    assert suite.forward_flops(model, torch.rand(4, 1, 28, 28), model.encode) == expected


def test_markdown_prints_the_training_and_inference_tables() -> None:
    row = {"model": "stacked-mnist", "variant": "fp32", "aekit_s": 1.0, "plain_s": 2.0,
           "ratio": 0.5, "test_mse": 0.034, "gflop_epoch": 200.0, "gflops": 100.0,
           "first_epoch_s": 1.1, "peak_rss_mb": 1000.0,
           "inference": {"train_per_s": 60_000.0, "encode_flops": 1e5, "train_flops": 6e5,
                         "encode_per_s": {"fp32": 600_000.0, "fp32+compile": 660_000.0,
                                          "bf16": 1_200_000.0, "bf16+compile": 1_500_000.0},
                         "test_mse": {"fp32": 0.034, "bf16": 0.0343}}}
    table = suite.markdown([row], peak=300.0)
    assert ("| stacked-mnist | fp32 | 1.000 | 2.000 | 0.50 | 0.03400 (+0.0%) | 200.0 | 33% "
            "| 1.10 | 1000 |") in table
    assert ("| stacked-mnist | fp32 | 60,000 | 6.0x | 600,000 | 10.0x | 11.0x | 20.0x | 25.0x "
            "| 20% | 0.03430 (+0.9%) |") in table


def test_ucr_top1_is_a_peak_within_100_points_of_the_labelled_run() -> None:
    scores = np.zeros(1000)
    scores[250] = 1.0
    assert ucr_anomaly.top1(scores, 300, 320) and ucr_anomaly.top1(scores, 100, 150)
    assert not ucr_anomaly.top1(scores, 351, 400) and not ucr_anomaly.top1(scores, 0, 149)
