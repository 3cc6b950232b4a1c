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

from envcheck.explain import prose_patterns as pat
from envcheck.explain.common import (
    Found,
    Line,
    Parsed,
    ParsedBuilder,
    as_lines,
    torch_version_facts,
)
from envcheck.i18n import Msg
from envcheck.parsers.cuda_visible_devices import parse_cuda_visible_devices

SOURCE = "prose"
MAX_SCAN_LINES = 20_000
"""Lines read (the first ones): evidence in a huge paste is near its top."""


# Claims that describe the setting, not a fault: a "solved now" on the line does not cancel them.
_CONTEXT_CLAIMS = frozenset({"jupyter", "created_env", "cvd_mentioned", "no_gpu"})


def _note(line: int) -> str:
    return Msg("read leniently from the text (line {line})", line=line + 1)


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
        self.torch_mentions: list[tuple[str, int]] = []
        self.cuda_init_line: int | None = None

    def once(self, key: str, value: object, line: int) -> None:
        if key in self.done:
            return
        self.done.add(key)
        self.b.add(key, value, line, _note(line))

    def read(self) -> Parsed:
        rows = self.rows[:MAX_SCAN_LINES]
        whole = "\n".join(row.text for row in rows)
        self.mac_context = bool(pat.MAC_RE.search(whole))
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
        text = text[: pat.MAX_PROSE_LINE]
        if pat.MENU_LINE_RE.match(text):
            return
        low = text.lower()
        # Cheap substring gates first: most lines of a big paste hold none of this evidence.
        if "torch" in low:
            self._torch(text, i)
        if pat.GPU_GATE.search(low):
            self._gpus(text, i)
        if pat.OS_GATE.search(low):
            self._os(text, i)
        if "python" in low or " -p " in low or "cp3" in low:
            self._python(text, i)
        if pat.DOCKER_GATE.search(low):
            self._docker(text, i)
        if pat.SYMPTOM_GATE.search(low):
            self._symptoms(text, i)
        if pat.INSTALL_GATE.search(low):
            self._installs(text, i)
        if "cuda" in low:
            self._cuda_order(text, i)
        if "cuda_visible_devices" in low:
            self._visible(text, i)
        resolved = pat.RESOLVED_RE.search(text) is not None
        for name, pattern in pat.CLAIMS:
            if not pat.CLAIM_GATES[name].search(low):
                continue
            match = pattern.search(text)
            if match is None or any(c["claim"] == name for c in self.claims):
                continue
            # "(not the CPU version)", "no longer ...", "... solved now": not a complaint.
            if pat.NEGATION_RE.search(text[max(0, match.start() - 40) : match.start()]):
                continue
            if resolved and name not in _CONTEXT_CLAIMS:
                continue
            self.claims.append({"claim": name, "line": i + 1, "text": text.strip()[:200]})
        if "pip.mirror" not in self.done:
            for name, pattern in pat.MIRRORS:
                if pattern.search(text):
                    self.once("pip.mirror", name, i)
                    break

    # -- readers ---------------------------------------------------------------------------------
    def _torch(self, text: str, i: int) -> None:
        hf = pat.HF_ENV_RE.search(text)
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
        wheel = pat.WHEEL_RE.search(text)
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
        if "torch.version" in self.done or len(self.torch_mentions) >= 16:
            return
        for match in pat.TORCH_RE.finditer(text):
            before = text[: match.start()].rstrip()
            if not before.endswith((">=", "<=", ">", "<", "~=", "!=")):
                self.torch_mentions.append((match.group("version"), i))

    def _gpus(self, text: str, i: int) -> None:
        for match in pat.GEFORCE_RE.finditer(text):
            if text[max(0, match.start() - 7) : match.start()].lower().startswith("quadro"):
                continue  # "Quadro RTX 3000" is a Quadro, read below
            self._gpu(_geforce_name(match["series"], match["num"], match["suffix"]), i)
        for match in pat.DATACENTER_RE.finditer(text):
            self._gpu(" ".join(match["name"].split()), i)
        if not self.gpu_names:
            for match in pat.LABELLED_NUMBER_RE.finditer(text):
                series = _series_for(match["num"])
                if series is not None:
                    self._gpu(_geforce_name(series, match["num"], match["suffix"]), i)
        if "nvidia.driver_version" not in self.done and (
            "driver" in text.lower() or "驱动" in text
        ):
            driver = pat.DRIVER_RE.search(text)
            if driver is not None and driver["v"]:
                self.once("nvidia.driver_version", driver["v"], i)
        jetson = pat.JETSON_RE.search(text)
        if jetson is not None:
            self.once("os.jetson", " ".join(jetson["word"].split()), i)
            self.once("os.arch", "aarch64", i)
            self._vote("linux", i, 2)
        for match in pat.OTHER_GPU_RE.finditer(text):
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
        if pat.NO_NVIDIA_RE.search(text) and not any(
            c["claim"] == "no_nvidia" for c in self.claims
        ):
            self.claims.append({"claim": "no_nvidia", "line": i + 1, "text": text.strip()[:200]})

    def _gpu(self, name: str, i: int) -> None:
        if any(existing == name for existing, _ in self.gpu_names) or len(self.gpu_names) >= 8:
            return
        self.gpu_names.append((name, i))

    def _vote(self, os_name: str, i: int, weight: int = 1) -> None:
        self.os_votes[os_name] = self.os_votes.get(os_name, 0) + weight
        self.os_line.setdefault(os_name, i)

    def _os(self, text: str, i: int) -> None:
        wsl = pat.WSL_RE.search(text)
        if wsl is not None:
            number = wsl.group("n")
            if number:
                self.once("os.wsl", f"wsl{number}", i)
            self._vote("wsl", i, 5)
        if pat.WINDOWS_PATH_RE.search(text):
            self._vote("windows", i, 3)
        if pat.MAC_HARDWARE_RE.search(text):
            self._vote("darwin", i, 3)
        if pat.LINUX_PATH_RE.search(text):
            self._vote("linux", i, 2)
        named = [
            name
            for name, pattern in (
                ("windows", pat.WINDOWS_RE),
                ("darwin", pat.MAC_RE),
                ("linux", pat.LINUX_RE),
            )
            if pattern.search(text)
        ]
        if len(named) == 1:  # "Linux/MacOS only" lists systems; it says nothing about this one
            self._vote(named[0], i, 2 if named[0] == "darwin" else 1)
        arm = pat.ARM_RE.search(text)
        if arm is not None and not self.mac_context:
            self.once("os.arch", "aarch64", i)

    def _python(self, text: str, i: int) -> None:
        if "python.version" in self.done:
            return
        match = pat.PYTHON_RE.search(text)
        if match is not None:
            self.once("python.version", match["v"] or match["w"] or match["u"], i)

    def _docker(self, text: str, i: int) -> None:
        if pat.DOCKER_WORD_RE.search(text):
            self.docker_words = True
        if pat.DOCKER_RUN_RE.search(text) and len(self.docker_runs) < 8:
            self.docker_runs.append(
                {"gpus": bool(pat.DOCKER_GPU_FLAGS.search(text)), "line": i + 1, "text": text[:300]}
            )

    def _symptoms(self, text: str, i: int) -> None:
        code = pat.CODE_LINE_RE.match(text) is not None
        # The last answer on the line counts: "expected True but it's False".
        answers = [] if code else list(pat.AVAILABLE_RE.finditer(text))
        available = answers[-1] if answers else None
        low = text.lower()
        if available is not None and re.search(r"\btrue\b", low) and re.search(r"\bfalse\b", low):
            # "is_available() is True in the terminal and False in Jupyter"
            self._claim("cuda_differs", text, i)
        if available is not None:
            value = available["value"].lower() == "true"
            # "expected it to be True but it's False": the correction is the answer.
            but = pat.BUT_VALUE_RE.search(text, available.end())
            if but is not None:
                value = but["value"].lower() == "true"
            self.once("torch.cuda_available", value, i)
        elif not any(c["claim"] == "gpu_unused" for c in self.claims):
            unused = pat.GPU_UNUSED_RE.search(text)
            before = text[max(0, unused.start() - 12) : unused.start()].lower() if unused else ""
            conditional = any(word in before for word in ("when ", "if ", "unless ", "whether "))
            if unused and not conditional and not pat.RESOLVED_RE.search(text):
                self.claims.append(
                    {"claim": "gpu_unused", "line": i + 1, "text": text.strip()[:200]}
                )
        executable = (
            pat.SYS_EXECUTABLE_RE.search(text)
            or pat.QUOTED_PYTHON_RE.match(text)
            or pat.BARE_PYTHON_RE.match(text)
        )
        torch_path = (
            pat.TORCH_PATH_RE.search(text)
            if "__init__.py" in text and "site-packages" in text
            else None
        )
        if torch_path is not None:
            self.once("torch.location", torch_path["path"].replace("\\\\", "\\"), i)
        if executable is not None:
            path = executable["path"].replace("\\\\", "\\")
            if path not in self.executables:
                self.executables.append(path)
        pip_from = pat.PIP_FROM_RE.search(text)
        if pip_from is not None:
            where = pip_from["path"]
            if where not in self.executables:
                self.executables.append(where)

    def _cuda_order(self, text: str, i: int) -> None:
        """Note a CUDA-starting call; claim ``cvd_after_init`` when code then sets the variable."""
        if self.cuda_init_line is None and pat.CUDA_INIT_RE.search(text):
            self.cuda_init_line = i
        elif self.cuda_init_line is not None and pat.CVD_IN_CODE_RE.search(text):
            self._claim("cvd_after_init", text, i)

    def _visible(self, text: str, i: int) -> None:
        if "env.cuda_visible_devices" in self.done or "CUDA_VISIBLE_DEVICES" not in text:
            return
        match = pat.CVD_RE.search(text)
        if match is not None:
            value = (match["value"] if match["value"] is not None else match["quoted"]).strip()
            self.once("env.cuda_visible_devices", value, i)
            self.b.add("env.cuda_visible_devices_parsed", parse_cuda_visible_devices(value), i)

    def _installs(self, text: str, i: int) -> None:
        old = pat.REPLACE_OLD_RE.search(text)
        if old is not None and self.replaced_old is None:
            self.replaced_old = old["v"].rstrip(":.")
            self.replaced_line = i
        new = pat.REPLACE_NEW_RE.search(text)
        if new is not None:
            self.replaced_new = new["v"].rstrip(":.*")
            self.copies.append({"installer": "pip", "version": self.replaced_new})
        for match in pat.RESOLVER_RE.finditer(text) if "which is incompatible" in text else ():
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
        conda = pat.CONDA_INSTALL_RE.search(text)
        if conda is not None:
            args = conda["args"]
            pinned = pat.CONDA_TORCH_RE.search(args)
            if pinned is not None:
                self.copies.append({"installer": "conda", "version": pinned["v"]})
            channels = pat.CONDA_CHANNEL_RE.findall(args)
            if channels:
                self.once("packages.conda_channels", channels, i)

    def _claim(self, name: str, text: str, i: int) -> None:
        if not any(c["claim"] == name for c in self.claims):
            self.claims.append({"claim": name, "line": i + 1, "text": text.strip()[:200]})

    def finish(self) -> None:
        b = self.b
        labels = {v.partition("+")[2] for v, _ in self.torch_mentions if "+" in v}
        if len(labels) > 1:
            # "2.2.0+cu121 True" in one place, "2.2.0+cpu False" in another: two torches
            version, line = next(m for m in self.torch_mentions if "+" in m[0])
            self._claim("builds_differ", f"torch builds {', '.join(sorted(labels))}", line)
        if self.torch_mentions and "torch.version" not in self.done:
            # "I tried 1.7 before, now torch 2.1.0+cu121": a version with its build label says
            # more than a bare one; among equals, the first mention.
            version, line = next(
                (m for m in self.torch_mentions if "+" in m[0]), self.torch_mentions[0]
            )
            torch_version_facts(b, version, line)
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
            b.add("torch.copies", self.copies, 0, Msg("install commands and logs in the text"))
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
