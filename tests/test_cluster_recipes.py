"""Every recipe in docs/cluster.md, run as written against fake cluster launchers.

The blocks marked ``<!-- recipe: NAME -->`` are extracted and run with bash in a temp folder
whose PATH starts with ``tests/fakebin/cluster`` (fake srun, pdsh, clush, ansible, kubectl,
scontrol) and then holds the real envcheck. The fakes play two nodes, gpu01 and
gpu02 (``cluster_site/sitecustomize.py`` makes Python report the fake node's host name), and
log their arguments, so each test checks the command shape, the files the nodes wrote and
what ``fleet summarize`` made of them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cluster.md"
MANIFEST = ROOT / "examples" / "kubernetes" / "envcheck-job.yaml"
FAKEBIN = Path(__file__).parent / "fakebin"
BIN = Path(sys.executable).parent
NODES = ("gpu01", "gpu02")
_RECIPE = re.compile(r"<!-- recipe: (\S+) -->\s*```sh\n(.*?)```", re.DOTALL)

pytestmark = pytest.mark.skipif(not (BIN / "envcheck").exists(),
                                reason="needs the envcheck script beside this interpreter")


def recipes() -> dict[str, str]:
    """Recipe name → its shell block, from docs/cluster.md."""
    return dict(_RECIPE.findall(DOC.read_text(encoding="utf-8")))


def _run(name: str, tmp_path: Path, *extra_path: Path) -> tuple[str, list[list[str]]]:
    """Run one recipe; return its stdout and the launchers' logged argv lists."""
    work, home, state = tmp_path / "work", tmp_path / "home", tmp_path / "state"
    for folder in (work, home, state):
        folder.mkdir()
    (work / "examples").symlink_to(ROOT / "examples")
    log = tmp_path / "launchers.log"
    path = [*extra_path, FAKEBIN / "cluster", BIN, Path("/usr/bin"), Path("/bin")]
    env = {
        "PATH": os.pathsep.join(str(p) for p in path),
        "HOME": str(home),
        "FAKE_NODES": " ".join(NODES),
        "FAKE_LOG": str(log),
        "FAKE_STATE": str(state),
        "PYTHONPATH": str(FAKEBIN / "cluster_site"),
        "REAL_ENVCHECK": str(BIN / "envcheck"),
        "ENVCHECK_REPO": str(ROOT),
        # What an sbatch script or an salloc shell has (the torchrun recipe reads them).
        "SLURM_JOB_ID": "42",
        "SLURM_JOB_NODELIST": "gpu[01-02]",
    }
    done = subprocess.run(["bash", "-c", recipes()[name]], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    lines = log.read_text().splitlines() if log.exists() else []
    return done.stdout, [json.loads(line) for line in lines]


def _reports(folder: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def _summary_names_both_nodes(stdout: str) -> None:
    assert "envcheck fleet — 2 nodes" in stdout
    for node in NODES:
        assert re.search(rf"^{node}\s", stdout, re.MULTILINE), stdout


def test_every_recipe_in_the_doc_has_a_test() -> None:
    assert set(recipes()) == {"slurm", "pdsh", "clush", "ansible", "kubernetes",
                              "slurm-bench", "slurm-ddp"}


def test_slurm(tmp_path: Path) -> None:
    stdout, calls = _run("slurm", tmp_path)
    (srun,) = [c for c in calls if c[0] == "srun"]
    assert srun[1:4] == ["--nodes=2", "--ntasks-per-node=1", "envcheck"]
    assert srun[4:] == ["doctor", "--json", "--no-redact", "-o", "reports/%N.json"]
    reports = _reports(tmp_path / "work" / "reports")
    assert {name: r["host"] for name, r in reports.items()} == {"gpu01": "gpu01",
                                                                "gpu02": "gpu02"}
    _summary_names_both_nodes(stdout)


@pytest.mark.parametrize("launcher", ["pdsh", "clush"])
def test_pdsh_and_clush(tmp_path: Path, launcher: str) -> None:
    stdout, calls = _run(launcher, tmp_path)
    (call,) = [c for c in calls if c[0] == launcher]
    reports_dir = tmp_path / "work" / "reports"
    assert call[1:] == ["-w", "gpu[01-02]",
                        f"envcheck doctor --json --no-redact -o {reports_dir}/%N.json"]
    assert sorted(_reports(reports_dir)) == list(NODES)
    _summary_names_both_nodes(stdout)


def test_ansible_ad_hoc(tmp_path: Path) -> None:
    stdout, calls = _run("ansible", tmp_path)
    shell, fetch = [c for c in calls if c[0] == "ansible"]
    assert shell[1:5] == ["gpu", "-m", "ansible.builtin.shell", "-a"]
    assert shell[5].startswith("envcheck doctor --json --no-redact -o /tmp/envcheck-report.json")
    assert fetch[1:4] == ["gpu", "-m", "ansible.builtin.fetch"]
    assert "dest=reports/{{ inventory_hostname }}.json flat=yes" in fetch[5]
    reports = _reports(tmp_path / "work" / "reports")
    assert {name: r["host"] for name, r in reports.items()} == {"gpu01": "gpu01",
                                                                "gpu02": "gpu02"}
    _summary_names_both_nodes(stdout)


def test_kubernetes_manifest_asks_for_a_gpu_on_each_gpu_node() -> None:
    job = yaml.safe_load(MANIFEST.read_text())
    assert job["kind"] == "Job" and job["apiVersion"] == "batch/v1"
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in \
        pod["tolerations"]
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    (rule,) = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert rule["topologyKey"] == "kubernetes.io/hostname"
    assert rule["labelSelector"]["matchLabels"] == job["spec"]["template"]["metadata"]["labels"]
    assert pod["restartPolicy"] == "Never"
    assert job["spec"]["completions"] == job["spec"]["parallelism"]
    assert container["command"][:3] == ["envcheck", "doctor", "--json"]


def test_kubernetes(tmp_path: Path) -> None:
    stdout, calls = _run("kubernetes", tmp_path)
    verbs = [c[1] for c in calls if c[0] == "kubectl"]
    assert verbs == ["apply", "wait", "get", "logs", "logs", "delete"]
    reports = _reports(tmp_path / "work" / "reports")
    assert sorted(reports) == list(NODES)
    assert all(r["host"] is None for r in reports.values())  # redacted: named by file
    _summary_names_both_nodes(stdout)


def test_slurm_bench_finds_the_slow_node(tmp_path: Path) -> None:
    stdout, calls = _run("slurm-bench", tmp_path, FAKEBIN / "cluster_bench")
    (srun,) = [c for c in calls if c[0] == "srun"]
    assert srun[1:6] == ["--nodes=2", "--ntasks-per-node=1", "--output=bench/%N.json",
                         "--error=bench/%N.log", "envcheck"]
    assert srun[6:] == ["bench", "resnet", "--json"]
    results = _reports(tmp_path / "work" / "bench")
    assert [r["images_per_s"] for r in results.values()] == [3000.0, 1200.0]
    assert "gpu02: resnet50 bf16: 1200 images/s, 40% of the median 3000" in stdout


def test_slurm_ddp_across_nodes(tmp_path: Path) -> None:
    stdout, calls = _run("slurm-ddp", tmp_path, FAKEBIN / "cluster_bench")
    (srun,) = [c for c in calls if c[0] == "srun"]
    assert srun[1:6] == ["--nodes=2", "--ntasks-per-node=1", "--output=bench/ddp-%N.json",
                         "--error=bench/ddp-%N.log", "envcheck"]
    benches = [c for c in calls if c[0] == "envcheck"]
    assert len(benches) == 2
    assert all(c[1:] == ["bench", "resnet", "--json", "--ddp", "8", "--nnodes", "2",
                         "--rdzv-endpoint", "gpu01:29500", "--rdzv-id", "42"] for c in benches)
    results = _reports(tmp_path / "work" / "bench")
    assert results["ddp-gpu01"]["distributed"]["world_size"] == 16
    assert results["ddp-gpu02"]["role"] == "follower"
    assert "envcheck fleet — 2 nodes" in stdout
    assert re.search(r"^ddp-gpu01\s.*\s5600$", stdout, re.MULTILINE), stdout
