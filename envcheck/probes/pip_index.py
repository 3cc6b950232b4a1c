"""Where pip installs from: index URL, extra indexes, find-links, and known mirrors.

Shell equivalent: ``pip config list -v`` plus ``env | grep ^PIP_`` — but pip is not run: its
configuration files are read as pip reads them, so this works even when pip is broken and
never touches the network.

Why it matters: a PyPI mirror only serves PyPI's default torch build, so a user behind a
mirror who asks for ``+cu121`` gets something else; a stale ``extra-index-url`` pointing at an
old ``/whl/cu1xx`` index keeps pulling an old CUDA build.

pip's rules, followed here (pip's ``configuration.py``): files load in the order global,
user, site, then ``PIP_CONFIG_FILE``, a later file overriding an earlier one; the user files
are skipped when ``PIP_CONFIG_FILE`` names an existing file, and every file is skipped when it
is ``os.devnull``. Within the merged result an ``[install]`` value beats a ``[global]`` one,
and ``PIP_*`` environment variables beat both. Empty values are ignored.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from envcheck.context import Context
from envcheck.i18n import Msg, concat
from envcheck.i18n_lists import remarks
from envcheck.model import ProbeOutcome
from envcheck.probes.base import Facts, Probe, tool_output
from envcheck.probes.env_vars import env_get

PYPI_SIMPLE = "https://pypi.org/simple"

_MIRROR_HOSTS: dict[str, str] = {
    "pypi.tuna.tsinghua.edu.cn": "tuna",
    "mirrors.tuna.tsinghua.edu.cn": "tuna",
    "mirrors.aliyun.com": "aliyun",
    "mirrors.cloud.aliyuncs.com": "aliyun",
    "mirrors.ustc.edu.cn": "ustc",
    "pypi.mirrors.ustc.edu.cn": "ustc",
    "mirror.sjtu.edu.cn": "sjtu",
    "mirrors.sjtug.sjtu.edu.cn": "sjtu",
    "repo.huaweicloud.com": "huawei",
    "mirrors.huaweicloud.com": "huawei",
    "mirrors.cloud.tencent.com": "tencent",
    "mirrors.tencent.com": "tencent",
    "pypi.douban.com": "douban",
    "pypi.doubanio.com": "douban",
    "mirrors.bfsu.edu.cn": "bfsu",
    "mirrors.cernet.edu.cn": "cernet",
    "mirror.nju.edu.cn": "nju",
    "mirrors.nju.edu.cn": "nju",
    "download.pytorch.org": "pytorch",
}
# Path segments after which PyTorch wheel indexes and their mirrors put the variant:
# download.pytorch.org/whl/cu121, mirrors.aliyun.com/pytorch-wheels/cu121,
# mirror.nju.edu.cn/pytorch/whl/cu121.
_WHEEL_ROOTS = ("whl", "pytorch-wheels")
_VARIANT_RE = re.compile(r"^(?:cu\d+|cpu|xpu|rocm\d+(?:\.\d+)*)$", re.ASCII)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _split_url(url: str) -> tuple[str, str, str] | None:
    """(scheme://, authority, rest) of a URL, or None when it has no scheme."""
    match = _SCHEME_RE.match(url)
    if match is None:
        return None
    head = match.group(0)
    tail = url[len(head) :]
    end = len(tail)
    for stop in "/?#":
        found = tail.find(stop)
        if found != -1:
            end = min(end, found)
    return head, tail[:end], tail[end:]


def mask_credentials(url: str) -> str:
    """Hide the secret in a URL's user-info; never raises.

    "https://user:token@host/simple" → "https://user:***@host/simple"; a lone token
    ("https://token@host/") becomes "***" since that form is used for access tokens.
    Text without credentials comes back unchanged.
    """
    parts = _split_url(url)
    if parts is None:
        return url
    head, authority, rest = parts
    if "@" not in authority:
        return url
    userinfo, host = authority.rsplit("@", 1)
    user, sep, _secret = userinfo.partition(":")
    masked = f"{user}:***" if sep else "***"
    return f"{head}{masked}@{host}{rest}"


def url_host(url: str) -> str | None:
    """The lower-case host name of a URL (no credentials, no port), or None."""
    parts = _split_url(url.strip())
    if parts is None:
        return None
    authority = parts[1].rsplit("@", 1)[-1]
    if authority.startswith("["):
        return authority.split("]", 1)[0][1:].lower() or None
    return authority.split(":", 1)[0].lower().rstrip(".") or None


def identify_mirror(url: str) -> str | None:
    """The known mirror serving ``url``: tuna, aliyun, ustc, sjtu, huawei, tencent, douban,
    bfsu, nju, cernet (the keys of recipes/mirrors.toml where both list one), or pytorch for
    download.pytorch.org; None for PyPI and anything else."""
    host = url_host(url)
    return _MIRROR_HOSTS.get(host) if host else None


def pytorch_index_variant(url: str) -> str | None:
    """The torch build variant a PyTorch wheel index URL serves: "cu121", "cpu", "rocm6.0" …

    Recognises download.pytorch.org/whl/<variant> (also under /whl/nightly/ and
    /whl/test/) and mirrors laid out like it (…/pytorch-wheels/<variant>,
    …/pytorch/whl/<variant>). None for other URLs and for variant-less pages such as
    /whl/torch_stable.html.
    """
    parts = _split_url(url.strip())
    if parts is None:
        return None
    path = parts[2].split("?", 1)[0].split("#", 1)[0]
    segments = [s.lower() for s in path.split("/") if s]
    for index, segment in enumerate(segments):
        if segment in _WHEEL_ROOTS:
            for later in segments[index + 1 :]:
                if _VARIANT_RE.match(later):
                    return later
            return None
    return None


@dataclass(frozen=True)
class PipSetting:
    """One effective pip option and where its value came from."""

    value: str
    source: str
    """A config file path or the environment variable name."""


@dataclass(frozen=True)
class PipConfig:
    """pip's effective index options, as pip would resolve them before the command line."""

    settings: Mapping[str, PipSetting]
    """Option name (``index-url``, ``extra-index-url``, ``find-links``, ``no-index``) → value."""
    files: tuple[str, ...]
    """Config files that exist and were loaded, lowest precedence first."""
    problems: tuple[str, ...] = field(default=())
    """Files pip would fail on or skipped files, one sentence each."""


def config_file_locations(
    env: Mapping[str, str], os_name: str, prefix: str | None, mac_user_dir_exists: bool = False
) -> list[tuple[str, str]]:
    """(kind, path) of pip's config files in load order: global, user, site, PIP_CONFIG_FILE.

    ``prefix`` is the target environment's ``sys.prefix`` (for the site file). On macOS,
    pip uses ~/Library/Application Support/pip only when that directory exists
    (``mac_user_dir_exists``), else ~/.config/pip.
    """
    windows = os_name == "windows"
    pure: type[PurePath] = PureWindowsPath if windows else PurePosixPath
    name = "pip.ini" if windows else "pip.conf"
    found: list[tuple[str, str]] = []

    def get(var: str) -> str | None:
        return env_get(env, var, os_name)

    if windows:
        program_data = get("ProgramData") or r"C:\ProgramData"
        found.append(("global", str(pure(program_data) / "pip" / name)))
    elif os_name == "darwin":
        found.append(("global", f"/Library/Application Support/pip/{name}"))
    else:
        xdg_dirs = get("XDG_CONFIG_DIRS") or "/etc/xdg"
        found += [("global", str(pure(d) / "pip" / name)) for d in xdg_dirs.split(":") if d]
        found.append(("global", f"/etc/{name}"))

    home = get("USERPROFILE") if windows else get("HOME")
    if home:
        found.append(("user", str(pure(home) / ("pip" if windows else ".pip") / name)))
    if windows:
        appdata = get("APPDATA")
        if appdata:
            found.append(("user", str(pure(appdata) / "pip" / name)))
    elif home and os_name == "darwin" and mac_user_dir_exists:
        found.append(("user", str(pure(home) / "Library/Application Support/pip" / name)))
    else:
        config_home = (get("XDG_CONFIG_HOME") if os_name != "darwin" else None) or (
            str(pure(home) / ".config") if home else None
        )
        if config_home:
            found.append(("user", str(pure(config_home) / "pip" / name)))

    if prefix:
        found.append(("site", str(pure(prefix) / name)))
    config_file = get("PIP_CONFIG_FILE")
    if config_file is not None:
        found.append(("env", config_file))
    return found


def parse_pip_config(text: str) -> dict[tuple[str, str], str]:
    """``{(section, option): value}`` from one pip config file, names normalised like pip.

    Option names are lower-cased with ``_`` read as ``-``. Raises configparser.Error on text
    pip itself would reject (e.g. a duplicate option or a line outside any section).
    """
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    values: dict[tuple[str, str], str] = {}
    for section in parser.sections():
        for option, value in parser.items(section):
            values[(section, option.lower().replace("_", "-"))] = value
    return values


def resolve_pip_config(
    files: list[tuple[str, dict[tuple[str, str], str]]], env: Mapping[str, str]
) -> dict[str, PipSetting]:
    """Merge parsed files (load order) and PIP_* variables the way pip does.

    Later files override earlier ones per (section, option); then ``[global]`` values are
    applied, then ``[install]`` values, then environment variables; empty values are
    ignored.
    """
    merged: dict[tuple[str, str], PipSetting] = {}
    for path, values in files:
        for key, value in values.items():
            merged[key] = PipSetting(value, path)
    effective: dict[str, PipSetting] = {}
    for section in ("global", "install"):
        for (sect, option), setting in merged.items():
            if sect == section and setting.value.strip():
                effective[option] = setting
    for var, value in env.items():
        if var.upper().startswith("PIP_") and value.strip():
            option = var[4:].lower().replace("_", "-")
            if option not in ("version", "help"):
                effective[option] = PipSetting(value, var)
    return effective


def _target_prefix(ctx: Context) -> tuple[str | None, str]:
    """The target environment's sys.prefix as far as paths tell, and how it was found."""
    if ctx.target_python:
        if ctx.os_name == "windows":
            exe = PureWindowsPath(ctx.target_python)
            # venvs keep python.exe in Scripts\, conda envs and installers at the prefix root.
            root = exe.parent.parent if exe.parent.name.lower() == "scripts" else exe.parent
            return str(root), "target python"
        return str(PurePosixPath(ctx.target_python).parent.parent), "target python"
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        value = env_get(ctx.env, var, ctx.os_name)
        if value:
            return value, var
    return None, Msg("no target interpreter, VIRTUAL_ENV or CONDA_PREFIX")


def load_pip_config(ctx: Context) -> PipConfig:
    """Read pip's config files and PIP_* variables through ``ctx`` (no pip, no network)."""
    prefix, _ = _target_prefix(ctx)
    mac_dir = False
    home = env_get(ctx.env, "HOME", ctx.os_name)
    if ctx.os_name == "darwin" and home:
        mac_dir = ctx.path(PurePosixPath(home) / "Library/Application Support/pip").is_dir()
    locations = config_file_locations(ctx.env, ctx.os_name, prefix, mac_dir)
    problems: list[str] = []

    config_file = env_get(ctx.env, "PIP_CONFIG_FILE", ctx.os_name)
    devnull = "nul" if ctx.os_name == "windows" else "/dev/null"
    if config_file is not None and (
        config_file.lower() == devnull if ctx.os_name == "windows" else config_file == devnull
    ):
        problems.append(Msg("PIP_CONFIG_FILE={path}: pip reads no config file at all",
                            path=config_file))
        locations = []
    elif config_file and ctx.exists(config_file):
        locations = [(kind, path) for kind, path in locations if kind != "user"]
        problems.append(Msg("PIP_CONFIG_FILE={path} exists, so pip skips the user files",
                            path=config_file))

    parsed: list[tuple[str, dict[tuple[str, str], str]]] = []
    loaded: list[str] = []
    for _kind, path in locations:
        if not ctx.exists(path):
            continue
        text, why = ctx.try_read_text(path)
        if text is None:
            problems.append(why or Msg("{path} could not be read", path=path))
            continue
        try:
            values = parse_pip_config(text)
        except configparser.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            problems.append(Msg("{path} is not valid pip configuration (pip will fail): {error}",
                                path=path, error=tool_output(first)))
            continue
        parsed.append((path, values))
        loaded.append(path)
    env_pip = {k: v for k, v in ctx.env.items() if k.upper().startswith("PIP_")}
    settings = resolve_pip_config(parsed, env_pip)
    return PipConfig(settings, tuple(loaded), tuple(problems))


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "y", "yes", "t", "true", "on")


class PipIndexProbe(Probe):
    """Report pip's effective index configuration without running pip.

    Emits ``pip.index_url``, ``pip.extra_index_urls``, ``pip.find_links`` (all with
    credentials masked), ``pip.mirror``, ``pip.torch_index_variant``, ``pip.config_files``
    and ``pip.index_source``.
    """

    id = "pip_index"
    title = Msg("Package index")
    inspects = Msg("pip's index configuration")
    for_recommend = True
    per_target = True

    def run(self, ctx: Context) -> ProbeOutcome:
        config = load_pip_config(ctx)
        settings = config.settings
        facts = Facts()

        files_note = remarks(config.problems) or None
        facts.set("pip.config_files", list(config.files), files_note)

        extra = settings.get("extra-index-url")
        links = settings.get("find-links")
        extra_urls = [mask_credentials(u) for u in extra.value.split()] if extra else []
        link_urls = [mask_credentials(u) for u in links.value.split()] if links else []
        facts.set("pip.extra_index_urls", extra_urls)
        facts.set("pip.find_links", link_urls)

        index = settings.get("index-url")
        no_index = settings.get("no-index")
        index_url: str | None
        if no_index is not None and _truthy(no_index.value):
            index_url = None
            why = Msg("no-index is set (by {source}): pip uses only find-links",
                      source=no_index.source)
            facts.unknown("pip.index_url", why)
            facts.unknown("pip.index_source", why)
        elif index is not None:
            index_url = mask_credentials(index.value.strip())
            facts.set("pip.index_url", index_url)
            facts.set("pip.index_source", index.source)
        else:
            index_url = PYPI_SIMPLE
            facts.set("pip.index_url", index_url)
            facts.set("pip.index_source", "default")

        mirror = identify_mirror(index_url) if index_url else None
        if mirror is None:
            facts.unknown(
                "pip.mirror",
                Msg("no index in use") if index_url is None
                else Msg("{url} is not a known mirror", url=index_url),
            )
        else:
            facts.set("pip.mirror", mirror)

        candidates = ([index_url] if index_url else []) + extra_urls + link_urls
        variant = next((v for v in map(pytorch_index_variant, candidates) if v), None)
        if variant is None:
            facts.unknown(
                "pip.torch_index_variant",
                Msg("no PyTorch wheel index among the configured URLs"),
            )
        else:
            facts.set("pip.torch_index_variant", variant)

        summary = concat(
            Msg("index {url}", url=index_url) if index_url else Msg("index none (no-index)"),
            f" ({mirror})" if mirror else "",
            Msg(", {count} extra", count=len(extra_urls)) if extra_urls else "",
        )
        return facts.outcome(summary)
