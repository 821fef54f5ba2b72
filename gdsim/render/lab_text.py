"""Presets for people: a short list (name, title, suggested settings) or one preset in full."""

from __future__ import annotations

from rich.table import Table

from gdsim.i18n import tr


def _point(values: dict) -> str:
    return ", ".join(f"{k}={v:.6g}" for k, v in values.items())


def render_presets(presets, detailed: bool = False) -> Table:
    if detailed:
        return _one_in_full(presets[0])
    # The name never wraps or gets cut: it is what the student types after --preset.
    table = Table(box=None, padding=(0, 2), header_style="bold", show_header=True,
                  caption=tr("Show one in full with: gdsim presets NAME; use it with --preset NAME."),
                  caption_justify="left")
    table.add_column(tr("name"), no_wrap=True)
    table.add_column(tr("title"))
    table.add_column(tr("suggested"), no_wrap=True)
    for p in presets:
        table.add_row(p.name, p.title, f"{p.optimizer}, lr={p.lr:g}")
    return table


def _one_in_full(p) -> Table:
    table = Table(box=None, padding=(0, 2), show_header=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row(tr("name"), p.name)
    table.add_row(tr("title"), p.title)
    table.add_row(tr("function"), p.expression)
    table.add_row(tr("start"), _point(p.start))
    table.add_row(tr("suggested"), f"{p.optimizer}, lr={p.lr:g}, max-steps={p.max_steps}, tol={p.tol:g}"
                  + (f", ftol={p.ftol:g}" if p.ftol else ""))
    table.add_row(tr("known minima"), "\n".join(f"({_point(m.point)}), f = {m.value:.6g}, {tr(m.kind)}" for m in p.minima))
    table.add_row(tr("plot window"), ", ".join(f"{k} ∈ [{lo:g}, {hi:g}]" for k, (lo, hi) in p.window.items()))
    table.add_row(tr("what it teaches"), p.teaches)
    return table
