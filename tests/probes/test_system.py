"""System probe: pure parsers on recorded files, then the probe over fake machine trees."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.fact_keys import CATALOGUE, type_ok
from envcheck.model import ProbeOutcome
from envcheck.probes.system import (
    SystemProbe,
    detect_container,
    detect_wsl,
    distro_name,
    parse_cpuinfo,
    parse_ldd_version,
    parse_meminfo_total,
    parse_musl_version,
    parse_os_release,
    parse_sysctl_values,
)
from tests.fakes import FakeRunner, data, failed, make_ctx

SYSTEM_KEYS = {
    key for key, spec in CATALOGUE.items() if key.startswith("os.") and not spec.pasted_only
}

# -- pure parsers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("os-release-ubuntu-22.04.txt", "Ubuntu 22.04.4 LTS"),
        ("os-release-rocky-9.txt", "Rocky Linux 9.3 (Blue Onyx)"),
        ("os-release-alpine.txt", "Alpine Linux v3.19"),
        ("os-release-no-pretty.txt", "Debian GNU/Linux 12 (bookworm)"),
    ],
)
def test_distro_name(name: str, expected: str) -> None:
    assert distro_name(parse_os_release(data(f"proc/{name}"))) == expected


def test_parse_os_release_details() -> None:
    values = parse_os_release(data("proc/os-release-ubuntu-22.04.txt"))
    assert values["ID"] == "ubuntu"
    assert values["VERSION_ID"] == "22.04"
    assert parse_os_release('# comment\n\nnot an assignment\nX="a \\"q\\""\n') == {"X": 'a "q"'}
    assert distro_name({}) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ldd-glibc-2.35-ubuntu.txt", "2.35"),
        ("ldd-glibc-2.17-centos7.txt", "2.17"),
        ("ldd-musl-alpine.txt", None),
    ],
)
def test_parse_ldd_version(name: str, expected: str | None) -> None:
    assert parse_ldd_version(data(f"proc/{name}")) == expected


def test_parse_musl_version() -> None:
    assert parse_musl_version(data("proc/ldd-musl-alpine.txt")) == "1.2.4_git20230717"
    assert parse_musl_version(data("proc/ldd-glibc-2.35-ubuntu.txt")) is None


def test_parse_meminfo_total() -> None:
    assert parse_meminfo_total(data("proc/meminfo.txt")) == 65_536_000 * 1024
    assert parse_meminfo_total("MemFree: 1 kB\n") is None


def test_parse_cpuinfo_x86_counts_threads_and_cores() -> None:
    model, logical, physical = parse_cpuinfo(data("proc/cpuinfo-x86.txt"))
    assert model == "AMD Ryzen 9 7950X 16-Core Processor"
    assert logical == 4
    assert physical == 2


def test_parse_cpuinfo_aarch64_has_no_model_or_core_ids() -> None:
    assert parse_cpuinfo(data("proc/cpuinfo-aarch64.txt")) == (None, 2, None)


def test_parse_cpuinfo_board_hardware_line() -> None:
    text = "processor\t: 0\nmodel\t\t: 5\nHardware\t: BCM2835\n"
    assert parse_cpuinfo(text) == ("BCM2835", 1, None)


@pytest.mark.parametrize(
    ("proc_version", "release", "interop", "expected"),
    [
        ("proc/version-wsl2.txt", "5.15.153.1-microsoft-standard-WSL2", False, "wsl2"),
        ("proc/version-wsl1.txt", "4.4.0-19041-Microsoft", False, "wsl1"),
        ("proc/version-ubuntu.txt", "6.5.0-35-generic", True, "none"),
        (None, "6.1.21-microsoft-custom", True, "wsl2"),
        (None, "6.1.21-microsoft-custom", False, "wsl1"),
    ],
)
def test_detect_wsl(proc_version: str | None, release: str, interop: bool, expected: str) -> None:
    text = data(proc_version) if proc_version else None
    assert detect_wsl(text, release, interop) == expected


def _container(**kwargs: object) -> str:
    args: dict[str, object] = {
        "dockerenv": False,
        "containerenv": False,
        "singularity": False,
        "env": {},
        "cgroup": None,
    }
    args.update(kwargs)
    return detect_container(**args)  # type: ignore[arg-type]


def test_detect_container() -> None:
    assert _container() == "none"
    assert _container(dockerenv=True) == "docker"
    assert _container(containerenv=True) == "podman"
    assert _container(dockerenv=True, env={"KUBERNETES_SERVICE_HOST": "10.0.0.1"}) == "kubernetes"
    assert _container(env={"APPTAINER_CONTAINER": "/img.sif"}) == "singularity"
    assert _container(singularity=True) == "singularity"
    assert _container(env={"container": "podman"}) == "podman"
    assert _container(env={"container": "something-new"}) == "container"
    assert _container(cgroup=data("proc/cgroup-docker-v1.txt")) == "docker"
    assert _container(cgroup=data("proc/cgroup-kubepods-v1.txt")) == "kubernetes"
    assert _container(cgroup=data("proc/cgroup-lxc.txt")) == "lxc"
    assert _container(cgroup=data("proc/cgroup-v2-host.txt")) == "none"


def test_parse_sysctl_values() -> None:
    assert parse_sysctl_values("Apple M2 Pro\n12\n", 3) == ["Apple M2 Pro", "12", None]


@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    distro_name(parse_os_release(text))
    parse_ldd_version(text)
    parse_musl_version(text)
    parse_meminfo_total(text)
    parse_cpuinfo(text)
    detect_wsl(text, text, False)
    parse_sysctl_values(text, 4)
    _container(cgroup=text, env={"container": text})


# -- the probe -------------------------------------------------------------------------------


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def ldd(name: str) -> FakeRunner:
    return FakeRunner().add(["ldd", "--version"], data(f"proc/{name}"))


def run_probe(**kwargs: object) -> ProbeOutcome:
    outcome = SystemProbe().run(make_ctx(**kwargs))  # type: ignore[arg-type]
    assert set(outcome.facts) == SYSTEM_KEYS
    for key, value in outcome.facts.items():
        assert type_ok(key, value), (key, value)
        if value is None:
            assert outcome.notes.get(key), f"{key} is unknown without a note"
    return outcome


def linux_tree(tmp_path: Path, **extra: str) -> Path:
    files = {
        "etc/os-release": data("proc/os-release-ubuntu-22.04.txt"),
        "proc/sys/kernel/osrelease": "6.5.0-35-generic\n",
        "proc/version": data("proc/version-ubuntu.txt"),
        "proc/cpuinfo": data("proc/cpuinfo-x86.txt"),
        "proc/meminfo": data("proc/meminfo.txt"),
        "proc/1/cgroup": data("proc/cgroup-v2-host.txt"),
        "dev/nvidia0": "",
        "dev/nvidiactl": "",
        "dev/nvidia-uvm": "",
        "dev/null": "",
        "dev/shm/.keep": "",
        "home/ada/.cache/pip/.keep": "",
    }
    files.update(extra)
    return tree(tmp_path, files)


def test_linux_host(tmp_path: Path) -> None:
    out = run_probe(
        root=linux_tree(tmp_path),
        runner=ldd("ldd-glibc-2.35-ubuntu.txt"),
        env={"PATH": "", "HOME": "/home/ada"},
    )
    facts = out.facts
    assert facts["os.name"] == "linux"
    assert facts["os.distro"] == "Ubuntu 22.04.4 LTS"
    assert facts["os.kernel"] == "6.5.0-35-generic"
    assert facts["os.arch"] == "x86_64"
    assert facts["os.glibc"] == "2.35"
    assert facts["os.wsl"] == "none"
    assert facts["os.wsl_libcuda"] is False
    assert facts["os.container"] == "none"
    assert facts["os.nvidia_dev_nodes"] == ["nvidia-uvm", "nvidia0", "nvidiactl"]
    assert facts["os.cpu_model"] == "AMD Ryzen 9 7950X 16-Core Processor"
    assert facts["os.cpu_cores"] == 4
    assert facts["os.cpu_physical_cores"] == 2
    assert facts["os.ram_bytes"] == 65_536_000 * 1024
    assert isinstance(facts["os.disk_free_bytes"], int) and facts["os.disk_free_bytes"] > 0
    assert isinstance(facts["os.shm_bytes"], int) and facts["os.shm_bytes"] > 0
    assert "Ubuntu 22.04.4 LTS" in out.summary


def test_wsl2_with_libcuda(tmp_path: Path) -> None:
    root = linux_tree(
        tmp_path,
        **{
            "proc/sys/kernel/osrelease": "5.15.153.1-microsoft-standard-WSL2\n",
            "proc/version": data("proc/version-wsl2.txt"),
            "usr/lib/wsl/lib/libcuda.so": "",
            "run/WSL/1_interop": "",
        },
    )
    out = run_probe(
        root=root,
        runner=ldd("ldd-glibc-2.35-ubuntu.txt"),
        env={"PATH": "", "HOME": "/home/ada", "WSL_INTEROP": "/run/WSL/1_interop"},
    )
    assert out.facts["os.wsl"] == "wsl2"
    assert out.facts["os.wsl_libcuda"] is True
    assert "WSL2" in out.summary


def test_wsl1(tmp_path: Path) -> None:
    root = linux_tree(
        tmp_path,
        **{
            "proc/sys/kernel/osrelease": "4.4.0-19041-Microsoft\n",
            "proc/version": data("proc/version-wsl1.txt"),
        },
    )
    out = run_probe(root=root, runner=ldd("ldd-glibc-2.35-ubuntu.txt"))
    assert out.facts["os.wsl"] == "wsl1"
    assert out.facts["os.wsl_libcuda"] is False


@pytest.mark.parametrize(
    ("extra", "env", "expected"),
    [
        ({".dockerenv": ""}, {}, "docker"),
        ({"run/.containerenv": ""}, {}, "podman"),
        ({}, {"KUBERNETES_SERVICE_HOST": "10.96.0.1"}, "kubernetes"),
        ({"proc/1/cgroup": data("proc/cgroup-lxc.txt")}, {}, "lxc"),
        ({"proc/1/cgroup": data("proc/cgroup-docker-v1.txt")}, {}, "docker"),
    ],
)
def test_container_trees(
    tmp_path: Path, extra: dict[str, str], env: dict[str, str], expected: str
) -> None:
    root = linux_tree(tmp_path, **extra)
    out = run_probe(root=root, runner=ldd("ldd-glibc-2.35-ubuntu.txt"), env={"PATH": "", **env})
    assert out.facts["os.container"] == expected
    assert f"in {expected}" in out.summary


def test_alpine_musl_and_aarch64(tmp_path: Path) -> None:
    root = linux_tree(
        tmp_path,
        **{
            "etc/os-release": data("proc/os-release-alpine.txt"),
            "proc/cpuinfo": data("proc/cpuinfo-aarch64.txt"),
        },
    )
    runner = FakeRunner().add(
        ["ldd", "--version"], failed(1, stderr=data("proc/ldd-musl-alpine.txt"))
    )
    out = run_probe(root=root, runner=runner, machine="aarch64")
    facts = out.facts
    assert facts["os.distro"] == "Alpine Linux v3.19"
    assert facts["os.arch"] == "aarch64"
    assert facts["os.glibc"] is None
    assert "musl 1.2.4" in out.notes["os.glibc"]
    assert facts["os.cpu_model"] is None
    assert facts["os.cpu_cores"] == 2
    assert facts["os.cpu_physical_cores"] is None  # fake root: no psutil fallback


def test_empty_linux_tree_gives_notes_not_zeros(tmp_path: Path) -> None:
    out = run_probe(root=tmp_path)
    facts = out.facts
    for key in ("os.distro", "os.glibc", "os.cpu_cores", "os.ram_bytes", "os.disk_free_bytes"):
        assert facts[key] is None, key
    assert "does not exist" in out.notes["os.distro"]
    assert "ldd not found" in out.notes["os.glibc"]
    assert "no home directory" in out.notes["os.disk_free_bytes"]
    assert facts["os.kernel"] == "6.5.0"  # falls back to the platform release
    assert facts["os.nvidia_dev_nodes"] is None
    assert "/dev" in out.notes["os.nvidia_dev_nodes"]


def test_windows_context(tmp_path: Path) -> None:
    root = tree(tmp_path, {"C/Users/ada/AppData/Local/.keep": ""})
    env = {
        "PATH": "",
        "PROCESSOR_IDENTIFIER": "Intel64 Family 6 Model 154 Stepping 3, GenuineIntel",
        "NUMBER_OF_PROCESSORS": "20",
        "USERPROFILE": r"C:\Users\ada",
        "LOCALAPPDATA": r"C:\Users\ada\AppData\Local",
    }
    runner = FakeRunner()
    out = run_probe(root=root, env=env, runner=runner, system="Windows", machine="AMD64")
    facts = out.facts
    assert facts["os.name"] == "windows"
    assert facts["os.arch"] == "AMD64"
    assert facts["os.distro"] == "Windows 6.5.0"
    assert facts["os.cpu_model"].startswith("Intel64 Family 6")
    assert facts["os.cpu_cores"] == 20
    assert facts["os.glibc"] is None and "Linux only" in out.notes["os.glibc"]
    assert facts["os.wsl"] == "none"
    assert facts["os.ram_bytes"] is None  # psutil is only asked on the real machine
    assert isinstance(facts["os.disk_free_bytes"], int)
    assert runner.calls == []  # no ldd on Windows


def test_macos_context(tmp_path: Path) -> None:
    runner = FakeRunner()
    runner.add(["sw_vers", "-productVersion"], "14.4.1\n")
    runner.add(
        [
            "sysctl",
            "-n",
            "machdep.cpu.brand_string",
            "hw.logicalcpu",
            "hw.physicalcpu",
            "hw.memsize",
        ],
        "Apple M2 Pro\n12\n12\n34359738368\n",
    )
    root = tree(tmp_path, {"Users/ada/.cache/.keep": ""})
    out = run_probe(
        root=root,
        runner=runner,
        env={"PATH": "", "HOME": "/Users/ada"},
        system="Darwin",
        machine="arm64",
    )
    facts = out.facts
    assert facts["os.name"] == "darwin"
    assert facts["os.distro"] == "macOS 14.4.1"
    assert facts["os.cpu_model"] == "Apple M2 Pro"
    assert facts["os.cpu_cores"] == 12
    assert facts["os.ram_bytes"] == 34_359_738_368
    assert facts["os.shm_bytes"] is None
    assert isinstance(facts["os.disk_free_bytes"], int)


def test_macos_without_sysctl_gives_notes() -> None:
    out = run_probe(system="Darwin", machine="arm64")
    assert out.facts["os.cpu_model"] is None
    assert "sysctl" in out.notes["os.cpu_model"]
    assert out.facts["os.distro"] is None


def test_real_machine_runs() -> None:
    """The real system (Linux here): every fact typed, unknowns explained."""
    from envcheck.context import Context

    outcome = SystemProbe().run(Context.from_system())
    assert outcome.facts["os.name"] in ("linux", "darwin", "windows")
    for key, value in outcome.facts.items():
        assert type_ok(key, value), (key, value)
        if value is None:
            assert outcome.notes.get(key)
