"""Remove what should not leave the machine before a report is shown or pasted publicly.

What goes: the user name and home directory in paths, the host name, GPU and MIG UUIDs and
serial numbers, MAC and IP addresses, the values of secret-looking environment variables
(``*_TOKEN``, ``*_KEY``, ``*SECRET*``, ``*PASSWORD*``, ``HF_``/``WANDB_``/``AWS_``/``OPENAI_``
names ...) wherever they appear, well-known token shapes, and credentials in URLs.

Each value gets a stable placeholder (``<user>``, ``<home>``, ``<host>``, ``<gpu-uuid-1>``), the
same one everywhere in a report, so the report still reads and facts that were equal stay
equal: redaction runs after the rules, and a redacted report read back by ``explain`` reaches
the same findings. Pure: :func:`redact_with_ledger` returns a new Report and the list of what
it replaced (for ``--show-redactions``), :func:`redact_report` just the Report; nothing here
reads the machine, the CLI passes the :class:`Identity` it took from the Context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from envcheck.i18n import map_data
from envcheck.model import FactValue, Finding, Fix, ProbeResult, Report, Target

SECRET_NAME = re.compile(
    # whole name parts: HF_TOKEN and GITHUB_TOKEN_RO are secrets, "tokenizer" and "AUTHOR" not
    r"(?:^|_)(?:ACCESS_|AUTH_|API_|REFRESH_)?TOKEN(?:_|$)|SECRET|PASSW|PASSPHRASE|CREDENTIAL|"
    r"PRIVATE|(?:^|_)(?:API_?)?KEY(?:_ID)?$|(?:^|_)AUTH(?:_|$)",
    re.IGNORECASE,
)
"""Environment variable names whose value is a secret whatever it looks like."""
SERVICE_PREFIX = re.compile(
    r"^(?:HF|HUGGING_?FACE|WANDB|AWS|OPENAI|ANTHROPIC|AZURE|GITHUB|GH|GITLAB|COMET|NEPTUNE|"
    r"KAGGLE|MLFLOW|REPLICATE|COHERE|MISTRAL|GOOGLE|GCP)_",
    re.IGNORECASE,
)
"""Names of services that hand out keys: long opaque values under these names are hidden."""

_UUID = re.compile(r"\b(GPU|MIG)-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<creds>[^/@\s]+)@")
_TOKEN_SHAPES = re.compile(
    r"\b(?:hf_[A-Za-z0-9]{20,}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}"
    r"|glpat-[A-Za-z0-9_-]{20,})"
)
_ASSIGNMENT = re.compile(
    r"(?<![<\w])(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>\s*[=:]\s*)(?P<value>[^\s'\",;]+)")
_SERIAL = re.compile(r"(?P<label>Serial Number\s*:\s*)(?P<value>[0-9A-Za-z]{6,})")
_MAC = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:])")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
# Four dotted numbers are also package versions (cuDNN 8.9.2.26), so an address is redacted only
# where it reads as one: a URL's host, before a port, or after inet/addr/ip/host words.
_IP_CONTEXT = re.compile(
    rf"(?:(?<=://)|(?<=@)|(?<=\binet )|(?<=\baddr:)|(?<=\baddr )|(?<=\bip )|(?<=\bIP )"
    rf"|(?<=\bhost ))(?P<ip>{_IPV4})(?![\d.])|(?<![\w.])(?P<ipport>{_IPV4}):(?=\d{{2,5}}\b)"
)
_HOME_PATH = re.compile(r"(?P<root>/home/|/Users/|\b[A-Za-z]:\\Users\\)(?P<user>[^/\\\s:;,'\"<>]+)")
_GENERIC_HOMES = {"Public", "Shared", "Default", "All Users", "linuxbrew"}
_PATH_END = r"(?=$|[/\\\s:;,'\")\]}>])"
_PATH_WORDS = frozenset({
    "bin", "lib", "lib64", "local", "usr", "opt", "share", "include", "src", "etc", "var", "tmp",
    "home", "data", "app", "cuda", "python", "conda", "dev", "proc", "sys", "mnt", "srv", "work",
    "workspace", "build", "nvidia", "site-packages", "envs", "cache",
})
"""User names that are also everyday path segments: only their home directory is replaced."""
_NOT_HOSTS = frozenset({"localhost", "localhost.localdomain"})


_PLAIN_VALUES = frozenset({"none", "null", "true", "false", "yes", "no", "off", "on", "auto"})


def is_secret_name(name: str, value: str) -> bool:
    """Whether the environment variable ``name=value`` holds a secret to hide."""
    if len(value) < 4 or value.lower() in _PLAIN_VALUES:
        return False
    if SECRET_NAME.search(name):
        return True
    looks_opaque = len(value) >= 12 and not re.search(r"[\s/\\]", value)
    return bool(SERVICE_PREFIX.search(name)) and looks_opaque


@dataclass(frozen=True)
class Identity:
    """What names this machine and its user: the values redaction looks for by value."""

    user: str | None = None
    home: str | None = None
    host: str | None = None
    secrets: tuple[tuple[str, str], ...] = ()
    """(environment variable name, value) of every secret-looking variable."""

    @classmethod
    def from_env(cls, env: Mapping[str, str], host: str | None) -> Identity:
        """Read the user, home and secrets from an environment (the Context's, never os)."""
        home = env.get("HOME") or env.get("USERPROFILE") or None
        user = env.get("USER") or env.get("LOGNAME") or env.get("USERNAME") or None
        if not user and home:
            user = re.split(r"[/\\]", home.rstrip("/\\"))[-1] or None
        secrets = tuple(
            sorted(
                ((name, value) for name, value in env.items() if is_secret_name(name, value)),
                key=lambda item: -len(item[1]),
            )
        )
        return cls(user=user, home=home.rstrip("/\\") or None if home else None, host=host,
                   secrets=secrets)


@dataclass(frozen=True)
class Replacement:
    """One kind of value that was hidden: what it was, its placeholder, how often."""

    kind: str
    original: str
    placeholder: str
    count: int


@dataclass
class _Ledger:
    """Placeholders handed out so far (stable within one report) and how often each was used."""

    numbered: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def number(self, kind: str, original: str, stem: str) -> str:
        key = (kind, original)
        if key not in self.numbered:
            index = sum(1 for k in self.numbered if k[0] == kind) + 1
            self.numbered[key] = f"<{stem}-{index}>"
        return self.numbered[key]

    def note(self, kind: str, original: str, placeholder: str) -> str:
        key = (kind, original, placeholder)
        self.counts[key] = self.counts.get(key, 0) + 1
        return placeholder


class Redactor:
    """Redacts strings for one report, handing out the same placeholder for the same value."""

    def __init__(self, identity: Identity | None = None) -> None:
        self.identity = identity or Identity()
        self._ledger = _Ledger()
        self._users: dict[str, str] = {}
        user = self.identity.user
        if user and len(user) >= 2:
            self._users[user] = "<user>"

    def replacements(self) -> tuple[Replacement, ...]:
        """What was hidden so far, in the order first met."""
        return tuple(
            Replacement(kind, original, placeholder, count)
            for (kind, original, placeholder), count in self._ledger.counts.items()
        )

    def _user_placeholder(self, name: str) -> str:
        if name not in self._users:
            self._users[name] = "<user>" if not self._users else f"<user-{len(self._users) + 1}>"
        return self._users[name]

    def text(self, text: str) -> str:
        """One string with everything private replaced."""
        if not text:
            return text
        ident, ledger = self.identity, self._ledger
        out = text
        for name, value in ident.secrets:
            if value in out:
                out = out.replace(value, ledger.note("secret", value, f"<secret:{name}>"))
        out = _ASSIGNMENT.sub(self._assignment, out)
        out = _TOKEN_SHAPES.sub(lambda m: ledger.note("token", m.group(), "<token>"), out)
        out = _URL_CREDENTIALS.sub(
            lambda m: m.group("scheme") + ledger.note("credentials", m.group("creds"),
                                                      "<credentials>") + "@",
            out,
        )
        out = _UUID.sub(self._uuid, out)
        out = _SERIAL.sub(
            lambda m: m.group("label") + ledger.note(
                "gpu serial", m.group("value"),
                ledger.number("gpu serial", m.group("value"), "gpu-serial")),
            out,
        )
        out = _MAC.sub(lambda m: ledger.note("MAC address", m.group(), "<mac>"), out)
        out = _IP_CONTEXT.sub(self._ip, out)
        if ident.home and len(ident.home) > 1:
            home = re.compile(r"(?<![\w./\\-])" + re.escape(ident.home) + _PATH_END)
            out = home.sub(lambda m: ledger.note("home directory", m.group(), "<home>"), out)
        out = _HOME_PATH.sub(self._home_path, out)
        for name, placeholder in list(self._users.items()):
            if name.lower() in _PATH_WORDS:
                continue
            in_path = re.compile(r"(?<=[/\\])" + re.escape(name) + _PATH_END)
            at_host = re.compile(r"(?<![\w.-])" + re.escape(name) + r"(?=@)")
            for pattern in (in_path, at_host):
                out = pattern.sub(self._noter("user name", placeholder), out)
        host = ident.host
        if host and len(host) > 1 and host.lower() not in _NOT_HOSTS:
            short = host.split(".")[0]
            names = {host, short} if len(short) > 1 else {host}
            for name in sorted(names, key=len, reverse=True):
                # Short names ("vm", "gpu") match in their own case only, so prose survives.
                flags = re.IGNORECASE if len(name) >= 6 else 0
                pattern = re.compile(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-])", flags)
                out = pattern.sub(lambda m: ledger.note("host name", m.group(), "<host>"), out)
        return out

    def _noter(self, kind: str, placeholder: str) -> Callable[[re.Match[str]], str]:
        return lambda match: self._ledger.note(kind, match.group(), placeholder)

    def _assignment(self, match: re.Match[str]) -> str:
        name, value = match.group("name"), match.group("value")
        if value.startswith("<") or not is_secret_name(name, value):
            return match.group()
        if ":" in match.group("sep") and value.replace(".", "").replace(",", "").isdigit():
            return match.group()  # "tokens: 123456" is a count in prose, not a key
        return name + match.group("sep") + self._ledger.note("secret", value, "<secret>")

    def _uuid(self, match: re.Match[str]) -> str:
        kind = "gpu uuid" if match.group(1) == "GPU" else "mig uuid"
        stem = "gpu-uuid" if match.group(1) == "GPU" else "mig-uuid"
        return self._ledger.note(kind, match.group(), self._ledger.number(kind, match.group(),
                                                                          stem))

    def _ip(self, match: re.Match[str]) -> str:
        if match.group("ip"):
            return self._ledger.note("IP address", match.group("ip"), "<ip>")
        return self._ledger.note("IP address", match.group("ipport"), "<ip>") + ":"

    def _home_path(self, match: re.Match[str]) -> str:
        name = match.group("user")
        if name.startswith("<") or name in _GENERIC_HOMES:
            return match.group()
        return match.group("root") + self._ledger.note(
            "user name", name, self._user_placeholder(name)
        )

    def value(self, value: FactValue) -> FactValue:
        """A fact value with every string in it redacted (GPU serials by key too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            out: dict[str, FactValue] = {}
            for key, item in value.items():
                if key == "serial" and isinstance(item, str) and item:
                    out[key] = self._ledger.note(
                        "gpu serial", item, self._ledger.number("gpu serial", item, "gpu-serial")
                    )
                else:
                    out[self.text(key) if isinstance(key, str) else key] = self.value(item)
            return out
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        return value


def redact_text(text: str, host: str | None = None, identity: Identity | None = None) -> str:
    """Redact one string (a fresh placeholder numbering)."""
    ident = identity or Identity(host=host)
    return Redactor(ident).text(text)


def redact_report(
    report: Report, identity: Identity | None = None
) -> Report:
    """A copy of ``report`` safe to paste into a public issue."""
    return redact_with_ledger(report, identity)[0]


def redactor_for(report: Report, identity: Identity | None = None) -> Redactor:
    """A Redactor for ``report``: ``identity``, with the report's own host name if it has none."""
    ident = identity or Identity()
    if report.host and not ident.host:
        ident = replace(ident, host=report.host)
    return Redactor(ident)


def redact_with_ledger(
    report: Report, identity: Identity | None = None, redactor: Redactor | None = None
) -> tuple[Report, tuple[Replacement, ...]]:
    """The redacted report and what was replaced in it.

    Pass ``redactor`` to redact more text (a bench run shown with the report) with the same
    placeholders afterwards.
    """
    red = redactor or redactor_for(report, identity)

    def text(value: str) -> str:
        # Redacts the data inside a message and keeps the message, so it is still translated.
        return map_data(value, red.text)

    def finding(f: Finding) -> Finding:
        return replace(
            f,
            title=text(f.title),
            detail=text(f.detail),
            consequences=tuple(text(c) for c in f.consequences),
            fixes=tuple(
                Fix(text(x.summary), tuple(text(c) for c in x.commands),
                    text(x.url) if x.url else x.url)
                for x in f.fixes
            ),
        )

    def probe(p: ProbeResult) -> ProbeResult:
        return replace(
            p,
            note=text(p.note) if p.note else p.note,
            facts={k: red.value(v) for k, v in p.facts.items()},
            notes={k: text(v) for k, v in p.notes.items()},
            more_time=tuple(text(a) for a in p.more_time),
        )

    # Facts first, in catalogue (sorted) order, so placeholders are numbered the same way
    # whichever renderer asks.
    facts = {k: red.value(report.facts[k]) for k in sorted(report.facts)}
    redacted = replace(
        report,
        host=None,
        target=Target(
            python=text(report.target.python) if report.target.python else None,
            env_type=report.target.env_type,
            chosen_by=report.target.chosen_by,
        ),
        facts=facts,
        notes={k: text(v) for k, v in report.notes.items()},
        probes=tuple(probe(p) for p in report.probes),
        findings=tuple(finding(f) for f in report.findings),
        unparsed=tuple(text(u) for u in report.unparsed),
    )
    return redacted, red.replacements()
