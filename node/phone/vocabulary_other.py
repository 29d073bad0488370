"""Words of the languages the desk reads without answering in them: Haitian Creole,
Vietnamese, Arabic.

Plain data, read by meshaid.node.phone.lang (which language a message is in) and by the
rules (meshaid.node.phone.intents and posts: what it asks). A resident writing one of
these gets help in English and Spanish when the desk cannot tell what they ask, and their
post when it can. To read one more language: add its telling words to ``WORDS`` (or its
letters to meshaid.node.phone.lang when it has a script of its own), its phrases to
``INTENTS``, and examples of its messages to meshaid.node.phone.examples_other; to answer
in it, add a catalogue (meshaid.node.phone.messages).

Words may be written with their accents and tone marks: they are compared as the
tokenizer folds them (lower case, no marks). Phrases are ``"a b | c"``.
"""

from __future__ import annotations

from meshaid.node.phone.command import Intent
from meshaid.node.phone.tokens import Phrases, fold, phrases, word_set

# Words that tell the language of a message written in Latin letters without marks of
# its own. Two of them, and more than of English or Spanish, name the language.
_WORDS: dict[str, frozenset[str]] = {
    "ht": word_set(
        """
        mwen m bezwen pou yon gen ak nan ki sa li nou yo tanpri mesi woulib lopital dlo manje
        kijan itilize mache ede atansyon ijans kounye pitit demen maten klinik diri pwa bay
        kote moun fanmi lapli kouran limye anko konprann kap kapab genyen vle dokte
        medikaman lajan lekol machin souple silvouple bondye bonjou bonswa ye
        """
    ),
    # Vietnamese typed without its tone marks (the marks alone name it otherwise).
    "vi": word_set(
        """
        toi chung nuoc gao sua giup voi xin chao khong thuoc benh vien duoc
        """
    ),
}
WORDS = {lang: frozenset(fold(word) for word in words) for lang, words in _WORDS.items()}

_INTENTS: dict[str, dict[Intent, str]] = {
    "ht": {
        Intent.HELP: "ede | ed | kijan pou m itilize | kijan sa mache | mwen pa konprann",
        Intent.POST_NEED: "bezwen | nou bezwen | mwen bezwen | m bezwen | pa gen | nou pa gen",
        Intent.POST_OFFER: "m gen | mwen gen | nou gen | pou bay | m ka | mwen ka | gratis",
        Intent.POST_ALERT: "atansyon | ijans | danje | dife | inondasyon | imigrasyon",
        Intent.SEARCH: "ki moun ki gen | kimoun ki gen | eske gen | ne moun gen | kote m ka jwenn",
        Intent.LIST: "sa ki genyen | kisa ki genyen | lis la",
    },
    # "can" is "cần", to need; "còn dư" left over, "ai cần" who needs, "tặng" give.
    "vi": {
        Intent.HELP: "huong dan | tro giup | giup do | giup voi | giup",
        Intent.POST_OFFER: "con du | ai can | tang | cho mien phi | du | co them | ai can thi lay",
        Intent.POST_NEED: "can | dang can | xin cho | xin giup",
        Intent.POST_ALERT: "khan cap | canh bao | nguy hiem | chay",
        Intent.POST_TRADE: "doi do | trao doi | cho doi",
        Intent.SEARCH: "ai co | co ai co",
    },
    "ar": {
        Intent.HELP: "مساعده | مساعدة | تعليمات",
        Intent.POST_OFFER: "عندي | عندنا | مجانا | ببلاش | اللي محتاج | للي محتاج",
        Intent.POST_NEED: "محتاج | محتاجه | محتاجين | احتاج | نحتاج | بحاجة",
        Intent.POST_ALERT: "تحذير | طوارئ | خطر | حريق",
    },
}


def _folded(text: str) -> Phrases:
    return frozenset(tuple(fold(word) for word in phrase) for phrase in phrases(text))


# language -> intent -> phrases, folded as the rules read them.
INTENTS: dict[str, dict[Intent, Phrases]] = {
    lang: {intent: _folded(text) for intent, text in table.items()}
    for lang, table in _INTENTS.items()
}


def intent_phrases(lang: str, intent: Intent) -> Phrases:
    """The phrases that ask for ``intent`` in ``lang`` (none for English and Spanish,
    whose words are meshaid.node.phone.vocabulary)."""
    return INTENTS.get(lang, {}).get(intent, frozenset())
