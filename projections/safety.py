"""Display safety: the one function that makes stored text safe to show in a page, a file or a terminal.

Stored text comes from sources and from people. Bidirectional controls (U+202A-202E embeddings and
overrides, U+2066-2069 isolates, U+200E/U+200F/U+061C marks) can reverse what a reader sees
("Trojan Source"): a date, an amount or a state's name reads differently from what is stored.
Other control characters can rewrite a terminal (ANSI escapes start with U+001B) or break a
table. Every renderer passes stored text through `safe_text` before it escapes it for its format;
legitimate right-to-left script is untouched, since the Unicode bidi algorithm orders it without
any control character.
"""

from __future__ import annotations

import re

__all__ = ["BIDI_CONTROLS", "safe_text"]

BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)] + ["\u200e", "\u200f", "\u061c"]
)
"""The invisible characters that change the display order of the text around them."""

# C0 controls except tab and newline, DEL, C1 controls, and the bidi controls above. A carriage
# return is removed too: in a terminal it moves the cursor back over what was already written.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]"
)


_ASCII_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])


def safe_text(value: str) -> str:
    """`value` without bidi controls and control characters (tab and newline kept); other text unchanged."""
    # ASCII text (most of it) can hold only C0 controls and DEL: a bytes deletion finds them several
    # times faster than the pattern's character class, which large reports call tens of thousands of times.
    if value.isascii():
        raw = value.encode("ascii")
        if len(raw.translate(None, _ASCII_CONTROLS)) == len(raw):
            return value
    elif _UNSAFE.search(value) is None:
        return value
    return _UNSAFE.sub("", value)
