"""Plots written to a file for a lab report: plain text, or an HTML page when the name ends in .html."""

from __future__ import annotations

from gdsim.errors import OptionError
from gdsim.i18n import tr


def write_plot_file(path: str, blocks: list[str]) -> None:
    text = "\n\n".join(blocks) + "\n"
    if path.lower().endswith((".html", ".htm")):
        import html

        text = ("<!doctype html><meta charset=\"utf-8\"><title>gdsim plots</title>\n<pre style=\"font-family: monospace\">\n"
                + html.escape(text) + "</pre>\n")
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as e:
        raise OptionError(tr("--save-plot {path}: cannot write ({reason})", path=path, reason=e.strerror)) from None
