"""Several autoencoders of one architecture trained side by side as one module.

Small tabular autoencoders spend their training time in per-step overhead, not arithmetic: an
ensemble of five trained one after the other takes five times the steps of one. `Members`
stacks their parameters (`torch.func.stack_module_state`) and runs every member on the same
batch in one vmapped call. The loss it returns is the sum of the members' losses, so each
member's gradient is exactly its own and Adam, which works element by element, updates each
as if it trained alone on the same batches. The one Trainer fits it like any model; `unstack`
writes the trained weights back into the members.
"""

from __future__ import annotations

from types import SimpleNamespace

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap


class Members(nn.Module):
    """`models` (same architecture, own initialisations) as one trainable module. Buffers are
    stacked too, but a layer that updates its own in training (batch norm) is not supported."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        params, buffers = stack_module_state(models)
        self._names = list(params)
        self.stacked = nn.ParameterList(nn.Parameter(params[name]) for name in self._names)
        self._buffer_names = list(buffers)
        for index, name in enumerate(self._buffer_names):  # registered: they move with .to()
            self.register_buffer(f"stacked_buffer_{index}", buffers[name])
        self._models = models  # a plain list: their own parameters stay out of this module's

    def forward(self, x: torch.Tensor) -> SimpleNamespace:
        template = self._models[0]
        if template.training != self.training:
            template.train(self.training)

        def loss(params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor],
                 xb: torch.Tensor) -> torch.Tensor:
            return functional_call(template, (params, buffers), (xb,)).loss

        params = dict(zip(self._names, self.stacked, strict=True))
        buffers = {name: getattr(self, f"stacked_buffer_{index}")
                   for index, name in enumerate(self._buffer_names)}
        losses = vmap(loss, in_dims=(0, 0, None), randomness="different")(params, buffers, x)
        return SimpleNamespace(loss=losses.sum())

    @torch.no_grad()
    def unstack(self) -> list[nn.Module]:
        """The members, each holding its trained weights."""
        for index, model in enumerate(self._models):
            own = dict(model.named_parameters())
            for name, stacked in zip(self._names, self.stacked, strict=True):
                own[name].copy_(stacked[index])
            own = dict(model.named_buffers())
            for position, name in enumerate(self._buffer_names):
                own[name].copy_(getattr(self, f"stacked_buffer_{position}")[index])
        return self._models
