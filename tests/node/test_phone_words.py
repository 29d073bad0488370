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


# --- found trying as residents would ------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        # Spanish pronouns written onto the verb: the verb is read.
        ("quítalo", ["quita"]),
        ("bórrenla porfa", ["borren", "porfa"]),
        ("ciérrala", ["cierra"]),
        ("cerrarlo ya", ["cerrar", "ya"]),
        ("muéstrame todo", ["muestrame", "todo"]),  # a word of its own already
        ("pásame la lista", ["pasa", "la", "lista"]),
        ("apple pie", ["apple", "pie"]),  # not "app" + "le": no Spanish verb is left
        # Shorthand that depends on its neighbours.
        ("looking 4 boots", ["looking", "for", "boot"]),
        ("4 the kids", ["for", "the", "kids"]),
        ("need 4 blankets", ["need", "4", "blanket"]),  # a count stays a count
        ("tarps r gone", ["tarp", "are", "gone"]),
        ("r u giving food", ["are", "you", "giving", "food"]),
        ("R 4F2K on my way", ["r", "4f2k", "on", "my", "way"]),  # the reply command
    ],
)
def test_words_as_people_type_them(typed: str, words: list[str]) -> None:
    assert [t.word for t in tokenize(typed, LEXICON)] == words


def test_spanish_words_one_letter_from_a_rule_word_stay() -> None:
    # Found: "si alguien trae los ingredientes" (brings) was read as "trade", and "mes"
    # (month) as "me".
    assert canonical("trae", LEXICON) == "trae"
    assert canonical("mes", LEXICON) == "mes"


def test_every_rule_word_is_written_as_the_tokenizer_reads_it() -> None:
    # A phrase with a word the tokenizer never gives ("im good now", where "im" reads as
    # "i") can never match: vocabulary must be written in canonical form.
    from meshaid.node.phone import categories, vocabulary, vocabulary_other

    def written() -> list[tuple[str, str]]:
        found = [(name, word) for name, value in vars(vocabulary).items()
                 if name.isupper() and name not in ("LEXICON", "FUZZY_TARGETS")
                 for word in vocabulary._strings(value)]
        found += [("categories", word) for word in categories.vocabulary()]
        return found

    wrong = [(name, word, canonical(fold(word), LEXICON)) for name, word in written()
             if word.isalpha() and canonical(fold(word), LEXICON) != word]
    assert wrong == []
    # Other languages are read on folded words (no shorthand of English or Spanish):
    # their phrases are folded as they are loaded.
    other = list(vocabulary._strings(vocabulary_other.INTENTS))
    assert other and all(fold(word) == word for word in other)


@pytest.mark.parametrize("text", ["any1 got water??", "b4 noon?", "some1 has a jack", "2moro at 5"])
def test_texting_shorthand_is_a_word_not_a_code(text: str) -> None:
    tokens = tokenize(text, LEXICON)
    assert codes.find_codes(tokens, None, ()) == []
    assert codes.find_codes(tokens, lambda code: False, ()) == []
    # Only where a code is expected, and when the board has it (or it is written @ANY1).
    assert codes.find_codes(tokenize("show any1", LEXICON), {"ANY1"}.__contains__, {"show"})
    assert codes.find_codes(tokenize("@any1 hi", LEXICON), None, ())
