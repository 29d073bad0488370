"""Words of a phone message, normalised so that rules can match them exactly.

Residents type fast on small keyboards: no accents, ALL CAPS, doubled letters, texting
abbreviations, one-letter slips. Every word is brought to one canonical spelling here, once,
so that the intent, category and urgency rules only ever compare plain strings:

1. lower case, accents removed (``niño`` and ``nino``, ``más`` and ``mas`` are one word);
2. runs of three or more equal letters cut to two (``neeed`` → ``need``);
3. texting abbreviations spelled out (``pls`` → ``please``, ``tmrw`` → ``tomorrow``), and
   the few that depend on their neighbours (``CONTEXT_SHORTHAND``): ``4`` is "for" in
   "looking 4 boots" but a count in "need 4 blankets", ``r`` is "are" in "tarps r gone"
   but the reply command in "R 4F2K on my way";
4. Spanish pronouns attached to a verb taken off (``quítalo`` → ``quita``, ``muéstrame``
   → ``muestra``, ``cerrarla`` → ``cerrar``) when what is left is a word the rules know;
5. an unknown word of four letters or more that is one edit (a letter missing, one too
   many, two neighbours swapped, or from five letters one wrong letter) from a word that
   decides an intent (need, offer, done, cancel, necesito, ...), with the same first letter,
   is read as that word (``nede`` → ``need``, ``ofresco`` → ``ofrezco``). Nouns are not
   corrected: a wrong category guess costs little, a wrong intent costs a wrong post. Real
   words one edit from such a word (``than``/``thank``, ``warming``/``warning``) are listed
   in ``COMMON_WORDS`` and never corrected.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Messages from the Meshtastic app are at most about 230 bytes; anything longer is not a
# phone message, and only its start is read (keeps parsing time bounded).
MAX_CHARS = 600
# Typo tolerance applies to typed words this long or longer (short words collide too
# often), and a wrong letter (rather than a missing, extra or swapped one) only from 5
# letters: checked against a 100k-word English list, wrong-letter corrections of 4-letter
# words mostly hit real words (wait -> want, step -> stop, lose -> lost).
FUZZY_MIN_LEN = 4
SUBSTITUTION_MIN_LEN = 5

_WORD = re.compile(r"[@#]?[\w'’]+", re.UNICODE)
_REPEATS = re.compile(r"(\D)\1{2,}")

# Texting shorthand and common misspellings, EN and ES, to the word the rules use.
ABBREVIATIONS: dict[str, str] = {
    # English
    "u": "you", "ya'll": "yall", "ur": "your", "pls": "please", "plz": "please",
    "plse": "please", "pleas": "please", "thx": "thanks", "thnx": "thanks", "thanx": "thanks",
    "tnx": "thanks", "ty": "thanks", "tysm": "thanks", "tks": "thanks",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "tomoro": "tomorrow",
    "2moro": "tomorrow", "2morrow": "tomorrow", "tonite": "tonight", "2nite": "tonight",
    "cn": "can", "nvm": "nevermind", "nm": "nevermind", "rn": "now",
    "ppl": "people", "b4": "before", "w": "with", "wanna": "want", "gonna": "going",
    "gotta": "got", "any1": "anyone", "ne1": "anyone", "anybody": "anyone",
    "some1": "someone", "sum1": "someone", "somebody": "someone", "hv": "have",
    "hav": "have", "gimme": "give", "whats": "what", "what's": "what", "wat": "what",
    "wut": "what", "im": "i", "i'm": "i", "don't": "dont", "doesnt": "dont",
    "doesn't": "dont", "didnt": "dont", "didn't": "dont", "no1": "noone",
    "avail": "available", "avl": "available", "msg": "message",
    "bc": "because", "cuz": "because", "cause": "because", "thru": "through",
    "k": "ok", "kk": "ok", "okay": "ok", "okey": "ok", "yep": "yes", "yup": "yes",
    "yeah": "yes", "hows": "how", "how's": "how", "who's": "who", "whos": "who",
    "where's": "where", "wheres": "where", "there's": "there", "theres": "there",
    "it's": "its", "can't": "cant", "won't": "wont", "we're": "we", "they're": "they",
    "i've": "i", "ive": "i", "i'll": "i", "we'll": "we", "we've": "we",
    "got2": "got", "needz": "needs", "nothin": "nothing", "givin": "giving",
    "lookin": "looking", "offerin": "offering", "tradin": "trading", "swappin": "swapping",
    "ned": "need", "nees": "need",
    # Spanish
    "q": "que", "pa": "para", "pa'": "para", "xq": "porque", "pq": "porque",
    "x": "por", "xfa": "porfa", "xfavor": "porfa", "porfis": "porfa", "tb": "tambien",
    "tmb": "tambien", "grax": "gracias", "grasias": "gracias", "grs": "gracias",
    "grcs": "gracias", "nesesito": "necesito", "nesecito": "necesito", "nececito": "necesito",
    "necesto": "necesito", "ai": "ahi", "ay": "ahi",
    "aver": "ver", "ps": "pues", "pos": "pues", "tamos": "estamos",
    "mnn": "manana", "mna": "manana", "xa": "para", "orita": "ahorita", "aora": "ahora",
    "haci": "asi", "aki": "aqui",
}

# Spanish object pronouns written onto a verb: "quítalo", "bórrenla", "dámelo",
# "muéstrame". Longest first, so that "melo" goes before "lo".
CLITICS = ("selos", "selas", "melos", "melas", "noslo", "nosla", "selo", "sela", "melo",
           "mela", "telo", "tela", "los", "las", "les", "nos", "lo", "la", "le", "me", "te")
# What is left must look like a Spanish verb: an imperative ending in a vowel or -n
# ("quita", "borren"), or an infinitive ("quitar"); "apple" is not "app" + "le".
_VERB_ENDINGS = ("a", "e", "i", "an", "en", "ar", "er", "ir")


def word_set(text: str) -> frozenset[str]:
    """Word lists are written as one string of words separated by spaces and newlines."""
    return frozenset(text.split())


# Shorthand that is a word only beside certain words: (the word it stands for, words that
# may come right before it, words that may come right after it). "4" after "looking" or
# before "the" is "for"; "need 4 blankets" keeps its count. "r" is "are" anywhere but
# first, and first only before a word such as "u" ("r u giving food?"). Nothing is spelled
# out before a number or a code: "R 4F2K ..." stays the reply command.
CONTEXT_SHORTHAND: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "4": (
        "for",
        word_set(
            """looking look ask asking asked pay paying paid waiting wait thanks thank ready
            good enough room praying hoping searching hunting here out sale anything
            something nothing"""
        ),
        word_set(
            """a an the my me you us our your them him her anyone someone everyone whoever
            free sale rent kids now tonight today tomorrow real sure"""
        ),
    ),
    "r": (
        "are",
        word_set("*"),  # any word before it
        word_set("you ya yall there they we people folks any the these those them all still"),
    ),
}

# Real words one edit away from a word that typo tolerance reaches: never "corrected".
# Found by running every word of a 100k-word English list through ``canonical`` and
# keeping the ones people actually write; a few Spanish ones added by hand.
COMMON_WORDS: frozenset[str] = word_set(
    """
    than think thinks tank tanks quite quiet quit quits quote quotes token tokens even evens
    warming warring waning warding warping cancer cancers remote remotes regular regulars
    locking looping looming looting loosing chick chicks cheek cheeks chuck chock filed
    filler fillers fillet filmed felled landing landings leading massage massages response
    responses parka parkas starch swamp swamps tirade tirades wheat wheats chose clone
    clones clove beard beards bard dancer dancers dagger drone drones fined bliss blest glide
    guile guise heaped detain detains derail derails contest contests deplete ease eases tine
    tines avert averts staring sparing shaking shaping soaring searing shading shaving
    scaring snaring shoring swans sways slaps soaps swabs swags swats batter batters barber
    barbers banter barker linger lingers loner loners lodger logger longed refract retrace
    compete competes competed tracing treading traces traders barren cloned cloyed lockup
    commend commends commando commandos emergence needled nerds offed pease gibing grates
    withdrew sapping slapping snapping swamping regal regale dams damns damps demos dados
    quota quotas micra clammed starchy wheaten revolved salved soled soloed heaps
    rely repay repays replay replays brows trace
    tengo tango tienda tiende quito quite quitan quedo queda lisa liso cierro tarde tardes
    donde barra canela listos ofreci mires miro mirar responsable contento contenta
    trae traes traen traigo traer mes
    """
)


def strip_accents(text: str) -> str:
    """``Niño Más`` → ``Nino Mas``; letters of other scripts keep their base form."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(word: str) -> str:
    """Lower case, no accents, no apostrophes, no runs of three equal letters."""
    folded = strip_accents(word).lower().replace("’", "'")
    if folded not in ABBREVIATIONS:
        folded = folded.replace("'", "")
    return _REPEATS.sub(r"\1\1", folded)


@dataclass(frozen=True)
class Token:
    """One word of a message: as typed, folded, and as the rules read it."""

    raw: str  # as typed, with any leading @ or #
    folded: str  # lower case, no accents (see ``fold``)
    word: str  # canonical: abbreviations spelled out, typos corrected
    start: int  # offset of the word in the message
    end: int


class Lexicon:
    """The words the rules use, and a tolerant lookup of a typed word among them.

    A word within one edit of a lexicon word is found in O(length) dictionary lookups
    (indexes of each word with one letter deleted), not by comparing with every word.
    """

    def __init__(self, words: Iterable[str], fuzzy_targets: Iterable[str] = ()) -> None:
        self.words = frozenset(w for w in words if w)
        # Only these words are reached by typo tolerance: the intent and command words,
        # where a slip matters most. Nouns are not (see the module docstring).
        self.targets = frozenset(
            w for w in fuzzy_targets if len(w) >= FUZZY_MIN_LEN and w.isalpha()
        )
        self._deletes: dict[str, str] = {}  # target minus one letter -> target
        self._substitutes: dict[tuple[int, str], str] = {}  # (position, minus it) -> target
        for word in sorted(self.targets):
            for i in range(len(word)):
                shorter = word[:i] + word[i + 1 :]
                self._deletes.setdefault(shorter, word)
                self._substitutes.setdefault((i, shorter), word)

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def correct(self, word: str) -> str | None:
        """The target word one edit from ``word`` with the same first letter, if any."""
        if len(word) < FUZZY_MIN_LEN or not word.isalpha() or word in COMMON_WORDS:
            return None
        found = self._swapped(word) or self._extra_letter(word) or self._missing_letter(word)
        if found is None and len(word) >= SUBSTITUTION_MIN_LEN:
            found = self._substituted(word)
        if found is None or found[0] != word[0]:
            return None
        return found

    def _swapped(self, word: str) -> str | None:
        for i in range(len(word) - 1):
            swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            if swapped != word and swapped in self.targets:
                return swapped
        return None

    def _extra_letter(self, word: str) -> str | None:
        # One letter too many: "giveing" -> "giving".
        for i in range(len(word)):
            shorter = word[:i] + word[i + 1 :]
            if shorter in self.targets:
                return shorter
        return None

    def _missing_letter(self, word: str) -> str | None:
        # One letter missing: "ofrzco" -> "ofrezco".
        return self._deletes.get(word)

    def _substituted(self, word: str) -> str | None:
        for i in range(len(word)):
            hit = self._substitutes.get((i, word[:i] + word[i + 1 :]))
            if hit is not None:
                return hit
        return None


def _singular(word: str, lexicon: Lexicon) -> str | None:
    """``blankets`` → ``blanket``, ``panales`` → ``panal`` when the singular is known."""
    if len(word) > 3 and word.endswith("es") and word[:-2] in lexicon:
        return word[:-2]
    if len(word) > 2 and word.endswith("s") and word[:-1] in lexicon:
        return word[:-1]
    return None


def _without_clitic(word: str, lexicon: Lexicon) -> str | None:
    """``quitalo`` → ``quita`` when the verb left is a word of the lexicon."""
    for clitic in CLITICS:
        stem = word[: -len(clitic)]
        if (
            word.endswith(clitic) and len(stem) >= 3 and stem.endswith(_VERB_ENDINGS)
            and stem in lexicon
        ):
            return stem
    return None


def canonical(folded: str, lexicon: Lexicon) -> str:
    """How the rules read a folded word (see the module docstring)."""
    word = ABBREVIATIONS.get(folded, folded)
    if word in lexicon or word in COMMON_WORDS or not word.isalpha():
        return word
    singular = _singular(word, lexicon)
    if singular is not None:
        return singular
    verb = _without_clitic(word, lexicon)
    if verb is not None:
        return verb
    corrected = lexicon.correct(word)
    if corrected is not None:
        return corrected
    if word.endswith("s"):
        corrected = lexicon.correct(word[:-1])
        if corrected is not None:
            return corrected
    return word


def _in_context(tokens: list[Token]) -> list[Token]:
    """The shorthand of ``CONTEXT_SHORTHAND`` spelled out where its neighbours allow."""
    read = list(tokens)
    for i, token in enumerate(tokens):
        found = CONTEXT_SHORTHAND.get(token.folded)
        if found is None:
            continue
        meaning, before, after = found
        prev = tokens[i - 1].word if i else ""
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following is not None and any(ch.isdigit() for ch in following.raw):
            continue  # "R 4F2K", "r 2pm": a code or a number follows, not a word
        after_ok = following is not None and following.word in after
        if (prev and ("*" in before or prev in before)) or after_ok:
            read[i] = Token(token.raw, token.folded, meaning, token.start, token.end)
    return read


def tokenize(text: str, lexicon: Lexicon) -> list[Token]:
    """The words of ``text`` in order. Punctuation and emoji are not words."""
    tokens = []
    for match in _WORD.finditer(text[:MAX_CHARS]):
        raw = match.group().strip("'’")
        if not raw or raw in "@#":
            continue
        folded = fold(raw.lstrip("@#"))
        if not folded:
            continue
        tokens.append(Token(raw, folded, canonical(folded, lexicon), match.start(), match.end()))
    return _in_context(tokens)


def find_phrase(words: list[str], phrase: tuple[str, ...], start: int = 0) -> int:
    """Index of the first occurrence of ``phrase`` in ``words`` at or after start, or -1."""
    n = len(phrase)
    for i in range(start, len(words) - n + 1):
        if tuple(words[i : i + n]) == phrase:
            return i
    return -1


Phrases = frozenset[tuple[str, ...]]


@functools.cache
def _by_first_word(group: Phrases) -> dict[str, tuple[tuple[str, ...], ...]]:
    """A phrase group indexed by first word (groups are module constants: built once)."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in group:
        if phrase:
            index.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(found) for first, found in index.items()}


def phrases_in(words: Sequence[str], group: Phrases) -> set[tuple[str, ...]]:
    """The phrases of ``group`` that occur in ``words``."""
    index = _by_first_word(group)
    found = set()
    for i, word in enumerate(words):
        for phrase in index.get(word, ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                found.add(phrase)
    return found


def has_any(words: Sequence[str], group: Phrases) -> bool:
    return bool(phrases_in(words, group))


def phrases(text: str) -> Phrases:
    """Phrase lists are written as ``"one | two words | three"`` for readability."""
    return frozenset(tuple(p.split()) for p in text.split("|") if p.strip())
