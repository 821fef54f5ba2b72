"""Language of the explanations: English by default, Korean with --lang ko or a Korean locale.

Messages are written in English where they are used, wrapped in tr(); the Korean table maps
each English template to its translation. JSON and CSV never go through tr().
"""

from __future__ import annotations

import os

_language = "en"


def detect_language(option: str | None = None) -> str:
    """--lang wins; else LC_ALL, LC_MESSAGES, LANG (ko_KR.UTF-8 → ko); else English."""
    if option:
        return option
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def set_language(lang: str) -> None:
    global _language
    _language = lang


def language() -> str:
    return _language


def tr(template: str, **values) -> str:
    """The template in the current language, filled with `values`."""
    if _language == "ko":
        from gdsim.i18n.ko import KO

        template = KO.get(template, template)
    return template.format(**values) if values else template
