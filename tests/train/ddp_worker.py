"""Run by torchrun from test_distributed.py: one rank of a small DDP training job.

Trains through the real pipeline (`fit_run`) and leaves, beside the run, what the test checks:
this rank's final weights (`rank{R}.safetensors`) and every path under the run directory this
rank created or renamed (`writes-rank{R}.json`), recorded with a Python audit hook.

usage: torchrun ... tests/train/ddp_worker.py OUT DUMP EPOCHS [RESUME]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from safetensors.torch import save_file

from aekit.config import DataConfig, ModelConfig, TrainConfig
from aekit.runs.fit import fit_run, resume_run
from aekit.train import distributed
from aekit.train.callbacks import Callback

SETTINGS = {
    "model": ModelConfig(arch="stacked", hidden=(32, 8), activation="elu", output="sigmoid"),
    "train": TrainConfig(lr=3e-3, batch_size=64, epochs=1, seed=3, val_split=0.1),
    "data": DataConfig(source="digits"),
}


class SaveWeights(Callback):
    """Each rank's own weights at the end of training (not the run's copy, written by rank 0)."""

    def __init__(self, path: Path):
        self.path = path

    def on_fit_end(self, *, trainer, **kwargs) -> None:
        state = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
        save_file(state, str(self.path))


def main() -> None:
    out, dump, epochs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    rank = distributed.world().rank
    writes: list[str] = []
    root = str(out.resolve())

    def audit(event: str, args: tuple) -> None:
        if event in ("open", "os.rename", "os.replace", "os.mkdir", "os.remove"):
            path = args[0] if event != "os.rename" and event != "os.replace" else args[1]
            text = os.path.abspath(os.fsdecode(path)) if isinstance(path, str | bytes) else ""
            writable = event != "open" or (args[1] not in (None, "r", "rb") and (
                not isinstance(args[2], int) or args[2] & (os.O_WRONLY | os.O_RDWR)))
            if text.startswith(root) and writable:
                writes.append(text)

    sys.addaudithook(audit)
    callbacks = [SaveWeights(dump / f"rank{rank}.safetensors")]
    if len(sys.argv) > 4:
        resume_run(out, epochs=epochs, callbacks=callbacks, device="cpu")
    else:
        settings = dict(SETTINGS, train=TrainConfig(**{**SETTINGS["train"].__dict__,
                                                      "epochs": epochs}))
        fit_run(settings["model"], settings["train"], settings["data"], out,
                callbacks=callbacks, device="cpu")
    (dump / f"writes-rank{rank}.json").write_text(json.dumps(writes))
    distributed.shutdown()


if __name__ == "__main__":
    main()
