"""Presets for people: one table row per classic function, or one preset in full."""

from __future__ import annotations

from rich.table import Table

from gdsim.i18n import tr


def render_presets(presets, detailed: bool = False) -> Table:
    table = Table(box=None, padding=(0, 2), header_style="bold", show_header=True)
    table.add_column(tr("name"))
    table.add_column(tr("function"))
    table.add_column(tr("start"))
    table.add_column(tr("suggested"))
    table.add_column(tr("known minima"))
    if detailed:
        table.add_column(tr("what it teaches"))
    for p in presets:
        start = ", ".join(f"{k}={v:g}" for k, v in p.start.items())
        minima = "; ".join("(" + ", ".join(f"{v:.6g}" for v in m.point.values()) + ")" for m in p.minima)
        row = [p.name, p.expression, start, f"{p.optimizer}, lr={p.lr:g}", minima]
        if detailed:
            row.append(p.teaches)
        table.add_row(*row)
    return table
