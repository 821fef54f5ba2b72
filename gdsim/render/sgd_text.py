"""`gdsim sgd` for people: the data and model, a row per recorded step, the summary, and the plots."""

from __future__ import annotations

import math

import numpy as np

from gdsim.i18n import tr
from gdsim.render.console import color_wanted, make_console, number_text, terminal_width
from gdsim.render.descend_text import rjust


def _num(x, width: int = 12) -> str:
    if x is None:
        return "".rjust(width)
    x = float(x)
    return (f"{x:.6g}" if math.isfinite(x) else "undefined").rjust(width)


class Rows:
    """Streams one line per recorded step: epoch, batch, step, batch loss, full-data loss, parameters."""

    def __init__(self, console, names, delay: float):
        self.console = console
        self.names = names
        self.delay = delay
        self.few = len(names) <= 4
        cols = [rjust(tr("epoch"), 6), rjust(tr("batch"), 6), rjust(tr("step"), 7), rjust(tr("batch loss"), 12), rjust(tr("full loss"), 12)]
        if self.few:
            cols += [n.rjust(12) for n in names]
        else:
            cols += ["‖θ‖".rjust(12)] + [n.rjust(12) for n in names[:3]] + ["…"]
        self._say("  ".join(cols), "bold")

    def _say(self, line, style=None):
        self.console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)

    def show(self, rec):
        cells = [str(rec.epoch).rjust(6), str(rec.batch).rjust(6), str(rec.step).rjust(7), _num(rec.batch_loss), _num(rec.loss)]
        if self.few:
            cells += [_num(p) for p in rec.params]
        else:
            cells += [_num(float(np.linalg.norm(rec.params)))] + [_num(p) for p in rec.params[:3]] + ["…"]
        self._say("  ".join(cells))
        if self.delay > 0:
            import time

            time.sleep(self.delay)


def intro(console, dataset, model, opts, optimizer, truth, sizes, scaling=None, optimizers=()):
    say = lambda line, style=None: console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
    cols = ", ".join(dataset.names)
    say(tr("data: {source} — {n} rows, columns {cols}", source=dataset.source, n=dataset.samples, cols=cols), "bold")
    if opts.model.strip() == "linear":
        feats = [n for n in dataset.names if n != opts.target]
        shown = " + ".join(f"w_{c}·{c}" for c in feats[:3]) + (" + …" if len(feats) > 3 else "")
        say(tr("model: ŷ = {m} + b", m=shown))
    else:
        say(tr("model: ŷ = {m}", m=opts.model))
    say(tr("parameters to find: {p}", p=", ".join(model.params[:8]) + (" …" if len(model.params) > 8 else "")))
    loss = "L(θ) = Σᵢ (ŷᵢ − yᵢ)²" if opts.loss == "sse" else "L(θ) = (1/B) Σᵢ (ŷᵢ − yᵢ)²"
    say(tr("loss on each minibatch of B rows: {l}", l=loss))
    if scaling:
        say(tr("features standardized (mean 0, standard deviation 1): {cols}",
               cols=", ".join(f"{c} = ({c} - {s['mean']:.4g}) / {s['std']:.4g}" for c, s in scaling.items())))
    params = ", ".join(f"{k}={v:g}" for k, v in optimizer.hyper.items())
    if len(optimizers) > 1:
        params = "; ".join(f"{o.name} lr={o.hyper.get('lr'):g}" for o in optimizers)
    order = tr("shuffled every epoch (seed {s})", s=opts.seed) if opts.shuffle else tr("in file order")
    say(tr("optimizer: {name} ({params}); batch size {b}; {e} epochs; rows {order}",
           name=optimizer.name, params=params, b=",".join(map(str, sizes)), e=opts.epochs, order=order))
    say(tr("Each step: take the next minibatch, feel the slope of its loss, step downhill."), "dim")


def summary(console, names, results, sizes, truth, comparison, labels=None):
    say = lambda line, style=None: console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
    words = {
        "completed": tr("Finished every epoch."),
        "diverged": tr("Diverged: the loss grew instead of settling."),
        "interrupted": tr("Interrupted: the summary of the steps so far."),
    }
    say("")
    if comparison:
        from rich.table import Table

        # runs of several optimizers or rates are named by label; a batch-size comparison by its size
        title = tr("Runs compared from the same start") if labels else tr("Batch sizes compared from the same start")
        table = Table(title=title, box=None, padding=(0, 2), header_style="bold")
        for col in (tr("run") if labels else tr("batch size"), tr("status"), tr("steps"), tr("final loss"), tr("seconds")):
            table.add_column(col, justify="right")
        for b, r in zip(labels or map(str, sizes), results):
            table.add_row(b, r.status, str(r.steps), number_text(r.loss, ".6g"), number_text(r.wall_time_s, ".3g"))
        console.print(table)
        return
    r = results[0]
    say(words.get(r.status, r.status), "bold")
    if r.status != "completed":
        say("  " + tr("why: {reason}", reason=r.reason))
    say("  " + tr("steps (minibatch updates): {k}", k=r.steps))
    say("  " + tr("final full-data loss: {l}", l=number_text(r.loss, ".10g")))
    for i, n in enumerate(names[:12]):
        line = f"    {n} = {number_text(r.params[i], '.6g')}"
        if truth is not None and n in truth:
            line += "   " + tr("(true value {t:g})", t=truth[n])
        say(line)
    if len(names) > 12:
        say(f"    … {len(names) - 12} " + tr("more parameters"))
    if math.isfinite(r.wall_time_s):
        say("  " + tr("wall time: {t} s", t=f"{r.wall_time_s:.3g}"))


def plot_blocks(dataset, model, opts, results, curves, color) -> list[str]:
    from gdsim.render import plots as P

    w, h = P.plot_size(terminal_width())
    blocks = [P.value_vs_step(curves, width=w, height=h, color=color, ylabel="loss", xlabel="epoch",
                              title=tr("full-data loss against epoch"))]
    feats = [n for n in dataset.names if n != opts.target]
    if len(feats) == 1 and len(results) == 1 and dataset.samples > 0:
        x = dataset.column(feats[0])
        y = dataset.column(opts.target)
        lo, hi = float(np.min(x)), float(np.max(x))
        grid = np.linspace(lo, hi, 100)
        rows = np.zeros((grid.size, len(dataset.names)))
        rows[:, dataset.index(feats[0])] = grid
        with np.errstate(all="ignore"):
            line = model.predict(results[0].params, rows)
        blocks.append(P.data_with_line(x, y, grid, line, width=w, height=h, color=color,
                                       title=tr("the data and the fitted model"), xlabel=feats[0], ylabel=opts.target))
    return blocks


class TextSink:
    """Feeds the rows (one run) or nothing (a comparison) as the steps come, then the summary and the plots."""

    def __init__(self, opts, dataset, model, optimizer, truth, sizes, header: dict, scaling=None, optimizers=(),
                 labels=None):
        self.opts, self.dataset, self.model, self.optimizer, self.truth, self.sizes = opts, dataset, model, optimizer, truth, sizes
        self.scaling, self.optimizers, self.labels = scaling, optimizers, labels
        self.names = list(model.params)
        self.comparison = len(sizes) > 1 or len(optimizers) > 1
        self.console = make_console()
        self.results: list = []
        self.stream = None

    def start_output(self) -> None:
        intro(self.console, self.dataset, self.model, self.opts, self.optimizer, self.truth, self.sizes, self.scaling,
              self.optimizers)

    def begin(self, i: int, batch: int, run_header: dict) -> None:
        self.stream = Rows(self.console, self.names, self.opts.delay) if not self.comparison else None

    def step(self, i: int, batch: int, rec, doc: dict) -> None:
        if self.stream is not None:
            self.stream.show(rec)

    def end(self, i: int, batch: int, result, rdoc: dict) -> None:
        self.results.append(result)

    def finish(self, curves: dict, interrupted: bool) -> None:
        summary(self.console, self.names, self.results, self.sizes, self.truth, self.comparison, self.labels)
        if self.opts.plot and not interrupted:
            color = color_wanted()
            for block in plot_blocks(self.dataset, self.model, self.opts, self.results, curves, color):
                self.console.print("")
                if color:
                    from rich.text import Text

                    self.console.print(Text.from_ansi(block), soft_wrap=True)
                else:
                    self.console.print(block, markup=False, highlight=False, soft_wrap=True)
