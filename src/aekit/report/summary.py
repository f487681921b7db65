"""The few lines `aekit train` and `aekit demo` print when a run finishes."""

from __future__ import annotations

from typing import Any


def summary(result: Any) -> str:
    """A finished run (`aekit.Run`) as aligned `name  value` lines, PCA beside the model."""
    final = result.metrics["final"]
    cfg = result.model_config
    split = final["eval_split"]

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.5f}"

    sizes = "-".join(map(str, cfg.hidden)) or f"code {result.model.code_size}"
    rows = [
        ("model", f"{cfg.arch} {sizes} "
                  f"({cfg.activation}, "
                  f"{cfg.loss})" + (f", preset {result.preset}" if result.preset else "")),
        ("data", result.data_config.source),
        ("epochs", str(final["epochs"])),
        ("final train loss", fmt(final["train_loss"])),
        ("final val loss", fmt(final["val_loss"])),
        (f"{split} MSE", fmt(final["mse"])),
        (f"PCA-{final['code_size']} {split} MSE", fmt(final["pca_mse"])),
        ("training time", f"{final['seconds']:.1f} s"),
        *([("threads", f"{final['threads']['count']} ({final['threads']['why']})")]
          if final.get("threads") else []),
        ("run directory", str(result.path)),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
