"""The order in which the runs of one line are seen, from the Unicode bidi algorithm (FriBidi).

Raqm applies the bidi algorithm within one Pillow draw call only; a line drawn run by run (a font
per run) needs each character's embedding level from the whole line, so that an English word in
an Urdu line, or digits after Arabic letters, land where libass and browsers put them. We ask the
FriBidi library raqm itself loads (Debian's libfribidi0).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
from collections.abc import Sequence
from functools import cache

from notes_pipeline.domain.errors import PipelineError

_PAR_LTR, _PAR_RTL = 0x110, 0x111  # FRIBIDI_PAR_LTR / FRIBIDI_PAR_RTL
# Right-to-left scripts (Hebrew to NKo, their presentation forms, the historic RTL planes) and the explicit
# bidi controls: without any of them a left-to-right paragraph is all level 0.
_MAY_RAISE_LEVELS = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u200f\u202a-\u202e\u2066-\u2069"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


@cache
def _fribidi() -> ctypes.CDLL:
    name = ctypes.util.find_library("fribidi") or "libfribidi.so.0"
    try:
        return ctypes.CDLL(name)
    except OSError as error:
        raise PipelineError(
            f"cannot order right-to-left text: FriBidi is unavailable ({error}); install Debian's libfribidi0"
        ) from None


def embedding_levels(text: str, *, rtl: bool) -> list[int]:
    """Each character's bidi embedding level in a paragraph of base direction right-to-left when `rtl`
    (odd levels are drawn right to left)."""
    if not text:
        return []
    if not rtl and not _MAY_RAISE_LEVELS.search(text):
        return [0] * len(text)
    return _fribidi_levels(text, rtl)


def _fribidi_levels(text: str, rtl: bool) -> list[int]:
    lib, n = _fribidi(), len(text)
    chars = (ctypes.c_uint32 * n)(*map(ord, text))
    types, brackets, levels = (ctypes.c_uint32 * n)(), (ctypes.c_uint32 * n)(), (ctypes.c_int8 * n)()
    lib.fribidi_get_bidi_types(chars, n, types)
    lib.fribidi_get_bracket_types(chars, n, types, brackets)
    base = ctypes.c_uint32(_PAR_RTL if rtl else _PAR_LTR)
    if not lib.fribidi_get_par_embedding_levels_ex(types, brackets, n, ctypes.byref(base), levels):
        raise PipelineError(f"FriBidi could not order the line {text[:40]!r}")
    return list(levels)


def visual_order(levels: Sequence[int]) -> list[int]:
    """Indices of runs with these embedding levels, left to right on screen (UAX #9 rule L2: from the
    highest level down to the lowest odd one, reverse every stretch of runs at that level or higher)."""
    order = list(range(len(levels)))
    odd = [level for level in levels if level % 2]
    if not odd:
        return order
    for level in range(max(levels), min(odd) - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = order[i:j][::-1]
            i = j
    return order
