"""pythae's VAE (the `bench` extra) trained on the very networks of an aekit VAE, for a
side-by-side column in `benchmarks/vae_nll.py`.

The aekit model's encoder (with its mean and log-variance head) and decoder are handed to
pythae as its custom encoder and decoder, pythae's `VAE` and `BaseTrainer` train them with
pythae's own loss and loop, and the trained weights stay in the aekit model. So both columns
have the same architecture and initialisation, and one likelihood estimator scores both.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

import aekit


def available() -> bool:
    try:
        import pythae  # noqa: F401
    except ImportError:
        return False
    return True


def train(model: aekit.Autoencoder, x: np.ndarray, epochs: int, batch_size: int, lr: float
          ) -> float:
    """Train `model`'s networks as pythae's VAE on the rows `x` (N, 1, 28, 28) in [0, 1];
    returns the training seconds. pythae's trainer takes a fixed array, so it sees the grey
    levels as Bernoulli means (BCE on soft targets), as its MNIST examples do."""
    from pythae.data.datasets import BaseDataset
    from pythae.models import VAE, VAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder
    from pythae.trainers import BaseTrainer, BaseTrainerConfig

    class Encoder(BaseEncoder):
        def __init__(self, encoder: nn.Module, latent: nn.Module):
            super().__init__()
            self.encoder, self.latent = encoder, latent

        def forward(self, x: torch.Tensor) -> ModelOutput:
            mean, logvar = self.latent.posterior(self.encoder(x))
            return ModelOutput(embedding=mean, log_covariance=logvar)

    class Decoder(BaseDecoder):
        def __init__(self, decoder: nn.Module):
            super().__init__()
            self.decoder = decoder

        def forward(self, z: torch.Tensor) -> ModelOutput:
            return ModelOutput(reconstruction=torch.sigmoid(self.decoder(z)))

    config = VAEConfig(input_dim=tuple(x.shape[1:]), latent_dim=model.code_size,
                       reconstruction_loss="bce")
    vae = VAE(config, encoder=Encoder(model.encoder, model.latent),
              decoder=Decoder(model.decoder))
    with tempfile.TemporaryDirectory() as out:
        data = torch.as_tensor(x, dtype=torch.float32)
        trainer = BaseTrainer(vae, train_dataset=BaseDataset(data, torch.zeros(len(data))),
                              training_config=BaseTrainerConfig(
                                  output_dir=out, num_epochs=epochs, learning_rate=lr,
                                  per_device_train_batch_size=batch_size, no_cuda=True))
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
    model.eval()
    return seconds


def train_alongside(model: aekit.Autoencoder, x: np.ndarray, epochs: int, batch_size: int,
                    lr: float) -> Callable[[], float]:
    """Start `train` on a second thread and return a function that waits for it and gives its
    seconds. Both columns then train at once on a 2-core CPU, each on its own core (torch
    releases the GIL inside its kernels), so a 400-epoch side-by-side run takes the longer
    column's time, not the sum. They share torch's global random generator, so such a run is
    not bit-reproducible; each column's time is measured under the same load."""
    result: dict[str, float | BaseException] = {}

    def run() -> None:
        try:
            result["seconds"] = train(model, x, epochs, batch_size, lr)
        except BaseException as error:  # re-raised on the caller's thread by wait()
            result["error"] = error

    worker = threading.Thread(target=run, name="pythae-column")
    worker.start()

    def wait() -> float:
        worker.join()
        if "error" in result:
            raise result["error"]
        return result["seconds"]

    return wait
