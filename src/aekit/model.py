"""One Autoencoder for every variant: encoder -> latent -> decoder, loss from parts.

The model owns its loss (as nanoGPT's forward does), so the Trainer is the same loop for every
variant and `forward` alone tells what a variant optimises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch
from torch import nn

import aekit.parts  # noqa: F401  (registers every part)
from aekit.config import ModelConfig, from_dict, replace
from aekit.errors import AekitError
from aekit.parts.adversarial import build_adversary
from aekit.parts.blocks import activation, latent_name
from aekit.parts.calibration import calibrate_codes, foldable
from aekit.parts.latent import build_latent
from aekit.parts.linear_path import fill_padding
from aekit.parts.losses import ON_LOGITS
from aekit.parts.noise import build_noise
from aekit.parts.penalty import build_penalties
from aekit.registry import lookup


class AEOutput:
    """What one forward pass gives: total loss, reconstruction, code, and each loss term.

    The reconstruction (the output activation of `logits`) is made on first use: a loss read
    from the logits (BCE) never needs it in training, which saved ~3% of keras-simple's epoch.
    """

    __slots__ = ("_activate", "_recon", "code", "logits", "loss", "terms")

    def __init__(self, loss: torch.Tensor, code: torch.Tensor, terms: dict[str, torch.Tensor],
                 logits: torch.Tensor, activate: Callable[[torch.Tensor], torch.Tensor],
                 recon: torch.Tensor | None = None):
        self.loss, self.code, self.terms, self.logits = loss, code, terms, logits
        self._activate, self._recon = activate, recon

    @property
    def recon(self) -> torch.Tensor:
        if self._recon is None:
            self._recon = self._activate(self.logits)
        return self._recon


class Autoencoder(nn.Module):
    """An autoencoder assembled from registered parts named in a `ModelConfig`."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        build = lookup("arch", config.arch, "--model")
        self.encoder, self.decoder = build(config)
        self.variational = latent_name(config).startswith("gaussian")
        self.iw_train = config.part_options("latent").iw_train if self.variational else 1
        if self.variational and config.hidden:  # the last layer emits mean and log-variance
            head = replace(config, hidden=[*config.hidden[:-1], 2 * config.hidden[-1]],
                           code_activation="none")
            self.encoder = build(head)[0]
        # padded steps of unequal-length series (NaN) reach every encoder as 0, whichever
        # path calls it; a hook, so that the weights' names stay those of saved runs
        self.encoder.register_forward_pre_hook(_padding_as_zero)
        self.code_size = _code_size(self.encoder, config)
        self.adversary = build_adversary(config, self.code_size)
        self.corrupt = build_noise(config.noise)
        self.latent = build_latent(config, self.code_size)
        self.output_activation = activation(_output_name(config.output))
        self._loss = lookup("loss", config.loss, "--loss")
        self._penalties = build_penalties(config)
        # penalties whose gradient an optimizer can apply as weight decay (train/speed.py);
        # True while one does, and then only the penalty's value is computed
        self.folded_penalties = dict.fromkeys(set(self._penalties) & {"l2"}, False)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes for inputs shaped (N, *input_shape)."""
        code, _ = self.latent(self.encoder(x))
        return code

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """Reconstructions (after the output activation) for codes shaped (N, code_size)."""
        return self.output_activation(self.decoder(code))

    def log_likelihood(self, code: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """A generative model's log p(x | z) per row of `code`, in nats."""
        logits = self.decoder(code)
        return -lookup("nll", self.config.loss)(logits, self.output_activation(logits), x)

    def forward(self, x: torch.Tensor) -> AEOutput:
        """Loss against the clean `x`; the encoder sees `x` corrupted in training mode only."""
        h = self.encoder(self.corrupt(x))
        code, terms = self.latent(h)
        logits = self.decoder(code)
        recon = None if self.config.loss in ON_LOGITS else self.output_activation(logits)
        if self.training and self.iw_train > 1:  # the IWAE bound replaces recon + KL
            terms = {"iw_bound": self.latent.iw_bound(h, x, self.log_likelihood)}
        else:
            recon_term = (self._expected_nll(h, logits, recon, x) if self.variational
                          else self._loss(logits, recon, x))
            terms = {"recon": recon_term, **terms}
        if self.adversary is not None and self.training:
            terms["prior"] = self.adversary.prior_term(code)
        for name, penalty in self._penalties.items():
            with torch.set_grad_enabled(torch.is_grad_enabled()
                                        and not self.folded_penalties.get(name, False)):
                terms[name] = penalty(self, x, code)
        first, *rest = terms.values()  # not sum(): 0 + term is one more op and node per step
        loss = sum(rest, first)
        return AEOutput(loss, code, terms, logits, self.output_activation, recon)

    def _expected_nll(self, h: torch.Tensor, logits: torch.Tensor, recon: torch.Tensor | None,
                      x: torch.Tensor) -> torch.Tensor:
        """The -ELBO's reconstruction term, E_q[-log p(x | z)] by one drawn code: the training
        code is one already; in eval mode the mean code's output is kept for reconstructions
        and a draw is decoded for the loss."""
        if not self.training:
            logits = self.decoder(self.latent.draw(h))
            recon = None if self.config.loss in ON_LOGITS else self.output_activation(logits)
        return lookup("nll", self.config.loss)(logits, recon, x).mean()

    @property
    def can_generate(self) -> bool:
        """Whether codes have a prior to sample from (a VAE's Gaussian, an AAE's prior)."""
        return self.variational or self.adversary is not None

    def sample_codes(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n codes from the prior, on the model's device."""
        if not self.can_generate:
            raise AekitError(f"generate: a {self.config.arch} autoencoder has no prior to sample "
                             f"codes from; models that can generate: {GENERATIVE}; a denoising "
                             "run samples with --chain STEPS")
        if self.adversary is not None:
            codes = self.adversary.sample_prior(n, generator)
        else:
            codes = self.latent.sample_prior(n, self.code_size, generator)
        return codes.to(next(self.parameters()).device)

    def extra_optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """Optimizers the Trainer keeps (and checkpoints) for `extra_step`; none for most."""
        return {} if self.adversary is None else self.adversary.optimizers(self, lr)

    def extra_parameters(self) -> list[nn.Parameter]:
        """Parameters only `extra_step` trains (the discriminator); under DDP it averages their
        gradients itself."""
        return [] if self.adversary is None else list(self.adversary.parameters())

    def extra_step(self, x: torch.Tensor, optimizers: dict[str, torch.optim.Optimizer]
                   ) -> dict[str, float]:
        """After the Trainer's reconstruction step: the AAE's regularisation phase."""
        return self.adversary.step(self, x, optimizers) if self.adversary is not None else {}

    def finish_fit(self, batches: Iterable[torch.Tensor]) -> None:
        """After training on `batches`: an adversarial code's moment calibration."""
        if (self.adversary is not None and self.config.part_options("prior").code_calibration
                and foldable(self)):
            calibrate_codes(self, batches)

    def weight_matrices(self) -> Iterator[nn.Parameter]:
        """Parameters that are weight matrices or kernels (what L2 penalises), each once."""
        return (p for name, p in self.named_parameters()
                if p.dim() >= 2 and not name.startswith("adversary."))


GENERATIVE = ("--model vae (or --latent gaussian on any architecture), --model aae "
              "(or --prior gaussian|mixture)")


def _padding_as_zero(module: nn.Module, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    return (fill_padding(inputs[0]), *inputs[1:])


@torch.no_grad()
def _code_size(encoder: nn.Module, config: ModelConfig) -> int:
    """The code width: the last dense size, else (a conv model's flattened last feature map)
    what the built encoder makes of one probe sample."""
    if config.hidden:
        return config.hidden[-1]
    return int(encoder(torch.zeros(1, *config.input_shape)).shape[1])


def _output_name(output: str) -> str:
    if output not in ("sigmoid", "tanh", "none"):
        raise AekitError(f"--output: expected sigmoid, tanh or none, got {output!r}")
    return output


def create_model(name: str, **options: Any) -> Autoencoder:
    """A registered architecture: `create_model("stacked", input_shape=784, hidden=(64,))`."""
    if isinstance(options.get("input_shape"), int):
        options["input_shape"] = (options["input_shape"],)
    return Autoencoder(from_dict(ModelConfig, {"arch": name, **options}, "model"))
