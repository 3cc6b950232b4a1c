"""Redaction: one test per kind, word boundaries, stable placeholders, and a canary run of the
real CLI that must leak nothing through report, doctor --json and doctor --markdown."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from envcheck.redact import Identity, Redactor, is_secret_name, redact_report, redact_with_ledger
from tests.render.sample import sample_report

ALICE = Identity(user="alice", home="/home/alice", host="gpu-node-7.lab.example")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # user name and home directory in paths
        ("/home/alice/venvs/dl/bin/python", "<home>/venvs/dl/bin/python"),
        ("/data/alice/ckpt and /srv/alice", "/data/<user>/ckpt and /srv/<user>"),
        ("alice@gpu-node-7", "<user>@<host>"),
        # host name, whole or short, any case
        ("built on GPU-NODE-7.lab.example", "built on <host>"),
        ("hostname gpu-node-7", "hostname <host>"),
        # GPU and MIG UUIDs, numbered in order of appearance
        ("GPU-6d1c2b1e-1f1a-4c47-9d47-1b2c3d4e5f60", "<gpu-uuid-1>"),
        ("MIG-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "<mig-uuid-1>"),
        # serial numbers as nvidia-smi -q prints them
        ("    Serial Number                         : 1324021012345",
         "    Serial Number                         : <gpu-serial-1>"),
        # MAC and IP addresses (but not four-part package versions)
        ("ether 00:1a:2b:3c:4d:5e", "ether <mac>"),
        ("inet 192.168.1.40 and cudnn 8.9.2.26", "inet <ip> and cudnn 8.9.2.26"),
        ("http://10.0.0.5:8080/simple", "http://<ip>:8080/simple"),
        # credentials in URLs
        ("https://bob:s3cret@mirror.example/simple", "https://<credentials>@mirror.example/simple"),
        # secrets assigned in pasted text, and well-known token shapes
        ("HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz12", "HF_TOKEN=<secret>"),
        ("WANDB_API_KEY: 0123456789abcdef", "WANDB_API_KEY: <secret>"),
        ("export DB_PASSWORD=hunter22", "export DB_PASSWORD=<secret>"),
        ("used sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX", "used <token>"),
        # what must stay
        ("/usr/local/cuda/bin/nvcc", "/usr/local/cuda/bin/nvcc"),
        ("WANDB_MODE=offline CUDA_VISIBLE_DEVICES=0,1",
         "WANDB_MODE=offline CUDA_VISIBLE_DEVICES=0,1"),
    ],
)
def test_each_kind_is_redacted(raw: str, expected: str) -> None:
    assert Redactor(ALICE).text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/root/.venv/bin/python", "<home>/.venv/bin/python"),
        ("root-cause analysis", "root-cause analysis"),
        ("/usr/share/root-cause/x", "/usr/share/root-cause/x"),
        ("/rootfs/usr/lib", "/rootfs/usr/lib"),
        ("the root of the problem", "the root of the problem"),
        ("/srv/root/x", "/srv/<user>/x"),
    ],
)
def test_user_and_home_are_replaced_on_word_boundaries(raw: str, expected: str) -> None:
    assert Redactor(Identity(user="root", home="/root")).text(raw) == expected


def test_user_names_that_are_path_words_only_hide_their_home() -> None:
    red = Redactor(Identity(user="local", home="/home/local"))
    assert red.text("/home/local/x /usr/local/cuda") == "<home>/x /usr/local/cuda"


def test_short_host_names_match_their_own_case_only() -> None:
    red = Redactor(Identity(host="gpu"))
    assert red.text("host gpu, GPU 0: RTX") == "host <host>, GPU 0: RTX"
    assert Redactor(Identity(host="localhost")).text("http://localhost:8080") == (
        "http://localhost:8080")


def test_other_users_homes_get_their_own_placeholders() -> None:
    red = Redactor(ALICE)
    out = red.text("/home/bob/x /Users/carol/y C:\\Users\\bob\\z /home/Shared/w")
    assert out == "/home/<user-2>/x /Users/<user-3>/y C:\\Users\\<user-2>\\z /home/Shared/w"


def test_secret_values_are_found_wherever_they_appear() -> None:
    ident = Identity.from_env(
        {"HF_TOKEN": "hf_canaryCANARYcanary0123", "AWS_SECRET_ACCESS_KEY": "abc/DEF+ghi123",
         "HF_HOME": "/data/hf", "HOME": "/home/alice"}, None)
    assert ("HF_HOME", "/data/hf") not in ident.secrets
    out = Redactor(ident).text("token hf_canaryCANARYcanary0123 in a URL ?k=abc/DEF+ghi123")
    assert "canary" not in out and "DEF+ghi" not in out
    assert "<secret:HF_TOKEN>" in out and "<secret:AWS_SECRET_ACCESS_KEY>" in out


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("HF_TOKEN", "hf_x123", True),
        ("OPENAI_API_KEY", "sk-123456", True),
        ("MY_SECRET_THING", "abcdef", True),
        ("DB_PASSWORD", "pw12", True),
        ("WANDB_API_KEY", "0123456789", True),
        ("AWS_ACCESS_KEY_ID", "AKIAABCDEFGHIJKLMNOP", True),
        ("HUGGING_FACE_HUB_TOKEN", "hf_abc", True),
        ("WANDB_ENTITY_ID_LONG", "0123456789abcdef", True),
        ("WANDB_MODE", "offline", False),
        ("HF_HOME", "/data/hf-cache/somewhere", False),
        ("CUDA_VISIBLE_DEVICES", "0,1,2,3", False),
        ("KEYBOARD", "us-international", False),
        ("HF_TOKEN", "", False),
    ],
)
def test_secret_names(name: str, value: str, secret: bool) -> None:
    assert is_secret_name(name, value) is secret


def test_placeholders_are_stable_across_the_report() -> None:
    report = sample_report()
    uuid = report.facts["nvidia.gpus"][0]["uuid"]
    report = type(report)(**{**report.__dict__, "notes": {"x": f"seen {uuid}"}})
    redacted, ledger = redact_with_ledger(report)
    assert redacted.facts["nvidia.gpus"][0]["uuid"] == "<gpu-uuid-1>"
    assert redacted.notes["x"] == "seen <gpu-uuid-1>"
    kinds = {item.kind for item in ledger}
    assert {"gpu uuid", "user name"} <= kinds
    assert redacted.host is None


def test_redaction_never_changes_the_diagnosis() -> None:
    report = sample_report()
    redacted = redact_report(report, ALICE)
    assert [(f.id, f.severity, f.category) for f in redacted.findings] == [
        (f.id, f.severity, f.category) for f in report.findings
    ]
    assert redacted.verdict == report.verdict


# --- the canary: a real CLI run with secrets and a user name planted in its environment -----

CANARY_USER = "canaryuser"
SECRETS = {
    "HF_TOKEN": "hf_CanaryHuggingFaceToken0123456789",
    "OPENAI_API_KEY": "sk-CanaryOpenAiKey0123456789abcdef",
    "AWS_SECRET_ACCESS_KEY": "CanaryAwsSecret/0123456789+abcdef",
    "WANDB_API_KEY": "canarywandbkey0123456789abcdef012345",
    "MY_SERVICE_PASSWORD": "CanaryPassw0rd!",
}


@pytest.fixture(scope="module")
def canary_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home") / CANARY_USER
    (home / "bin").mkdir(parents=True)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")},
        **SECRETS,
        "HOME": str(home),
        "USER": CANARY_USER,
        "PATH": f"{home}/bin:{os.environ.get('PATH', '')}",
        "PIP_INDEX_URL": f"https://{CANARY_USER}:CanaryIndexPass99@pypi.example.org/simple",
        "PIP_CONFIG_FILE": os.devnull,
    }
    outputs: dict[str, str] = {}
    for name, args in {
        "report": ["report"],
        "report json": ["report", "--format", "json"],
        "doctor --json": ["doctor", "--json"],
        "doctor --markdown": ["doctor", "--markdown"],
        "doctor text": ["doctor", "-v"],
    }.items():
        proc = subprocess.run(
            [sys.executable, "-m", "envcheck", *args, "--python", sys.executable],
            capture_output=True, env=env, timeout=120, check=False, cwd=home,
        )
        assert proc.returncode in (0, 1), proc.stderr
        outputs[name] = proc.stdout.decode("utf-8")  # strict: must be valid UTF-8
    return outputs


def test_canary_leaks_nothing(canary_outputs: dict[str, str]) -> None:
    host = platform.node()
    for name, text in canary_outputs.items():
        assert text.strip(), name
        for secret in [*SECRETS.values(), "CanaryIndexPass99"]:
            assert secret not in text, f"{name} leaks a secret"
        assert CANARY_USER not in text, f"{name} leaks the user name"
        if host:
            assert not re.search(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", text, re.I), (
                f"{name} leaks the host name {host!r}")
    data = json.loads(canary_outputs["doctor --json"])
    assert data["host"] is None
    assert "<home>" in json.dumps(data) or "<user>" in json.dumps(data)
    assert "<credentials>" in data["facts"].get("pip.index_url", "<credentials>")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
@example("/home/alice/x alice@gpu-node-7 https://bob:pw@10.0.0.5:8080/simple")
@example("HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz12 GPU-6d1c2b1e-1f1a-4c47-9d47-1b2c3d4e5f60")
@example("/home/bob/x C:\\Users\\carol\\y Serial Number : 1324021012345 ether 00:1a:2b:3c:4d:5e")
def test_redacting_never_raises_and_is_stable(text: str) -> None:
    once = Redactor(ALICE).text(text)
    assert Redactor(ALICE).text(once) == once


def test_secret_names_are_whole_name_parts() -> None:
    from envcheck.redact import is_secret_name

    opaque = "abcdefghijklmnop1234"
    for name in ("HF_TOKEN", "GITHUB_TOKEN_RO", "ACCESS_TOKEN", "WANDB_API_KEY", "MY_SECRET"):
        assert is_secret_name(name, opaque), name
    for name in ("tokenizer", "AUTHOR", "TOKENIZERS_PARALLELISM"):
        assert not is_secret_name(name, opaque), name
    assert not is_secret_name("AUTH_MODE", "none")


def test_counts_in_prose_are_not_secrets() -> None:
    from envcheck.redact import Identity, Redactor

    redactor = Redactor(Identity(host=None))
    text = redactor.text("Total tokens: 123456, HF_TOKEN=hf_abcdefghijklmnopqrstu")
    assert "123456" in text
    assert "hf_abcdefghijklmnopqrstu" not in text
