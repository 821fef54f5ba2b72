"""Running `gdsim sgd`: data, model and optimizer from the options, then each output format fed
from the training stream (only recorded steps are kept)."""

from __future__ import annotations

import csv
import json
import math
import signal
import sys

import numpy as np

from gdsim.cli.common import color_wanted, dumps, json_safe, make_console, number_text, print_get, terminal_width, write
from gdsim.cli.descend_run import Terminated, _on_sigterm
from gdsim.i18n import tr
from gdsim.render.descend_text import rjust

AUTO_ROWS = 1000  # a long run records about this many rows unless --every says otherwise


def _load(opts):
    from gdsim.engine.data import load_csv, synthetic_linear
    from gdsim.errors import OptionError

    if opts.synthetic:
        if opts.synthetic != "linear":
            raise OptionError(tr("--synthetic: '{value}' is not a known data set; use linear", value=opts.synthetic))
        return synthetic_linear(opts.samples, opts.features, opts.noise, opts.seed)
    return load_csv(opts.data, opts.target), None


def _batch_sizes(opts, samples: int) -> list[int]:
    from gdsim.errors import OptionError

    if not opts.compare_batch:
        return [opts.batch_size]
    sizes = []
    for part in str(opts.compare_batch).split(","):
        p = part.strip()
        if p.lower() in ("n", "all", "full"):
            sizes.append(samples)
            continue
        if not p.isdigit() or int(p) < 1:
            raise OptionError(tr("--compare-batch: '{value}' is not a batch size (a whole number >= 1, or N for all rows)", value=p))
        sizes.append(int(p))
    return sizes


def _auto_every(opts, samples: int, batch: int) -> int:
    if opts.every is not None:
        return opts.every
    per_epoch = math.ceil(samples / max(1, min(batch, samples)))
    total = per_epoch * max(1, opts.epochs)
    return 1 if total <= 2 * AUTO_ROWS else math.ceil(total / AUTO_ROWS)


def named(names, values) -> dict:
    return {n: float(v) for n, v in zip(names, values)}


def execute(opts, fmt: str) -> int:
    from gdsim.optim import HYPER_PARAMETERS, make_optimizer
    from gdsim.expr.points import parse_point
    from gdsim.engine.sgd import SgdResult, make_model, train

    from gdsim.cli.common import print_notes
    from gdsim.engine.sgd import standardize
    from gdsim.expr.points import parse_number

    signal.signal(signal.SIGTERM, _on_sigterm)
    dataset, truth = _load(opts)
    scaling = None
    if opts.standardize:
        dataset, scaling = standardize(dataset, opts.target)
    model = make_model(opts.model, dataset, opts.target)
    print_notes(model.notes)
    names = list(model.params)
    init = parse_point(str(opts.init), names, option="--init") if opts.init is not None else None
    # Comma lists in --optimizer and --lr compare every combination, as descend does.
    lrs = [None] if opts.lr is None else [parse_number(x, "--lr") for x in str(opts.lr).split(",")]
    optimizers = [make_optimizer(name.strip(), lr=rate, **{k: getattr(opts, k) for k in HYPER_PARAMETERS})
                  for name in str(opts.optimizer).split(",") for rate in lrs]
    optimizer = optimizers[0]
    sizes = _batch_sizes(opts, dataset.samples)
    # One run per (optimizer, batch size); the label names what differs between the runs.
    plan = [(o, b) for o in optimizers for b in sizes]
    labels = [_label(o, b, len(optimizers) > 1, len(sizes) > 1) for o, b in plan]
    header = {
        "model": opts.model,
        "params": names,
        "loss": opts.loss,
        "epochs": opts.epochs,
        "samples": dataset.samples,
        "seed": opts.seed,
        "shuffle": bool(opts.shuffle),
        "data": dataset.source,
        "target": opts.target,
        "optimizer": {"name": optimizer.name, **optimizer.hyper},
    }
    if truth is not None:
        header["true_params"] = dict(truth)
    if scaling is not None:
        header["standardize"] = scaling
    comparison = len(plan) > 1
    by_optimizer = len(optimizers) > 1
    # CSV: which run a row belongs to (a batch-size comparison keeps its one column)
    run_columns = ["run", "optimizer", "lr", "batch_size"] if by_optimizer else ["batch_size"] if comparison else []
    runs, results, curves = [], [], {}
    out = sys.stdout
    writer = None
    text = fmt == "text"
    console = make_console() if text else None
    # Every option is checked (train refuses bad ones before its first step) before anything is shown.
    walks = [train(model, dataset, run_optimizer, batch_size=batch, epochs=opts.epochs, loss=opts.loss,
                   shuffle=opts.shuffle, seed=opts.seed, every=_auto_every(opts, dataset.samples, batch), init=init,
                   standardized=scaling is not None)
             for run_optimizer, batch in plan]
    if text:
        _intro(console, dataset, model, opts, optimizer, truth, sizes, scaling, [o for o in optimizers])
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(run_columns + ["step", "epoch", "batch", "batch_loss", "loss"] + names)
    interrupted = False
    messages = []  # said on stderr once the output is written, so that a bad --get is the only line
    for i, (run_optimizer, batch) in enumerate(plan):
        every = _auto_every(opts, dataset.samples, batch)
        per_epoch = math.ceil(dataset.samples / max(1, min(batch, dataset.samples)))
        run_header = {**header, "optimizer": {"name": run_optimizer.name, **run_optimizer.hyper},
                      "batch_size": batch, "every": every}
        run_cells = [i, run_optimizer.name, run_optimizer.hyper.get("lr"), batch] if by_optimizer else [batch]
        steps: list[dict] = []
        curve: tuple[list[float], list[float]] = ([], [])
        stream = _Rows(console, names, opts.delay) if text and not comparison else None
        if fmt == "ndjson":
            out.write(json.dumps(json_safe({"type": "run", **({"run": i} if comparison else {}), **run_header}), ensure_ascii=False) + "\n")
            out.flush()
        result = None
        last = None

        def show(rec, i=i, run_cells=run_cells, steps=steps, curve=curve, stream=stream, per_epoch=per_epoch):
            doc = {"step": rec.step, "epoch": rec.epoch, "batch": rec.batch, "params": named(names, rec.params),
                   "batch_loss": rec.batch_loss, "loss": rec.loss}
            curve[0].append(rec.step / per_epoch)
            curve[1].append(rec.loss)
            if fmt == "json":
                steps.append(doc)
            elif fmt == "ndjson":
                out.write(json.dumps(json_safe({"type": "step", **({"run": i} if comparison else {}), **doc}), ensure_ascii=False) + "\n")
                out.flush()
            elif fmt == "csv":
                writer.writerow((run_cells if comparison else []) + [rec.step, rec.epoch, rec.batch, _cell(rec.batch_loss),
                                 _cell(rec.loss)] + [_cell(p) for p in rec.params])
            elif stream is not None:
                stream.show(rec)

        try:
            for rec in walks[i]:
                if isinstance(rec, SgdResult):
                    result = rec
                    break
                last = rec
                show(rec)
        except KeyboardInterrupt as stop:
            interrupted = True
            why = "terminated (SIGTERM)" if isinstance(stop, Terminated) else "interrupted by Ctrl-C"
            if last is None:
                raise
            late = getattr(stop, "step", None)  # where the engine really was, between shown steps
            if late is not None and late.step > last.step:
                last = late
                show(late)
            result = SgdResult("interrupted", f"{why} after step {last.step}", last.step, last.params, last.loss, math.nan)
        rdoc = {"status": result.status, "reason": result.reason, "steps": result.steps,
                "params": named(names, result.params), "loss": result.loss}
        # No wall time in machine formats: the same seed gives the same output, byte for byte.
        if fmt == "ndjson":
            out.write(json.dumps(json_safe({"type": "result", **({"run": i} if comparison else {}), **rdoc}), ensure_ascii=False) + "\n")
            out.flush()
        runs.append({**run_header, "steps": steps, "result": rdoc})
        results.append(result)
        curves[labels[i]] = curve
        if fmt != "text" and result.status != "completed":
            messages.append(f"{result.status}: {result.reason}\n")
        if interrupted:
            break
    if fmt == "json":
        doc = runs[0] if not comparison else {**header, "runs": runs}
        if opts.get:
            print_get(doc, opts.get)
        else:
            write(dumps(doc))
    sys.stderr.write("".join(messages))
    if text:
        _summary(console, names, results, labels if by_optimizer else [str(b) for _, b in plan], truth, comparison, by_optimizer)
    plots = None
    if (text and opts.plot and not interrupted) or opts.save_plot:
        plots = _plots(dataset, model, opts, results, curves, color_wanted() and text)
    if text and opts.plot and not interrupted:
        for block in plots:
            console.print("")
            if color_wanted():
                from rich.text import Text

                console.print(Text.from_ansi(block), soft_wrap=True)
            else:
                console.print(block, markup=False, highlight=False, soft_wrap=True)
    if opts.save_plot:
        from gdsim.cli.descend_run import write_plot_file

        write_plot_file(opts.save_plot, _plots(dataset, model, opts, results, curves, False))
    statuses = {r.status for r in results}
    if "interrupted" in statuses:
        return 130
    return 4 if "diverged" in statuses else 0


def _label(optimizer, batch: int, several_optimizers: bool, several_sizes: bool) -> str:
    parts = []
    if several_optimizers:
        parts.append(f"{optimizer.name} lr={optimizer.hyper.get('lr'):g}")
    if several_sizes or not parts:
        parts.append(f"batch {batch}")
    return ", ".join(parts)


def _cell(x) -> str:
    if x is None:
        return ""
    x = float(x)
    return repr(x) if math.isfinite(x) else ""


def _num(x, width: int = 12) -> str:
    if x is None:
        return "".rjust(width)
    x = float(x)
    return (f"{x:.6g}" if math.isfinite(x) else "undefined").rjust(width)


class _Rows:
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


def _intro(console, dataset, model, opts, optimizer, truth, sizes, scaling=None, optimizers=()):
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


def _summary(console, names, results, labels, truth, comparison, by_optimizer=False):
    say = lambda line, style=None: console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
    words = {
        "completed": tr("Finished every epoch."),
        "diverged": tr("Diverged: the loss grew instead of settling."),
        "interrupted": tr("Interrupted: the summary of the steps so far."),
    }
    say("")
    if comparison:
        from rich.table import Table

        title = tr("Runs compared from the same start") if by_optimizer else tr("Batch sizes compared from the same start")
        table = Table(title=title, box=None, padding=(0, 2), header_style="bold")
        for col in (tr("run") if by_optimizer else tr("batch size"), tr("status"), tr("steps"), tr("final loss"), tr("seconds")):
            table.add_column(col, justify="right")
        for label, r in zip(labels, results):
            table.add_row(label, r.status, str(r.steps), number_text(r.loss, ".6g"), number_text(r.wall_time_s, ".3g"))
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


def _plots(dataset, model, opts, results, curves, color) -> list[str]:
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
