"""`gdsim derive --format latex`: the function, its partials, gradient and Hessian as LaTeX lines."""

from __future__ import annotations

from gdsim.expr.function import Function
from gdsim.expr.printing import latex


def _var(v: str) -> str:
    return f"{v[0]}_{{{v[1:]}}}" if len(v) > 1 and v[1:].isdigit() else v


def render_latex(doc: dict, function: Function) -> str:
    names = function.variables
    grads = dict(zip(names, function.gradient_exprs))
    one = function.dimension == 1
    lines = [f"f({', '.join(_var(v) for v in names)}) = {latex(function.expr)}"]
    for v in doc["gradient"]:
        head = "f'" if one else rf"\frac{{\partial f}}{{\partial {_var(v)}}}"
        lines.append(f"{head} = {latex(grads[v])}")
    if not one and not doc.get("wrt"):
        lines.append(rf"\nabla f = \left( {', '.join(latex(grads[v]) for v in names)} \right)")
    if "hessian" in doc:
        rows = r" \\ ".join(" & ".join(latex(h) for h in row) for row in function.hessian_exprs)
        lines.append(rf"H = \begin{{pmatrix}} {rows} \end{{pmatrix}}")
    return "\n".join(lines) + "\n"
