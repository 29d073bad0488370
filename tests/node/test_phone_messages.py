"""The message catalogues: meshaid.node.phone.messages, one plain data file per language.

Every language has exactly the English keys and placeholders, every message fits one text
with long sample fields, and a language or key without a catalogue entry reads English.
"""

import ast
import importlib
from pathlib import Path

import pytest

from meshaid.node.phone import messages, replies
from meshaid.node.phone.messages import (
    CATALOGUES,
    FALLBACK,
    placeholders,
    reply_lang,
    say,
    say_pages,
)
from meshaid.node.phone.replies import MAX_REPLY_BYTES, utf8_len
from meshaid.protocol.record import Category, Kind, Status

ENGLISH = CATALOGUES[FALLBACK]
LANGS = sorted(CATALOGUES)
TRANSLATIONS = [lang for lang in LANGS if lang != FALLBACK]

# Placeholders a translation leaves out, by (language, key): none so far. Anything missing
# is a mistake (a code the resident needs, lost).
MAY_OMIT: dict[tuple[str, str], set[str]] = {}


def _longest(lang: str, prefix: str) -> str:
    words = [t for k, t in CATALOGUES[lang].items() if k.startswith(prefix)]
    return max((t for t in words if isinstance(t, str)), key=utf8_len)


def samples(lang: str) -> dict[str, object]:
    """The widest value each placeholder can get in ``lang`` (replies clips the rest)."""
    return {
        "code": "W" * replies.CODE_BYTES,
        "kind": _longest(lang, "kind."),
        "status": _longest(lang, "status."),
        "category": _longest(lang, "category."),
        "title": f"{_longest(lang, 'list.title.')} · {_longest(lang, 'category.')}",
        "radio": "!a1b2c3d4",
        "words": "w" * replies.SEARCH_BYTES,
        "age": replies.age(10**9),
        "over": 99_999,
        "limit": 99_999,
        "as_kind": _longest(lang, "confirm.kind."),
        "text": "t" * replies.PREVIEW_BYTES,
        "when": "w" * replies.WHEN_BYTES,
        "day": _longest(lang, "when.day."),
        "month": 12,
        "dom": 31,
        "time": "12:59pm",
        "zone": "z" * replies.ZONE_BYTES,
        "days": 999,
        "date": "12/31",
        "said": _longest(lang, "when.day."),
    }


def _pages(lang: str, key: str) -> tuple[str, ...]:
    found = CATALOGUES[lang][key]
    return (found,) if isinstance(found, str) else found


# --- completeness -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_every_language_has_exactly_the_english_keys(lang: str) -> None:
    catalogue = CATALOGUES[lang]
    assert sorted(ENGLISH.keys() - catalogue.keys()) == [], f"{lang}.py lacks these"
    assert sorted(catalogue.keys() - ENGLISH.keys()) == [], f"{lang}.py has extra keys"


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_every_language_has_the_english_placeholders_and_pages(lang: str) -> None:
    catalogue = CATALOGUES[lang]
    wrong = {}
    for key in ENGLISH.keys() & catalogue.keys():
        if isinstance(ENGLISH[key], str) != isinstance(catalogue[key], str):
            wrong[key] = "one text in one language, pages in the other"
            continue
        expected = placeholders(ENGLISH[key]) - MAY_OMIT.get((lang, key), set())
        if placeholders(catalogue[key]) != expected:
            wrong[key] = f"{sorted(placeholders(catalogue[key]))}, not {sorted(expected)}"
    assert wrong == {}


def test_english_has_words_for_every_kind_category_and_status() -> None:
    keys = [f"kind.{k.name.lower()}" for k in Kind]
    keys += [f"list.title.{k.name.lower()}" for k in Kind]
    keys += [f"posted.close.{k.name.lower()}" for k in Kind]
    keys += [f"category.{c.name.lower()}" for c in Category]
    keys += [f"status.{s.name.lower()}" for s in Status]
    assert [key for key in keys if key not in ENGLISH] == []


def test_every_catalogue_file_is_registered() -> None:
    folder = Path(messages.__file__).parent
    files = {path.stem for path in folder.glob("*.py")} - {"__init__"}
    assert files == set(CATALOGUES)
    for lang in LANGS:
        module = importlib.import_module(f"meshaid.node.phone.messages.{lang}")
        assert module.MESSAGES is CATALOGUES[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_a_catalogue_is_plain_data(lang: str) -> None:
    """A translator edits text only: the file imports nothing and runs no code."""
    path = Path(messages.__file__).parent / f"{lang}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstring, assignment = tree.body
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
    assert isinstance(assignment, ast.AnnAssign) and assignment.value is not None
    assert ast.literal_eval(assignment.value) == CATALOGUES[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_are_named_and_messages_carry_no_layout_spaces(lang: str) -> None:
    for key in CATALOGUES[lang]:
        assert all(name.isidentifier() for name in placeholders(CATALOGUES[lang][key])), key
        for page in _pages(lang, key):
            assert page and page == page.strip(), key


# --- every message fits one text --------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_with_sample_fields_fits_one_text(lang: str) -> None:
    fields = samples(lang)
    for key, found in CATALOGUES[lang].items():
        assert placeholders(found) <= fields.keys(), f"{key}: add a sample for it here"
        for page in say_pages(lang, key, **fields):
            assert utf8_len(page) <= MAX_REPLY_BYTES, f"{lang} {key}: {page}"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", Kind)
def test_a_post_acknowledgement_leaves_room_for_the_post(lang: str, kind: Kind) -> None:
    code = "W" * replies.CODE_BYTES
    message = replies.posted(lang, kind, code, "x" * 300)
    assert "x" * 60 in message
    assert message.endswith(say(lang, f"posted.close.{kind.name.lower()}", code=code))


# --- lookup -----------------------------------------------------------------------------


def test_a_language_without_a_catalogue_is_answered_in_english() -> None:
    assert reply_lang("es") == "es"
    assert reply_lang("vi") == reply_lang("") == reply_lang("ES") == "en"
    assert say("vi", "not_owner", code="4F2K") == say("en", "not_owner", code="4F2K")
    assert say("es", "not_owner", code="4F2K").startswith("4F2K no es tuya.")
    assert say_pages("zz", "help") == say_pages("en", "help") == ENGLISH["help"]
    assert replies.help_pages("ht") == replies.help_pages("en")


def test_a_key_missing_from_a_catalogue_reads_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CATALOGUES, "xx", {"no_more": "Fini."})
    assert say("xx", "no_more") == "Fini."
    assert say("xx", "try_again") == say("en", "try_again")
    assert reply_lang("xx") == "xx"


def test_a_resident_without_a_catalogue_gets_every_language_short() -> None:
    every = "\n".join(say(lang, "unknown_short") for lang in [FALLBACK, *TRANSLATIONS])
    assert utf8_len(every) <= MAX_REPLY_BYTES
    assert replies.unknown_input("ht") == every
    assert replies.unknown_input("es") == say("es", "unknown_input")


def test_lookup_mistakes_are_loud() -> None:
    with pytest.raises(KeyError):
        say("es", "no_such_message")
    with pytest.raises(TypeError, match="say_pages"):
        say("en", "help")
    assert say_pages("en", "no_more") == (say("en", "no_more"),)
