"""Package-index probe: pip's config files and precedence, credential masking, mirrors."""

from __future__ import annotations

import configparser
import shutil
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from envcheck.fact_keys import CATALOGUE, type_ok
from envcheck.model import ProbeOutcome
from envcheck.probes.pip_index import (
    PipIndexProbe,
    config_file_locations,
    identify_mirror,
    mask_credentials,
    parse_pip_config,
    pytorch_index_variant,
    resolve_pip_config,
    url_host,
)
from tests.fakes import DATA, data, make_ctx


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://user:token@host/simple", "https://user:***@host/simple"),
        ("https://__token__:pypi-AgE@pypi.example.com:8443/simple/", None),
        ("https://ghp_abc123@host.example/simple", "https://***@host.example/simple"),
        ("https://a:b@c@host/x?y=z@w", "https://a:***@host/x?y=z@w"),
        ("https://pypi.org/simple", "https://pypi.org/simple"),
        ("/srv/wheelhouse", "/srv/wheelhouse"),
        ("", ""),
    ],
)
def test_mask_credentials(url: str, masked: str | None) -> None:
    result = mask_credentials(url)
    if masked is None:
        assert "pypi-AgE" not in result and result.endswith("@pypi.example.com:8443/simple/")
    else:
        assert result == masked


safe = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~", min_size=1, max_size=12)


@given(safe, safe, safe)
def test_masking_hides_every_secret(user: str, secret: str, host: str) -> None:
    assume(secret not in user and secret not in host and secret not in "https:///simple***")
    masked = mask_credentials(f"https://{user}:{secret}@{host}/simple")
    assert secret not in masked
    assert masked == f"https://{user}:***@{host}/simple"


@given(st.text())
def test_url_helpers_never_raise(text: str) -> None:
    assert isinstance(mask_credentials(text), str)
    assert identify_mirror(text) is None or isinstance(identify_mirror(text), str)
    assert pytorch_index_variant(text) is None or isinstance(pytorch_index_variant(text), str)
    url_host(text)


@pytest.mark.parametrize(
    ("url", "mirror"),
    [
        ("https://pypi.tuna.tsinghua.edu.cn/simple", "tuna"),
        ("https://mirrors.tuna.tsinghua.edu.cn/pypi/web/simple", "tuna"),
        ("https://mirrors.aliyun.com/pypi/simple/", "aliyun"),
        ("http://MIRRORS.ALIYUN.COM/pypi/simple/", "aliyun"),
        ("https://mirrors.ustc.edu.cn/pypi/simple", "ustc"),
        ("https://pypi.mirrors.ustc.edu.cn/simple", "ustc"),
        ("https://mirror.sjtu.edu.cn/pypi/web/simple", "sjtu"),
        ("https://repo.huaweicloud.com/repository/pypi/simple/", "huawei"),
        ("https://mirrors.huaweicloud.com/repository/pypi/simple", "huawei"),
        ("https://mirrors.cloud.tencent.com/pypi/simple", "tencent"),
        ("http://pypi.douban.com/simple", "douban"),
        ("https://mirrors.bfsu.edu.cn/pypi/web/simple", "bfsu"),
        ("https://mirror.nju.edu.cn/pypi/web/simple", "nju"),
        ("https://mirrors.cernet.edu.cn/pypi/web/simple", "cernet"),
        ("https://download.pytorch.org/whl/cu121", "pytorch"),
        ("https://user:pw@mirrors.aliyun.com:443/pypi/simple/", "aliyun"),
        ("https://pypi.org/simple", None),
        ("https://evil.example/mirrors.aliyun.com/simple", None),
        ("https://mirrors.aliyun.com.evil.example/simple", None),
        ("mirrors.aliyun.com/pypi/simple", None),
    ],
)
def test_identify_mirror(url: str, mirror: str | None) -> None:
    assert identify_mirror(url) == mirror


@pytest.mark.parametrize(
    ("url", "variant"),
    [
        ("https://download.pytorch.org/whl/cu121", "cu121"),
        ("https://download.pytorch.org/whl/cu128/", "cu128"),
        ("https://download.pytorch.org/whl/cpu", "cpu"),
        ("https://download.pytorch.org/whl/rocm6.0", "rocm6.0"),
        ("https://download.pytorch.org/whl/nightly/cu129", "cu129"),
        ("https://download.pytorch.org/whl/cu118/torch_stable.html", "cu118"),
        ("https://download.pytorch.org/whl/torch_stable.html", None),
        ("https://download.pytorch.org/whl", None),
        ("https://mirrors.aliyun.com/pytorch-wheels/cu121", "cu121"),
        ("https://mirror.sjtu.edu.cn/pytorch-wheels/cu126", "cu126"),
        ("https://mirror.nju.edu.cn/pytorch/whl/cu121/", "cu121"),
        ("https://pypi.tuna.tsinghua.edu.cn/simple", None),
        ("https://example.com/cu121/whl", None),
    ],
)
def test_pytorch_index_variant(url: str, variant: str | None) -> None:
    assert pytorch_index_variant(url) == variant


def test_config_file_locations_linux() -> None:
    env = {"HOME": "/home/u", "XDG_CONFIG_DIRS": "/etc/xdg:/opt/xdg", "PIP_CONFIG_FILE": "/c"}
    assert config_file_locations(env, "linux", "/home/u/venv") == [
        ("global", "/etc/xdg/pip/pip.conf"),
        ("global", "/opt/xdg/pip/pip.conf"),
        ("global", "/etc/pip.conf"),
        ("user", "/home/u/.pip/pip.conf"),
        ("user", "/home/u/.config/pip/pip.conf"),
        ("site", "/home/u/venv/pip.conf"),
        ("env", "/c"),
    ]
    with_xdg_home = config_file_locations({"HOME": "/h", "XDG_CONFIG_HOME": "/x"}, "linux", None)
    assert ("user", "/x/pip/pip.conf") in with_xdg_home
    assert [kind for kind, _ in with_xdg_home] == ["global", "global", "user", "user"]


def test_config_file_locations_windows_and_macos() -> None:
    env = {"USERPROFILE": r"C:\Users\u", "APPDATA": r"C:\Users\u\AppData\Roaming"}
    assert config_file_locations(env, "windows", r"C:\envs\dl") == [
        ("global", r"C:\ProgramData\pip\pip.ini"),
        ("user", r"C:\Users\u\pip\pip.ini"),
        ("user", r"C:\Users\u\AppData\Roaming\pip\pip.ini"),
        ("site", r"C:\envs\dl\pip.ini"),
    ]
    mac = config_file_locations({"HOME": "/Users/u"}, "darwin", None)
    assert mac[0] == ("global", "/Library/Application Support/pip/pip.conf")
    assert mac[-1] == ("user", "/Users/u/.config/pip/pip.conf")
    mac = config_file_locations({"HOME": "/Users/u"}, "darwin", None, mac_user_dir_exists=True)
    assert mac[-1] == ("user", "/Users/u/Library/Application Support/pip/pip.conf")


def test_parse_pip_config_normalises_names() -> None:
    values = parse_pip_config(data("pip/pip.conf-aliyun-find-links"))
    assert values[("global", "index-url")] == "https://mirrors.aliyun.com/pypi/simple/"
    assert ("global", "find-links") in values
    windows = parse_pip_config((DATA / "pip" / "pip.ini-windows-ustc").read_bytes().decode())
    assert windows[("global", "index-url")] == "https://mirrors.ustc.edu.cn/pypi/simple"


@pytest.mark.parametrize("name", ["pip.conf-no-section", "pip.conf-duplicate"])
def test_parse_pip_config_rejects_what_pip_rejects(name: str) -> None:
    with pytest.raises(configparser.Error):
        parse_pip_config(data(f"pip/{name}"))


def test_resolve_precedence() -> None:
    files = [
        ("/etc/pip.conf", {("global", "index-url"): "G", ("install", "find-links"): "F1"}),
        ("/home/u/.config/pip/pip.conf", {("global", "index-url"): "U"}),
        ("/venv/pip.conf", {("install", "index-url"): "S", ("global", "find-links"): "F2"}),
        ("/venv2/pip.conf", {("install", "index-url"): ""}),
    ]
    settings = resolve_pip_config(files[:2], {})
    assert (settings["index-url"].value, settings["index-url"].source) == (
        "U",
        "/home/u/.config/pip/pip.conf",
    )
    settings = resolve_pip_config(files[:3], {})
    # [install] beats [global] whatever file each came from.
    assert settings["index-url"].value == "S"
    assert settings["find-links"].value == "F1"
    # An empty value later on is ignored, not an override.
    assert resolve_pip_config(files, {})["index-url"].value == "U"
    env = {"PIP_INDEX_URL": "E", "PIP_EXTRA_INDEX_URL": "", "PIP_VERSION": "x"}
    settings = resolve_pip_config(files[:3], env)
    assert (settings["index-url"].value, settings["index-url"].source) == ("E", "PIP_INDEX_URL")
    assert "extra-index-url" not in settings and "version" not in settings


# --- fake machines -------------------------------------------------------------------------


def install(root: Path, recorded: str, machine_path: str) -> None:
    target = root / machine_path.lstrip("/").replace("\\", "/").replace(":", "")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "pip" / recorded, target)


def run(root: Path, env: dict[str, str], **kwargs: object) -> ProbeOutcome:
    ctx = make_ctx(root=root, env=env, **kwargs)  # type: ignore[arg-type]
    outcome = PipIndexProbe().run(ctx)
    for key, value in outcome.facts.items():
        assert key in CATALOGUE and type_ok(key, value), key
        if value is None:
            assert outcome.notes.get(key), f"{key} is None without a note"
    return outcome


LINUX_ENV = {"PATH": "", "HOME": "/home/u"}


def test_default_pypi_when_nothing_is_configured(tmp_path: Path) -> None:
    facts = run(tmp_path, LINUX_ENV).facts
    assert facts["pip.index_url"] == "https://pypi.org/simple"
    assert facts["pip.index_source"] == "default"
    assert facts["pip.mirror"] is None
    assert facts["pip.extra_index_urls"] == [] and facts["pip.find_links"] == []
    assert facts["pip.config_files"] == []
    assert facts["pip.torch_index_variant"] is None


def test_global_user_and_site_files(tmp_path: Path) -> None:
    install(tmp_path, "pip.conf-tuna", "/etc/pip.conf")
    install(tmp_path, "pip.conf-aliyun", "/home/u/.config/pip/pip.conf")
    install(tmp_path, "pip.conf-pytorch-extra", "/home/u/venv/pip.conf")
    outcome = run(tmp_path, LINUX_ENV, target_python="/home/u/venv/bin/python")
    facts = outcome.facts
    assert facts["pip.config_files"] == [
        "/etc/pip.conf",
        "/home/u/.config/pip/pip.conf",
        "/home/u/venv/pip.conf",
    ]
    assert facts["pip.index_url"] == "https://mirrors.aliyun.com/pypi/simple/"
    assert facts["pip.index_source"] == "/home/u/.config/pip/pip.conf"
    assert facts["pip.mirror"] == "aliyun"
    assert facts["pip.extra_index_urls"] == [
        "https://download.pytorch.org/whl/cu121",
        "https://deploy:***@pypi.internal.example.com/simple",
    ]
    assert facts["pip.torch_index_variant"] == "cu121"
    assert "s3cr3t" not in repr(dict(facts)) + repr(dict(outcome.notes)) + outcome.summary


def test_site_prefix_from_virtual_env_when_no_target(tmp_path: Path) -> None:
    install(tmp_path, "pip.conf-tuna", "/srv/env/pip.conf")
    facts = run(tmp_path, {**LINUX_ENV, "VIRTUAL_ENV": "/srv/env"}).facts
    assert facts["pip.config_files"] == ["/srv/env/pip.conf"]
    assert facts["pip.mirror"] == "tuna"


def test_environment_variables_win_and_are_masked(tmp_path: Path) -> None:
    install(tmp_path, "pip.conf-tuna", "/etc/pip.conf")
    env = {
        **LINUX_ENV,
        "PIP_INDEX_URL": "https://bot:hunter2@mirrors.cloud.tencent.com/pypi/simple",
        "PIP_FIND_LINKS": "https://mirrors.aliyun.com/pytorch-wheels/cu118 /srv/wheels",
    }
    outcome = run(tmp_path, env)
    facts = outcome.facts
    assert facts["pip.index_url"] == "https://bot:***@mirrors.cloud.tencent.com/pypi/simple"
    assert facts["pip.index_source"] == "PIP_INDEX_URL"
    assert facts["pip.mirror"] == "tencent"
    assert facts["pip.find_links"] == [
        "https://mirrors.aliyun.com/pytorch-wheels/cu118",
        "/srv/wheels",
    ]
    assert facts["pip.torch_index_variant"] == "cu118"
    assert "hunter2" not in outcome.summary


def test_pip_config_file_skips_user_files(tmp_path: Path) -> None:
    install(tmp_path, "pip.conf-aliyun", "/home/u/.config/pip/pip.conf")
    install(tmp_path, "pip.conf-tuna", "/opt/pip.conf")
    outcome = run(tmp_path, {**LINUX_ENV, "PIP_CONFIG_FILE": "/opt/pip.conf"})
    assert outcome.facts["pip.config_files"] == ["/opt/pip.conf"]
    assert outcome.facts["pip.mirror"] == "tuna"
    assert "skips the user files" in outcome.notes["pip.config_files"]


def test_pip_config_file_devnull_disables_all_files(tmp_path: Path) -> None:
    install(tmp_path, "pip.conf-tuna", "/etc/pip.conf")
    outcome = run(tmp_path, {**LINUX_ENV, "PIP_CONFIG_FILE": "/dev/null"})
    assert outcome.facts["pip.config_files"] == []
    assert outcome.facts["pip.index_source"] == "default"


def test_broken_config_file_is_reported(tmp_path: Path) -> None:
    install(tmp_path, "pip.conf-duplicate", "/etc/pip.conf")
    install(tmp_path, "pip.conf-aliyun", "/home/u/.pip/pip.conf")
    outcome = run(tmp_path, LINUX_ENV)
    assert outcome.facts["pip.config_files"] == ["/home/u/.pip/pip.conf"]
    assert "/etc/pip.conf" in outcome.notes["pip.config_files"]
    assert "pip will fail" in outcome.notes["pip.config_files"]


def test_no_index(tmp_path: Path) -> None:
    install(tmp_path, "pip.conf-no-index", "/etc/xdg/pip/pip.conf")
    outcome = run(tmp_path, LINUX_ENV)
    assert outcome.facts["pip.index_url"] is None
    assert "no-index" in outcome.notes["pip.index_url"]
    assert outcome.facts["pip.find_links"] == ["/srv/wheelhouse"]


def test_windows_files(tmp_path: Path) -> None:
    install(tmp_path, "pip.ini-windows-ustc", r"C:\Users\u\AppData\Roaming\pip\pip.ini")
    install(tmp_path, "pip.conf-pytorch-extra", r"C:\Users\u\venv\pip.ini")
    env = {
        "Path": "",
        "USERPROFILE": r"C:\Users\u",
        "APPDATA": r"C:\Users\u\AppData\Roaming",
    }
    outcome = run(
        tmp_path, env, system="Windows", target_python=r"C:\Users\u\venv\Scripts\python.exe"
    )
    facts = outcome.facts
    assert facts["pip.config_files"] == [
        r"C:\Users\u\AppData\Roaming\pip\pip.ini",
        r"C:\Users\u\venv\pip.ini",
    ]
    assert facts["pip.mirror"] == "ustc"
    assert facts["pip.torch_index_variant"] == "cu121"
