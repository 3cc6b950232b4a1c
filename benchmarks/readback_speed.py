"""Time reading Chinese notes back into English (``envcheck.explain.untranslate.to_english``).

Usage: .venv/bin/python benchmarks/readback_speed.py [--runs N]

Three notes, each said in Chinese and read back with a fresh cache (so every run does the whole
work): the NVIDIA probe's note on GPUs whose NVML queries failed, for 8 and 16 GPUs (one
``remarks(...)`` remark per GPU), and the CUDA toolkit probe's short summary. Prints the
median time of each and whether the English came back exactly.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run by path from the source tree
    sys.path.insert(0, str(ROOT))

from envcheck.i18n import Msg, messages  # noqa: E402
from envcheck.i18n_lists import remarks  # noqa: E402


def gpu_note(count: int) -> str:
    return remarks(
        Msg("GPU {index}: {queries}", index=str(i),
            queries="clocks (not_supported: Not Supported), power (unknown: Unknown Error)")
        for i in range(count))


def toolkit_note() -> str:
    return remarks((Msg("no nvcc on PATH"), Msg("{count} toolkits found", count=2)))


def _clear() -> None:
    from envcheck.explain import untranslate

    for name in ("_english", "_read"):  # the readings (the catalogue stays read)
        cached = getattr(untranslate, name, None)
        if cached is not None:
            cached.cache_clear()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    from envcheck.explain.untranslate import to_english

    zh = messages("zh")
    to_english("预热", "zh")  # the catalogue is read once, outside the timing
    for name, note in (("8 GPUs", gpu_note(8)), ("16 GPUs", gpu_note(16)),
                       ("toolkit", toolkit_note())):
        said = zh.say(note)
        times = []
        for _ in range(args.runs):
            _clear()
            start = time.perf_counter()
            back = to_english(said, "zh")
            times.append(time.perf_counter() - start)
        exact = "exact" if back == str(note) else f"differs: {back[:80]!r}"
        print(f"{name:8} {len(said):5} chars  {statistics.median(times) * 1000:8.1f} ms  {exact}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
