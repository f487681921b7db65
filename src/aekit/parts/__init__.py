"""Model parts. Importing this package registers every part in `aekit.registry`."""

from aekit.parts import dense, latent, losses, noise, penalty

__all__ = ["dense", "latent", "losses", "noise", "penalty"]
