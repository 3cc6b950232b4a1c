"""The probe contract: an id, a title, ``applies`` (a skip reason or None) and ``run``.

A probe gathers facts through the :class:`~envcheck.context.Context` and returns a
:class:`~envcheck.model.ProbeOutcome`. It never prints, never judges (rules do) and may raise:
the doctor turns any exception into a failed result with its reason.
"""

from __future__ import annotations

import abc
from typing import ClassVar

from envcheck.context import Context
from envcheck.i18n import Msg
from envcheck.model import FactValue, ProbeOutcome
from envcheck.system.run import tool_output as tool_output  # for the probes, with the rest


class Probe(abc.ABC):
    """One thing inspected. Subclasses set ``id``, ``title`` and ``inspects``, say what they
    need and who runs them (the class attributes below), and implement ``run``."""

    id: ClassVar[str]
    title: ClassVar[str]
    """Its name in the report, a :class:`~envcheck.i18n.Msg` (said in the reader's language)."""
    inspects: ClassVar[str]
    """What it looks at, in words ("the NVIDIA driver and GPUs"), a
    :class:`~envcheck.i18n.Msg`: when the probe fails, the ``probe.*`` finding says this went
    unchecked."""
    per_target: ClassVar[bool] = False
    limit_flag: ClassVar[str] = "--timeout"
    """The doctor option that sets this probe's time limit (named when it times out)."""
    """True when the facts depend on the inspected interpreter; False for machine-wide facts
    (driver, GPUs, toolkit), which ``doctor --all-envs`` gathers once for every environment."""
    needs_target: ClassVar[bool] = False
    """True when it cannot run at all without the target interpreter's inspection: it fails
    (TargetUnavailable) when that inspection failed, and the ``target.unusable`` finding
    explains the failure."""
    for_recommend: ClassVar[bool] = False
    """True when ``envcheck recommend`` runs it to learn this machine (OS, GPU, driver, the
    target Python, pip's index): quick probes whose facts the recommendation uses."""

    def applies(self, ctx: Context) -> str | None:
        """None when the probe should run here; otherwise the reason it is skipped."""
        return None

    def timeout(self, ctx: Context) -> float:
        """Wall-clock limit for the whole probe (commands inside have their own)."""
        return ctx.timeout_s

    @abc.abstractmethod
    def run(self, ctx: Context) -> ProbeOutcome:
        """Gather facts. May raise; the doctor records the exception as the reason."""


class Facts:
    """A small builder: set known facts, mark unknown ones with the reason."""

    def __init__(self) -> None:
        self.values: dict[str, FactValue] = {}
        self.notes: dict[str, str] = {}

    def set(self, key: str, value: FactValue, note: str | None = None) -> None:
        """Record ``key``; a None value should come with a note saying why."""
        self.values[key] = value
        if note:
            self.notes[key] = note
        elif value is not None:
            self.notes.pop(key, None)

    def unknown(self, key: str, why: str) -> None:
        """Record that ``key`` could not be determined, and why."""
        self.values[key] = None
        self.notes[key] = why

    def outcome(self, summary: str = "") -> ProbeOutcome:
        """Freeze into a ProbeOutcome."""
        return ProbeOutcome(self.values, self.notes, summary)


def quoted(text: str) -> str:
    """Data standing alone where a message is said (a path, "Python 3.11.7"): shown as it is
    in every language, and known not to be an untranslated sentence. What a tool or an
    exception printed is :func:`tool_output` instead (quoted in Chinese)."""
    return Msg("{text}", text=text) if text else text
