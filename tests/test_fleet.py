"""fleet summarize: nodes, drift, outliers, findings by count, inputs, renderers, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from envcheck.fleet import Document, summarize
from envcheck.fleet_load import FleetInputError, expand_inputs, load_documents
from envcheck.render.fleet import (
    fleet_to_dict,
    name_list,
    render_fleet_markdown,
    render_fleet_text,
)
from tests.fleet_reports import bench_result, doctor_report


def _docs(*items: tuple[str, dict[str, object]]) -> list[Document]:
    return [Document(f"reports/{stem}.json", stem, data) for stem, data in items]


def _write(folder: Path, name: str, data: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def test_identical_nodes_have_no_drift_and_no_outliers() -> None:
    summary = summarize(_docs(*((f"n{i}", doctor_report(f"n{i}")) for i in range(3))))
    assert [n.name for n in summary.nodes] == ["n0", "n1", "n2"]
    assert summary.drift == ()
    assert summary.outliers == ()
    assert not summary.has_error
    assert "none: every node reports the same values" in render_fleet_text(summary)


def test_driver_drift_names_the_drifted_nodes_most_widespread_first() -> None:
    docs = [(f"n{i}", doctor_report(f"n{i}")) for i in range(1, 11)]
    docs[3] = ("n4", doctor_report("n4", driver="535.104.05"))
    docs[7] = ("n8", doctor_report("n8", driver="535.104.05"))
    summary = summarize(_docs(*docs))

    (drift,) = [d for d in summary.drift if d.key == "nvidia.driver_version"]
    assert [(v.value, v.nodes) for v in drift.values] == [
        ("550.54.15", ("n1", "n2", "n3", "n5", "n6", "n7", "n9", "n10")),
        ("535.104.05", ("n4", "n8")),
    ]
    older = [(o.node, o.detail) for o in summary.outliers if o.kind == "driver_older"]
    assert older == [("n4", "driver 535.104.05, older than 550.54.15 on 8 nodes"),
                     ("n8", "driver 535.104.05, older than 550.54.15 on 8 nodes")]
    text = render_fleet_text(summary)
    assert "  535.104.05  (2: n4, n8)" in text
    assert "  550.54.15  (8 of 10 nodes)" in text


def test_torch_python_gpu_and_env_var_drift() -> None:
    summary = summarize(_docs(
        ("a", doctor_report("a")),
        ("b", doctor_report("b")),
        ("c", doctor_report("c", torch="2.3.1+cpu", python="3.10.13", gpus=7,
                            env={"env.cuda_visible_devices": "0,1"})),
    ))
    by_key = {d.key: [(v.value, v.nodes) for v in d.values] for d in summary.drift}
    assert by_key["torch.version"] == [("2.3.1+cu121", ("a", "b")), ("2.3.1+cpu", ("c",))]
    assert by_key["torch.cuda_build"] == [("12.1", ("a", "b")), ("CPU-only", ("c",))]
    assert by_key["python.version"] == [("3.11.7", ("a", "b")), ("3.10.13", ("c",))]
    assert by_key["nvidia.gpu_count"] == [("8", ("a", "b")), ("7", ("c",))]
    assert by_key["env.cuda_visible_devices"] == [("unset", ("a", "b")), ("0,1", ("c",))]
    assert [(o.node, o.kind, o.detail) for o in summary.outliers] == [
        ("c", "gpu_count", "7 GPUs; 2 nodes have 8")]


def test_mixed_gpu_models_are_counted() -> None:
    summary = summarize(_docs(("a", doctor_report("a")),
                              ("b", doctor_report("b", gpu_name="NVIDIA A100-SXM4-80GB"))))
    (models,) = [d for d in summary.drift if d.key == "gpu.models"]
    assert {v.value for v in models.values} == {"NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB"}


def test_findings_grouped_by_node_count_and_errors_set_the_exit() -> None:
    summary = summarize(_docs(
        ("a", doctor_report("a", findings=(("env_conflict.user_site", "warning"),))),
        ("b", doctor_report("b", findings=(("env_conflict.user_site", "warning"),
                                           ("cpu_build.wheel", "error")))),
        ("c", doctor_report("c", findings=(("env_conflict.user_site", "warning"),))),
    ))
    assert [(g.id, g.nodes) for g in summary.findings] == [
        ("env_conflict.user_site", ("a", "b", "c")), ("cpu_build.wheel", ("b",))]
    assert summary.has_error
    assert [n.verdict for n in summary.nodes] == ["warning", "error", "warning"]
    text = render_fleet_text(summary)
    assert "[warning] env_conflict.user_site — generated env_conflict.user_site (on all 3 nodes)" \
        in text
    assert "[error] cpu_build.wheel — generated cpu_build.wheel (on 1 node: b)" in text


def test_node_is_the_host_else_the_file_stem_and_bench_joins_by_stem() -> None:
    summary = summarize(_docs(
        ("ignored", doctor_report("gpu7.cluster.local")),
        ("gpu8", doctor_report(None)),
        ("gpu7", bench_result(2900.0)),
        ("gpu8", bench_result(3000.0)),
        ("gpu9", bench_result(1500.0)),
    ))
    names = {n.name: n for n in summary.nodes}
    assert set(names) == {"gpu7.cluster.local", "gpu8", "gpu9"}
    assert names["gpu7.cluster.local"].sources == ("reports/ignored.json", "reports/gpu7.json")
    assert [b.images_per_s for b in names["gpu8"].bench] == [3000.0]
    assert not names["gpu9"].has_report
    slow = [(o.node, o.detail) for o in summary.outliers if o.kind == "bench_slow"]
    assert slow == [("gpu9", "resnet50 bf16: 1500 images/s, 51% of the median 2950 of 2 other "
                             "nodes with NVIDIA H100 80GB HBM3")]


def test_bench_figures_compare_only_with_the_same_gpu_and_precision() -> None:
    summary = summarize(_docs(
        ("a", bench_result(3000.0)),
        ("b", bench_result(900.0, gpu="NVIDIA A10")),
        ("c", bench_result(1200.0, precision="fp32")),
    ))
    assert summary.outliers == ()


def test_documents_that_are_not_reports_are_skipped_with_a_reason() -> None:
    summary = summarize(_docs(("x", {"hello": 1}), ("a", doctor_report("a")),
                              ("all", {"source": "doctor-all-envs", "envs": []})),
                        ["bad.json: nope"])
    assert [n.name for n in summary.nodes] == ["a"]
    assert summary.skipped == (
        "bad.json: nope",
        "reports/x.json: not a doctor or bench JSON report from envcheck",
        "reports/all.json: holds every environment of one machine (doctor --all-envs); give one "
        "doctor --json report per node",
    )


def test_json_lists_every_node_and_markdown_has_tables() -> None:
    docs = [(f"n{i}", doctor_report(f"n{i}")) for i in range(60)]
    docs[5] = ("n5", doctor_report("n5", driver="535.104.05"))
    summary = summarize(_docs(*docs))
    data = fleet_to_dict(summary)
    assert len(data["nodes"]) == 60
    assert data["drift"][0]["values"][1] == {"value": "535.104.05", "nodes": ["n5"]}
    text = render_fleet_text(summary)
    assert "(+59 more nodes that are ok and match the rest; --json lists all)" in text
    markdown = render_fleet_markdown(summary)
    assert "| NVIDIA driver | 535.104.05 | 1 | n5 |" in markdown
    assert "- **n5**: driver 535.104.05, older than 550.54.15 on 59 nodes" in markdown


def test_name_list_cuts_long_lists() -> None:
    assert name_list(["a", "b"]) == "a, b"
    assert name_list([str(i) for i in range(10)], 3) == "0, 1, 2, … (+7 more)"


def test_inputs_files_folders_and_globs_each_once(tmp_path: Path) -> None:
    one = _write(tmp_path / "r", "a.json", {})
    two = _write(tmp_path / "r" / "sub", "b.json", {})
    (tmp_path / "r" / "notes.txt").write_text("x")
    assert expand_inputs([str(tmp_path / "r")]) == [one, two]
    assert expand_inputs([str(one), str(tmp_path / "r" / "*.json")]) == [one]
    with pytest.raises(FleetInputError, match="matches no file"):
        expand_inputs([str(tmp_path / "*.nope")])
    with pytest.raises(FleetInputError, match="no such file or folder"):
        expand_inputs([str(tmp_path / "missing.json")])


def test_load_skips_unreadable_and_non_object_files(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.json", doctor_report("g"))
    listed = _write(tmp_path, "list.json", [1])
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    documents, skipped = load_documents([good, listed, broken])
    assert [d.stem for d in documents] == ["good"]
    assert skipped[0] == f"{listed}: not a JSON object"
    assert skipped[1].startswith(f"{broken}: not JSON (")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "envcheck", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, check=False)


def test_cli_exit_codes_and_formats(tmp_path: Path) -> None:
    _write(tmp_path / "ok", "a.json", doctor_report("a"))
    _write(tmp_path / "ok", "b.json", doctor_report("b"))
    _write(tmp_path / "bad", "c.json", doctor_report("c", findings=(("no_driver.x", "error"),)))

    fine = _cli("fleet", "summarize", str(tmp_path / "ok"))
    assert fine.returncode == 0, fine.stderr
    assert fine.stdout.startswith("envcheck fleet — 2 nodes, 0 with errors")

    failing = _cli("fleet", "summarize", "--json", str(tmp_path / "ok"), str(tmp_path / "bad"))
    assert failing.returncode == 1, failing.stderr
    assert json.loads(failing.stdout)["verdict"] == "error"

    both = _cli("fleet", "summarize", "--json", "--markdown", str(tmp_path / "ok"))
    assert both.returncode == 2
    assert both.stderr.strip().endswith("choose one of --format, --json and --markdown")
    assert len(both.stderr.strip().splitlines()) == 1


def test_cli_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    missing = _cli("fleet", "summarize", str(tmp_path / "nothing.json"))
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1
    assert "no such file or folder" in missing.stderr

    _write(tmp_path, "other.json", {"hello": "world"})
    not_reports = _cli("fleet", "summarize", str(tmp_path / "other.json"))
    assert not_reports.returncode == 2
    assert "no envcheck report among the 1 file(s) given" in not_reports.stderr
    assert "Traceback" not in not_reports.stderr + missing.stderr


def test_output_path_pattern() -> None:
    from envcheck.output_file import expand_output_path

    assert expand_output_path(Path("reports/%N.json"), "gpu07") == Path("reports/gpu07.json")
    assert expand_output_path(Path("r/100%%-%N.json"), "n1") == Path("r/100%-n1.json")
    assert expand_output_path(Path("plain.json"), "n1") == Path("plain.json")


def test_cli_output_into_a_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    report = _write(tmp_path / "r", "a.json", doctor_report("a"))
    proc = _cli("fleet", "summarize", str(report), "-o", str(blocker / "out.txt"))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "cannot write" in proc.stderr


def test_ddp_figures_compare_only_with_as_many_ranks() -> None:
    ddp = bench_result(20000.0)
    ddp["distributed"] = {"world_size": 8}
    summary = summarize(_docs(("a", bench_result(3000.0)), ("b", bench_result(3100.0)),
                              ("c", ddp), ("d", {**bench_result(1.0), "images_per_s": None,
                                                 "role": "follower"})))
    assert summary.outliers == ()
    ranks = {n.name: [b.ranks for b in n.bench] for n in summary.nodes}
    assert ranks == {"a": [1], "b": [1], "c": [8], "d": []}


def test_a_thousand_nodes_with_one_planted_driver_drift() -> None:
    planted = {"node0042", "node0777"}
    docs = [(f"node{i:04d}", doctor_report(
        f"node{i:04d}", driver="535.104.05" if f"node{i:04d}" in planted else "550.54.15"))
        for i in range(1000)]
    summary = summarize(_docs(*docs))
    (driver,) = [d for d in summary.drift if d.key == "nvidia.driver_version"]
    assert [(v.value, len(v.nodes)) for v in driver.values] == [("550.54.15", 998),
                                                               ("535.104.05", 2)]
    assert set(driver.values[1].nodes) == planted
    assert [d.key for d in summary.drift] == ["nvidia.driver_version"]
    text = render_fleet_text(summary)
    assert "535.104.05  (2: node0042, node0777)" in text


def test_a_report_written_in_chinese_is_summarised_with_the_english_title() -> None:
    chinese = doctor_report("b", findings=(("torch.not_installed", "warning"),))
    findings = chinese["findings"]
    assert isinstance(findings, list)
    findings[0]["title"] = "这个环境里没有安装 torch"
    summary = summarize(_docs(("b", chinese)))
    text = render_fleet_text(summary)
    assert "这个" not in text
    assert "torch is not installed in this environment" in text
