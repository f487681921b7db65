"""Model parts. Importing this package registers every part in `aekit.registry`."""

from aekit.parts import conv, dense, latent, losses, noise, penalty, recurrent

__all__ = ["conv", "dense", "latent", "losses", "noise", "penalty", "recurrent"]
