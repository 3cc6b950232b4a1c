"""Lists in a message: names, clauses, remarks and "and" lists, joined the way each language
joins them.

``", ".join(parts)`` gives a plain string: the separator stays English (``cu126, cu130`` in a
Chinese sentence) and each part loses its translation. These helpers build a
:class:`~envcheck.i18n.Joined` whose separator is a message of the catalogue, so English reads
exactly as the join did and Chinese gets its own punctuation (``、``, ``，``, ``；``, ``和``).
A part that is a :class:`~envcheck.i18n.Msg` is said in the reader's language; any other part
is data (a path, a version, a GPU's name) and is shown as it is.

=============  ===================  ===================
helper         English              Chinese
=============  ===================  ===================
``items``      ``a, b, c``          ``a、b、c``
``clauses``    ``a, b, c``          ``a，b，c``
``remarks``    ``a; b; c``          ``a；b；c``
``ands``       ``a and b and c``    ``a、b 和 c``
=============  ===================  ===================

Two separators that read the same in English but not in Chinese (``", "`` between items and
between clauses) need two message ids: one of them is a message whose fields are left empty,
so that its English is the separator alone. (They live here, not in :mod:`envcheck.i18n`, so
that ``python -m envcheck.i18n_extract`` finds them.)
"""

from __future__ import annotations

from collections.abc import Iterable

from envcheck.i18n import Joined, Msg

_ITEM_SEP = Msg(", ")
"""Between the items of a list: ``a, b`` (``a、b`` in Chinese)."""
_CLAUSE_SEP = Msg("{clause}, {more}", clause="", more="")
"""Between the parts of one sentence: ``a, b`` (``a，b`` in Chinese)."""
_REMARK_SEP = Msg("; ")
"""Between remarks: ``a; b`` (``a；b`` in Chinese)."""
_AND_SEP = Msg(" and ")
"""Before the last item of a list joined with "and": ``a and b`` (``a 和 b`` in Chinese)."""
_AND_MORE_SEP = Msg("{item} and {next_item}", item="", next_item="")
"""Between the other items of a list joined with "and": ``a and b and c`` (``a、b 和 c``)."""


def data(text: str) -> str:
    """``text`` as a part of a list: a message as it is, any other text as data (a path, a
    version, a GPU's name), shown as it is in every language and known not to be an
    untranslated sentence."""
    return text if isinstance(text, Msg) or not text else Msg("{text}", text=text)


def joined(sep: str, parts: Iterable[str]) -> str:
    """``parts`` one after another with ``sep`` between them (a :class:`Joined`): a part that is
    a message is said in the reader's language, any other is data (:func:`data`). Empty parts
    are left out; one part is returned as it is (as data when plain), none as ``""``.

    ``sep`` is a message, or text the same in every language (``" · "``, ``"="``)."""
    kept = tuple(data(part) for part in parts if part)
    if len(kept) <= 1:
        return kept[0] if kept else ""
    return Joined(sep, kept)


def items(parts: Iterable[str]) -> str:
    """Names or values listed: ``a, b, c`` in English, ``a、b、c`` in Chinese."""
    return joined(_ITEM_SEP, parts)


def clauses(parts: Iterable[str]) -> str:
    """Parts of one sentence: ``a, b, c`` in English, ``a，b，c`` in Chinese."""
    return joined(_CLAUSE_SEP, parts)


def remarks(parts: Iterable[str]) -> str:
    """Remarks or reasons one after another: ``a; b; c`` in English, ``a；b；c`` in Chinese."""
    return joined(_REMARK_SEP, parts)


def ands(parts: Iterable[str]) -> str:
    """Items joined with "and": ``a and b and c`` in English, ``a、b 和 c`` in Chinese."""
    kept = [part for part in parts if part]
    if len(kept) <= 2:
        return joined(_AND_SEP, kept)
    return Joined(_AND_SEP, (joined(_AND_MORE_SEP, kept[:-1]), data(kept[-1])))
