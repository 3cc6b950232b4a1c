"""Renderers: pure functions from one immutable Report to a string (text, JSON, markdown)."""

from __future__ import annotations

import enum


class OutputFormat(str, enum.Enum):
    """The report formats the CLI offers."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
