"""The patterns of the lenient reader (:mod:`envcheck.explain.prose`), and the cheap gates
that decide which of them a line is worth.

Every pattern is bounded (no nested or unbounded repetition) and compiled with ``re.ASCII`` so
``\\b`` and ``\\w`` mean ASCII word boundaries: a CJK character right before "AMD" or "WSL"
does not hide it. Each group of patterns has a gate, a plain-substring alternation tried on the
lower-cased line first, which keeps a 6 MB paste fast.
"""

from __future__ import annotations

import re

# --- torch versions ------------------------------------------------------------------------
# "torch-2.1.0+cpu", "torch==1.7.1+cu101", "pytorch1.8.0", "torch 2.0.0+cu118", "PyTorch: 2.0.1",
# "torch version 1.13", "pytorch==2.0.1" (conda), wheel names "torch-1.11.0-cp38-...whl".
TORCH_RE = re.compile(
    r"(?<![\w.-])(?:py)?torch(?![\w.-]*(?:vision|audio|text|data|serve|metrics|geometric|"
    r"lightning|tensorrt|scatter|sparse|cluster|_stable|-cuda|-mutex))"
    r"(?:\.__version__(?:\(\))?|[ \t]?(?:version|版本))?[ \t]{0,3}"
    r"(?:==|=|-|:|\s|is|was|->|为|是)?[ \t]{0,3}['\"]?v?"
    r"(?P<version>\d{1,2}\.\d{1,2}(?:\.\d{1,3})?(?:(?:a|b|rc|\.dev)\d{1,10})?"
    r"(?:\+[A-Za-z0-9.]{1,40})?)(?![\d])",
    re.IGNORECASE | re.ASCII,
)
WHEEL_RE = re.compile(
    r"\btorch-(?P<version>\d[\w.+!-]{0,40}?)-cp(?P<py>\d)(?P<pyminor>\d{1,2})-[\w.]{1,20}-"
    r"(?P<plat>[\w.]{1,60}?)\.whl",
    re.IGNORECASE | re.ASCII,
)

# --- NVIDIA GPUs named in prose ----------------------------------------------------------------
GEFORCE_RE = re.compile(
    r"\b(?:NVIDIA[ \t]+)?(?:GeForce[ \t]+)?(?P<series>RTX|GTX|MX)[ \t-]?(?P<num>\d{3,4})"
    r"(?:[ \t]?(?P<suffix>Ti|SUPER|Super|S)\b)?",
    re.IGNORECASE | re.ASCII,
)
DATACENTER_RE = re.compile(
    r"(?<![\w-])(?:NVIDIA[ \t]+|Tesla[ \t]+)?(?P<name>[AHB]100|A800|H800|H200|B200|GB200|GH200|"
    r"V100|P100|P40|K80|K40|T4|L4|L40S?|A10G?|A30|A40|A16|A2|RTX[ \t]?A\d{4}|A\d000|"
    r"Quadro[ \t]+(?:RTX[ \t]+)?[A-Z]{0,3}\d{2,4}|TITAN[ \t]+(?:RTX|V|Xp|X))(?![\w-])",
    re.ASCII,
)
LABELLED_NUMBER_RE = re.compile(
    r"(?:video card|graphics card|\bgpu|显卡|卡|\bcard|\bhave an?|\bgot an?|\busing an?|\bmy|"
    r"\bon an?)"
    r"[ \t]*(?:is|:|=|：)?[ \t]*"
    # GeForce model numbers only (1050 ... 5090), never a count ("my 3000 images")
    r"(?P<num>10[5-8]0|16[56]0|20[5-8]0|30[5-9]0|40[5-9]0|50[5-9]0)[ \t]?(?P<suffix>ti|super)?\b"
    r"(?![ \t]*(?:images|samples|steps|epochs|files|rows|iterations|items|examples|tokens|"
    r"words|pictures|photos|lines|records|x\d))",
    re.IGNORECASE | re.ASCII,
)
JETSON_RE = re.compile(
    r"\b(?P<word>Jetson(?:[ \t]+(?:AGX[ \t]+)?(?:Orin|Xavier|Nano|TX2|TX1)(?:[ \t]+NX)?)?|"
    r"JetPack(?:[ \t]*\d{1,2}(?:\.\d{1,2}){0,2})?|L4T|Tegra)\b",
    re.IGNORECASE | re.ASCII,
)

# --- other vendors' GPUs: evidence that there may be no NVIDIA GPU at all ---------------------
OTHER_GPU_RE = re.compile(
    r"(?P<amd>\bRadeon(?:\(TM\))?(?:[ \t](?:RX|Pro|Vega|VII|XTX|XT|GRE|[Gg]raphics|"
    r"\w*\d\w*)\b)*|\bRX[ \t]?\d{3,4}[ \t]?(?:XTX|XT)?\b|"
    r"\bAMD[ \t]+(?:GPU|graphics|card|显卡|\d{3,4}[ \t]?(?:XTX|XT)?\b)|\bAMD显卡|\bA卡)|"
    r"(?P<intel>\bIntel(?:\(R\))?[ \t]+(?:Iris(?:\(R\))?|UHD|HD[ \t]+Graphics|Arc)(?![a-z])"
    r"(?:[ \t](?:Xe|Pro|Plus|[Gg]raphics|\w*\d\w*)\b)*|"
    r"\biris[ \t]+xe\b|\bintegrated[ \t]+(?:intel[ \t]+)?(?:gpu|graphics)\b|核显|集成显卡|集显)|"
    r"(?P<apple>\bApple[ \t]+M[1-4]\b(?:[ \t]+(?:Pro|Max|Ultra))?|\bM[1-4][ \t]?(?:Pro|Max|Ultra)?"
    r"(?=[ \t]*(?:mac|chip|芯片))|(?:MacBook|Mac)[ \t]*(?:Pro|Air)?[ \t]*M[1-4]\b)",
    re.IGNORECASE | re.ASCII,
)
NO_NVIDIA_RE = re.compile(
    r"\b(?:no|not have an?|don'?t have an?|without an?|lack an?)[ \t]+nvidia[ \t]+"
    r"(?:gpu|card|graphics)|没有(?:N卡|n卡|英伟达|NVIDIA|nvidia|独显|独立显卡)",
    re.IGNORECASE | re.ASCII,
)

# "driver 470.82", "Driver Version: 536.23", "驱动版本 536.23", "nvidia-driver-535".
DRIVER_RE = re.compile(
    r"(?:driver|驱动)(?:[ \t]*(?:version|版本|ver\.?))?[ \t]*(?:is|:|=|为|是)?[ \t]*v?"
    r"(?P<v>[1-9]\d{2}\.\d{1,3}(?:\.\d{1,3})?)(?![\d.])|nvidia-driver-(?P<pkg>[1-9]\d{2})\b",
    re.IGNORECASE | re.ASCII,
)
# Hugging Face `transformers-cli env` / `accelerate env`:
# "- PyTorch version (GPU?): 2.1.0+cpu (False)".
HF_ENV_RE = re.compile(
    r"PyTorch version \(GPU\?\)[ \t]*:[ \t]*(?P<v>\d[\w.+]{0,40})[ \t]*\((?P<gpu>True|False)\)",
    re.ASCII,
)

# --- the operating system ------------------------------------------------------------------------
WSL_RE = re.compile(r"\bWSL[ \t]?(?P<n>[12])?\b", re.IGNORECASE | re.ASCII)
# An installer's menu of choices ("B) AMD (Linux only)", "2. Intel Arc") lists options, it
# does not describe this machine.
# (Numbered steps, "1. pip install torch", are statements and stay.)
MENU_LINE_RE = re.compile(r"^\s{0,8}\(?[A-Z]\)\s[^\n]{0,70}$")

# Names in prose are weak evidence (and a line naming several systems is a list, not a
# statement); paths and hardware say where the program actually runs.
WINDOWS_RE = re.compile(
    r"\bwin(?:dows)?[ \t]?(?:10|11|7|8|server)\b|\bwindows\b", re.IGNORECASE | re.ASCII
)
WINDOWS_PATH_RE = re.compile(
    r"(?<![\w/])[A-Za-z]:\\\\?[\w.$ -]{1,60}\\|\.exe\b|\.bat\b|\bPowerShell\b|\bcmd\.exe\b",
    re.IGNORECASE | re.ASCII,
)
MAC_RE = re.compile(r"\bmac ?os\b|\bOS X\b|\bdarwin\b", re.IGNORECASE | re.ASCII)
MAC_HARDWARE_RE = re.compile(
    r"\bMacBook|\bMac mini\b|\biMac\b|\bMac Studio\b|\bApple[ \t]+(?:M[1-4]|silicon)\b|"
    r"\bmacosx_\d|/Users/[\w.-]{1,60}/",
    re.IGNORECASE | re.ASCII,
)
LINUX_RE = re.compile(
    r"\b(?:Ubuntu|Debian|CentOS|Fedora|Rocky Linux|RHEL|openSUSE|Arch Linux|Linux|manylinux)\b",
    re.IGNORECASE | re.ASCII,
)
LINUX_PATH_RE = re.compile(r"(?<![\w.])/(?:home|usr|opt|root|data|mnt|nfs)/", re.ASCII)
ARM_RE = re.compile(r"\b(?:aarch64|arm64|GB200|GH200|Grace Hopper)\b", re.IGNORECASE | re.ASCII)

# --- Python --------------------------------------------------------------------------------------
PYTHON_RE = re.compile(
    r"\b(?:c?python)[ \t-]?v?(?P<v>[23]\.\d{1,2}(?:\.\d{1,2})?)(?![\d.])|"
    r"\bpython[ \t]?(?:==?|版本[ \t]?|version[ \t:]{1,3})(?P<w>[23]\.\d{1,2}(?:\.\d{1,2})?)|"
    r"(?:^|\s)-p[ \t]+(?P<u>3\.\d{1,2}(?:\.\d{1,2})?)\b",
    re.IGNORECASE | re.ASCII,
)

# --- containers ---------------------------------------------------------------------------
DOCKER_RUN_RE = re.compile(
    r"\b(?:docker|podman|nvidia-docker)[ \t]+(?:container[ \t]+)?run\b", re.ASCII
)
DOCKER_GPU_FLAGS = re.compile(
    r"--gpus\b|--runtime[= ]nvidia|--device[= ]\S*nvidia|nvidia-docker", re.ASCII
)
DOCKER_WORD_RE = re.compile(
    r"\b(?:docker|container|podman|kubernetes|k8s|pod)\b|容器", re.IGNORECASE | re.ASCII
)

# --- symptoms and claims in the reporter's words ------------------------------------------
AVAILABLE_RE = re.compile(
    r"is_available(?:\(\))?[`'\"]?(?:[^\n]{0,30}?(?:returns?|returned|is|shows?|showed|gives?|"
    r"gave|prints?|printed|outputs?|be|=|:|->|→|显示|返回|为|是|一直是)|[ \t]{0,3})[ \t:=]*[`'\"]?"
    r"(?P<value>true|false)\b",
    re.IGNORECASE | re.ASCII,
)
BUT_VALUE_RE = re.compile(r"\bbut\b[^\n]{0,24}?\b(?P<value>true|false)\b", re.IGNORECASE | re.ASCII)
# Source code quoted in a report ("if torch.cuda.is_available() is False:") states no result.
CODE_LINE_RE = re.compile(r"^\s*(?:if|elif|while|assert|def|return|for|with)\b", re.ASCII)
# A statement the reporter negates or says is behind them: "(not the CPU version)", "I don't
# want to replace my torch", "之前遇到版本冲突，现在解决了".
NEGATION_RE = re.compile(
    r"(?:\bnot|n't|\bno|\bnever|\bwithout|\binstead of|没有|不是|并非|不想)\W{0,3}"
    r"(?:\w+\W{1,3}){0,3}$",
    re.IGNORECASE,
)
RESOLVED_RE = re.compile(
    r"\b(?:fixed it|solved|resolved|works now|working now|all good|works fine|runs fine|"
    r"everything works|(?:compiled|built|installed)[\w ]{0,30}\bfine)\b|解决了|已解决|现在好了|"
    r"正常了",
    re.IGNORECASE,
)
GPU_UNUSED_RE = re.compile(
    r"(?:can(?:no|')?t|unable to|could ?n[o']t|doesn'?t|does not|not able to|fails? to)[ \t]+"
    r"(?:use|find|detect|see|recogni[sz]e|access)[ \t]+(?:the[ \t]+|my[ \t]+)?(?:gpu|cuda|nvidia)|"
    r"\bcuda (?:is )?(?:not|isn'?t) (?:available|detected|found|working)|"
    r"\bgpu (?:is )?(?:not|isn'?t) (?:being )?(?:used|detected|found|available|recogni[sz]ed)|"
    r"(?:用不了|无法使用|不能使用|调用不了|识别不到|检测不到|找不到)"
    r"[ \t]*(?:GPU|gpu|显卡|CUDA|cuda)|"
    r"(?:GPU|gpu|显卡|CUDA|cuda)[ \t]*(?:用不了|无法使用|不能用|不可用|没有被使用|识别不到)",
    re.IGNORECASE | re.ASCII,
)

CLAIMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "cpu_torch",
        re.compile(
            r"\bcpu[ \t_-]?(?:only[ \t_-]?)?(?:version|build|wheel|variant|package)s?\b|"
            r"(?:py)?torch[^\n]{0,20}\bcpu[ \t-]?only\b|\bcpu[ \t-]?only[ \t]+(?:py)?torch|"
            r"\bcpuonly\b|\bnon[ \t-]?cuda[ \t]+(?:version|build|torch)|"
            r"\bwithout[ \t]+cuda[ \t]+support|(?:cpu|CPU)[ \t]?(?:版本|版)|只有[ \t]?cpu|"
            r"(?:--index-url|--extra-index-url|-f|--find-links)[ \t=]+\S{0,80}/whl/cpu\b",
            re.IGNORECASE | re.ASCII,
        ),
    ),
    (
        "torch_replaced",
        re.compile(
            r"(?:replac|overwr[io]t|uninstall|downgrad|clobber|swapp?)\w*[ \t]+"
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
            r"(?:py)?torch[^\n]{0,20}版本冲突",
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
    ("cvd_mentioned", re.compile(r"CUDA_VISIBLE_DEVICES", re.ASCII)),
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
MIRRORS: tuple[tuple[str, re.Pattern[str]], ...] = (
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
CVD_RE = re.compile(
    r"CUDA_VISIBLE_DEVICES['\"\]]{0,2}[ \t]*=[ \t]*['\"]?(?P<value>[0-9, -]{0,40}|"
    r"(?:GPU|MIG)-[0-9a-fA-F/-]{4,80})['\"]?(?=[\s'\"`;)&|]|$)|"
    # a dict or JSON entry (os.environ printed, a kernel.json "env" block): quoted value
    r"['\"]CUDA_VISIBLE_DEVICES['\"][ \t]*:[ \t]*(?P<q>['\"])(?P<quoted>[0-9, -]{0,40}|"
    r"(?:GPU|MIG)-[0-9a-fA-F/-]{4,80})(?P=q)",
    re.ASCII,
)
# Calls that start CUDA (or fix the device count) in code: CUDA_VISIBLE_DEVICES set after one
# of them no longer changes what the process sees.
CUDA_INIT_RE = re.compile(
    r"torch\.cuda\.(?:device_count|is_available|set_device|current_device|get_device_name|"
    r"init|mem_get_info)\s?\(|\.cuda\(|\.to\(\s?['\"]cuda|torch\.device\(\s?['\"]cuda",
    re.ASCII,
)
CVD_IN_CODE_RE = re.compile(
    r"os\.environ(?:\[['\"]CUDA_VISIBLE_DEVICES['\"]\]\s?=|\.setdefault\(\s?['\"]"
    r"CUDA_VISIBLE_DEVICES)",
    re.ASCII,
)
CONDA_INSTALL_RE = re.compile(
    r"\b(?:conda|mamba|micromamba)[ \t]+(?:install|create)\b(?P<args>[^\n]{0,600})", re.ASCII
)
CONDA_CHANNEL_RE = re.compile(r"(?<!\S)(?:-c|--channel)[ \t]+(\S+)", re.ASCII)
CONDA_TORCH_RE = re.compile(
    r"(?<![\w-])pytorch[ \t]*==?[ \t]*(?P<v>\d{1,2}\.\d{1,2}(?:\.\d{1,3})?)", re.ASCII
)
SYS_EXECUTABLE_RE = re.compile(
    r"(?:sys\.executable|executable)[^\n'\"/\\:]{0,40}[:=]?[ \t]*['\"]?"
    r"(?P<path>(?:[A-Za-z]:\\\\?|/)[^'\"\n]{1,300}?python[\w.]{0,12}(?:\.exe)?)['\"]?\s*$",
    re.IGNORECASE | re.ASCII,
)
QUOTED_PYTHON_RE = re.compile(
    r"^\s*['\"](?P<path>(?:[A-Za-z]:\\\\?|/)[^'\"\n]{1,300}?python[\w.]{0,12}(?:\.exe)?)['\"]\s*$",
    re.IGNORECASE | re.ASCII,
)
# The output of print(sys.executable): a line that starts with an interpreter's path.
BARE_PYTHON_RE = re.compile(
    r"^\s*(?:[A-Za-z][\w ]{0,20}:\s{1,4})?['\"]?"
    r"(?P<path>(?:[A-Za-z]:\\\\?|/)[^'\"\s]{1,300}?[\\/]python[\d.]{0,6}(?:\.exe)?)"
    r"['\"]?(?:\s|$)",
    re.IGNORECASE | re.ASCII,
)
# Where torch was imported from: ".../site-packages/torch/__init__.py".
TORCH_PATH_RE = re.compile(
    r"(?P<path>(?:[A-Za-z]:\\\\?|/|~[\\/])[^'\"\s]{0,300}?site-packages[\\/]+torch)[\\/]+"
    r"__init__\.py",
    re.IGNORECASE | re.ASCII,
)
PIP_FROM_RE = re.compile(
    r"\bpip[ \t]+\d{1,3}(?:\.\d{1,4}){0,3}[ \t]+from[ \t]+(?P<path>\S{1,400}?)[\\/]"
    r"(?:lib[\\/](?:python\d\.\d{1,2}[\\/])?)?site-packages[\\/]pip\b",
    re.IGNORECASE | re.ASCII,
)
REPLACE_OLD_RE = re.compile(
    r"(?:Found existing installation:[ \t]+torch[ \t]+|(?:Successfully[ \t]+un|Un)installing?[ \t]+"
    r"torch-|Successfully[ \t]+uninstalled[ \t]+torch-)(?P<v>\d[\w.+]{0,40})",
    re.IGNORECASE | re.ASCII,
)
REPLACE_NEW_RE = re.compile(
    r"Successfully[ \t]+installed\b[^\n]{0,2000}?(?<![\w-])torch-(?P<v>\d[\w.+]{0,40})",
    re.IGNORECASE | re.ASCII,
)
RESOLVER_RE = re.compile(
    r"(?P<pkg>[A-Za-z0-9][\w.-]{0,80})[ \t]+(?P<ver>\d[\w.+!-]{0,40})[ \t]+requires[ \t]+"
    r"(?P<req>[A-Za-z0-9][\w.-]{0,80})(?P<spec>[^,\n]{0,80}),[ \t]+but[ \t]+you[ \t]+have[ \t]+"
    r"(?P<have_name>[A-Za-z0-9][\w.-]{0,80})[ \t]+(?P<have>\d[\w.+!-]{0,40})[ \t]+which[ \t]+is"
    r"[ \t]+incompatible",
    re.IGNORECASE | re.ASCII,
)


MAX_PROSE_LINE = 2000
"""Characters of a line the lenient reader looks at (evidence sits near a line's start)."""
GPU_WORDS = (
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
OS_WORDS = (
    "wsl",
    "win",
    ":\\",
    ".exe",
    ".bat",
    "powershell",
    "/data/",
    "/mnt/",
    "/nfs/",
    "/users/",
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
DOCKER_WORDS = ("docker", "podman", "container", "kubernetes", "k8s", "pod", "容器")
SYMPTOM_WORDS = (
    "is_available",
    "gpu",
    "cuda",
    "显卡",
    "executable",
    "python",
    "pip ",
    "site-packages",
)
INSTALL_WORDS = ("torch", "requires", "conda", "mamba")
CLAIM_WORDS: dict[str, tuple[str, ...]] = {
    "cpu_torch": ("cpu", "cuda"),
    "torch_replaced": ("torch", "broke"),
    "two_torch": ("torch", "冲突"),
    "nouveau": ("nouveau",),
    "ext_build": ("compil", "build", "setup.py", "make.sh", "编译"),
    "no_gpu": ("cpu", "gpu", "graphics"),
    "jupyter": ("jupyter", "ipykernel", "notebook", "colab"),
    "cvd_mentioned": ("cuda_visible_devices",),
    "created_env": ("env", "环境", "conda"),
}


def _gate(words: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled alternation of plain substrings: a faster ``any(w in text ...)``."""
    return re.compile("|".join(re.escape(word) for word in words))


GPU_GATE = _gate(GPU_WORDS)
OS_GATE = _gate(OS_WORDS)
DOCKER_GATE = _gate(DOCKER_WORDS)
SYMPTOM_GATE = _gate(SYMPTOM_WORDS)
INSTALL_GATE = _gate(INSTALL_WORDS)
CLAIM_GATES = {name: _gate(words) for name, words in CLAIM_WORDS.items()}
