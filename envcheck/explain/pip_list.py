"""``pip list``, ``pip freeze``, ``pip show`` and pip's "Requirement already satisfied" lines.

pip list prints a ``Package  Version`` header, a dashed rule, then one row per distribution;
pip freeze prints ``name==version`` or ``name @ URL`` (the version is then in the wheel file
name, percent-encoded: ``torch-2.1.0%2Bcu121-cp310-...whl``). Outside those shapes only rows
naming a torch-family package are read, so "Python 3.10" in prose is not taken for a package.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote

from envcheck.explain.common import (
    Line,
    Parsed,
    ParsedBuilder,
    as_lines,
    torch_version_facts,
)
from envcheck.i18n import Msg
from envcheck.parsers.versions import normalise_name

SOURCE = "pip"

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,80}[A-Za-z0-9])?"
_VERSION = r"\d{1,8}(?:[.!+_a-zA-Z0-9-]{0,60})"
_HEADER_RE = re.compile(r"^\s*Package\s+Version(?:\s+\S.*)?$")
_RULE_RE = re.compile(r"^\s*-{3,}(?:\s+-{3,}){1,4}\s*$")
_ROW_RE = re.compile(rf"^\s*({_NAME})\s+({_VERSION})(?:\s+\S.*)?$")
_PAIR_RE = re.compile(rf"^\s*({_NAME})\s+({_VERSION})\s*$")
_FREEZE_RE = re.compile(rf"^\s*({_NAME})(?:\[[\w,.-]{{0,80}}\])?\s*===?\s*({_VERSION})\s*$")
_URL_RE = re.compile(rf"^\s*({_NAME})\s+@\s+(\S{{1,1000}})\s*$")
_SHOW_NAME_RE = re.compile(rf"^Name:\s+({_NAME})\s*$")
_SHOW_VERSION_RE = re.compile(rf"^Version:\s+({_VERSION})\s*$")
_SATISFIED_RE = re.compile(
    rf"^Requirement already satisfied:\s+({_NAME})(?:\[[^\]]{{0,80}}\])?"
    rf"[^()]{{0,300}}(?:\(from [^()]{{0,200}}\)\s{{0,4}})?\(({_VERSION})\)\s*$"
)
# "torch-2.1.0+cu121" in "Successfully installed ...": the name ends at the last "-" that is
# followed by a digit.
_INSTALLED_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]{0,80}?)-(\d[\w.+!]{0,60})$")
_EDITABLE_RE = re.compile(r"^\s*-e\s+\S")
_SHOW_FIELD_RE = re.compile(
    r"^(?:Summary|Home-page|Author|Author-email|License|Location|Requires|Required-by|"
    r"Editable project location|Metadata-Version|Installer|Classifiers|Entry-points|"
    r"Project-URLs?|License-Expression|License-File|Maintainer|Maintainer-email):"
)

RELEVANT = ("torch", "torchvision", "torchaudio", "xformers", "flash-attn", "triton")
"""Packages a loose ``name version`` line is accepted for (plus any ``nvidia-*``)."""

_SIMPLE_KEYS = {
    "torchvision": "packages.torchvision",
    "torchaudio": "packages.torchaudio",
    "xformers": "packages.xformers",
    "flash-attn": "packages.flash_attn",
    "triton": "packages.triton",
    "pytorch-triton": "packages.triton",
}


def _relevant(name: str) -> bool:
    return name in RELEVANT or name.startswith("nvidia-")


def version_from_url(url: str) -> str | None:
    """The version in a wheel or sdist URL (``.../torch-2.1.0%2Bcu121-cp310-...whl``)."""
    filename = unquote(url.rstrip("/").rsplit("/", 1)[-1].split("#", 1)[0])
    if filename.endswith(".whl"):
        parts = filename.split("-")
        return parts[1] if len(parts) >= 5 else None
    for suffix in (".tar.gz", ".zip"):
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            name, _, version = stem.rpartition("-")
            return version if name and version[:1].isdigit() else None
    return None


class PackageRows:
    """Collects package rows (from pip or conda's ``pypi`` rows), then turns them into facts."""

    def __init__(self, builder: ParsedBuilder) -> None:
        self.b = builder
        self.nvidia: list[dict[str, object]] = []
        self.nvidia_line: int | None = None

    def row(self, name: str, version: str | None, line: int, fmt: str) -> None:
        self.b.consume(line)
        self.b.recognise(fmt)
        key = normalise_name(name)
        if key == "torch":
            if version is None:
                self.b.unknown("torch.version", line,
                               Msg("installed from a URL without a version"))
            else:
                torch_version_facts(self.b, version, line)
        elif key in _SIMPLE_KEYS:
            self.b.add(_SIMPLE_KEYS[key], version, line,
                       None if version else Msg("no version given"))
        elif key.startswith("nvidia-"):
            self.nvidia.append({"name": key, "version": version})
            if self.nvidia_line is None:
                self.nvidia_line = line

    def finish(self) -> None:
        if self.nvidia_line is None:
            return
        self.b.add("packages.nvidia", self.nvidia, self.nvidia_line)
        cudnn = [p for p in self.nvidia if str(p["name"]).startswith("nvidia-cudnn")]
        if cudnn:
            self.b.add("cudnn.wheels", cudnn, self.nvidia_line)


def _freeze_blocks(rows: Sequence[Line]) -> set[int]:
    """Lines of ``pip freeze``-shaped runs: three or more, or any naming a torch package.

    Inside such a run every ``name==version`` line is pip output, even ``numpy==1.26.0``;
    a lone one elsewhere may be prose, so only torch-family lines are read outside runs.
    """
    blocks: set[int] = set()
    run: list[int] = []
    relevant = False
    for i, line in enumerate([*rows, Line("")]):
        text = line.text
        freeze = _FREEZE_RE.match(text) or _URL_RE.match(text)
        if freeze is not None or (run and _EDITABLE_RE.match(text)):
            run.append(i)
            relevant = relevant or (
                freeze is not None and _relevant(normalise_name(freeze.group(1)))
            )
            continue
        if len(run) >= 3 or relevant:
            blocks.update(run)
        run = []
        relevant = False
    return blocks


def parse_pip_list(lines: Sequence[Line] | Sequence[str] | str, *, listed: bool = False) -> Parsed:
    """Read pip list / freeze / show output anywhere in the paste. Pure; never raises.

    ``listed=True`` says every line is a package entry (collect_env's ``[pip3]`` lines), so
    any ``name==version`` or ``name version`` is taken. Emits torch.version (and its label's
    build facts), packages.torchvision/torchaudio/xformers/flash_attn/triton,
    packages.nvidia and cudnn.wheels.
    """
    rows = as_lines(lines)
    b = ParsedBuilder(SOURCE)
    packages = PackageRows(b)
    in_table = False
    show_name: tuple[str, int] | None = None
    freeze_block = _freeze_blocks(rows)
    shown_at = -100
    for i, line in enumerate(rows):
        text = line.text
        if not text.strip():
            in_table = False
            continue
        if _HEADER_RE.match(text):
            in_table = True
            b.consume(i)
            continue
        if in_table and _RULE_RE.match(text):
            b.consume(i)
            continue
        if in_table or listed:
            row = _ROW_RE.match(text) if in_table else _PAIR_RE.match(text)
            if row is not None:
                packages.row(row.group(1), row.group(2), i, "pip list")
                continue
            in_table = False
        freeze = _FREEZE_RE.match(text)
        in_block = listed or i in freeze_block
        if freeze is not None and (in_block or _relevant(normalise_name(freeze.group(1)))):
            packages.row(freeze.group(1), freeze.group(2), i, "pip freeze")
            continue
        url = _URL_RE.match(text)
        if url is not None and (in_block or _relevant(normalise_name(url.group(1)))):
            packages.row(url.group(1), version_from_url(url.group(2)), i, "pip freeze")
            continue
        if i in freeze_block:
            b.consume(i)
            continue
        pair = _PAIR_RE.match(text)
        if pair is not None and _relevant(normalise_name(pair.group(1))):
            packages.row(pair.group(1), pair.group(2), i, "pip list")
            continue
        if text.startswith("Successfully installed "):
            b.consume(i)
            for token in text.split()[2:300]:
                installed = _INSTALLED_RE.match(token)
                if installed is not None and _relevant(normalise_name(installed.group(1))):
                    packages.row(installed.group(1), installed.group(2), i, "pip install")
            continue
        satisfied = _SATISFIED_RE.match(text)
        if satisfied is not None:
            b.consume(i)
            if _relevant(normalise_name(satisfied.group(1))):
                packages.row(satisfied.group(1), satisfied.group(2), i, "pip install")
            continue
        shown = _SHOW_NAME_RE.match(text)
        if shown is not None:
            show_name = (shown.group(1), i)
            continue
        version = _SHOW_VERSION_RE.match(text)
        if version is not None and show_name is not None and show_name[1] == i - 1:
            b.consume(show_name[1])
            packages.row(show_name[0], version.group(1), i, "pip show")
            show_name = None
            shown_at = i
            continue
        if i - shown_at < 30 and _SHOW_FIELD_RE.match(text):
            b.consume(i)
            shown_at = i
    packages.finish()
    return b.build()
