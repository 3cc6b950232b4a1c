"""The rule registry: each rule function registered with the finding ids it reports.

A rule is a small pure function of the facts (``FactsView -> list[Candidate]``) that proves
one finding, or a tightly related group whose conditions exclude one another (the kinds of
"python has no torch wheel", say). ``@rule("no_driver.gpu_lost")`` registers it; the ids must
be declared in :mod:`envcheck.catalogue`, and the tests check that a rule reports no id it
did not register and that every declared id has a rule (or, for ``bench.*``, the bench).
:mod:`envcheck.rules` runs the registered rules module by module in a fixed order, and
within a module in the order they are defined: findings of the same severity and rank keep
the order they were proposed in, so the order is part of the output.

Two stages are not fact rules and register with ``stage``: ``probes`` (a function of the
probe results: :mod:`.probe`) and ``differential`` (a function of the facts and the other
rules' candidates: :mod:`.differential`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from envcheck.catalogue import entry
from envcheck.rules.engine import Candidate

Stage = Literal["facts", "probes", "differential"]
F = TypeVar("F", bound=Callable[..., list[Candidate]])


@dataclass(frozen=True)
class Rule:
    """A registered rule: the function and the finding ids it may report."""

    ids: tuple[str, ...]
    fn: Callable[..., list[Candidate]]
    stage: Stage = "facts"

    @property
    def module(self) -> str:
        """The module that defines it (``envcheck.rules.driver``)."""
        return self.fn.__module__

    @property
    def name(self) -> str:
        """``driver.gpu_lost``: the module's last part and the function's name."""
        return f"{self.module.rsplit('.', 1)[-1]}.{self.fn.__name__}"

    def __call__(self, *args: Any) -> list[Candidate]:
        return self.fn(*args)


_REGISTERED: list[Rule] = []


def rule(*ids: str, stage: Stage = "facts") -> Callable[[F], F]:
    """Register the decorated function as the rule that reports ``ids`` (declared ones)."""
    for finding_id in ids:
        entry(finding_id)  # KeyError for an id the catalogue does not declare

    def register(fn: F) -> F:
        _REGISTERED.append(Rule(tuple(ids), fn, stage))
        return fn

    return register


def registered(stage: Stage | None = None) -> tuple[Rule, ...]:
    """Every registered rule (of one stage), in registration order."""
    return tuple(r for r in _REGISTERED if stage is None or r.stage == stage)


def in_module_order(modules: tuple[str, ...]) -> tuple[Rule, ...]:
    """The fact rules of ``modules``, module by module, each in definition order.

    A fact rule defined in a module not listed is an error: it would never run.
    """
    facts = registered("facts")
    missing = sorted({r.module for r in facts} - set(modules))
    if missing:
        raise RuntimeError(f"rule modules not in the run order: {missing}")
    return tuple(r for module in modules for r in facts if r.module == module)


def rules_by_id() -> Mapping[str, tuple[Rule, ...]]:
    """Finding id (as declared, ``probe.<probe>_failed`` for the family) → its rules."""
    out: dict[str, list[Rule]] = {}
    for registered_rule in _REGISTERED:
        for finding_id in registered_rule.ids:
            out.setdefault(finding_id, []).append(registered_rule)
    return {key: tuple(value) for key, value in out.items()}
