"""Renderers: pure functions from one immutable Report to a string (text, JSON, markdown, HTML).

:data:`RENDERERS` is the registry ``--format`` picks from: each format names the module and
function that render it, imported only when that format is asked for (start-up stays small).
Every renderer has the same signature, ``render(report, options) -> str``.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envcheck.model import Report


class OutputFormat(str, enum.Enum):
    """The report formats the CLI offers."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


@dataclass(frozen=True)
class Appendix:
    """Something measured alongside the report (``report --bench``), shown after the facts.

    ``text`` is shown preformatted; ``data`` goes into JSON under ``name``.
    """

    name: str
    title: str
    text: str
    data: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class RenderOptions:
    """What a renderer may be told besides the report itself."""

    verbose: bool = False
    color: bool = False
    width: int = 100
    appendix: tuple[Appendix, ...] = ()
    lang: str = "en"
    """The language of the words (:mod:`envcheck.i18n`): every format speaks it; ids, keys,
    values and commands are the same in every language."""


Renderer = Callable[["Report", RenderOptions], str]

RENDERERS: dict[OutputFormat, tuple[str, str]] = {
    OutputFormat.TEXT: ("envcheck.render.text", "render"),
    OutputFormat.JSON: ("envcheck.render.json", "render"),
    OutputFormat.MARKDOWN: ("envcheck.render.markdown", "render"),
    OutputFormat.HTML: ("envcheck.render.html", "render"),
}
"""Format → (module, function); a new format is one module and one row here."""


def renderer(fmt: OutputFormat) -> Renderer:
    """The render function for ``fmt``."""
    module, name = RENDERERS[fmt]
    function: Renderer = getattr(importlib.import_module(module), name)
    return function


def render_report(report: Report, fmt: OutputFormat, options: RenderOptions | None = None) -> str:
    """Render ``report`` in ``fmt``, its words in ``options.lang`` (:mod:`.localize`)."""
    from envcheck.render.localize import localize

    options = options or RenderOptions()
    return renderer(fmt)(localize(report, options.lang), options)
