"""Paths as the same place, however they were written (pure; shared by probes and rules)."""

from __future__ import annotations


def norm_path(path: str) -> str:
    """Forward slashes, no trailing slash; Windows drive paths (``C:\\...``) in lower case,
    since Windows compares them case-insensitively."""
    text = path.replace("\\", "/").rstrip("/")
    return text.lower() if len(text) > 1 and text[1] == ":" else text


__all__ = ["norm_path"]
