"""Running `gdsim sgd`: data, model and optimizer from the options, then one output sink fed from the
training stream (only recorded steps are kept); Ctrl-C and SIGTERM end it with the summary so far."""

from __future__ import annotations

import math
import signal

from gdsim.cli.descend_run import Terminated, _on_sigterm
from gdsim.i18n import tr

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


def _label(optimizer, batch: int, several_optimizers: bool, several_sizes: bool) -> str:
    parts = []
    if several_optimizers:
        parts.append(f"{optimizer.name} lr={optimizer.hyper.get('lr'):g}")
    if several_sizes or not parts:
        parts.append(f"batch {batch}")
    return ", ".join(parts)


def execute(opts, fmt: str) -> int:
    from gdsim.engine.sgd import SgdResult, make_model, train
    from gdsim.expr.points import parse_point
    from gdsim.optim import HYPER_PARAMETERS, make_optimizer
    from gdsim.render.sgd_formats import SINKS, result_doc, step_doc

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
    from gdsim.render.scene import View, check_map_style, check_window_names, parse_window

    window = parse_window(opts.window, names, parameters=True)
    check_window_names(window, names, parameters=True)
    view = View(window, check_map_style(opts.map))
    # Comma lists in --optimizer and --lr compare every combination, as descend does.
    lrs = [None] if opts.lr is None else [parse_number(x, "--lr") for x in str(opts.lr).split(",")]
    optimizers = [make_optimizer(name.strip(), lr=rate, schedule=opts.schedule,
                                 **{k: getattr(opts, k, None) for k in HYPER_PARAMETERS})
                  for name in str(opts.optimizer).split(",") for rate in lrs]
    for optimizer in optimizers:
        if optimizer.needs == "function":
            from gdsim.errors import OptionError

            raise OptionError(tr("--optimizer {name} needs more of the loss than a minibatch gradient (its Hessian, or its value at trial points); use it with gdsim descend", name=optimizer.name))
    optimizer = optimizers[0]
    sizes = _batch_sizes(opts, dataset.samples)
    # One run per (optimizer, batch size); a label names what differs between the runs.
    plan = [(o, b) for o in optimizers for b in sizes]
    by_optimizer = len(optimizers) > 1
    labels = [_label(o, b, by_optimizer, len(sizes) > 1) for o, b in plan]
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
    # Every option is checked (train refuses bad ones before its first step) before anything is shown.
    walks = [train(model, dataset, run_optimizer, batch_size=batch, epochs=opts.epochs, loss=opts.loss,
                   shuffle=opts.shuffle, seed=opts.seed, every=_auto_every(opts, dataset.samples, batch), init=init,
                   standardized=scaling is not None)
             for run_optimizer, batch in plan]
    if fmt == "text":
        from gdsim.render.sgd_text import TextSink

        sink = TextSink(opts, dataset, model, optimizer, truth, sizes, header, view, scaling=scaling,
                        optimizers=optimizers, labels=labels if by_optimizer else None)
    else:
        sink = SINKS[fmt](names, header, comparison, opts.get)
        if by_optimizer:  # CSV rows say which run they belong to
            sink.run_columns = ["run", "optimizer", "lr", "batch_size"]
            sink.run_cells = [[i, o.name, o.hyper.get("lr"), b] for i, (o, b) in enumerate(plan)]
    sink.start_output()
    results, curves = [], {}
    plotted = fmt == "text" or bool(opts.save_plot)
    interrupted = False
    for i, (run_optimizer, batch) in enumerate(plan):
        every = _auto_every(opts, dataset.samples, batch)
        per_epoch = math.ceil(dataset.samples / max(1, min(batch, dataset.samples)))
        sink.begin(i, batch, {**header, "optimizer": {"name": run_optimizer.name, **run_optimizer.hyper},
                              "batch_size": batch, "every": every})
        curve: tuple[list[float], list[float], list] = ([], [], [])  # epoch, loss, parameters (for the map)
        result = None
        last = None

        def show(rec, i=i, batch=batch, curve=curve, per_epoch=per_epoch):
            if plotted:  # a machine format without --save-plot keeps no plot points (a run may be long)
                curve[0].append(rec.step / per_epoch)
                curve[1].append(rec.loss)
                curve[2].append(rec.params)
            sink.step(i, batch, rec, step_doc(rec, names))

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
        sink.end(i, batch, result, result_doc(result, names))
        results.append(result)
        curves[labels[i]] = curve
        if interrupted:
            break
    sink.finish(curves, interrupted)
    if opts.save_plot:
        from gdsim.render.sgd_text import save_plots

        save_plots(opts.save_plot, dataset, model, opts, results, curves, view)
    statuses = {r.status for r in results}
    if "interrupted" in statuses:
        return 130
    return 4 if "diverged" in statuses else 0
