"""`gdsim sgd`: fit a model to data by minibatch SGD, the lecture's last slides.

Options resolve like descend's (command line > --config > defaults); the data comes from a CSV
file or a synthetic set; `--compare-batch` runs several batch sizes from the same start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


from gdsim.cli.common import Exit, check_format, check_plot_path
from gdsim.i18n import tr
from gdsim.cli.options import NUMBERS, config_option, option, typer_callback



@dataclass(frozen=True)
class Options:
    data: str | None = option("--data", help="A CSV file with a header row and numeric columns.")
    synthetic: str | None = option("--synthetic", help="Generated data instead of a file: linear.")
    samples: int = option("--samples", default=100, help="Synthetic data: number of rows (default 100).")
    features: int = option("--features", default=1, help="Synthetic data: number of feature columns (default 1).")
    noise: float = option("--noise", default=0.1, help="Synthetic data: standard deviation of the noise (default 0.1).")
    seed: int = option("--seed", default=0, help="Seed of the shuffle and of synthetic data (default 0): same seed, same run.")
    target: str = option("--target", default="y", help="The column to predict (default y).")
    model: str = option("--model", default="linear", help="\"linear\" (default: X·w + b over every other column) or an expression such as \"w*x + b\".")
    init: str | None = option("--init", help="Initial parameters: w=0,b=0, positional, or one number for all (default 0).")
    loss: str = option("--loss", default="mse", help="mse (mean over the batch, default) or sse (the slide's sum of squares).")
    batch_size: int = option("--batch-size", default=16, help="Rows per minibatch (default 16); 1 is pure SGD; the sample count is full-batch GD.")
    epochs: int = option("--epochs", default=20, help="Passes over the data (default 20).")
    lr: str | None = option("--lr", kind=NUMBERS, help="Learning rate; a comma list compares them (default 0.1 for gd/momentum/nesterov, else torch's).")
    optimizer: str = option("--optimizer", "-o", default="gd", help="gd (default), momentum, nesterov, adagrad, rmsprop, adam, adamw, nadam, radam, adadelta, adamax, lion; a comma list compares them.")
    standardize: bool = option("--standardize", default=False, help="Scale every feature column to mean 0 and standard deviation 1 before training.")
    momentum: float | None = option("--momentum", help="Momentum μ (default 0.9).")
    alpha: float | None = option("--alpha", help="RMSprop's smoothing constant (default 0.99).")
    beta1: float | None = option("--beta1", help="Adam's β1 (default 0.9).")
    beta2: float | None = option("--beta2", help="Adam's β2 (default 0.999).")
    eps: float | None = option("--eps", help="ε of adagrad, adadelta, rmsprop and the adam family.")
    weight_decay: float | None = option("--weight-decay", help="Weight decay of adamw (1e-2), lion (1e-3), nadam, radam, adadelta, adamax (0).")
    momentum_decay: float | None = option("--momentum-decay", help="NAdam's momentum decay ψ (default 4e-3).")
    rho: float | None = option("--rho", help="Adadelta's ρ (default 0.9).")
    schedule: str | None = option("--schedule", help="The lr schedule, stepped after every update: NAME[:key=value,...] as in descend.")
    shuffle: bool = option("--shuffle/--no-shuffle", default=True, help="Shuffle the rows every epoch (default) or keep file order.")
    every: int | None = option("--every", help="Show and record every Nth step (default: 1, or about 1,000 rows for long runs).")
    compare_batch: str | None = option("--compare-batch", help="Run these batch sizes from the same start and overlay their loss curves, e.g. 1,16,100.")
    plot: bool = option("--plot/--no-plot", default=True, help="Draw plots after the run (default on).")
    format: str = option("--format", "-f", default="text", help="text (default), json, ndjson or csv.")
    get: str | None = option("--get", help="Print values of the JSON document, one per line, e.g. result.loss (several: a,b).")
    config: str | None = config_option()
    lang: str | None = option("--lang", help="Language of the explanations: en or ko.")
    save_plot: str | None = option("--save-plot", help="Also write the plots to this file: .txt, .html, or a figure .svg/.png (needs matplotlib).")
    window: str | None = option("--window", help="The loss map's window for a model of two parameters, e.g. w=-1:3,b=-2:2.")
    map: str = option("--map", default="lines", help="How the loss map shows the loss: lines (level curves, default) or shade (bands).")
    delay: float = option("--delay", default=0.0, help="Seconds to wait after each shown step.")


def register(app: "typer.Typer", only: str | None = None) -> None:
    app.command("sgd")(typer_callback(Options, "sgd", sgd, "Fit a model to data by minibatch stochastic gradient descent."))


def sgd(opts: Options, source: dict[str, str]) -> None:
    from gdsim.errors import OptionError

    fmt = "json" if opts.get else check_format(opts.format, ("text", "json", "ndjson", "csv"))
    check_plot_path(opts.save_plot, {"--config": opts.config, "--data": opts.data})
    if opts.loss not in ("mse", "sse"):
        raise OptionError(tr("--loss: '{value}' is not one of mse, sse", value=opts.loss))
    if opts.every is not None and opts.every < 1:
        raise OptionError(tr("--every must be a whole number >= 1, got {value}", value=opts.every))
    if not (math.isfinite(opts.delay) and 0 <= opts.delay <= 60):
        raise OptionError(tr("--delay must be between 0 and 60 seconds, got {value}", value=opts.delay))
    if opts.data and opts.synthetic:
        raise OptionError(tr("give either --data FILE or --synthetic linear, not both"))
    if not opts.data and not opts.synthetic:
        raise OptionError(tr("give data: --data FILE.csv, or --synthetic linear"))

    from gdsim.cli.sgd_run import execute

    raise Exit(execute(opts, fmt))
