"""The finding catalogue, the rule registry and the generated docs agree with the code.

Every public id is declared once (:mod:`envcheck.catalogue`), reported only by the rules
registered with it, fires in at least one test, and is listed in ``docs/findings.md``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from envcheck.catalogue import CATALOGUE, entry, finding, main, markdown
from envcheck.fact_keys import CATALOGUE as FACT_KEYS
from envcheck.model import Category, ProbeResult, ProbeStatus, Severity
from envcheck.rules import RULES, diagnose
from envcheck.rules.differential import differential
from envcheck.rules.facts_view import FactsView
from envcheck.rules.probe import probe_rules
from envcheck.rules.registry import registered, rules_by_id
from tests.bench.test_findings_catalogue import BENCH_IDS_FIRED
from tests.rules.cases import ALL_CASES, Case
from tests.rules.cases_catalogue import CATALOGUE_CASES
from tests.rules.scenarios import by_id, run

ROOT = Path(__file__).resolve().parents[2]
EVERY_CASE = [*ALL_CASES, *CATALOGUE_CASES]
PROBE_FAMILY = {"probe.<probe>_failed", "probe.<probe>_timed_out"}


@pytest.mark.parametrize("case", CATALOGUE_CASES, ids=[c.expected for c in CATALOGUE_CASES])
def test_catalogue_case(case: Case) -> None:
    findings = run(case.facts, case.notes)
    found = by_id(findings, case.expected)
    assert found.severity is case.severity, found
    text = f"{found.title} {found.detail}"
    for needle in case.contains:
        assert needle in text, f"{needle!r} not in {text!r}"
    if found.severity is Severity.ERROR:
        assert any(fix.commands or fix.url for fix in found.fixes), found
    assert found.evidence and set(found.evidence) <= set(FACT_KEYS)


def test_probe_findings_fire_for_failed_and_timed_out_probes() -> None:
    probes = (
        ProbeResult("cudnn", "cuDNN", ProbeStatus.FAILED, 0.1, "OSError: boom"),
        ProbeResult("pip_index", "Package index", ProbeStatus.TIMED_OUT, 10.0, "no answer"),
    )
    ids = {f.id: f for f in diagnose({}, {}, probes)}
    assert ids["probe.cudnn_failed"].category is Category.PROBE
    assert ids["probe.pip_index_timed_out"].title == "Could not check: Package index"
    assert entry("probe.cudnn_failed").id == "probe.<probe>_failed"


def test_every_declared_id_fires_in_a_test() -> None:
    fired = {case.expected for case in EVERY_CASE} | PROBE_FAMILY | BENCH_IDS_FIRED
    fired.add("bench.transfer_slow")  # tests/bench/test_result.py
    assert set(CATALOGUE) - fired == set()
    assert fired - set(CATALOGUE) == set()


def test_every_rule_id_is_registered_and_every_fact_rule_runs() -> None:
    by_id = rules_by_id()
    assert {i for i in CATALOGUE if not i.startswith("bench.")} == set(by_id)
    assert set(RULES) == set(registered("facts"))
    assert len(RULES) == len(set(RULES))


@pytest.mark.parametrize("case", EVERY_CASE, ids=[f"{c.expected}-{c.name}" for c in EVERY_CASE])
def test_rules_report_only_the_ids_they_registered(case: Case) -> None:
    view = FactsView(case.facts, case.notes)
    candidates = []
    for rule in RULES:
        produced = rule(view)
        assert {c.finding.id for c in produced} <= set(rule.ids), rule.name
        candidates.extend(produced)
    (diff_rule,) = registered("differential")
    assert {c.finding.id for c in differential(view, candidates)} <= set(diff_rule.ids)


def test_probe_rule_is_registered_with_its_family() -> None:
    (probe_rule,) = registered("probes")
    assert probe_rule.fn is probe_rules
    assert set(probe_rule.ids) == PROBE_FAMILY


def test_finding_takes_category_and_title_from_the_catalogue() -> None:
    made = finding("no_driver.gpu_lost", Severity.ERROR, detail="Xid 79")
    assert made.category is Category.NO_DRIVER
    assert made.title == CATALOGUE["no_driver.gpu_lost"].title
    assert finding("bench.noisy", Severity.INFO, title="Step times varied").title == (
        "Step times varied")


def test_finding_refuses_undeclared_ids_and_severities() -> None:
    with pytest.raises(KeyError, match=r"no_driver\.gone"):
        finding("no_driver.gone", Severity.ERROR)
    with pytest.raises(ValueError, match="not info"):
        finding("no_driver.gpu_lost", Severity.INFO)


def test_every_entry_is_complete_and_its_category_is_its_prefix() -> None:
    for item in CATALOGUE.values():
        assert item.severities and item.title and item.trigger and item.fix, item.id
        assert item.category.value == item.id.split(".")[0]
    assert {item.category for item in CATALOGUE.values()} == set(Category)


def test_docs_findings_md_is_generated_from_the_catalogue() -> None:
    where = {key: ", ".join(r.name for r in found) for key, found in rules_by_id().items()}
    text = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    assert text == markdown(where), (
        "docs/findings.md is out of date: run python -m envcheck.catalogue docs/findings.md")
    for finding_id in CATALOGUE:
        assert f"`{finding_id}`" in text


def test_main_writes_the_catalogue(tmp_path: Path) -> None:
    out = tmp_path / "findings.md"
    assert main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (ROOT / "docs" / "findings.md").read_text(
        encoding="utf-8")


def test_findings_are_built_only_through_the_catalogue() -> None:
    """No module but the catalogue calls ``Finding(...)``; reading a report back (which may
    come from another envcheck version) keeps the ids it reads."""
    allowed = {
        "envcheck/catalogue.py",
        "envcheck/explain/envcheck_text.py",
        "envcheck/bench/document.py",  # a bench result file (another node's) read back
    }
    offenders = []
    for path in sorted((ROOT / "envcheck").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [
            f"{name}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding"
        ]
    assert offenders == []


def test_rule_modules_read_in_one_sitting() -> None:
    """Modules of at most 600 lines (the house rule the registry split env.py and
    torch_build.py for)."""
    for path in [ROOT / "envcheck" / "catalogue.py", *(ROOT / "envcheck" / "rules").glob("*.py")]:
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 600, f"{path.name}: {lines} lines"
