"""Model parts. Importing this package registers every part in `aekit.registry`."""

from aekit.parts import (
    adversarial,
    conv,
    dense,
    ladder,
    latent,
    losses,
    noise,
    penalty,
    recurrent,
    trimmed,
)

__all__ = ["adversarial", "conv", "dense", "ladder", "latent", "losses", "noise", "penalty",
           "recurrent", "trimmed"]
