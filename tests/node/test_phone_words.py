"""The word-level pieces of the phone parser: folding, typo tolerance, codes, categories."""

import pytest

from meshaid.node.phone import codes
from meshaid.node.phone.categories import guess_category
from meshaid.node.phone.tokens import Lexicon, canonical, fold, tokenize
from meshaid.node.phone.vocabulary import LEXICON
from meshaid.protocol.record import Category


@pytest.mark.parametrize(
    ("typed", "folded"),
    [("Niño", "nino"), ("MÁS", "mas"), ("neeeeed", "need"), ("it’s", "it's"), ("we'd", "wed")],
)
def test_fold(typed: str, folded: str) -> None:
    assert fold(typed) == folded


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("nede", "need"),  # swap
        ("giveing", "giving"),  # one letter too many
        ("ofrzco", "ofrezco"),  # one letter missing
        ("ofresco", "ofrezco"),  # one wrong letter, 7 letters
        ("pls", "please"),  # shorthand
        ("tmrw", "tomorrow"),
        ("q", "que"),
        ("blankets", "blanket"),  # plural of a known word
        ("it's", "its"),  # a listed contraction
    ],
)
def test_canonical(typed: str, word: str) -> None:
    assert canonical(typed, LEXICON) == word


@pytest.mark.parametrize(
    "word",
    # Real words one edit from a rule word, and wrong-letter slips in short words.
    ["than", "warming", "cancer", "tarde", "donde", "seed", "step", "wait", "lose", "she", "neef"],
)
def test_real_words_and_short_slips_stay(word: str) -> None:
    assert canonical(word, LEXICON) == word


def test_lexicon_corrects_only_to_its_targets() -> None:
    lexicon = Lexicon(["need", "blanket"], fuzzy_targets=["need"])
    assert lexicon.correct("nede") == "need"
    assert lexicon.correct("blanekt") is None  # a noun, not a target
    assert lexicon.correct("deen") is None  # first letter differs


def test_tokens_keep_their_place_in_the_message() -> None:
    tokens = tokenize("R 3B1R: on my way!", LEXICON)
    assert [(t.raw, t.start, t.end) for t in tokens[:2]] == [("R", 0, 1), ("3B1R", 2, 6)]


@pytest.mark.parametrize(
    ("typed", "code"),
    [("4f2k", "4F2K"), ("3DOW", "3D0W"), ("1il2", "1112"), ("@A7CQ", "A7CQ"), ("7B1MX", "7B1MX"),
     ("7b1mx2", "7B1MX2")],
)
def test_code_normalize(typed: str, code: str) -> None:
    assert codes.normalize(typed) == code


@pytest.mark.parametrize("typed", ["4F2", "4F2K7QA", "4U2K", "4F-2", ""])
def test_not_codes(typed: str) -> None:
    assert codes.normalize(typed) is None


@pytest.mark.parametrize(
    ("words", "category"),
    [
        (["2", "bag", "rice"], Category.FOOD),
        (["ride", "to", "clinic"], Category.TRANSPORT),
        (["insulin", "cooler"], Category.MEDICINE),
        (["cobija", "pa", "nino"], Category.SHELTER),  # a tie: the first named wins
        (["planta", "de", "luz"], Category.ENERGY),
        (["nothing", "telling"], None),
    ],
)
def test_guess_category(words: list[str], category: Category | None) -> None:
    assert guess_category(words) is category
