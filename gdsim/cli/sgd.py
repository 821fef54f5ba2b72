"""`gdsim sgd`: fit a model to data by minibatch SGD, the lecture's last slides.

Options resolve like descend's (command line > --config > defaults); the data comes from a CSV
file or a synthetic set; `--compare-batch` runs several batch sizes from the same start.
"""

from __future__ import annotations

import math
from typing import Optional

import typer

from gdsim.cli.common import Exit, check_format, check_plot_path
from gdsim.i18n import tr
from gdsim.cli.options import merge

SCHEMA = {
    "data": str, "synthetic": str, "samples": int, "features": int, "noise": float, "seed": int, "target": str,
    "model": str, "init": str, "loss": str, "batch_size": int, "epochs": int, "lr": float, "optimizer": str,
    "momentum": float, "alpha": float, "beta1": float, "beta2": float, "eps": float, "shuffle": bool,
    "every": int, "compare_batch": str, "plot": bool, "format": str, "get": str, "lang": str, "save_plot": str,
    "delay": float,
}
DEFAULTS = {"samples": 100, "features": 1, "noise": 0.1, "seed": 0, "target": "y", "model": "linear",
            "loss": "mse", "batch_size": 16, "epochs": 20, "optimizer": "gd", "shuffle": True, "plot": True,
            "format": "text", "delay": 0.0}


def register(app: typer.Typer, only: str | None = None) -> None:
    app.command("sgd")(sgd)


def sgd(
    data: Optional[str] = typer.Option(None, "--data", help="A CSV file with a header row and numeric columns.", show_default=False),
    synthetic: Optional[str] = typer.Option(None, "--synthetic", help="Generated data instead of a file: linear.", show_default=False),
    samples: Optional[int] = typer.Option(None, "--samples", help="Synthetic data: number of rows (default 100).", show_default=False),
    features: Optional[int] = typer.Option(None, "--features", help="Synthetic data: number of feature columns (default 1).", show_default=False),
    noise: Optional[float] = typer.Option(None, "--noise", help="Synthetic data: standard deviation of the noise (default 0.1).", show_default=False),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the shuffle and of synthetic data (default 0): same seed, same run.", show_default=False),
    target: Optional[str] = typer.Option(None, "--target", help="The column to predict (default y).", show_default=False),
    model: Optional[str] = typer.Option(None, "--model", help="\"linear\" (default: X·w + b over every other column) or an expression such as \"w*x + b\".", show_default=False),
    init: Optional[str] = typer.Option(None, "--init", help="Initial parameters: w=0,b=0, positional, or one number for all (default 0).", show_default=False),
    loss: Optional[str] = typer.Option(None, "--loss", help="mse (mean over the batch, default) or sse (the slide's sum of squares).", show_default=False),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Rows per minibatch (default 16); 1 is pure SGD; the sample count is full-batch GD.", show_default=False),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Passes over the data (default 20).", show_default=False),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate (default 0.1 for gd/momentum/nesterov, else torch's).", show_default=False),
    optimizer: Optional[str] = typer.Option(None, "--optimizer", "-o", help="gd (default), momentum, nesterov, adagrad, rmsprop, adam.", show_default=False),
    momentum: Optional[float] = typer.Option(None, "--momentum", help="Momentum μ (default 0.9).", show_default=False),
    alpha: Optional[float] = typer.Option(None, "--alpha", help="RMSprop's smoothing constant (default 0.99).", show_default=False),
    beta1: Optional[float] = typer.Option(None, "--beta1", help="Adam's β1 (default 0.9).", show_default=False),
    beta2: Optional[float] = typer.Option(None, "--beta2", help="Adam's β2 (default 0.999).", show_default=False),
    eps: Optional[float] = typer.Option(None, "--eps", help="ε of adagrad, rmsprop and adam.", show_default=False),
    shuffle: Optional[bool] = typer.Option(None, "--shuffle/--no-shuffle", help="Shuffle the rows every epoch (default) or keep file order.", show_default=False),
    every: Optional[int] = typer.Option(None, "--every", help="Show and record every Nth step (default: 1, or about 1,000 rows for long runs).", show_default=False),
    compare_batch: Optional[str] = typer.Option(None, "--compare-batch", help="Run these batch sizes from the same start and overlay their loss curves, e.g. 1,16,100.", show_default=False),
    plot: Optional[bool] = typer.Option(None, "--plot/--no-plot", help="Draw plots after the run (default on).", show_default=False),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="text (default), json, ndjson or csv.", show_default=False),
    get: Optional[str] = typer.Option(None, "--get", help="Print one value of the JSON document, e.g. result.loss.", show_default=False),
    config: Optional[str] = typer.Option(None, "--config", help="Read options from a TOML lab file (the command line wins).", show_default=False),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the explanations: en or ko.", show_default=False),
    save_plot: Optional[str] = typer.Option(None, "--save-plot", help="Also write the plots to this file (.txt, or .html).", show_default=False),
    delay: Optional[float] = typer.Option(None, "--delay", help="Seconds to wait after each shown step.", show_default=False),
) -> None:
    """Fit a model to data by minibatch stochastic gradient descent."""
    from gdsim.cli.options import setup_language
    from gdsim.errors import OptionError

    given = dict(data=data, synthetic=synthetic, samples=samples, features=features, noise=noise, seed=seed,
                 target=target, model=model, init=init, loss=loss, batch_size=batch_size, epochs=epochs, lr=lr,
                 optimizer=optimizer, momentum=momentum, alpha=alpha, beta1=beta1, beta2=beta2, eps=eps,
                 shuffle=shuffle, every=every, compare_batch=compare_batch, plot=plot, format=format, get=get,
                 lang=lang, save_plot=save_plot, delay=delay)
    setup_language(lang)  # errors in the options themselves are explained in the chosen language
    opts, source = merge("sgd", given, SCHEMA, DEFAULTS, config)
    setup_language(opts["lang"])
    fmt = "json" if opts["get"] else check_format(opts["format"], ("text", "json", "ndjson", "csv"))
    check_plot_path(opts["save_plot"])
    if opts["loss"] not in ("mse", "sse"):
        raise OptionError(tr("--loss: '{value}' is not one of mse, sse", value=opts['loss']))
    if opts["every"] is not None and opts["every"] < 1:
        raise OptionError(tr("--every must be a whole number >= 1, got {value}", value=opts['every']))
    if not (math.isfinite(opts["delay"]) and 0 <= opts["delay"] <= 60):
        raise OptionError(tr("--delay must be between 0 and 60 seconds, got {value}", value=opts['delay']))
    if opts["data"] and opts["synthetic"]:
        raise OptionError(tr("give either --data FILE or --synthetic linear, not both"))
    if not opts["data"] and not opts["synthetic"]:
        raise OptionError(tr("give data: --data FILE.csv, or --synthetic linear"))

    from gdsim.cli.sgd_run import execute

    raise Exit(execute(opts, fmt))
