"""What kind of flat ground the hiker stands on, in plain words (descend's summary and derive).

Flat ground is not always the bottom: on a hilltop or a saddle −∇f is 0 too, so gd stops there.
"""

from __future__ import annotations

from gdsim.i18n import tr


def stationary_text(kind: str | None) -> str:
    """The verdict for a kind from gdsim.engine.stationary.kind; None when no Hessian was asked for."""
    if kind == "minimum":
        return tr("flat ground at the bottom: f curves up in every direction, a minimum (a nudge would roll back here)")
    if kind == "maximum":
        return tr("flat ground, but a hilltop: a nudge would roll downhill (−∇f is 0 here, so gd cannot leave it)")
    if kind == "saddle":
        return tr("flat ground, but a saddle: a nudge along a direction that curves down would roll downhill (−∇f is 0 here, so gd cannot leave it)")
    if kind == "degenerate":
        return tr("flat ground whose kind the curvature cannot tell (some direction is flat to second order, as for x⁴ or x³ at 0): it may be a minimum, a hilltop or a saddle")
    return tr("flat ground: a stationary point (minimum, maximum or saddle: --hessian tells)")
