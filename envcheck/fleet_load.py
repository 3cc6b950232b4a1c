"""Read the inputs of ``fleet summarize``: files, folders and glob patterns of JSON reports.

A folder means every ``*.json`` file in it and below it; a pattern (``reports/*.json``,
quoted so the shell leaves it) is expanded here so it also works where the shell would hit its
argument-length limit on thousands of files. Each file holds one JSON object. A file that
cannot be read or parsed is skipped with a one-line reason; an argument that names nothing is
an error (:class:`FleetInputError`), since it is almost always a typo.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Sequence
from pathlib import Path

from envcheck.fleet import Document

_MAGIC = ("*", "?", "[")


class FleetInputError(ValueError):
    """An argument names no file (the message is the one line to show)."""


def expand_inputs(arguments: Sequence[str]) -> list[Path]:
    """The files the arguments name, in order, each once."""
    files: list[Path] = []
    seen: set[Path] = set()
    for argument in arguments:
        path = Path(argument)
        if any(ch in argument for ch in _MAGIC) and not path.exists():
            matches = [Path(m) for m in sorted(glob.glob(argument, recursive=True))]
            found = [m for m in matches if m.is_file()]
            found += [f for m in matches if m.is_dir() for f in sorted(m.rglob("*.json"))]
            if not found:
                raise FleetInputError(f"{argument}: matches no file")
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not found:
                raise FleetInputError(f"{argument}: no *.json file in this folder")
        elif path.is_file():
            found = [path]
        else:
            raise FleetInputError(f"{argument}: no such file or folder")
        for item in found:
            if item not in seen:
                seen.add(item)
                files.append(item)
    return files


def load_documents(files: Sequence[Path]) -> tuple[list[Document], list[str]]:
    """Parse each file; return the documents and a reason for each file skipped."""
    documents: list[Document] = []
    skipped: list[str] = []
    for path in files:
        try:
            data = json.loads(path.read_bytes())
        except OSError as exc:
            skipped.append(f"{path}: cannot read ({exc.strerror or exc})")
            continue
        except ValueError as exc:
            skipped.append(f"{path}: not JSON ({str(exc).splitlines()[0]})")
            continue
        if not isinstance(data, dict):
            skipped.append(f"{path}: not a JSON object")
            continue
        documents.append(Document(str(path), path.stem, data))
    return documents, skipped
