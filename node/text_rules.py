"""What text the node stores and shows: the rules for a post's text, zone and names.

A post is read on committee members' terminals and on residents' phones. Text that
reached a terminal raw could clear the screen, ring the bell, retitle the window or
hide the rest of a line, and a post that is only invisible characters would be an empty
entry nobody can read. So:

* **stripped** (the post is kept, minus these): ANSI/VT escape sequences (CSI, OSC and
  two-character ESC forms, and the one-byte C1 CSI); every other C0 and C1 control and
  DEL; the explicit bidirectional formatting characters (embeddings, overrides and
  isolates, U+202A..U+202E and U+2066..U+2069), which can make a line read in another
  order than it was written. A tab becomes a space; CR, CR LF and the Unicode line and
  paragraph separators become a newline, the one line break kept. Stripping rather than
  refusing: what a resident meant to say is still there, and a phone that adds a stray
  control character should not cost them their post.
* **refused**: a text that is empty once invisible characters are set aside (spaces,
  zero-width spaces and joiners, the byte-order mark, variation selectors, combining marks
  with nothing to combine with, Hangul and Braille blanks): there is nothing to read.
  Those characters are kept inside a text that has something visible: a zero-width
  joiner is part of many emoji, and a combining mark part of a letter.

``clean_text`` is applied before a text is stored (CLI posts, phone posts), ``has_visible``
decides the refusal, and ``printable`` is the last defence at display time for text that
came from elsewhere (the air, an older database): it never raises and returns a text
with no control character but the newline.

Pure: no I/O, no clock. The phone parser may import it.
"""

from __future__ import annotations

import re
import unicodedata

# ESC [ params intermediates final | ESC ] ... (BEL or ESC \) | ESC and one more
# character | the one-byte C1 CSI. An escape cut short at the end of the text goes too.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85]")
_BIDI_FORMATTING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters that draw nothing though Unicode calls them letters or symbols.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code < 0xA0


def clean_text(text: str) -> str:
    """``text`` with escapes, controls and bidi formatting removed, tabs as spaces and line
    breaks as newlines, trimmed at both ends (see the module docstring)."""
    return printable(text).strip()


def _invisible(ch: str) -> bool:
    if ch.isspace() or ch in _BLANK_LETTERS:
        return True
    # Cf: format characters (zero-width space and joiners, BOM, word joiner, tags...);
    # Mn/Me: marks (variation selectors among them) that show nothing on their own.
    return unicodedata.category(ch) in ("Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp")


def has_visible(text: str) -> bool:
    """True when ``text`` has at least one character that draws something."""
    return any(not _invisible(ch) for ch in text)


def post_text(text: str) -> str:
    """The text a post is stored with: ``clean_text``, or "" when nothing visible is left."""
    cleaned = clean_text(text)
    return cleaned if has_visible(cleaned) else ""


def printable(text: str) -> str:
    """``text`` safe to print on a terminal or send to a phone: escapes, controls and bidi
    formatting removed, tabs as spaces, line breaks as newlines, lone surrogates (bytes
    that were not UTF-8) as U+FFFD. Total: it is applied to any stored value at display
    time, and never raises."""
    text = _SURROGATES.sub("\ufffd", text)
    text = _LINE_BREAKS.sub("\n", _ESCAPES.sub("", text)).replace("\t", " ")
    return "".join(
        ch for ch in text if ch == "\n" or not (_is_control(ch) or ch in _BIDI_FORMATTING)
    )


def has_surrogates(text: str) -> bool:
    """True when ``text`` holds lone surrogates: on Linux, how bytes that are not UTF-8
    arrive in command-line arguments and environment variables."""
    return _SURROGATES.search(text) is not None
