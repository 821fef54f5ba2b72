"""`gdsim derive` for people: the derivatives, the hiker's reading of each slope, curvature.

Builds rich renderables from the derive document (and the Function, for pretty formulas);
it never computes anything the JSON does not also carry.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from gdsim.expr.steps import derivation
from gdsim.expr.function import Function
from gdsim.i18n import tr
from gdsim.expr.printing import Printer, pretty
from gdsim.expr.printing import shown as as_typed
from gdsim.render.stationary_text import stationary_text


def num(x) -> str:
    """A number as a student reads it: up to 10 significant digits, no noise like 2.0000000001."""
    if x is None:
        return "undefined"
    x = float(x)
    if x == 0:
        return "0"
    s = f"{x:.10g}"
    return s


def partial_name(function: Function, v: str) -> str:
    return "f′" if function.dimension == 1 else f"∂f/∂{v}"


def signature(function: Function) -> str:
    return f"f({', '.join(function.variables)})"


def reading(function: Function, v: str, slope: float, kind: str) -> str:
    name = partial_name(function, v)
    if kind == "flat":
        return tr("{name} = 0: flat ground along {v}", name=name, v=v)
    if kind == "rising":
        return tr("{name} > 0: f rises as {v} grows → downhill is towards -{v} (decrease {v})", name=name, v=v)
    return tr("{name} < 0: f falls as {v} grows → downhill is towards +{v} (increase {v})", name=name, v=v)


def render(doc: dict, function: Function, *, steps: bool = False) -> list:
    out: list = []
    names = doc["variables"]
    shown = list(doc["gradient"].keys())
    out.append(Text(f"{signature(function)} = {as_typed(function)}", style="bold"))
    out.append(Text(""))
    grads = dict(zip(function.variables, function.gradient_exprs))
    title = tr("Derivative") if function.dimension == 1 else tr("Partial derivatives (the slope along each variable)")
    out.append(Text(title, style="bold cyan"))
    for v in shown:
        out.append(Text(f"  {partial_name(function, v)} = {pretty(grads[v])}"))
    if function.dimension > 1 and not doc.get("wrt"):
        out.append(Text(f"  ∇f = ({', '.join(pretty(grads[v]) for v in names)})"))

    if steps:
        for v in shown:
            out.extend(render_steps(function, v))

    if "hessian" in doc:
        out.append(Text(""))
        out.append(Text(tr("Second derivatives (Hessian)"), style="bold cyan"))
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                if j < i:
                    continue
                label = "f″" if function.dimension == 1 else (f"∂²f/∂{a}²" if a == b else f"∂²f/∂{a}∂{b}")
                out.append(Text(f"  {label} = {pretty(function.hessian_exprs[i][j])}"))

    if "at" not in doc:
        return out

    point = ", ".join(f"{v}={num(x)}" for v, x in doc["at"].items())
    out.append(Text(""))
    out.append(Text(tr("At the point ({point}) — step 1 of the lecture: feel the slope", point=point), style="bold cyan"))
    out.append(Text(f"  f = {num(doc['value'])}"))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2))
    table.add_column(tr("variable"))
    table.add_column(tr("slope"), justify="right")
    table.add_column(tr("what the hiker's foot says"))
    for v in shown:
        g = doc["gradient_value"][v]
        table.add_row(v, f"{partial_name(function, v)} = {num(g)}", reading(function, v, g, doc["slopes"][v]))
    out.append(table)
    if "gradient_norm" in doc and function.dimension > 1:
        grad = ", ".join(num(doc["gradient_value"][v]) for v in names)
        down = ", ".join(num(doc["descent_direction"][v]) for v in names)
        out.append(Text(f"  ∇f = ({grad})   ‖∇f‖ = {num(doc['gradient_norm'])}"))
        out.append(Text("  " + tr("-∇f = ({down}): the steepest way down from here", down=down)))
    if "gradient_norm" in doc:
        if doc["gradient_norm"] <= 1e-12:
            out.append(Text("  " + tr("The ground is flat here: gradient descent would stop (step 2 of the lecture).")))
            out.append(Text("  " + stationary_text(doc.get("stationary"))))
        else:
            out.append(
                Text(
                    "  "
                    + tr(
                        "One GD step (lecture step 3) goes to the point - lr·∇f; with lr = 0.1: ({to}).",
                        to=", ".join(
                            f"{v}={num(doc['at'][v] - 0.1 * doc['gradient_value'][v])}" for v in names
                        ),
                    )
                )
            )

    if "hessian_value" in doc:
        out.append(Text(""))
        out.append(Text(tr("Curvature at the point"), style="bold cyan"))
        h = Table(show_header=False, box=None, pad_edge=False, padding=(0, 2))
        for _ in names:
            h.add_column(justify="right")
        for row in doc["hessian_value"]:
            h.add_row(*(num(x) for x in row))
        from rich.padding import Padding

        out.append(Text("  H ="))
        out.append(Padding(h, (0, 0, 0, 4), expand=False))
        eig = ", ".join(num(x) for x in doc["hessian_eigenvalues"])
        out.append(Text("  " + tr("eigenvalues (ascending): {eig}", eig=eig)))
        out.append(Text("  " + curvature_text(doc["curvature"])))
        if doc.get("max_stable_lr") is not None and doc["curvature"] == "saddle":
            out.append(
                Text(
                    "  "
                    + tr(
                        "Along the directions that curve up, GD is stable for lr < 2/λ_max = {lr}; along a direction that curves down it slides away at any lr.",
                        lr=num(doc["max_stable_lr"]),
                    )
                )
            )
        elif doc.get("max_stable_lr") is not None:
            out.append(
                Text(
                    "  "
                    + tr(
                        "Largest stable GD learning rate where f is locally quadratic: 2/λ_max = {lr}",
                        lr=num(doc["max_stable_lr"]),
                    )
                )
            )
        else:
            out.append(Text("  " + tr("No positive curvature here, so no learning rate bound applies.")))

    if "check" in doc:
        c = doc["check"]
        out.append(Text(""))
        out.append(Text(tr("Check against central finite differences (f(x+h) - f(x-h)) / 2h"), style="bold cyan"))
        for v in shown:
            out.append(
                Text(
                    f"  {partial_name(function, v)}: "
                    + tr("symbolic {s}, numeric {n}", s=num(doc["gradient_value"][v]), n=num(c["finite_difference"][v]))
                )
            )
        out.append(Text("  " + tr("largest difference: {d}", d=f"{c['max_difference']:.3g}")))
    return out


def curvature_text(kind: str) -> str:
    return {
        "convex": tr("All eigenvalues > 0: convex here, a bowl curving up in every direction."),
        "concave": tr("All eigenvalues < 0: concave here, a cap curving down in every direction."),
        "saddle": tr("Eigenvalues of both signs: a saddle, up in one direction and down in another."),
        "degenerate": tr("Some eigenvalue is 0: flat in some direction; the curvature does not decide."),
    }[kind]


def render_steps(function: Function, v: str) -> list:
    sym = function.symbols[v]
    lines, result = derivation(function.expr, sym)
    d = f"d/d{v}" if function.dimension == 1 else f"∂/∂{v}"
    out = [Text(""), Text(tr("Derivation of {name}, rule by rule", name=partial_name(function, v)), style="bold cyan")]
    for line in lines:
        holes = {s: f"{d}[{pretty(sub)}]" for s, sub in line.pending.items()}
        rhs = Printer("pretty", holes)(line.rhs)
        out.append(Text(f"  {d}[{pretty(line.target)}] = {rhs}"))
        out.append(Text(f"      {rule_text(line.rule)}", style="dim"))
    out.append(Text(f"  ⇒ {partial_name(function, v)} = {pretty(result)}", style="bold"))
    return out


CHAIN = " (chain rule)"


def rule_text(rule: str) -> str:
    """A derivation rule in the current language (the chain-rule note is translated on its own)."""
    if rule.endswith(CHAIN):
        return tr(rule[: -len(CHAIN)]) + tr(CHAIN)
    return tr(rule)


def render_vector(doc: dict, function, *, steps: bool = False) -> list:
    """Vector mode: f, ‖∇f‖ and the first components, not one column per component."""
    v = doc["variables"][0]
    out = [Text(f"f({v}) = {doc['function']},   {v} ∈ R^{doc['dim']}", style="bold")]
    if "at" not in doc:
        out.append(Text(tr("Give a point with --at (one number for every component, or all of them) to feel the slope.")))
        return out
    out.append(Text(""))
    out.append(Text(tr("At the point — step 1 of the lecture: feel the slope"), style="bold cyan"))
    out.append(Text(f"  f = {num(doc['value'])}   ‖∇f‖ = {num(doc['gradient_norm'])}   ‖{v}‖ = {num(sum(x * x for x in doc['at']) ** 0.5)}"))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 2))
    table.add_column(tr("component"))
    table.add_column(tr("value"), justify="right")
    table.add_column(tr("slope"), justify="right")
    table.add_column(tr("what the hiker's foot says"))
    n = len(doc["at"])
    shown = list(range(min(n, 5))) + ([n - 1] if n > 5 else [])
    for i in shown:
        name = f"{v}[{i}]"
        g = doc["gradient_value"][i]
        table.add_row(name, num(doc["at"][i]), num(g), reading(function, name, g, doc["slopes"][i]))
    out.append(table)
    if n > 5:
        counts = {k: doc["slopes"].count(k) for k in ("rising", "falling", "flat")}
        out.append(Text("  " + tr("… {n} components in all: {r} rising, {f} falling, {z} flat", n=n, r=counts["rising"], f=counts["falling"], z=counts["flat"])))
    if "hessian_eigenvalues" in doc:
        eig = doc["hessian_eigenvalues"]
        out.append(Text("  " + tr("eigenvalues (ascending): {eig}", eig=f"{num(eig[0])} … {num(eig[-1])}")))
        out.append(Text("  " + curvature_text(doc["curvature"])))
        if doc.get("stationary"):
            out.append(Text("  " + stationary_text(doc["stationary"])))
    if "check" in doc:
        out.append(Text("  " + tr("largest difference: {d}", d=f"{doc['check']['max_difference']:.3g}")))
    return out
