"""Lists inside a message (:mod:`envcheck.i18n_lists`): the English each helper writes, the
Chinese punctuation it is said with, data left as it is, and a list that survives pickling,
redaction and an upper-cased first letter."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable

import pytest

from envcheck.i18n import Msg, map_data, messages
from envcheck.i18n_lists import ands, clauses, items, joined, remarks
from envcheck.rules.messages import upper_first

ZH = messages("zh")
UNSET = Msg("not set")  # 未设置
BUSY = Msg("GPU {index} is in {mode} compute mode", index="0", mode="Prohibited")


@pytest.mark.parametrize(("helper", "english", "chinese"), [
    (items, "cu126, cu130, not set", "cu126、cu130、未设置"),
    (clauses, "cu126, cu130, not set", "cu126，cu130，未设置"),
    (remarks, "cu126; cu130; not set", "cu126；cu130；未设置"),
    (ands, "cu126 and cu130 and not set", "cu126、cu130 和未设置"),
])
def test_each_list_is_its_english_and_says_its_chinese(
        helper: Callable[[Iterable[str]], str], english: str, chinese: str) -> None:
    text = helper(["cu126", "", "cu130", UNSET])
    assert text == english
    assert ZH.say(text) == chinese
    assert messages("en").say(text) == english


def test_a_list_of_one_or_none_is_that_one_or_nothing() -> None:
    assert items([]) == "" and ands(["", ""]) == ""
    assert items([UNSET]) is UNSET
    assert remarks(["/usr/lib"]) == "/usr/lib" and ZH.say(remarks(["/usr/lib"])) == "/usr/lib"
    assert ands(["a", "b"]) == "a and b" and ZH.say(ands(["a", "b"])) == "a 和 b"


def test_plain_parts_are_data_shown_as_they_are() -> None:
    missing: set[str] = set()
    # "not set" as a plain string is a value (a GPU's name could read like words): not translated
    text = items(["not set", "NVIDIA GeForce RTX 4090 Laptop GPU"])
    assert ZH.say(text, missing) == "not set、NVIDIA GeForce RTX 4090 Laptop GPU"
    assert not missing


def test_and_drops_its_spaces_only_next_to_chinese_words() -> None:
    driver = Msg("no NVIDIA driver is visible")
    assert ZH.say(ands([driver, UNSET])) == f"{ZH.say(driver)}和未设置"
    assert ZH.say(ands(["/a/python", "/b/python", UNSET])) == "/a/python、/b/python 和未设置"


def test_a_list_inside_a_message_is_said_with_it() -> None:
    text = Msg("{modes}: no process may create a CUDA context on it.",
               modes=clauses([BUSY, BUSY]))
    assert text.startswith("GPU 0 is in Prohibited compute mode, GPU 0 is in")
    said = ZH.say(text)
    assert "，" in said and ", " not in said


def test_a_list_survives_pickling_redaction_and_upper_casing() -> None:
    text = remarks([UNSET, "/home/ana/x"])
    again = pickle.loads(pickle.dumps(text))
    assert again == text and ZH.say(again) == ZH.say(text)
    redacted = map_data(text, lambda s: s.replace("/home/ana", "~"))
    assert redacted == "not set; ~/x" and ZH.say(redacted) == "未设置；~/x"
    upper = upper_first(items(["cuda", UNSET]))
    assert upper == "Cuda, not set" and ZH.say(upper) == "cuda、未设置"


def test_a_separator_the_same_in_every_language_is_kept() -> None:
    line = joined(" · ", [joined("", ("GPU 0: ", Msg("unknown GPU"))), "24.0 GiB"])
    assert line == "GPU 0: unknown GPU · 24.0 GiB"
    assert ZH.say(line).endswith(" · 24.0 GiB") and "GPU 0: " in ZH.say(line)
