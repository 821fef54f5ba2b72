"""`gdsim sgd` for people: the data and model, a row per recorded step, the summary, and the plots."""

from __future__ import annotations

import math

import numpy as np

from gdsim.i18n import tr
from gdsim.render.console import color_wanted, make_console, number_text, terminal_width
from gdsim.render.rows import Progress, RowStream, Table, cells, fit_number, left_out_line, rjust, text_width, wrap


class Rows:
    """Streams one line per recorded step: epoch, batch, step, batch loss, full-data loss, parameters.

    Columns are chosen once from the terminal's width (piped: all of them): numbers narrow first,
    then the epoch and batch columns go (the step stays), then the parameters become a digest
    (‖θ‖ and the first few). A number that grows loses digits, never its column.
    """

    def __init__(self, console, names, delay: float, *, width: int | None = None, total: int = 0, every: int = 1):
        self.console = console
        self.names = list(names)
        self.delay = delay
        self.step_w = max(7, len(str(total)), cells(tr("step")))
        self.progress = Progress()
        self.total = total
        layouts = [(True, len(self.names) <= 4, 3)]
        if width is not None:
            top = min(3, len(self.names))
            layouts += [(False, len(self.names) <= 4, 3)] + [(False, False, k) for k in range(top, -1, -1)]
        for self.epochs, self.few, self.shown in layouts:
            for self.w, self.digits in ((12, 6), (10, 5), (9, 4)):
                if width is None or cells(self.header()) <= width:
                    break
            else:
                continue
            break
        self.left_out = [] if self.epochs else [tr("epoch"), tr("batch")]
        if not self.few and len(self.names) <= 4:
            self.left_out += self.names[self.shown:]
        if self.left_out:
            left_out_line(console, self.left_out, width)
        self.stream = RowStream(console, self.header(), terminal=width is not None, width=width, every=every)

    def _titles(self) -> list[str]:
        cols = [tr("batch loss"), tr("full loss")]
        if self.few:
            return cols + list(self.names)
        return cols + ["‖θ‖"] + self.names[: self.shown]

    def _more(self) -> list[str]:
        return ["…"] if not self.few and self.shown < len(self.names) else []

    def header(self) -> str:
        first = [rjust(tr("epoch"), 6), rjust(tr("batch"), 6)] if self.epochs else []
        cols = first + [rjust(tr("step"), self.step_w)] + [rjust(t, max(self.w, cells(t))) for t in self._titles()]
        return "  ".join(cols + self._more())

    def show(self, rec):
        first = [str(rec.epoch).rjust(6), str(rec.batch).rjust(6)] if self.epochs else []
        values = [rec.batch_loss, rec.loss]
        if self.few:
            values += list(rec.params)
        else:
            with np.errstate(all="ignore"):
                values += [float(np.linalg.norm(rec.params))] + list(rec.params[: self.shown])
        cols = first + [str(rec.step).rjust(self.step_w)]
        cols += [fit_number(v, max(self.w, cells(t)), self.digits) for v, t in zip(values, self._titles())]
        line = "  ".join(cols + self._more())
        progress = tr("step {k} of {n}   full loss = {l}", k=rec.step, n=self.total, l=number_text(rec.loss, ".4g"))
        self.stream.add(rec.step, line, progress if self.stream.terminal else "")
        self.progress.say(progress)
        if self.delay > 0:
            import time

            time.sleep(self.delay)

    def close(self):
        self.progress.close()
        self.stream.close()


def intro(console, dataset, model, opts, optimizer, truth, sizes, scaling=None, optimizers=()):
    width = text_width()

    def say(line, style=None):
        for part in wrap(line, width, hang="  "):
            console.print(part, style=style, markup=False, highlight=False, soft_wrap=True)

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
    from gdsim.render.descend_text import hyper_text

    params = hyper_text(optimizer.hyper)
    if len(optimizers) > 1:
        params = "; ".join(f"{o.name} lr={o.hyper.get('lr'):g}" for o in optimizers)
    order = tr("shuffled every epoch (seed {s})", s=opts.seed) if opts.shuffle else tr("in file order")
    say(tr("optimizer: {name} ({params}); batch size {b}; {e} epochs; rows {order}",
           name=optimizer.name, params=params, b=",".join(map(str, sizes)), e=opts.epochs, order=order))
    say(tr("Each step: take the next minibatch, feel the slope of its loss, step downhill."), "dim")


def summary(console, names, results, sizes, truth, comparison, width: int | None = None, labels=None):
    say = lambda line, style=None: console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
    words = {
        "completed": tr("Finished every epoch."),
        "diverged": tr("Diverged: the loss grew instead of settling."),
        "interrupted": tr("Interrupted: the summary of the steps so far."),
    }
    say("")
    if comparison:
        # runs of several optimizers or rates are named by their label; a batch-size comparison by its size
        names_of_runs = list(labels) if labels else [str(b) for b in sizes]
        title = tr("Runs compared from the same start") if labels else tr("Batch sizes compared from the same start")
        table = Table(title, [
            (tr("run") if labels else tr("batch size"), "r", 0), (tr("status"), "l", 0), (tr("steps"), "r", 0), (tr("final loss"), "r", 0),
            (tr("final parameters"), "l", 1), (tr("seconds"), "r", 2)])
        for b, r in zip(names_of_runs, results):
            def params(digits, p=r.params):
                shown = ", ".join(f"{n}={number_text(x, f'.{digits}g')}" for n, x in zip(names[:3], p))
                return shown + (", … " + tr("({n} parameters)", n=len(names)) if len(names) > 3 else "")

            table.add(b, r.status, str(r.steps), lambda digits, v=r.loss: number_text(v, f".{digits}g"), params,
                      number_text(r.wall_time_s, ".3g"))
        lines, left_out = table.lines(width)
        say(lines[0], "italic")
        say(lines[1], "bold")
        for line in lines[2:]:
            say(line)
        below = tr("final parameters") in left_out  # then each run's parameters get a line of their own
        if [t for t in left_out if t != tr("final parameters")]:
            left_out_line(console, [t for t in left_out if t != tr("final parameters")], width)
        for b, r in zip(names_of_runs, results):
            if below:
                shown = ", ".join(f"{n}={number_text(x, '.6g')}" for n, x in zip(names[:6], r.params))
                line = tr("batch {b}: final parameters {p}", b=b, p=shown) if not labels else f"{b}: {shown}"
                for line in wrap(line, width, indent="  "):
                    say(line)
        for b, r in zip(names_of_runs, results):
            if r.status != "completed":
                for line in wrap(f"{b}: {r.reason}" if labels else f"batch {b}: {r.reason}", width, indent="  ", hang="    "):
                    say(line, "dim")
        return
    r = results[0]
    for line in wrap(words.get(r.status, r.status), width, hang="  "):
        say(line, "bold")
    if r.status != "completed":
        for line in wrap(tr("why: {reason}", reason=r.reason), width, indent="  ", hang="    "):
            say(line)
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


def loss_scene(dataset, model, opts, results, curves, view=None):
    """The full-data loss over a model's two parameters with every batch size's path, or None for
    another number of parameters."""
    from gdsim.engine.sgd import LinearModel
    from gdsim.render.scene import RunPath, View, build_scene

    view = view or View()
    names = list(model.params)
    if len(names) != 2 or not curves:
        return None
    runs = []
    for (label, curve), r in zip(curves.items(), results):
        if len(curve) < 3 or not curve[2]:
            return None
        runs.append(RunPath(label, np.asarray(curve[0]), np.asarray(curve[2], dtype=float).reshape(-1, 2),
                            np.asarray(curve[1], dtype=float), r.status == "diverged"))
    table = dataset.table

    def loss(points):
        with np.errstate(all="ignore"):
            return np.array([model.loss(p, table, opts.loss) for p in np.asarray(points, dtype=float).reshape(-1, 2)])

    known = []
    if isinstance(model, LinearModel):
        # The least-squares fit is the loss's one minimum (mse and sse alike): the valley every path heads for.
        X = np.column_stack([table[:, dataset.index(c)] for c in model.features] + [np.ones(table.shape[0])])
        y = table[:, dataset.index(opts.target)]
        solution, *_ = np.linalg.lstsq(X, y, rcond=None)
        if np.all(np.isfinite(solution)):
            known = [solution]
    return build_scene(names, loss, runs[0].points[0], runs, known_minima=known, window=view.window,
                       style=view.style, grid=31)


def plot_blocks(dataset, model, opts, results, curves, color, width: int | None = None, view=None) -> list[str]:
    from gdsim.render import plots as P

    w, h = P.plot_size(terminal_width() if width is None else width)
    series = {label: (curve[0], curve[1]) for label, curve in curves.items()}
    diverged = [label for label, r in zip(curves, results) if r.status == "diverged"]
    blocks = [P.value_vs_step(series, width=w, height=h, color=color, ylabel=tr("loss"), xlabel=tr("epoch"),
                              title=tr("full-data loss against epoch"), diverged=diverged)]
    scene = loss_scene(dataset, model, opts, results, curves, view)
    if scene is not None:
        a, b = scene.names
        title = (tr("full-data loss over ({a}, {b}) with the path", a=a, b=b) if len(curves) == 1
                 else tr("full-data loss over ({a}, {b}) with every batch size's path", a=a, b=b))
        blocks.append(P.map_view(scene.f2, [(r.label, r.points) for r in scene.runs], width=w, height=h + 4, color=color,
                                 window=scene.window, minima=scene.minima, style=scene.style, equal=False, title=title,
                                 xlabel=scene.names[0], ylabel=scene.names[1], surface=tr("the loss")))
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


def save_plots(path: str, dataset, model, opts, results, curves, view=None) -> None:
    """--save-plot: a figure (.svg, .png) with matplotlib, else the terminal's plots as text or HTML."""
    from gdsim.render.figures import is_figure, write_figure
    from gdsim.render.plot_file import write_plot_file

    if not is_figure(path):
        write_plot_file(path, plot_blocks(dataset, model, opts, results, curves, False, 100, view))
        return
    scene = loss_scene(dataset, model, opts, results, curves, view)
    series = {label: (curve[0], curve[1]) for label, curve in curves.items()}
    diverged = [label for label, r in zip(curves, results) if r.status == "diverged"]
    a, b = (list(model.params) + ["", ""])[:2]
    title = tr("full-data loss over ({a}, {b}) with every batch size's path", a=a, b=b) if len(curves) > 1 else \
        tr("full-data loss over ({a}, {b}) with the path", a=a, b=b)
    if opts.model.strip() == "linear":
        shown = " + ".join(f"w_{c}·{c}" for c in model.features[:3]) + (" + …" if len(model.features) > 3 else "") + " + b"
    else:
        shown = opts.model
    write_figure(path, scene, series, diverged, title=tr("model: ŷ = {m}", m=shown),
                 scene_title=title, value_title=tr("full-data loss against epoch"),
                 value_label=tr("loss"), step_label=tr("epoch"))


class TextSink:
    """Feeds the rows (one run) or nothing (a comparison) as the steps come, then the summary and the plots."""

    def __init__(self, opts, dataset, model, optimizer, truth, sizes, header: dict, view=None, scaling=None,
                 optimizers=(), labels=None):
        self.view = view
        self.opts, self.dataset, self.model, self.optimizer, self.truth, self.sizes = opts, dataset, model, optimizer, truth, sizes
        self.scaling, self.optimizers, self.labels = scaling, optimizers, labels
        self.names = list(model.params)
        self.comparison = len(sizes) > 1 or len(optimizers) > 1
        self.console = make_console()
        self.results: list = []
        self.stream = None
        self.progress = Progress(beside_terminal_stdout=self.comparison)  # a comparison shows nothing until its table

    def start_output(self) -> None:
        intro(self.console, self.dataset, self.model, self.opts, self.optimizer, self.truth, self.sizes, self.scaling,
              self.optimizers)

    def begin(self, i: int, batch: int, run_header: dict) -> None:
        if self.comparison:
            return
        samples = max(1, self.dataset.samples)
        total = math.ceil(samples / max(1, min(batch, samples))) * max(1, self.opts.epochs)
        width = text_width()
        self.stream = Rows(self.console, self.names, self.opts.delay, width=width, total=total, every=run_header.get("every", 1))

    def step(self, i: int, batch: int, rec, doc: dict) -> None:
        if self.stream is not None:
            self.stream.show(rec)
        elif self.progress.on:
            self.progress.say(tr("batch size {b} ({i} of {n}): step {k}", b=batch, i=i + 1, n=len(self.sizes), k=rec.step))

    def end(self, i: int, batch: int, result, rdoc: dict) -> None:
        self.progress.close()
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        self.results.append(result)

    def finish(self, curves: dict, interrupted: bool) -> None:
        summary(self.console, self.names, self.results, self.sizes, self.truth, self.comparison, text_width(), self.labels)
        if self.opts.plot and not interrupted:
            color = color_wanted()
            for block in plot_blocks(self.dataset, self.model, self.opts, self.results, curves, color, view=self.view):
                self.console.print("")
                if color:
                    from rich.text import Text

                    self.console.print(Text.from_ansi(block), soft_wrap=True)
                else:
                    self.console.print(block, markup=False, highlight=False, soft_wrap=True)
