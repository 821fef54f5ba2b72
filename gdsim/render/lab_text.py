"""Presets and labs for people: the presets list or one in full; a lab's page and its answer-file template."""

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
        table.add_row(p.name, p.text("title"), f"{p.optimizer}, lr={p.lr:g}")
    return table


def _one_in_full(p) -> Table:
    table = Table(box=None, padding=(0, 2), show_header=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row(tr("name"), p.name)
    table.add_row(tr("title"), p.text("title"))
    table.add_row(tr("function"), p.expression)
    table.add_row(tr("start"), _point(p.start))
    table.add_row(tr("suggested"), f"{p.optimizer}, lr={p.lr:g}, max-steps={p.max_steps}, tol={p.tol:g}"
                  + (f", ftol={p.ftol:g}" if p.ftol else ""))
    table.add_row(tr("known minima"), "\n".join(f"({_point(m.point)}), f = {m.value:.6g}, {tr(m.kind)}" for m in p.minima))
    table.add_row(tr("plot window"), ", ".join(f"{k} ∈ [{lo:g}, {hi:g}]" for k, (lo, hi) in p.window.items()))
    table.add_row(tr("what it teaches"), p.text("teaches"))
    return table


# --- labs -------------------------------------------------------------------------------------


def _key_lines(keys, indent: str = "  ") -> list[str]:
    width = min(24, max((len(k) for k, _ in keys), default=0))
    return [f"{indent}{k.ljust(width)}  {about}" for k, about in keys]


def render_lab(lab, asked: str, answers: bool = False) -> str:
    """The student's page: task, commands and the answer file's keys; `answers` adds the key."""
    from rich.cells import cell_len  # a Korean title is twice as wide as its length

    title = lab.text("title")
    lines = [title, "=" * cell_len(title), "", lab.text("task").rstrip(), "", tr("Commands:")]
    lines += [f"  {c}" for c in lab.commands]
    keys = lab.text("keys")
    if keys:
        lines += ["", tr("The answer file: one `key = value` line per answer (gdsim lab template {name} prints one to fill in):",
                         name=asked)]
        lines += _key_lines(keys)
    if answers:
        lines += ["", tr("How it is checked (the answer key):"), "  " + lab.text("answer").strip().replace("\n", "\n  ")]
    return "\n".join(lines)


def render_template(lab) -> str:
    """An answer file to fill in: a comment with what to write above each `key = ` line."""
    from gdsim.errors import OptionError

    keys = lab.text("keys")
    if not keys:
        raise OptionError(tr("the lab {name} lists no answer keys (a [keys] table in its file)", name=repr(lab.name)))
    lines = [f"# {lab.text('title')}",
             "# " + tr("One `key = value` line per answer; lines starting with # are ignored."),
             ""]
    for key, about in keys:
        lines += [f"# {about}", f"{key} =", ""]
    return "\n".join(lines).rstrip() + "\n"
