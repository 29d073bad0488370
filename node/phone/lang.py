"""Which language a phone message is in, so that the answer comes back in it.

Residents write English, Spanish (often without accents, with texting shorthand) and,
less often, Haitian Creole, Vietnamese or Arabic. The guess is by script first (Arabic,
Vietnamese letters, CJK, ...), then by counting words that belong to one language only.
A message with no telling word (``4F2K``, ``?``) gets the caller's default, typically the
language the sender used last.
"""

from __future__ import annotations

from collections.abc import Sequence

from meshaid.node.phone.tokens import Token, word_set
from meshaid.node.phone.vocabulary_other import WORDS

# Letters that only Vietnamese uses among the languages we meet (ơ ư đ and the tone marks
# stacked on a vowel with a hat or breve).
_VIETNAMESE = frozenset(
    "ơưđăạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
    "ƠƯĐĂẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"
)
_SPANISH_MARKS = frozenset("ñÑ¿¡áéíóúÁÉÍÓÚ")

# The language of a message that the desk cannot read, and whose language nothing tells:
# it is answered in every language the desk speaks (meshaid.node.phone.replies).
UNDETERMINED = "und"

# (first code point, last code point, language) for scripts that name their language well
# enough for a reply choice.
_SCRIPTS = (
    (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"),
    (0x0400, 0x04FF, "ru"),
    (0xAC00, 0xD7AF, "ko"),
    (0x3040, 0x30FF, "ja"),
    (0x4E00, 0x9FFF, "zh"),
    (0x0900, 0x097F, "hi"),
)

# Folded words (no accents, lower case) that point to one language. Words common to both
# (no, me, a, de in "de-escalation") are left out.
SPANISH = word_set(
    """
    que el la los las en y para por con mi mis yo tengo tenemos necesito necesitamos ocupo
    ocupamos ocupa hay una unos unas lo se es esta estan ya al del alguien quien como gracias
    hola ayuda ver mas si nos su sus manana hoy ahorita ahora aqui ahi voy vamos tiene tienen
    puedo podemos sobra donde cuando pero tambien nada algo porque porfa favor buenas buenos
    dias noches tarde listo lista cerrar borra borrar quita quitar quite cancela cancelar
    responder contestar buscar busco busca ofrezco ofrecen ofertas oferta regalo doy necesidades
    comida agua ropa luz ninos nino nina bebe casa calle esto eso funciona usa sirve jaja jeje
    onda pues estoy estamos traer llevar lleve llevo ayudaron ayudo consegui quedo pedido
    le les te tu usted ustedes pasen vengan sabado domingo lunes martes miercoles jueves
    viernes semana dinero renta clinica tienda migra raite troca cobijas panales leche pan
    mucho muy poco todo todos todas mostrar detalles publicar publica dame alguna alguno
    q pa xq xfa porfa ke comandos comando instrucciones siguiente
    """
)
ENGLISH = word_set(
    """
    the to for and i my you your is it of on at with have has need needs anyone someone please
    thanks thank can will got get this that what who how where when here there any some
    just dont cant its am are was were be been if or but from free help list show more
    offer offering offers trade swap alert done close cancel delete remove reply search find
    near me us we our they them he she his her want looking tomorrow tonight today morning
    people ride food water clothes kids baby still again yes hello hi hey ok lol thx now
    does do did would could should about available everything something nothing all set
    im ive youre thats theres whats wanna gonna nvm stop test testing
    """
)
# Other languages written in Latin letters are told by their own words
# (meshaid.node.phone.vocabulary_other.WORDS): Haitian Creole, Vietnamese without marks.


def _script_language(text: str) -> str | None:
    counts: dict[str, int] = {}
    for ch in text:
        if ch in _VIETNAMESE:
            counts["vi"] = counts.get("vi", 0) + 1
            continue
        point = ord(ch)
        for first, last, lang in _SCRIPTS:
            if first <= point <= last:
                counts[lang] = counts.get(lang, 0) + 1
                break
    if not counts:
        return None
    return max(counts, key=lambda lang: counts[lang])


def telling_language(text: str, tokens: Sequence[Token]) -> str | None:
    """The language the message's script or words tell, or None when nothing tells
    (``4F2K``, ``?``, or words of a language the desk does not know)."""
    by_script = _script_language(text)
    if by_script is not None:
        return by_script
    folded = [t.folded for t in tokens]
    spanish = sum(1 for w in folded if w in SPANISH)
    english = sum(1 for w in folded if w in ENGLISH)
    if any(ch in _SPANISH_MARKS for ch in text):
        spanish += 2
    for lang, words in WORDS.items():
        count = sum(1 for w in folded if w in words and w not in ENGLISH)
        if count >= 2 and count > spanish and count > english:
            return lang
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return None


def guess_language(text: str, tokens: Sequence[Token], default: str = "en") -> str:
    """A language code for the message: ``en``, ``es``, ``ht``, ``vi``, ``ar``, ...; the
    ``default`` when nothing tells."""
    told = telling_language(text, tokens)
    return default if told is None else told

