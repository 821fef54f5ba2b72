"""`gdsim sweep` for people: one row per value, what 2/λ_max says for gd, and steps against the value.

Reads the sweep document (gdsim.render.sweep_formats.document) and computes nothing it does not carry.
"""

from __future__ import annotations

from gdsim.engine.descend import MAX_HINT_DIMENSION
from gdsim.i18n import tr
from gdsim.render.console import color_wanted, make_console, number_text, say, terminal_width


def lines(doc: dict) -> list[str]:
    """The explanation under the table: the limit for gd, the tally and the best value."""
    parameter = doc["parameter"]
    out = []
    limit = doc["lr_limit"]
    if limit is not None:
        out.append(tr("largest stable learning rate at the start: 2/λ_max = {limit} (λ_max = {top}, the largest curvature there); below it each gd step lands closer to the valley floor, above it each step overshoots further (exactly so where f is quadratic)",
                      limit=f"{limit:.6g}", top=f"{2 / limit:.6g}"))
    elif doc["optimizer"]["name"] == "gd" and len(doc["variables"]) > MAX_HINT_DIMENSION:
        out.append(tr("2/λ_max is not computed for more than {n} variables (the Hessian would cost more than the runs)", n=MAX_HINT_DIMENSION))
    elif doc["optimizer"]["name"] == "gd":
        out.append(tr("f does not curve up in every direction at the start, so 2/λ_max sets no limit there"))
    runs = doc["runs"]
    count = {s: sum(r["status"] == s for r in runs) for s in ("converged", "max_steps", "diverged")}
    out.append(tr("{n} values: {c} converged, {m} stopped at --max-steps, {d} diverged",
                  n=len(runs), c=count["converged"], m=count["max_steps"], d=count["diverged"]))
    converged = [r for r in runs if r["status"] == "converged"]
    if converged:
        best = min(converged, key=lambda r: r["steps"])
        out.append(tr("fewest steps to flat ground: {steps}, with {parameter} = {value}",
                      parameter=parameter, value=f"{best[parameter]:.6g}", steps=best["steps"]))
    return out


def plot(doc: dict, width: int, color: bool) -> str:
    from gdsim.render import plots as P

    parameter = doc["parameter"]
    runs = doc["runs"]
    w, h = P.plot_size(width)
    return P.steps_against_value(
        [r[parameter] for r in runs], [r["steps"] for r in runs], [r["status"] for r in runs],
        width=w, height=h + 2, color=color, limit=doc["lr_limit"], log_x=doc["spacing"] == "log",
        title=tr("steps against {parameter}: too small, right, too large", parameter=parameter),
        xlabel=parameter, ylabel=tr("steps"),
        labels={"converged": tr("converged"), "max_steps": tr("stopped at --max-steps"),
                "diverged": tr("diverged (drawn at the top)")},
    )


def show(doc: dict, function, *, plot_wanted: bool = True) -> None:
    from rich.table import Table

    from gdsim.render.descend_text import intro_lines
    from gdsim.render.rows import text_width, wrap

    console = make_console()
    width = text_width()
    parameter = doc["parameter"]
    start = list(doc["start"].values()) if isinstance(doc["start"], dict) else doc["start"]
    intro = intro_lines(function, start, doc["start_source"], None, width)
    say(console, intro[0], "bold")
    for line in intro[1:]:
        say(console, line)
    fixed = ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in doc["optimizer"].items() if k != "name")
    values = doc["values"]
    name = doc["optimizer"]["name"] + (f" ({fixed})" if fixed else "")
    for line in wrap(tr("optimizer: {name}; {parameter} swept over {n} values from {a} to {b}, each run from the same start",
                        name=name, parameter=parameter, n=len(values), a=f"{values[0]:g}", b=f"{values[-1]:g}"), width):
        say(console, line)
    for line in wrap(tr("Each row is one descend: stop on flat ground (‖∇f‖ ≤ {tol}) or after {max_steps} updates.",
                        tol=f"{doc['tol']:g}", max_steps=doc["max_steps"]), width):
        say(console, line, "dim")
    table = Table(box=None, padding=(0, 2), header_style="bold")
    for col in (parameter, tr("status"), tr("steps"), tr("final f")):
        table.add_column(col, justify="left" if col == tr("status") else "right")
    for r in doc["runs"]:
        table.add_row(f"{r[parameter]:.6g}", r["status"], str(r["steps"]), number_text(_number(r["value"]), ".6g"))
    say(console, "")
    console.print(table)
    say(console, "")
    for line in lines(doc):  # explanations break between words at the terminal's width
        for part in wrap(line, width):
            say(console, part)
    if plot_wanted:
        say(console, "")
        block = plot(doc, terminal_width(), color_wanted())
        if color_wanted():
            from rich.text import Text

            console.print(Text.from_ansi(block), soft_wrap=True)
        else:
            say(console, block)


def save_plot(doc: dict, path: str) -> None:
    from gdsim.render.plot_file import write_plot_file

    write_plot_file(path, [plot(doc, 100, False)])


def _number(x):
    return float("nan") if x is None else x
