"""Every figure aekit draws, one function per kind of picture: loss and accuracy curves,
originals above reconstructions, noisy / cleaned / original rows, image grids (tiled by
`data.images.tile`), code maps, score histograms and series plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.images import tile
from aekit.io import atomic_write


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path) -> Path:
    plt = _pyplot()
    out = atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110,
                                                     bbox_inches="tight"))
    plt.close(fig)
    return out


def loss_curves(history: list[dict[str, Any]], path: str | Path, title: str = "") -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = [r["epoch"] for r in history]
    marker = "o" if len(history) <= 40 else None  # markers only where they can be told apart
    ax.plot(epochs, [r["train_loss"] for r in history], marker=marker, label="train")
    if any(r["val_loss"] is not None for r in history):
        ax.plot(epochs, [r["val_loss"] for r in history], marker=marker, label="validation")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title or "loss per epoch")
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def accuracy_curve(history: list[dict[str, Any]], keys: list[str], path: str | Path,
                   title: str = "") -> Path:
    """Accuracy per epoch, one line per recorded key: how a classifier trained."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = [r["epoch"] for r in history]
    for key in keys:
        ax.plot(epochs, [r[key] for r in history], marker="o" if len(history) <= 40 else None,
                label=key.replace("_", " "))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_title(title or "accuracy per epoch", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def image_rows(rows: list[np.ndarray], labels: list[str], path: str | Path,
               title: str = "") -> Path:
    """One row of images per array (each (n, C, H, W) in [0, 1]), labelled on the left."""
    plt = _pyplot()
    rows = [_drawable(r) for r in rows]
    n = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), n, figsize=(1.1 * n, 1.2 * len(rows)), squeeze=False)
    for r, (images, label) in enumerate(zip(rows, labels, strict=True)):
        for c in range(n):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if c < len(images):
                ax.imshow(_to_hwc(images[c]), cmap="Greys" if images.shape[1] == 1 else None,
                          vmin=0, vmax=1, interpolation="nearest")
        axes[r][0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


SHOWN = 10
"""Samples drawn in a reconstruction or denoising figure."""


def reconstructions(originals: np.ndarray, rebuilt: np.ndarray, path: str | Path,
                    title: str = "") -> Path:
    """The first SHOWN images (n, C, H, W) in [0, 1] above their reconstructions."""
    return image_rows([originals[:SHOWN], rebuilt[:SHOWN]], ["original", "reconstruction"],
                      path, title)


def denoised(noisy: np.ndarray, cleaned: np.ndarray, originals: np.ndarray, path: str | Path,
             title: str = "") -> Path:
    """The first SHOWN corrupted images (n, C, H, W) in [0, 1], above the model's cleaned
    versions, above the originals."""
    return image_rows([noisy[:SHOWN], cleaned[:SHOWN], originals[:SHOWN]],
                      ["noisy", "cleaned", "original"], path, title)


def _drawable(images: np.ndarray) -> np.ndarray:
    """(n, C, H, W) images as grey, RGB or RGBA: other channel counts (a 5-band image) are
    drawn as the mean of their channels, which every band's structure shows through."""
    if images.ndim == 4 and images.shape[1] not in (1, 3, 4):
        return images.mean(axis=1, keepdims=True)
    return images


def _to_hwc(image: np.ndarray) -> np.ndarray:
    """(C, H, W) -> (H, W) for one channel, (H, W, C) otherwise; clipped to [0, 1]."""
    image = np.clip(image, 0, 1)
    return image[0] if image.shape[0] == 1 else np.moveaxis(image, 0, -1)


def confusion(matrix: np.ndarray, labels: list[str], path: str | Path) -> Path:
    """Confusion matrix: rows true class, columns predicted, counts in the cells."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(0.5 * len(labels) + 2, 0.5 * len(labels) + 1.6))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                color="white" if count > matrix.max() / 2 else "black")
    ax.set_title(f"accuracy {np.trace(matrix) / max(matrix.sum(), 1):.3f}")
    return _save(fig, path)


def to_2d(codes: np.ndarray, method: str = "pca") -> tuple[np.ndarray, str]:
    """Codes as 2-D points: 2-D codes as they are (seed 003), else PCA or t-SNE (named)."""
    if codes.shape[1] == 2:
        return codes, ""
    if codes.shape[1] == 1:
        return np.column_stack([codes[:, 0], np.zeros(len(codes))]), ""
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = min(30.0, max(2.0, (len(codes) - 1) / 3))
        return TSNE(2, perplexity=perplexity, init="pca", random_state=0).fit_transform(
            codes), "t-SNE"
    from sklearn.decomposition import PCA

    return PCA(2, random_state=0).fit_transform(codes), "PCA"


def code_map(points: np.ndarray, labels: np.ndarray, path: str | Path, title: str = "") -> Path:
    """Scatter of 2-D codes, one colour per label with a legend (a colour bar past 20 labels)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    classes = np.unique(labels)
    if len(classes) <= 20:
        cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
        for i, c in enumerate(classes):
            chosen = labels == c
            label = str(int(c)) if float(c).is_integer() else str(c)
            ax.scatter(points[chosen, 0], points[chosen, 1], s=6, alpha=0.7, color=cmap(i),
                       label=label, linewidths=0)
        ax.legend(title="label", markerscale=3, fontsize=8, loc="best")
    else:
        scatter = ax.scatter(points[:, 0], points[:, 1], c=labels, s=6, cmap="viridis")
        fig.colorbar(scatter, ax=ax, label="label")
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def score_histogram(scores: np.ndarray, labels: np.ndarray, threshold: float, path: str | Path,
                    title: str = "") -> Path:
    """Anomaly scores of normal (0) and anomalous (1) samples, with the threshold."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    bins = np.histogram_bin_edges(scores, bins=60)
    for value, name, colour in ((0, "normal", "tab:blue"), (1, "anomaly", "tab:red")):
        chosen = scores[labels == value]
        if len(chosen) == 0:  # a class with no sample has no density to draw
            continue
        ax.hist(chosen, bins=bins, alpha=0.55, color=colour, density=True,
                label=f"{name} ({len(chosen)})")
    ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.4g}")
    ax.set_xlabel("anomaly score")
    ax.set_ylabel("density")
    ax.set_title(title or "anomaly scores by class")
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def series_scores(series: np.ndarray, scores: np.ndarray, flags: np.ndarray,
                  labels: np.ndarray | None, threshold: float, path: str | Path,
                  title: str = "", *, times: list[str] | None = None,
                  channels: list[str] | None = None) -> Path:
    """A long series above its point scores, against its time column; flagged points shaded
    red, labelled anomalies marked along the top, so misses and false alarms show at a glance.
    Several channels are each standardised (so one on a large scale does not flatten the rest)
    and named in the legend."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 5.5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    steps, x_label = _time_axis(times, len(series))
    values = series.reshape(len(series), -1)
    if len(values) > PLOTTED_POINTS:  # a figure is ~1,000 pixels wide: keep each bin's peaks
        bins = -(-len(values) // (PLOTTED_POINTS // 2))
        steps = np.repeat(steps[::bins], 2)
        values = np.stack([_peaks(values, bins, np.minimum), _peaks(values, bins, np.maximum)],
                          axis=1).reshape(-1, values.shape[1])
        scores, flags = (np.repeat(_peaks(a[:, None], bins, np.maximum)[:, 0], 2)
                         for a in (scores, flags))
        labels = None if labels is None else np.repeat(
            _peaks(labels[:, None], bins, np.maximum)[:, 0], 2)
    several = values.shape[1] > 1
    if several:
        values = (values - values.mean(0)) / np.where(values.std(0) > 0, values.std(0), 1)
    names = channels if channels and len(channels) == values.shape[1] else [
        f"channel {i}" for i in range(values.shape[1])]
    for column, name in zip(values.T, names, strict=True):
        top.plot(steps, column, linewidth=0.6, label=name)
    for ax in (top, bottom):
        ax.fill_between(steps, 0, 1, where=flags.astype(bool), color="tab:red", alpha=0.2,
                        transform=ax.get_xaxis_transform(), linewidth=0, label="flagged")
    if labels is not None:
        top.fill_between(steps, 0.94, 1, where=labels.astype(bool), color="black",
                         transform=top.get_xaxis_transform(), linewidth=0, label="labelled")
    top.set_ylabel("value (standardised)" if several else "value")
    top.legend(loc="upper left", fontsize=8)
    top.set_title(title or "series, flagged points and labelled anomalies")
    bottom.plot(steps, scores, color="tab:purple", linewidth=0.8)
    bottom.axhline(threshold, color="black", linestyle="--", linewidth=0.8,
                   label=f"threshold {threshold:.4g}")
    bottom.set_ylabel("point score")
    bottom.set_xlabel(x_label)
    bottom.legend(loc="upper left", fontsize=8)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    return _save(fig, path)


PLOTTED_POINTS = 20_000
"""Points of a long series drawn at most: its lowest and highest value, score and flag per bin
of steps, so a spike or a flagged point stays visible."""


def _peaks(values: np.ndarray, bins: int, reduce: np.ufunc) -> np.ndarray:
    """(N, C) values reduced over consecutive runs of `bins` rows (the last run shorter)."""
    return reduce.reduceat(values, np.arange(0, len(values), bins), axis=0)


def _time_axis(times: list[str] | None, n: int) -> tuple[np.ndarray, str]:
    """The x values of a series' points: its time stamps as dates or numbers when they parse,
    else step numbers."""
    if times is not None and len(times) == n:
        for dtype in ("float64", "datetime64[s]"):
            try:
                return np.array(times, dtype=dtype), "time"
            except ValueError:
                continue
    return np.arange(n), "step"


def projection(points: np.ndarray, path: str | Path, title: str = "") -> Path:
    """Unlabelled 2-D codes as blue dots, as seed 000 draws its linear AE's projection."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(points[:, 0], points[:, 1], "b.")
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$", rotation=0)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def series_pairs(series: np.ndarray, recon: np.ndarray, path: str | Path, title: str = "") -> Path:
    """Each univariate series with its reconstruction drawn over it, one panel per series."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(series), figsize=(3 * len(series), 2.6), squeeze=False)
    for ax, original, rebuilt in zip(axes[0], series, recon, strict=True):
        ax.plot(original.reshape(-1), label="original")
        ax.plot(rebuilt.reshape(-1), label="reconstruction", linestyle="--")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    return _save(fig, path)


def image_grid(images: np.ndarray, n_cols: int, path: str | Path, title: str = "",
               pad: int = 2) -> Path:
    """Images (n, C, H, W) in [0, 1] tiled into one picture, `n_cols` per row, white gaps."""
    plt = _pyplot()
    canvas = tile(_drawable(images), n_cols, gap=pad, margin=pad)
    n_rows = -(-len(images) // n_cols)
    fig, ax = plt.subplots(figsize=(max(3.0, 0.45 * n_cols), max(3.0, 0.45 * n_rows)))
    grey = len(canvas) == 1
    ax.imshow(canvas[0] if grey else np.moveaxis(canvas, 0, -1),
              cmap="Greys" if grey else None, vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)
