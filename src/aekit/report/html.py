"""`report.html`: one self-contained page per run, readable on a phone and a laptop.

Everything is inlined (PNG figures as base64 data URIs, CSS in a <style> element, no script), so
the page can be mailed, archived or opened offline and never fetches anything. The page is built
from the run directory's files alone (config.json, metrics.json and every PNG in it), not from
the model, so figures that any command adds to the run appear in the next report by themselves.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from aekit.io import atomic_write
from aekit.runs.lock import MANIFEST, locked
from aekit.runs.run import read_config, read_metrics

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SKIPPED_DIRS = ("checkpoints", "tensorboard")
KNOWN_FIGURES = {  # stem -> caption, in the order shown; other PNGs follow, sorted by path
    "loss": "Training and validation loss per epoch",
    "reconstructions": "Originals (top) and their reconstructions",
    "features": "First-layer features: the weights of each unit as an image",
    "unit_0_top": "Inputs that excite unit 0 most",
    "map": "Codes in 2-D, coloured by label",
    "samples": "Generated samples",
    "anomaly": "Anomaly scores",
    "confusion": "Confusion matrix",
}
LONG_LIST = 8  # lists longer than this (per-feature scaling, weight shapes) are summarised

CSS = """
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6475; --line: #dde1e8; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 0 0 0.75rem; }
h3 { font-size: 1rem; margin: 1rem 0 0.4rem; color: var(--muted); }
.sub { color: var(--muted); margin: 0.25rem 0 1rem; overflow-wrap: anywhere; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px;
          padding: 1rem; margin: 0 0 1rem; }
figure { margin: 0 0 1.25rem; }
figure:last-child { margin-bottom: 0; }
img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 0.9rem; text-align: center; margin-top: 0.3rem; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid var(--line);
         vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { font-weight: 600; }
.kv th { width: 1%; white-space: nowrap; color: var(--muted); font-weight: 500; }
.kv td { overflow-wrap: anywhere; }
.grid { display: grid; gap: 0 1.5rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
summary { cursor: pointer; color: var(--muted); }
@media (max-width: 30rem) { main { padding: 0.5rem; } section { padding: 0.75rem; } }
"""


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the run's report (default `RUN/report.html`) atomically; returns its path."""
    run_dir = Path(run_dir)

    config = read_config(run_dir)
    page = render(run_dir, config, read_metrics(run_dir))
    if out is not None:
        return atomic_write(out, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    with locked(run_dir):
        return atomic_write(run_dir / "report.html",
                            lambda tmp: tmp.write_text(page, encoding="utf-8"))


def render(run_dir: Path, config: dict[str, Any], metrics: dict[str, Any]) -> str:
    """The page as a string; `config` and `metrics` are the run's parsed JSON files."""
    model, data = config.get("model", {}), config.get("data", {})
    title = f"aekit report: {run_dir.resolve().name}"
    subtitle = " · ".join(str(s) for s in (
        f"{model.get('arch', '?')} on {data.get('source', '?')}",
        f"preset {config['preset']}" if config.get("preset") else None,
        f"aekit {config.get('aekit_version', '?')}, torch {config.get('torch_version', '?')}",
    ) if s)
    final = metrics.get("final") or {}
    history = metrics.get("history") or []
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1><p class='sub'>{_e(subtitle)}</p>",
        _section("Final metrics", _kv_table(final) if final else
                 "<p>No metrics yet: training has not finished.</p>"),
        _figures(run_dir),
        _section("Configuration", _config_tables(config)),
    ]
    if history:
        parts.append(_section("History", "<details><summary>Per-epoch record "
                              f"({len(history)} epochs)</summary>{_history_table(history)}"
                              "</details>"))
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def figure_paths(run_dir: Path) -> list[Path]:
    """Every PNG in the run (but checkpoints, TensorBoard logs and any run moved inside it,
    whose figures are its own report's): known figures first."""
    found = [p for p in run_dir.rglob("*.png")
             if not any(part.startswith(".") for part in p.relative_to(run_dir).parts)
             and p.relative_to(run_dir).parts[0] not in SKIPPED_DIRS
             and not _in_nested_run(p, run_dir)]
    order = list(KNOWN_FIGURES)

    def key(path: Path) -> tuple[int, str]:
        rank = order.index(path.stem) if path.stem in KNOWN_FIGURES else len(order)
        return rank, str(path.relative_to(run_dir))

    return sorted(found, key=key)


def _in_nested_run(path: Path, run_dir: Path) -> bool:
    folder = path.parent
    while folder != run_dir:
        if (folder / MANIFEST).is_file():
            return True
        folder = folder.parent
    return False


def _figures(run_dir: Path) -> str:
    items = []
    for path in figure_paths(run_dir):
        data = path.read_bytes()
        if not data.startswith(PNG_MAGIC):
            continue  # a half-copied or misnamed file would show as a broken image
        caption = KNOWN_FIGURES.get(path.stem) or path.stem.replace("_", " ").replace(
            "-", " ").capitalize()
        source = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        rel = path.relative_to(run_dir).as_posix()
        items.append(f"<figure><img src='{source}' alt='{_e(caption)}'>"
                     f"<figcaption>{_e(caption)} ({_e(rel)})</figcaption></figure>")
    return _section("Figures", "\n".join(items) if items else "<p>No figures in this run.</p>")


def _config_tables(config: dict[str, Any]) -> str:
    blocks = []
    for section in ("model", "train", "data"):
        if isinstance(config.get(section), dict):
            blocks.append(f"<div><h3>{section}</h3>{_kv_table(config[section])}</div>")
    weights = config.get("weights") or {}
    about = {"format": config.get("format"), "preset": config.get("preset"),
             "aekit_version": config.get("aekit_version"),
             "torch_version": config.get("torch_version"),
             "weights_sha256": weights.get("sha256"),
             "weight_tensors": len(weights.get("shapes") or {}),
             **{k: v for k, v in config.items() if k not in _SHOWN_KEYS}}
    blocks.append(f"<div><h3>run</h3>{_kv_table(about)}</div>")
    return f"<div class='grid'>{''.join(blocks)}</div>"


_SHOWN_KEYS = {"format", "preset", "aekit_version", "torch_version", "weights", "model", "train",
               "data", "scaling"}


def _kv_table(values: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(_fmt(v))}</td></tr>" for k, v in values.items())
    return f"<div class='table'><table class='kv'>{rows}</table></div>"


def _history_table(history: list[dict[str, Any]]) -> str:
    columns = list(dict.fromkeys(k for record in history for k in record))
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td class='num'>{_e(_fmt(r.get(c)))}</td>"
                                    for c in columns) + "</tr>" for r in history)
    return f"<div class='table'><table><tr>{head}</tr>{body}</table></div>"


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.5g}"
    if isinstance(value, list | tuple):
        if len(value) > LONG_LIST:
            return f"[{len(value)} values]"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return f"{{{len(value)} entries}}" if len(value) > LONG_LIST else ", ".join(
            f"{k}: {_fmt(v)}" for k, v in value.items())
    return str(value)


def _section(heading: str, body: str) -> str:
    return f"<section><h2>{_e(heading)}</h2>{body}</section>"


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
