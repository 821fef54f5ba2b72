"""Minibatch stochastic gradient descent: fit a model's parameters to a data set, one minibatch per step.

`train` yields one frozen SgdStep per shown step and finally one SgdResult; it computes and never
prints, so tables, plots and machine formats are all consumers of the same stream.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from gdsim.engine.data import Dataset
from gdsim.errors import DataError, DomainError, OptionError, PointError
from gdsim.expr.function import check_compile_size, compile_functions, derivative, parse
from gdsim.i18n import tr
from gdsim.optim import Optimizer, Oracle

LOSSES = ("mse", "sse")
# The most minibatch updates one run may take (as descend's --max-steps): a typo such as
# --epochs 1000000000000 is refused at once instead of running for days.
MAX_TOTAL_STEPS = 100_000_000


def _loss_scale(loss: str, rows: int) -> float:
    """The factor in front of the lecture's L(θ) = Σ (ŷᵢ − yᵢ)² on b rows: 1/b for mse, 1 for sse.

    The gradient then is 2·factor·Σ (ŷᵢ − yᵢ)·∂ŷᵢ/∂θ.
    """
    if loss == "mse":
        return 1.0 / rows
    if loss == "sse":
        return 1.0
    raise OptionError(tr("--loss must be one of {choices}, got {value}", choices=", ".join(LOSSES), value=repr(loss)))


# --- models -----------------------------------------------------------------------------------


class _SquaredError:
    """The loss both models share: the sum (sse) or mean (mse) of squared residuals over the rows."""

    def loss(self, theta: np.ndarray, rows: np.ndarray, loss: str = "mse") -> float:
        scale = _loss_scale(loss, rows.shape[0])
        residual = self.predict(theta, rows) - rows[:, self._target]
        return float(residual @ residual) * scale


class LinearModel(_SquaredError):
    """ŷ = X·w + b over every column except the target; parameters w_<column> (file order), then b."""

    text = "linear"
    notes: tuple[str, ...] = ()

    def __init__(self, dataset: Dataset, target: str = "y"):
        self.target = target
        self._target = dataset.require_target(target)
        self.features = dataset.features(target)
        if not self.features:
            raise DataError(tr("{source}: the linear model needs a column besides the target {target}",
                               source=dataset.source, target=repr(target)))
        self.params = tuple(f"w_{c}" for c in self.features) + ("b",)
        self._feature_index = np.array([dataset.index(c) for c in self.features], dtype=np.intp)
        self._columns = len(dataset.names)
        self._padded = np.zeros(self._columns)

    def _weights(self, theta: np.ndarray) -> np.ndarray:
        # The weights padded with a 0 at the target column, so a row of the table is used as
        # it is: no copy of the feature columns per minibatch. One buffer, refilled each step.
        w = self._padded
        w[self._feature_index] = theta[:-1]
        return w

    def predict(self, theta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return rows @ self._weights(theta) + theta[-1]

    def loss_and_gradient(self, theta: np.ndarray, rows: np.ndarray, loss: str = "mse") -> tuple[float, np.ndarray]:
        scale = _loss_scale(loss, rows.shape[0])
        residual = self.predict(theta, rows) - rows[:, self._target]
        # ∂L/∂w = 2·scale·Xᵀr and ∂L/∂b = 2·scale·Σr, with r = ŷ − y.
        gradient = np.empty(len(self.params))
        np.take(residual @ rows, self._feature_index, out=gradient[:-1])
        gradient[-1] = residual.sum()
        gradient *= 2.0 * scale
        return float(residual @ residual) * scale, gradient


class ExpressionModel(_SquaredError):
    """ŷ given as an expression over data columns and parameters (the names that are not columns)."""

    def __init__(self, text: str, dataset: Dataset, target: str = "y"):
        function = parse(text)
        self.text = text
        self.target = target
        self._target = dataset.require_target(target)
        if target in function.variables:
            raise OptionError(tr("--model uses the target column {target}; the model must predict {name} from the other columns ({columns})",
                                 target=repr(target), name=target, columns=", ".join(n for n in dataset.names if n != target)))
        self.columns = tuple(v for v in function.variables if v in dataset.names)
        self.params = tuple(v for v in function.variables if v not in dataset.names)
        features = [n for n in dataset.names if n != target]
        near = {p: _one_edit_from(p, features) for p in self.params}
        self.notes = tuple(function.notes) + tuple(
            tr("the parameter {name} is one letter away from a data column: did you mean the column {column}?",
               name=p, column=c) for p, c in near.items() if c)
        if not self.columns:
            meant = next((c for c in near.values() if c), None)
            hint = tr(" (did you mean the column {column}?)", column=meant) if meant else ""
            raise OptionError(tr("--model {model} uses no data column, so it cannot fit the data{hint}; the columns are {columns} (e.g. {example})",
                                 model=repr(text), hint=hint, columns=", ".join(features),
                                 example=f"w*{features[0]} + b" if features else "w*x + b"))
        if not self.params:
            raise OptionError(tr("--model {model} has no parameters: every name in it is a data column; add a name that is not a column (e.g. {example})",
                                 model=repr(text), example=f"w*{self.columns[0]} + b"))
        self._column_index = np.array([dataset.index(c) for c in self.columns], dtype=np.intp)
        names = [*self.columns, *self.params]
        slopes = [derivative(function.expr, function.symbols[p]) for p in self.params]
        check_compile_size(function, [function.expr, *slopes])  # before the compiler, which no signal stops
        # One compiled function gives ŷ and every ∂ŷ/∂θ for a whole minibatch at once.
        self._value_and_slopes = compile_functions([function.expr, *slopes], names)
        self._value = compile_functions([function.expr], names)
        # ŷ is linear in θ when no slope ∂ŷ/∂θ depends on θ (w*x + b, a*x^2 + b*x + c).
        self.linear_in_params = all(not (set(map(str, d.free_symbols)) & set(self.params)) for d in slopes)

    def _inputs(self, theta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """One row per sample: the model's data columns, then the parameters repeated."""
        inputs = np.empty((rows.shape[0], len(self.columns) + len(self.params)))
        inputs[:, : len(self.columns)] = rows[:, self._column_index]
        inputs[:, len(self.columns) :] = theta
        return inputs

    def predict(self, theta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._value(self._inputs(theta, rows))).reshape(-1)

    def loss_and_gradient(self, theta: np.ndarray, rows: np.ndarray, loss: str = "mse") -> tuple[float, np.ndarray]:
        scale = _loss_scale(loss, rows.shape[0])
        out = np.asarray(self._value_and_slopes(self._inputs(theta, rows))).reshape(rows.shape[0], -1)
        residual = out[:, 0] - rows[:, self._target]
        gradient = (2.0 * scale) * (residual @ out[:, 1:])
        return float(residual @ residual) * scale, gradient


Model = LinearModel | ExpressionModel


def _one_edit_from(name: str, columns) -> str | None:
    """The column `name` is one typo away from (one letter changed, added or removed), if any.

    Names under three letters are left alone: w1 beside the column x1 is a weight, not a typo.
    """
    from gdsim.expr.typos import edit_distance

    return next((c for c in columns if min(len(name), len(c)) >= 3 and edit_distance(name, c) == 1), None)


def linear_design(model: Model, table: np.ndarray) -> np.ndarray | None:
    """A with ŷ = A·θ (one row per sample) when the model is linear in its parameters, else None.

    For such a model the loss is quadratic in θ: its Hessian over the data is 2·s·AᵀA
    (s = 1/n for mse, 1 for sse), the same at every θ.
    """
    if isinstance(model, LinearModel):
        return np.column_stack([table[:, model._feature_index], np.ones(table.shape[0])])
    if not model.linear_in_params:
        return None
    with np.errstate(all="ignore"):
        out = np.asarray(model._value_and_slopes(model._inputs(np.zeros(len(model.params)), table)))
    design = out.reshape(table.shape[0], -1)[:, 1:]
    return design if np.isfinite(design).all() else None


def stable_lr(model: Model, table: np.ndarray, loss: str = "mse") -> float | None:
    """The largest learning rate at which plain gradient descent on the full data still settles:
    2/λ_max of the loss's Hessian over the data (None when the model is not linear in its parameters)."""
    design = linear_design(model, table)
    if design is None or table.shape[0] == 0:
        return None
    scale = _loss_scale(loss, table.shape[0])
    with np.errstate(all="ignore"):
        top = 2.0 * scale * _largest_gram_eigenvalue(design)
    return 2.0 / top if math.isfinite(top) and top > 0 else None


# The Gram matrix is only built up to this size; past it the largest eigenvalue comes from power
# iteration with matrix-vector products (20,000 features must not ask for a 3 GB matrix).
MAX_GRAM = 500


def _largest_gram_eigenvalue(a: np.ndarray) -> float:
    """λ_max of AᵀA, from the smaller of AᵀA and AAᵀ (the same nonzero eigenvalues)."""
    rows, cols = a.shape
    if min(rows, cols) <= MAX_GRAM:
        gram = a.T @ a if cols <= rows else a @ a.T
        return float(np.linalg.eigvalsh(gram)[-1])
    v = np.ones(cols) / math.sqrt(cols)
    top = 0.0
    for _ in range(200):  # power iteration: λ_max to a few digits, enough for a hint
        w = a.T @ (a @ v)
        norm = float(np.linalg.norm(w))
        if not math.isfinite(norm) or norm == 0.0:
            return norm
        v, previous, top = w / norm, top, norm
        if abs(top - previous) <= 1e-6 * top:
            break
    return top


def standardize(dataset: Dataset, target: str) -> tuple[Dataset, dict[str, dict[str, float]]]:
    """Every feature column scaled to mean 0 and standard deviation 1 (the target is left as it is).

    A constant column keeps its values less its mean (its standard deviation is recorded as 1).
    """
    from gdsim.engine.data import make_dataset

    table = np.array(dataset.table)
    scaling = {}
    for name in dataset.features(target):
        j = dataset.index(name)
        mean = float(table[:, j].mean()) if table.shape[0] else 0.0
        std = float(table[:, j].std()) if table.shape[0] else 1.0
        std = std if std > 0 and math.isfinite(std) else 1.0
        table[:, j] = (table[:, j] - mean) / std
        scaling[name] = {"mean": mean, "std": std}
    return make_dataset(dataset.names, table, dataset.source), scaling


def make_model(spec: str, dataset: Dataset, target: str = "y") -> Model:
    """`linear` or an expression such as `w*x + b`."""
    if spec.strip() == "linear":
        return LinearModel(dataset, target)
    return ExpressionModel(spec, dataset, target)


def initial_params(model: Model, init=None) -> np.ndarray:
    """The starting θ: zeros, or values by name (a mapping; names left out start at 0) or in order."""
    names = model.params
    if init is None:
        return np.zeros(len(names))
    if isinstance(init, Mapping):
        unknown = [n for n in init if n not in names]
        if unknown:
            raise PointError(tr("--init: unknown parameter {name}; the model's parameters are {names}",
                                  name=repr(unknown[0]), names=", ".join(names)))
        values = [init.get(n, 0.0) for n in names]
    else:
        values = init
    try:
        theta = np.array(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise PointError(tr("--init: the starting values must be numbers, got {value}", value=repr(init))[:200]) from None
    if theta.size != len(names):
        raise PointError(tr("--init: {got} values for {n} parameters; the model's parameters are {names}",
                            got=theta.size, n=len(names), names=", ".join(names)))
    if not np.isfinite(theta).all():
        raise PointError(tr("--init: every starting value must be a finite number"))
    return theta


# --- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SgdStep:
    """The parameters after `step` updates; step 0 is the start (epoch 0, batch 0, no batch loss).

    batch_loss is the minibatch loss at the parameters the gradient was taken at; loss is the
    full-data loss at `params` (mean for mse, sum for sse).
    """

    step: int
    epoch: int
    batch: int
    params: np.ndarray
    batch_loss: float | None
    loss: float


@dataclass(frozen=True, eq=False)
class SgdResult:
    """How the run ended: status "completed" or "diverged", why, and where it ended.

    wall_time_s counts the time spent computing, not the time the consumer of the steps took.
    """

    status: str
    reason: str
    steps: int
    params: np.ndarray
    loss: float
    wall_time_s: float


def train(
    model: Model,
    dataset: Dataset,
    optimizer: Optimizer,
    *,
    batch_size: int,
    epochs: int,
    loss: str = "mse",
    shuffle: bool = True,
    seed: int = 0,
    every: int = 1,
    init=None,
    standardized: bool = False,
) -> Iterator[SgdStep | SgdResult]:
    """Run minibatch SGD; yield step 0, every `every`-th step and the last one, then the result.

    Batches: each epoch, the table's rows are put in a new order and cut into consecutive
    minibatches of batch_size rows (the last one smaller when batch_size does not divide the
    sample count; batch_size above the sample count means full batch). The order of epoch e
    (1, 2, ...) is the e-th call rng.permutation(samples) on rng = np.random.default_rng(seed),
    and nothing else draws from rng, so the same seed gives the same run; with shuffle=False
    every epoch uses the file order.

    Bad options raise OptionError, a bad init PointError, and a model that is not a finite
    number at the initial parameters DomainError, all before the first step is yielded.

    Diverged: as soon as the full-data loss is not finite or is more than BLOW_UP times the loss
    at step 0 (checked after every update on tables of up to EACH_STEP_ROWS rows, else at every
    recorded step). `standardized` says the features are already scaled (no --standardize hint).
    """
    batch_size = _whole("--batch-size", batch_size)
    epochs = _whole("--epochs", epochs)
    every = _whole("--every", every)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OptionError(tr("--seed must be a whole number >= 0, got {value}", value=repr(seed)))
    _loss_scale(loss, 1)
    table = dataset.table
    if table.shape[0] == 0:
        raise DataError(tr("{source}: no data rows", source=dataset.source))
    per_epoch = -(-table.shape[0] // min(batch_size, table.shape[0]))
    if epochs * per_epoch > MAX_TOTAL_STEPS:
        raise OptionError(tr("--epochs {epochs} × {per_epoch} minibatches per epoch is {total} steps; the limit is {limit}",
                             epochs=f"{epochs:,}", per_epoch=f"{per_epoch:,}", total=f"{epochs * per_epoch:,}",
                             limit=f"{MAX_TOTAL_STEPS:,}"))
    theta = initial_params(model, init)
    with np.errstate(all="ignore"):
        start_loss = model.loss(theta, table, loss)
    if not math.isfinite(start_loss):
        raise DomainError(tr("the loss at the initial parameters ({params}) is not a finite number; choose other starting values with --init",
                             params=_format(model.params, theta)))
    return _run(model, table, optimizer, theta, start_loss, batch_size, epochs, loss, shuffle, int(seed), every,
                standardized)


# The full-data loss growing past this many times its start is divergence, not a bad minibatch.
BLOW_UP = 1000.0
# Up to this many rows the full-data loss is cheap enough to check after every update.
EACH_STEP_ROWS = 10_000


def _run(model, table, optimizer, theta, start_loss, batch_size, epochs, loss, shuffle, seed, every, standardized):
    clock = time.perf_counter()
    samples = table.shape[0]
    batch_size = min(batch_size, samples)
    per_epoch = -(-samples // batch_size)
    total = epochs * per_epoch
    rng = np.random.default_rng(seed)
    state = optimizer.init(theta)
    plain = optimizer.needs == "gradient"

    theta.flags.writeable = False
    last = SgdStep(0, 0, 0, theta, None, start_loss)
    spent = time.perf_counter() - clock
    yield last
    clock = time.perf_counter()

    k = 0  # updates applied so far
    last_batch_loss = None
    reason = ""
    limit = BLOW_UP * start_loss if start_loss > 0 else math.inf
    each_step = samples <= EACH_STEP_ROWS

    def blown_up(full_loss: float) -> bool:
        return not full_loss <= limit  # also true for nan
    while k < total and not reason:
        shown = min(total, (k // every + 1) * every)
        try:
            with np.errstate(all="ignore"):
                while k < shown:
                    epoch, batch = divmod(k, per_epoch)
                    if batch == 0:
                        epoch_rows = table[rng.permutation(samples)] if shuffle else table
                    rows = epoch_rows[batch * batch_size : (batch + 1) * batch_size]
                    batch_loss, gradient = model.loss_and_gradient(theta, rows, loss)
                    if plain:
                        updates, state = optimizer.update(gradient, state)
                    else:  # weight decay reads the parameters
                        updates, state = optimizer.update(gradient, state, Oracle(theta, batch_loss))
                    new_theta = theta + updates
                    # One cheap test per step: a nan or inf anywhere makes this sum non-finite.
                    if not math.isfinite(batch_loss + new_theta.sum()):
                        reason = _divergence(model, optimizer, k + 1, epoch + 1, batch + 1, batch_loss, gradient,
                                             theta, new_theta)
                        if reason:
                            # A non-finite loss or gradient stops before the update; non-finite
                            # parameters are the update itself, so that step is shown.
                            if math.isfinite(batch_loss) and np.isfinite(gradient).all():
                                theta, k, last_batch_loss = new_theta, k + 1, batch_loss
                            break
                    theta, k, last_batch_loss = new_theta, k + 1, batch_loss
                    if each_step and blown_up(model.loss(theta, table, loss)):
                        break
                if k > last.step:
                    full_loss = model.loss(theta, table, loss)
                    if not reason and blown_up(full_loss):
                        epoch, batch = divmod(k - 1, per_epoch)
                        reason = _blow_up_reason(model, optimizer, table, loss, k, epoch + 1, batch + 1, full_loss,
                                                 start_loss, standardized)
        except KeyboardInterrupt as stop:
            # Ctrl-C between shown steps: the exception carries where the run really is, so the
            # summary is not up to a whole --every behind.
            if k > last.step:
                with np.errstate(all="ignore"):
                    full_loss = model.loss(theta, table, loss)
                epoch, batch = divmod(k - 1, per_epoch)
                stop.step = SgdStep(k, epoch + 1, batch + 1, np.array(theta), last_batch_loss, full_loss)
            raise
        if k > last.step:
            theta.flags.writeable = False
            epoch, batch = divmod(k - 1, per_epoch)
            last = SgdStep(k, epoch + 1, batch + 1, theta, last_batch_loss, full_loss)
            spent += time.perf_counter() - clock
            yield last
            clock = time.perf_counter()

    spent += time.perf_counter() - clock
    if reason:
        yield SgdResult("diverged", reason, k, theta, last.loss, spent)
    else:
        plural = "s" if epochs != 1 else ""
        done = f"finished {epochs} epoch{plural}: {total} steps on minibatches of {batch_size} of the {samples} rows"
        yield SgdResult("completed", done, k, theta, last.loss, spent)


def _divergence(model, optimizer, step, epoch, batch, batch_loss, gradient, theta, new_theta) -> str:
    """Why step `step` cannot be taken, or "" when every number is in fact finite."""
    where = _format(model.params[:6], theta) + (", …" if len(model.params) > 6 else "")
    if not math.isfinite(batch_loss):
        kind = "infinite (too large for a double)" if math.isinf(batch_loss) else "undefined"
        what = f"the minibatch loss at {where} is {kind}"
    elif not np.isfinite(gradient).all():
        what = f"the gradient at {where} is not a finite number"
    elif not np.isfinite(new_theta).all():
        what = f"the parameters are no longer finite numbers after the update from {where}"
    else:
        return ""
    lr = optimizer.hyper.get("lr")
    advice = f"the steps grew instead of settling: try a smaller --lr (now {lr:g})"
    if isinstance(model, ExpressionModel):
        advice += ", or check that the model is defined for these parameters (log, sqrt, division)"
    return f"diverged at step {step} (epoch {epoch}, batch {batch}): {what}; {advice}"


def _blow_up_reason(model, optimizer, table, loss, step, epoch, batch, full_loss, start_loss, standardized) -> str:
    if math.isfinite(full_loss):
        what = f"the full-data loss {full_loss:.3g} is more than {BLOW_UP:,.0f} times the loss at the start ({start_loss:.3g})"
    else:
        what = "the full-data loss is no longer a finite number"
    lr = optimizer.hyper.get("lr")
    limit = stable_lr(model, table, loss)
    if limit is not None:
        advice = f"the largest stable learning rate of plain gd on these data is 2/λ_max = {limit:.3g} (now --lr {lr:g})"
    else:
        advice = f"the steps grew instead of settling: try a smaller --lr (now {lr:g})"
    if not math.isfinite(full_loss) and isinstance(model, ExpressionModel):
        advice += ", or check that the model is defined for these parameters (log, sqrt, division)"
    if not standardized:
        advice += "; or put the feature columns on one scale with --standardize"
    return f"diverged at step {step} (epoch {epoch}, batch {batch}): {what}; {advice}"


def _whole(option: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise OptionError(tr("{option} must be a whole number >= 1, got {value}", option=option, value=repr(value)))
    return int(value)


def _format(names, theta) -> str:
    return ", ".join(f"{n}={v:g}" for n, v in zip(names, theta))
