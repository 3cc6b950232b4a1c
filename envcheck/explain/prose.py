"""The lenient reader: evidence wherever it stands in a paste, in English or Chinese.

The strict parsers read formats (collect_env, nvidia-smi, pip list ...). Real reports are
often only prose and fragments: "RTX 3090 with torch==1.7.1+cu101", a tool's start-up banner
("YOLOv8 🚀 Python-3.10.11 torch-2.1.0+cpu"), "win10", "Macbook M1", "显卡 3060ti", a
``docker run`` line, "is_available() returns False", "清华源只有 CPU 版本". This module reads
such evidence from every line and reports it as ordinary facts, each with the line it came
from and a note saying it was read leniently. :func:`envcheck.explain.explain_text` adds these
facts only where no strict parser gave the same key, so a strict fact always wins.

Besides facts about the machine it records *claims*: what the reporter says happened, in
their own words ("installed the CPU version", "requirements replaced my torch", "nouveau is
loaded"). Claims are weak evidence the differential diagnosis weighs; they never decide alone
against a strict fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envcheck.explain.common import (
    Found,
    Line,
    Parsed,
    ParsedBuilder,
    as_lines,
    torch_version_facts,
)
from envcheck.probes.env_vars import parse_cuda_visible_devices

SOURCE = "prose"
NOTE = "read leniently from the text (line {line})"
MAX_SCAN_LINES = 20_000
"""Lines read (the first ones): evidence in a huge paste is near its top."""

# --- torch versions ------------------------------------------------------------------------
# "torch-2.1.0+cpu", "torch==1.7.1+cu101", "pytorch1.8.0", "torch 2.0.0+cu118", "PyTorch: 2.0.1",
# "torch version 1.13", "pytorch==2.0.1" (conda), wheel names "torch-1.11.0-cp38-...whl".
_TORCH_RE = re.compile(
    r"(?<![\w.-])(?:py)?torch(?![\w.-]*(?:vision|audio|text|data|serve|metrics|geometric|"
    r"lightning|tensorrt|scatter|sparse|cluster|_stable|-cuda|-mutex))"
    r"(?:\.__version__(?:\(\))?|[ \t]?(?:version|版本))?[ \t]{0,3}"
    r"(?:==|=|-|:|\s|is|was|->|为|是)?[ \t]{0,3}['\"]?v?"
    r"(?P<version>\d{1,2}\.\d{1,2}(?:\.\d{1,3})?(?:(?:a|b|rc|\.dev)\d{1,10})?"
    r"(?:\+[A-Za-z0-9.]{1,40})?)(?![\d])",
    re.IGNORECASE | re.ASCII,
)
_WHEEL_RE = re.compile(
    r"\btorch-(?P<version>\d[\w.+!-]{0,40}?)-cp(?P<py>\d)(?P<pyminor>\d{1,2})-[\w.]{1,20}-"
    r"(?P<plat>[\w.]{1,60}?)\.whl",
    re.IGNORECASE | re.ASCII,
)

# --- NVIDIA GPUs named in prose ----------------------------------------------------------------
_GEFORCE_RE = re.compile(
    r"\b(?:NVIDIA[ \t]+)?(?:GeForce[ \t]+)?(?P<series>RTX|GTX|MX)[ \t-]?(?P<num>\d{3,4})"
    r"(?:[ \t]?(?P<suffix>Ti|SUPER|Super|S)\b)?",
    re.IGNORECASE | re.ASCII,
)
_DATACENTER_RE = re.compile(
    r"(?<![\w-])(?:NVIDIA[ \t]+|Tesla[ \t]+)?(?P<name>[AHB]100|A800|H800|H200|B200|GB200|GH200|"
    r"V100|P100|P40|K80|K40|T4|L4|L40S?|A10G?|A30|A40|A16|A2|RTX[ \t]?A\d{4}|A\d000|"
    r"Quadro[ \t]+[A-Z]{0,3}\d{2,4}|TITAN[ \t]+(?:RTX|V|Xp|X))(?![\w-])",
    re.ASCII,
)
_LABELLED_NUMBER_RE = re.compile(
    r"(?:video card|graphics card|gpu|显卡|卡|card)[ \t]*(?:is|:|=|：)?[ \t]*(?P<num>[1-9]\d{3})"
    r"[ \t]?(?P<suffix>ti|super)?\b",
    re.IGNORECASE | re.ASCII,
)
_JETSON_RE = re.compile(
    r"\b(?P<word>Jetson(?:[ \t]+(?:AGX[ \t]+)?(?:Orin|Xavier|Nano|TX2|TX1)(?:[ \t]+NX)?)?|"
    r"JetPack(?:[ \t]*\d{1,2}(?:\.\d{1,2}){0,2})?|L4T|Tegra)\b",
    re.IGNORECASE | re.ASCII,
)

# --- other vendors' GPUs: evidence that there may be no NVIDIA GPU at all ---------------------
_OTHER_GPU_RE = re.compile(
    r"(?P<amd>\bRadeon\b[^\n,.;)]{0,30}|\bRX[ \t]?\d{3,4}[ \t]?(?:XTX|XT)?\b|"
    r"\bAMD[ \t]+(?:GPU|graphics|card|显卡|\d{3,4}[ \t]?(?:XTX|XT)?\b)|\bAMD显卡|\bA卡)|"
    r"(?P<intel>\bIntel(?:\(R\))?[ \t]+(?:Iris|UHD|HD[ \t]+Graphics|Arc)\b[^\n,.;)]{0,20}|"
    r"\biris[ \t]+xe\b|\bintegrated[ \t]+(?:intel[ \t]+)?(?:gpu|graphics)\b|核显|集成显卡|集显)|"
    r"(?P<apple>\bApple[ \t]+M[1-4]\b(?:[ \t]+(?:Pro|Max|Ultra))?|\bM[1-4][ \t]?(?:Pro|Max|Ultra)?"
    r"(?=[ \t]*(?:mac|chip|芯片))|(?:MacBook|Mac)[ \t]*(?:Pro|Air)?[ \t]*M[1-4]\b)",
    re.IGNORECASE | re.ASCII,
)
_NO_NVIDIA_RE = re.compile(
    r"\b(?:no|not have an?|don'?t have an?|without an?|lack an?)[ \t]+nvidia[ \t]+"
    r"(?:gpu|card|graphics)|没有(?:N卡|n卡|英伟达|NVIDIA|nvidia|独显|独立显卡)",
    re.IGNORECASE | re.ASCII,
)

# "driver 470.82", "Driver Version: 536.23", "驱动版本 536.23", "nvidia-driver-535".
_DRIVER_RE = re.compile(
    r"(?:driver|驱动)(?:[ \t]*(?:version|版本|ver\.?))?[ \t]*(?:is|:|=|为|是)?[ \t]*v?"
    r"(?P<v>[1-9]\d{2}\.\d{1,3}(?:\.\d{1,3})?)(?![\d.])|nvidia-driver-(?P<pkg>[1-9]\d{2})\b",
    re.IGNORECASE | re.ASCII,
)
# Hugging Face `transformers-cli env` / `accelerate env`:
# "- PyTorch version (GPU?): 2.1.0+cpu (False)".
_HF_ENV_RE = re.compile(
    r"PyTorch version \(GPU\?\)[ \t]*:[ \t]*(?P<v>\d[\w.+]{0,40})[ \t]*\((?P<gpu>True|False)\)",
    re.ASCII,
)

# --- the operating system ------------------------------------------------------------------------
_WSL_RE = re.compile(r"\bWSL[ \t]?(?P<n>[12])?\b", re.IGNORECASE | re.ASCII)
_WINDOWS_RE = re.compile(
    r"\bwin(?:dows)?[ \t]?(?:10|11|7|8|server)\b|\bwindows\b|(?<![\w/])[A-Za-z]:\\\\?[\w.$ -]{1,60}"
    r"\\|\.exe\b|\bPowerShell\b|\bcmd\.exe\b",
    re.IGNORECASE | re.ASCII,
)
_MAC_RE = re.compile(
    r"\bmac ?os\b|\bOS X\b|\bMacBook|\bMac mini\b|\biMac\b|\bApple[ \t]+(?:M[1-4]|silicon)\b|"
    r"\bdarwin\b|\bmacosx_\d",
    re.IGNORECASE | re.ASCII,
)
_LINUX_RE = re.compile(
    r"\b(?:Ubuntu|Debian|CentOS|Fedora|Rocky Linux|RHEL|openSUSE|Arch Linux|Linux|manylinux)\b|"
    r"(?<![\w.])/(?:home|usr|opt|root)/",
    re.IGNORECASE | re.ASCII,
)
_ARM_RE = re.compile(r"\b(?:aarch64|arm64|GB200|GH200|Grace Hopper)\b", re.IGNORECASE | re.ASCII)

# --- Python --------------------------------------------------------------------------------------
_PYTHON_RE = re.compile(
    r"\b(?:c?python)[ \t-]?v?(?P<v>[23]\.\d{1,2}(?:\.\d{1,2})?)(?![\d.])|"
    r"\bpython[ \t]?(?:==?|版本[ \t]?|version[ \t:]{1,3})(?P<w>[23]\.\d{1,2}(?:\.\d{1,2})?)|"
    r"(?:^|\s)-p[ \t]+(?P<u>3\.\d{1,2}(?:\.\d{1,2})?)\b",
    re.IGNORECASE | re.ASCII,
)

# --- containers ---------------------------------------------------------------------------
_DOCKER_RUN_RE = re.compile(
    r"\b(?:docker|podman|nvidia-docker)[ \t]+(?:container[ \t]+)?run\b", re.ASCII
)
_DOCKER_GPU_FLAGS = re.compile(
    r"--gpus\b|--runtime[= ]nvidia|--device[= ]\S*nvidia|nvidia-docker", re.ASCII
)
_DOCKER_WORD_RE = re.compile(
    r"\b(?:docker|container|podman|kubernetes|k8s|pod)\b|容器", re.IGNORECASE
)

# --- symptoms and claims in the reporter's words ------------------------------------------
_AVAILABLE_RE = re.compile(
    r"is_available(?:\(\))?[`'\"]?[^\n]{0,30}?(?:returns?|returned|is|shows?|showed|gives?|gave|"
    r"prints?|printed|outputs?|=|:|->|→|显示|返回|为|是)?[ \t:=]*[`'\"]?(?P<value>true|false)\b",
    re.IGNORECASE | re.ASCII,
)
_GPU_UNUSED_RE = re.compile(
    r"(?:can(?:no|')?t|unable to|could ?n[o']t|doesn'?t|does not|not able to|fails? to)[ \t]+"
    r"(?:use|find|detect|see|recogni[sz]e|access)[ \t]+(?:the[ \t]+|my[ \t]+)?(?:gpu|cuda|nvidia)|"
    r"\bcuda (?:is )?(?:not|isn'?t) (?:available|detected|found|working)|"
    r"\bgpu (?:is )?(?:not|isn'?t) (?:being )?(?:used|detected|found|available|recogni[sz]ed)|"
    r"(?:用不了|无法使用|不能使用|调用不了|识别不到|检测不到|找不到)"
    r"[ \t]*(?:GPU|gpu|显卡|CUDA|cuda)|"
    r"(?:GPU|gpu|显卡|CUDA|cuda)[ \t]*(?:用不了|无法使用|不能用|不可用|没有被使用|识别不到)",
    re.IGNORECASE | re.ASCII,
)

_CLAIMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "cpu_torch",
        re.compile(
            r"\bcpu[ \t_-]?(?:only[ \t_-]?)?(?:version|build|wheel|variant|package)s?\b|"
            r"(?:py)?torch[^\n]{0,20}\bcpu[ \t-]?only\b|\bcpu[ \t-]?only[ \t]+(?:py)?torch|"
            r"\bcpuonly\b|\bnon[ \t-]?cuda[ \t]+(?:version|build|torch)|"
            r"\bwithout[ \t]+cuda[ \t]+support|(?:cpu|CPU)[ \t]?(?:版本|版)|只有[ \t]?cpu",
            re.IGNORECASE | re.ASCII,
        ),
    ),
    (
        "torch_replaced",
        re.compile(
            r"(?:replac|overwr[io]t|uninstall|downgrad|upgrad|clobber|swapp?)\w*[ \t]+"
            r"(?:my[ \t]+|the[ \t]+|our[ \t]+)?(?:existing[ \t]+|installed[ \t]+|working[ \t]+)?"
            r"(?:cuda[ \t]+)?(?:py)?torch\b|"
            r"\bforc\w*[ \t]+(?:a[ \t]+|the[ \t]+)?[\w -]{0,30}(?:py)?torch[\w -]{0,30}install|"
            r"\bbroke[n]?[ \t]+(?:my[ \t]+|the[ \t]+)?(?:install(?:ation)?|env(?:ironment)?|venv)|"
            r"(?:覆盖|卸载|替换|降级|升级)了?[^\n]{0,8}torch|torch[^\n]{0,8}(?:被)(?:覆盖|替换|卸载)",
            re.IGNORECASE | re.ASCII,
        ),
    ),
    (
        "two_torch",
        re.compile(
            r"\btwo[ \t]+(?:different[ \t]+)?(?:versions|copies|installs|installations)[ \t]+of"
            r"[ \t]+(?:py)?torch|(?:两个|多个|2个)(?:版本的|不同版本的)?[ \t]?(?:py)?torch|"
            r"(?:py)?torch[^\n]{0,20}版本冲突|版本冲突",
            re.IGNORECASE | re.ASCII,
        ),
    ),
    ("nouveau", re.compile(r"\bnouveau\b", re.IGNORECASE | re.ASCII)),
    (
        "ext_build",
        re.compile(
            r"\b(?:compil|build)\w*[ \t]+(?:the[ \t]+|a[ \t]+|my[ \t]+)?[\w-]{0,40}[ \t]?"
            r"(?:extension|cuda[ \t]+op|custom[ \t]+op|ops?\b|kernels?\b|module)|"
            r"\bsetup\.py[ \t]+(?:install|build|develop)|\bmake\.sh\b|\bbuild_ext\b|编译",
            re.IGNORECASE | re.ASCII,
        ),
    ),
    (
        "no_gpu",
        re.compile(
            r"\b(?:cpu[ \t-]?only|no[ \t-]gpu|gpu-?less|without[ \t]+(?:a[ \t]+|any[ \t]+)?gpu)"
            r"[ \t]+(?:server|machine|laptop|box|node|host|instance|vm|computer|pc)\b|"
            r"\b(?:don'?t|do[ \t]+not)[ \t]+have[ \t]+(?:a[ \t]+|any[ \t]+)?(?:gpu|graphics card)",
            re.IGNORECASE | re.ASCII,
        ),
    ),
    (
        "jupyter",
        re.compile(r"\bjupyter\b|\bipykernel\b|\bnotebook\b|\bcolab\b", re.IGNORECASE | re.ASCII),
    ),
    (
        "created_env",
        re.compile(
            r"\b(?:the|an?|my|new)[ \t]+(?:conda[ \t]+|virtual[ \t]+)?env(?:ironment)?[ \t]+"
            r"(?:i|I)[ \t]+(?:created|made|set up)|\bconda[ \t]+create\b|"
            r"\bnew[ \t]+(?:conda[ \t]+)?env(?:ironment)?\b|"
            r"新建的?(?:conda)?环境|创建的?(?:conda)?环境",
            re.IGNORECASE | re.ASCII,
        ),
    ),
)
_MIRRORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("tuna", re.compile(r"tuna\.tsinghua|tsinghua|清华", re.IGNORECASE | re.ASCII)),
    ("aliyun", re.compile(r"aliyun|阿里", re.IGNORECASE | re.ASCII)),
    ("ustc", re.compile(r"ustc\.edu|中科大", re.IGNORECASE | re.ASCII)),
    ("sjtu", re.compile(r"sjtu\.edu|上交", re.IGNORECASE | re.ASCII)),
    ("bfsu", re.compile(r"bfsu\.edu|北外", re.IGNORECASE | re.ASCII)),
    ("nju", re.compile(r"nju\.edu|南大", re.IGNORECASE | re.ASCII)),
    ("douban", re.compile(r"douban", re.IGNORECASE | re.ASCII)),
)
# CUDA_VISIBLE_DEVICES assigned anywhere in a line (inline code in a sentence, a launcher):
# the strict reader takes assignments that start a line.
_CVD_RE = re.compile(
    r"CUDA_VISIBLE_DEVICES['\"\]]{0,2}[ \t]*=[ \t]*['\"]?(?P<value>[0-9, -]{0,40}|"
    r"(?:GPU|MIG)-[0-9a-fA-F/-]{4,80})['\"]?(?=[\s'\"`;)&|]|$)",
    re.ASCII,
)
_CONDA_INSTALL_RE = re.compile(
    r"\b(?:conda|mamba|micromamba)[ \t]+(?:install|create)\b(?P<args>[^\n]{0,600})"
)
_CONDA_TORCH_RE = re.compile(
    r"(?<![\w-])pytorch[ \t]*==?[ \t]*(?P<v>\d{1,2}\.\d{1,2}(?:\.\d{1,3})?)", re.ASCII
)
_SYS_EXECUTABLE_RE = re.compile(
    r"(?:sys\.executable|executable)[^\n'\"/\\:]{0,40}[:=]?[ \t]*['\"]?"
    r"(?P<path>(?:[A-Za-z]:\\\\?|/)[^'\"\n]{1,300}?python[\w.]{0,12}(?:\.exe)?)['\"]?\s*$",
    re.IGNORECASE | re.ASCII,
)
_QUOTED_PYTHON_RE = re.compile(
    r"^\s*['\"](?P<path>(?:[A-Za-z]:\\\\?|/)[^'\"\n]{1,300}?python[\w.]{0,12}(?:\.exe)?)['\"]\s*$",
    re.IGNORECASE | re.ASCII,
)
_PIP_FROM_RE = re.compile(
    r"\bpip[ \t]+\d{1,3}(?:\.\d{1,4}){0,3}[ \t]+from[ \t]+(?P<path>\S{1,400}?)[\\/]"
    r"(?:lib[\\/](?:python\d\.\d{1,2}[\\/])?)?site-packages[\\/]pip\b",
    re.IGNORECASE | re.ASCII,
)
_REPLACE_OLD_RE = re.compile(
    r"(?:Found existing installation:[ \t]+torch[ \t]+|(?:Successfully[ \t]+un|Un)installing?[ \t]+"
    r"torch-|Successfully[ \t]+uninstalled[ \t]+torch-)(?P<v>\d[\w.+]{0,40})",
    re.IGNORECASE | re.ASCII,
)
_REPLACE_NEW_RE = re.compile(
    r"Successfully[ \t]+installed\b[^\n]{0,2000}?(?<![\w-])torch-(?P<v>\d[\w.+]{0,40})",
    re.IGNORECASE | re.ASCII,
)
_RESOLVER_RE = re.compile(
    r"(?P<pkg>[A-Za-z0-9][\w.-]{0,80})[ \t]+(?P<ver>\d[\w.+!-]{0,40})[ \t]+requires[ \t]+"
    r"(?P<req>[A-Za-z0-9][\w.-]{0,80})(?P<spec>[^,\n]{0,80}),[ \t]+but[ \t]+you[ \t]+have[ \t]+"
    r"(?P<have_name>[A-Za-z0-9][\w.-]{0,80})[ \t]+(?P<have>\d[\w.+!-]{0,40})[ \t]+which[ \t]+is"
    r"[ \t]+incompatible",
    re.IGNORECASE | re.ASCII,
)
_TORCH_FAMILY = frozenset({"torch", "torchvision", "torchaudio", "pytorch"})


MAX_PROSE_LINE = 2000
"""Characters of a line the lenient reader looks at (evidence sits near a line's start)."""
_GPU_WORDS = (
    "rtx",
    "gtx",
    "mx",
    "nvidia",
    "tesla",
    "quadro",
    "titan",
    "100",
    "200",
    "a10",
    "a30",
    "a40",
    "a16",
    "a2",
    "t4",
    "l4",
    "l40",
    "a800",
    "h800",
    "000",
    "card",
    "gpu",
    "显卡",
    "卡",
    "jetson",
    "jetpack",
    "l4t",
    "tegra",
    "radeon",
    "rx",
    "amd",
    "intel",
    "iris",
    "integrated",
    "核显",
    "集成",
    "集显",
    "m1",
    "m2",
    "m3",
    "m4",
    "k80",
    "k40",
    "p40",
)
_OS_WORDS = (
    "wsl",
    "win",
    ":\\",
    ".exe",
    "powershell",
    "mac",
    "os x",
    "apple",
    "darwin",
    "ubuntu",
    "debian",
    "centos",
    "fedora",
    "rocky",
    "rhel",
    "suse",
    "linux",
    "/home/",
    "/usr/",
    "/opt/",
    "/root/",
    "aarch64",
    "arm64",
    "gb200",
    "gh200",
    "grace",
)
_DOCKER_WORDS = ("docker", "podman", "container", "kubernetes", "k8s", "pod", "容器")
_SYMPTOM_WORDS = (
    "is_available",
    "gpu",
    "cuda",
    "显卡",
    "executable",
    "python",
    "pip ",
)
_INSTALL_WORDS = ("torch", "requires", "conda", "mamba")
_CLAIM_WORDS: dict[str, tuple[str, ...]] = {
    "cpu_torch": ("cpu", "cuda"),
    "torch_replaced": ("torch", "broke"),
    "two_torch": ("torch", "冲突"),
    "nouveau": ("nouveau",),
    "ext_build": ("compil", "build", "setup.py", "make.sh", "编译"),
    "no_gpu": ("cpu", "gpu", "graphics"),
    "jupyter": ("jupyter", "ipykernel", "notebook", "colab"),
    "created_env": ("env", "环境", "conda"),
}


def _gate(words: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled alternation of plain substrings: a faster ``any(w in text ...)``."""
    return re.compile("|".join(re.escape(word) for word in words))


_GPU_GATE = _gate(_GPU_WORDS)
_OS_GATE = _gate(_OS_WORDS)
_DOCKER_GATE = _gate(_DOCKER_WORDS)
_SYMPTOM_GATE = _gate(_SYMPTOM_WORDS)
_INSTALL_GATE = _gate(_INSTALL_WORDS)
_CLAIM_GATES = {name: _gate(words) for name, words in _CLAIM_WORDS.items()}


def _note(line: int) -> str:
    return NOTE.format(line=line + 1)


def _geforce_name(series: str, num: str, suffix: str | None) -> str:
    name = f"{series.upper()} {num}"
    if suffix:
        name += " Ti" if suffix.lower() == "ti" else " SUPER"
    return name


def _series_for(number: str) -> str | None:
    """GeForce series of a bare model number: 1050-1080 and 1650/1660 GTX, 2060+ RTX."""
    value = int(number)
    if 2050 <= value <= 5090:
        return "RTX"
    if 950 <= value <= 1080 or 1630 <= value <= 1660:
        return "GTX"
    return None


class _Reader:
    def __init__(self, rows: Sequence[Line]) -> None:
        self.rows = rows
        self.b = ParsedBuilder(SOURCE)
        self.gpu_names: list[tuple[str, int]] = []
        self.other_gpus: list[str] = []
        self.claims: list[dict[str, object]] = []
        self.os_votes: dict[str, int] = {}
        self.os_line: dict[str, int] = {}
        self.docker_runs: list[dict[str, object]] = []
        self.docker_words = False
        self.executables: list[str] = []
        self.conflicts: list[dict[str, object]] = []
        self.copies: list[dict[str, object]] = []
        self.replaced_old: str | None = None
        self.replaced_new: str | None = None
        self.replaced_line = 0
        self.mac_context = False
        self.done: set[str] = set()

    def once(self, key: str, value: object, line: int) -> None:
        if key in self.done:
            return
        self.done.add(key)
        self.b.add(key, value, line, _note(line))

    def read(self) -> Parsed:
        rows = self.rows[:MAX_SCAN_LINES]
        whole = "\n".join(row.text for row in rows)
        self.mac_context = bool(_MAC_RE.search(whole))
        for index, row in enumerate(rows):
            text = row.text
            if not text.strip():
                continue
            self.line(text, index)
        self.finish()
        built = self.b.build()
        found = tuple(
            item
            if item.note
            else Found(item.key, item.value, item.line, item.source, _note(item.line))
            for item in built.found
        )
        return Parsed(found, built.consumed, built.formats)

    def line(self, text: str, i: int) -> None:
        text = text[:MAX_PROSE_LINE]
        low = text.lower()
        # Cheap substring gates first: most lines of a big paste hold none of this evidence.
        if "torch" in low:
            self._torch(text, i)
        if _GPU_GATE.search(low):
            self._gpus(text, i)
        if _OS_GATE.search(low):
            self._os(text, i)
        if "python" in low or " -p " in low or "cp3" in low:
            self._python(text, i)
        if _DOCKER_GATE.search(low):
            self._docker(text, i)
        if _SYMPTOM_GATE.search(low):
            self._symptoms(text, i)
        if _INSTALL_GATE.search(low):
            self._installs(text, i)
        if "cuda_visible_devices" in low:
            self._visible(text, i)
        for name, pattern in _CLAIMS:
            if not _CLAIM_GATES[name].search(low):
                continue
            match = pattern.search(text)
            if match is not None and not any(c["claim"] == name for c in self.claims):
                self.claims.append({"claim": name, "line": i + 1, "text": text.strip()[:200]})
        if "pip.mirror" not in self.done:
            for name, pattern in _MIRRORS:
                if pattern.search(text):
                    self.once("pip.mirror", name, i)
                    break

    # -- readers ---------------------------------------------------------------------------------
    def _torch(self, text: str, i: int) -> None:
        hf = _HF_ENV_RE.search(text)
        if hf is not None:
            if "torch.version" not in self.done:
                self.done.add("torch.version")
                torch_version_facts(self.b, hf["v"], i)
            if "torch.cuda_available" not in self.done:
                self.done.add("torch.cuda_available")
                # An env dump's field, not a check the reporter ran to show a problem.
                self.b.found.append(
                    Found("torch.cuda_available", hf["gpu"] == "True", i, "env dump", _note(i))
                )
            return
        wheel = _WHEEL_RE.search(text)
        if wheel is not None:
            if "torch.version" not in self.done:
                self.done.add("torch.version")
                torch_version_facts(self.b, wheel.group("version"), i)
            self.once("python.version", f"{wheel.group('py')}.{wheel.group('pyminor')}", i)
            plat = wheel.group("plat").lower()
            if "win" in plat:
                self._vote("windows", i, 3)
            elif "macosx" in plat:
                self._vote("darwin", i, 3)
            elif "linux" in plat:
                self._vote("linux", i, 3)
            if "aarch64" in plat or "arm64" in plat:
                self.once("os.arch", "aarch64" if "linux" in plat else "arm64", i)
            return
        if "torch.version" in self.done or "torch" not in text.lower():
            return
        match = _TORCH_RE.search(text)
        if match is None:
            return
        version = match.group("version")
        before = text[: match.start()].rstrip()
        if before.endswith((">=", "<=", ">", "<", "~=", "!=")):
            return
        self.done.add("torch.version")
        torch_version_facts(self.b, version, i)

    def _gpus(self, text: str, i: int) -> None:
        for match in _GEFORCE_RE.finditer(text):
            self._gpu(_geforce_name(match["series"], match["num"], match["suffix"]), i)
        for match in _DATACENTER_RE.finditer(text):
            self._gpu(" ".join(match["name"].split()), i)
        if not self.gpu_names:
            for match in _LABELLED_NUMBER_RE.finditer(text):
                series = _series_for(match["num"])
                if series is not None:
                    self._gpu(_geforce_name(series, match["num"], match["suffix"]), i)
        if "nvidia.driver_version" not in self.done and (
            "driver" in text.lower() or "驱动" in text
        ):
            driver = _DRIVER_RE.search(text)
            if driver is not None and driver["v"]:
                self.once("nvidia.driver_version", driver["v"], i)
        jetson = _JETSON_RE.search(text)
        if jetson is not None:
            self.once("os.jetson", " ".join(jetson["word"].split()), i)
            self.once("os.arch", "aarch64", i)
            self._vote("linux", i, 2)
        for match in _OTHER_GPU_RE.finditer(text):
            kind = "amd" if match["amd"] else "intel" if match["intel"] else "apple"
            if kind == "apple" and not self.mac_context:
                continue
            name = " ".join(match.group(0).split())
            if name not in self.other_gpus:
                self.other_gpus.append(name)
                if len(self.other_gpus) == 1:
                    self.b.add("os.other_gpus", [name], i, _note(i))
            if kind == "apple":
                self._vote("darwin", i, 3)
                self.once("os.arch", "arm64", i)
        if _NO_NVIDIA_RE.search(text) and not any(c["claim"] == "no_nvidia" for c in self.claims):
            self.claims.append({"claim": "no_nvidia", "line": i + 1, "text": text.strip()[:200]})

    def _gpu(self, name: str, i: int) -> None:
        if any(existing == name for existing, _ in self.gpu_names) or len(self.gpu_names) >= 8:
            return
        self.gpu_names.append((name, i))

    def _vote(self, os_name: str, i: int, weight: int = 1) -> None:
        self.os_votes[os_name] = self.os_votes.get(os_name, 0) + weight
        self.os_line.setdefault(os_name, i)

    def _os(self, text: str, i: int) -> None:
        wsl = _WSL_RE.search(text)
        if wsl is not None:
            number = wsl.group("n")
            if number:
                self.once("os.wsl", f"wsl{number}", i)
            self._vote("wsl", i, 5)
        if _WINDOWS_RE.search(text):
            self._vote("windows", i)
        if _MAC_RE.search(text):
            self._vote("darwin", i, 2)
        if _LINUX_RE.search(text):
            self._vote("linux", i)
        arm = _ARM_RE.search(text)
        if arm is not None and not self.mac_context:
            self.once("os.arch", "aarch64", i)

    def _python(self, text: str, i: int) -> None:
        if "python.version" in self.done:
            return
        match = _PYTHON_RE.search(text)
        if match is not None:
            self.once("python.version", match["v"] or match["w"] or match["u"], i)

    def _docker(self, text: str, i: int) -> None:
        if _DOCKER_WORD_RE.search(text):
            self.docker_words = True
        if _DOCKER_RUN_RE.search(text) and len(self.docker_runs) < 8:
            self.docker_runs.append(
                {"gpus": bool(_DOCKER_GPU_FLAGS.search(text)), "line": i + 1, "text": text[:300]}
            )

    def _symptoms(self, text: str, i: int) -> None:
        available = _AVAILABLE_RE.search(text)
        if available is not None:
            value = available["value"].lower() == "true"
            self.once("torch.cuda_available", value, i)
        elif _GPU_UNUSED_RE.search(text) and not any(
            c["claim"] == "gpu_unused" for c in self.claims
        ):
            self.claims.append({"claim": "gpu_unused", "line": i + 1, "text": text.strip()[:200]})
        executable = _SYS_EXECUTABLE_RE.search(text) or _QUOTED_PYTHON_RE.match(text)
        if executable is not None:
            path = executable["path"].replace("\\\\", "\\")
            if path not in self.executables:
                self.executables.append(path)
        pip_from = _PIP_FROM_RE.search(text)
        if pip_from is not None:
            where = pip_from["path"]
            if where not in self.executables:
                self.executables.append(where)

    def _visible(self, text: str, i: int) -> None:
        if "env.cuda_visible_devices" in self.done or "CUDA_VISIBLE_DEVICES" not in text:
            return
        match = _CVD_RE.search(text)
        if match is not None:
            value = match["value"].strip()
            self.once("env.cuda_visible_devices", value, i)
            self.b.add("env.cuda_visible_devices_parsed", parse_cuda_visible_devices(value), i)

    def _installs(self, text: str, i: int) -> None:
        old = _REPLACE_OLD_RE.search(text)
        if old is not None and self.replaced_old is None:
            self.replaced_old = old["v"].rstrip(":.")
            self.replaced_line = i
        new = _REPLACE_NEW_RE.search(text)
        if new is not None:
            self.replaced_new = new["v"].rstrip(":.*")
            self.copies.append({"installer": "pip", "version": self.replaced_new})
        for match in _RESOLVER_RE.finditer(text):
            if len(self.conflicts) < 16:
                self.conflicts.append(
                    {
                        "package": match["pkg"].lower(),
                        "version": match["ver"],
                        "requires": f"{match['req']}{match['spec']}".strip(),
                        "have": f"{match['have_name'].lower()} {match['have']}",
                        "line": i + 1,
                    }
                )
        conda = _CONDA_INSTALL_RE.search(text)
        if conda is not None:
            args = conda["args"]
            pinned = _CONDA_TORCH_RE.search(args)
            if pinned is not None:
                self.copies.append({"installer": "conda", "version": pinned["v"]})
            channels = re.findall(r"(?:-c|--channel)[ \t]+(\S+)", args)
            if channels:
                self.once("packages.conda_channels", channels, i)

    def finish(self) -> None:
        b = self.b
        if self.gpu_names:
            first = self.gpu_names[0][1]
            gpus = [{"index": n, "name": name} for n, (name, _) in enumerate(self.gpu_names)]
            b.add("nvidia.gpus", gpus, first, _note(first))
        if self.os_votes:
            if "wsl" in self.os_votes:
                line = self.os_line["wsl"]
                b.add("os.name", "linux", line, _note(line))
                if "os.wsl" not in self.done:
                    b.add("os.wsl", "wsl", line, _note(line))
            else:
                ranked = sorted(self.os_votes.items(), key=lambda kv: -kv[1])
                if len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]:
                    name = ranked[0][0]
                    b.add("os.name", name, self.os_line[name], _note(self.os_line[name]))
        if self.docker_runs:
            b.add("os.docker_runs", self.docker_runs, int(str(self.docker_runs[0]["line"])) - 1)
        if self.docker_words:
            b.add("explain.mentions_container", True, 0)
        if self.executables:
            b.add("python.executables_seen", self.executables, 0)
        if self.conflicts:
            line = int(str(self.conflicts[0]["line"])) - 1
            b.add("packages.requirement_conflicts", self.conflicts, line)
        if self.replaced_old and self.replaced_new and self.replaced_old != self.replaced_new:
            b.add(
                "packages.torch_replaced",
                {"old": self.replaced_old, "new": self.replaced_new},
                self.replaced_line,
            )
        if self.copies:
            b.add("torch.copies", self.copies, 0, "install commands and logs in the text")
        if self.claims:
            b.add("explain.claims", self.claims, int(str(self.claims[0]["line"])) - 1)
        if self.b.found:
            b.recognise("prose")


def parse_prose(lines: Sequence[Line] | Sequence[str] | str) -> Parsed:
    """Read evidence from free text (see the module docstring). Pure; never raises.

    Consumes no line: what it reads is evidence, not a format, so the lines still count as
    "not understood" unless a strict parser claimed them.
    """
    return _Reader(as_lines(lines)).read()


__all__ = ["parse_prose"]
