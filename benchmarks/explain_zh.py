"""Issue 15's done-when on real reports: ``envcheck explain --lang zh --json`` on every paste of
a corpus gives findings whose title, detail and fix summaries are all Chinese.

"All Chinese" means: each text holds Chinese, and no run of five English words is left in it
outside quotes, parentheses and code (the check the tests use, ``english_left``). What the
reporter pasted (quoted error lines, commands, versions, paths) stays as it was.

Usage: python benchmarks/explain_zh.py [CORPUS_DIR] [-v]   (default ../shared/corpus)
Prints one line per paste with something left in English (with -v, every paste), then the
totals; exits 1 when any paste has one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_i18n_complete import english_left  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


def _texts(finding: dict[str, object]) -> list[tuple[str, str]]:
    fixes = finding.get("fixes") or []
    assert isinstance(fixes, list)
    return [("title", str(finding["title"])), ("detail", str(finding["detail"])),
            *(("fix", str(fix["summary"])) for fix in fixes)]


def check(path: Path, envcheck: str) -> tuple[int, list[str]]:
    """The number of findings of one paste, and what in them is not Chinese."""
    run = subprocess.run([envcheck, "explain", "--lang", "zh", "--json", str(path)],
                         capture_output=True, text=True, timeout=60, check=False)
    if run.returncode not in (0, 1):
        return 0, [f"exit {run.returncode}: {run.stderr.strip()[:200]}"]
    findings = json.loads(run.stdout)["findings"]
    problems = []
    for finding in findings:
        for where, text in _texts(finding):
            if not text:
                continue
            if not CJK.search(text):
                problems.append(f"{finding['id']} {where}: no Chinese: {text[:120]!r}")
            for left in english_left(text):
                problems.append(f"{finding['id']} {where}: English left: {left!r}")
    return len(findings), problems


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    envcheck = str(ROOT / ".venv" / "bin" / "envcheck")
    pastes = sorted(corpus.glob("*.txt"))
    if not pastes:
        print(f"no pastes in {corpus}", file=sys.stderr)
        return 2
    bad = total = 0
    for path in pastes:
        count, problems = check(path, envcheck)
        total += count
        if problems:
            bad += 1
        if problems or verbose:
            print(f"{path.name}: {count} findings" + "".join(f"\n    {p}" for p in problems))
    print(f"{len(pastes) - bad}/{len(pastes)} pastes all Chinese ({total} findings)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
