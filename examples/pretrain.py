"""Seed 000: few-label classification on a pretrained encoder (100 labels).

Preset `pretrain-mnist`: Encoder for few-label pretraining: 784-300-150 relu, masking noise 0.7
(input dropout), sigmoid output, BCE, Adam 0.001, batch 150, 10 epochs. Heavy masking makes the
codes far more linearly separable than plain MSE codes (benchmarks/pretrain_mnist.py).
Run: python examples/pretrain.py --data-dir ../shared/data [--quick] [--out DIR]
"""

from aekit import gallery

if __name__ == "__main__":
    gallery.run_example("pretrain", __doc__)
