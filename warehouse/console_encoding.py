"""Which text encoding a console CSV export is in: decided, or refused with the reason.

The console writes UTF-8 (with or without BOM); files re-saved by a spreadsheet on a Chinese, Taiwanese or
Japanese desktop come as GB18030, UTF-16 (Excel's "Unicode text", with BOM), Big5 or Shift-JIS. The legacy
double-byte encodings share byte ranges, so a Big5 file also decodes "cleanly" as GB18030 into other, garbled
characters. Guessing wrong loads garbled customer names without a word, so a file without a BOM that is not
UTF-8 is decoded as each candidate, and a candidate counts only when its text reads as that language's common
characters and its header row names the export's columns; exactly one candidate must remain, else the file
is refused with the reason.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass

LEGACY = ("gb18030", "big5", "shift_jis")
"""Candidate legacy encodings, tried on files that are not UTF-8 and carry no BOM."""
ACCEPTED = ("gb18030", "big5")
"""Legacy encodings a file may be decoded from; Shift-JIS is recognised only to name it in the refusal."""
COMMON_SHARE = 0.9
"""Share of a candidate's non-ASCII characters that must be common characters of its language."""
LANGUAGE = {"gb18030": "simplified Chinese", "big5": "traditional Chinese", "shift_jis": "Japanese"}


class EncodingRefused(ValueError):
    """The file's encoding cannot be told or is not accepted (the inbox moves the file to rejected/)."""


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was decoded from."""

    text: str
    encoding: str


def _lead_byte(char: str, encoding: str) -> int | None:
    try:
        encoded = char.encode(encoding)
    except UnicodeEncodeError:
        return None
    return encoded[0] if len(encoded) == 2 else None


def _common(char: str, encoding: str) -> bool:
    """A character the encoding's own users write often (its first-level characters and punctuation)."""
    if encoding == "gb18030":  # GB2312: rows A1-A3 punctuation and full-width forms, B0-D7 level-1 hanzi
        lead = _lead_byte(char, "gb2312")
        return lead is not None and (0xA1 <= lead <= 0xA3 or 0xB0 <= lead <= 0xD7)
    if encoding == "big5":  # A1-A3 symbols and punctuation, A4-C6 frequently used hanzi
        lead = _lead_byte(char, "big5")
        return lead is not None and 0xA1 <= lead <= 0xC6
    if "\u3040" <= char <= "\u30ff":  # hiragana and katakana
        return True
    lead = _lead_byte(char, "shift_jis")  # 81 punctuation, 88-98 JIS level-1 kanji
    return lead is not None and (lead == 0x81 or 0x88 <= lead <= 0x98)


def common_share(text: str, encoding: str) -> float:
    """Share of the text's non-ASCII characters that are common characters of the encoding's language."""
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return 1.0
    return sum(_common(c, encoding) for c in wide) / len(wide)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode_export(data: bytes, name: str, header_ok: Callable[[str], bool]) -> Decoded:
    """Decode a CSV export: BOM first, then strict UTF-8, then the one plausible legacy encoding.

    `header_ok(text)` tells whether the text's header row names the export's columns.
    """
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(_checked(data[3:], "utf-8", name), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(_checked(data, "utf-16", name), "utf-16")
    if b"\x00" in data:
        raise EncodingRefused(
            f"{name}: contains NUL bytes: UTF-16 without a byte-order mark, or not a text file; "
            "save it as CSV UTF-8 and drop it again"
        )
    text = _strict(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8")
    plausible: dict[str, str] = {}
    for encoding in LEGACY:
        candidate = _strict(data, encoding)
        readable = candidate is not None and common_share(candidate, encoding) >= COMMON_SHARE
        if candidate is not None and readable and header_ok(candidate):
            plausible[encoding] = candidate
    fix = "save it as CSV UTF-8 and drop it again"
    if not plausible:
        raise EncodingRefused(
            f"{name}: cannot tell the encoding: not UTF-8, no byte-order mark, and none of GB18030, Big5, "
            f"Shift-JIS gives readable text with the export's headers; {fix}"
        )
    if len(set(plausible.values())) > 1:
        which = " and ".join(f"{e} ({LANGUAGE[e]})" for e in plausible)
        raise EncodingRefused(f"{name}: ambiguous encoding: reads as {which} with different text; {fix}")
    encoding = next(iter(plausible))
    if encoding not in ACCEPTED:
        raise EncodingRefused(
            f"{name}: encoded as {encoding} ({LANGUAGE[encoding]}), not an export encoding; {fix}"
        )
    return Decoded(plausible[encoding], encoding)


def _checked(data: bytes, encoding: str, name: str) -> str:
    text = _strict(data, encoding)
    if text is None:
        raise EncodingRefused(f"{name}: has a {encoding} byte-order mark but is not valid {encoding}; "
                              "save it as CSV UTF-8 and drop it again")
    return text
