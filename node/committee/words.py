"""The words of the committee's papers (report, needs map, printed board) in English and
Spanish: one catalogue per language, and the names of kinds, categories and statuses.

``words(lang)`` gives a ``Words`` for "en" or "es"; ``LANGS`` maps the ``--lang`` choices
to the languages they print ("both" prints English, then Spanish). A key missing from
the Spanish catalogue is an error at import, so a paper never mixes languages by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

LANG_CHOICES = ("en", "es", "both")
LANGS: dict[str, tuple[str, ...]] = {"en": ("en",), "es": ("es",), "both": ("en", "es")}

KIND_NAMES = {
    "en": {"offer": "offer", "need": "need", "trade": "trade", "alert": "alert"},
    "es": {"offer": "oferta", "need": "necesidad", "trade": "trueque", "alert": "alerta"},
}
KIND_PLURALS = {
    "en": {"offer": "Offers", "need": "Needs", "trade": "Trades and market days",
           "alert": "Alerts"},
    "es": {"offer": "Ofertas", "need": "Necesidades", "trade": "Trueques y tianguis",
           "alert": "Alertas"},
}
CATEGORY_NAMES = {
    "en": {
        "food": "food", "water": "water", "medicine": "medicine", "health": "health",
        "shelter": "shelter", "clothing": "clothing", "childcare": "childcare",
        "transport": "transport", "repair": "repair", "energy": "energy",
        "skills": "skills", "legal": "legal", "safety": "safety", "other": "other",
    },
    "es": {
        "food": "comida", "water": "agua", "medicine": "medicinas", "health": "salud",
        "shelter": "refugio", "clothing": "ropa", "childcare": "cuidado de niños",
        "transport": "transporte", "repair": "reparaciones", "energy": "energía",
        "skills": "oficios", "legal": "ayuda legal", "safety": "seguridad",
        "other": "otros",
    },
}
URGENCY_NAMES = {
    "en": {"low": "low", "normal": "normal", "high": "high", "critical": "critical"},
    "es": {"low": "baja", "normal": "normal", "high": "alta", "critical": "crítica"},
}

_EN = {
    # the report
    "report.title.week": "Weekly report",
    "report.title.month": "Monthly report",
    "report.period": "{start} to {end}",
    "report.period.week": "the 7 days ending {end}",
    "report.period.month": "the 30 days ending {end}",
    "report.community": "Community: {name}",
    "report.all_communities": "All communities",
    "report.flowed": "1. What flowed",
    "report.flowed.none": "No entry was matched or fulfilled in this period.",
    "report.missing": "2. What is missing or overloaded",
    "report.missing.none": "No open or unmet need.",
    "report.short": "more needs than offers",
    "report.scheduled": "3. What is scheduled",
    "report.scheduled.none": "Nothing is scheduled in the next {days} days.",
    "report.changed": "4. What changed since the period before",
    "report.changed.none": "Nothing was posted in either period.",
    "report.stories": "5. Success stories",
    "report.stories.none": "No entry was fulfilled in this period.",
    "report.stories.more": "… and {count} more.",
    "report.time_to_match": "Needs matched in this period took a median of {time} from "
                            "posting (over {count}).",
    "report.generated": "Made by meshaid on {node}, {when}. Counts are of the entries this "
                        "node holds.",
    # column heads
    "col.category": "category",
    "col.community": "community",
    "col.matched": "matched",
    "col.fulfilled": "fulfilled",
    "col.open_needs": "open needs",
    "col.unmet": "expired unmet",
    "col.open_offers": "open offers",
    "col.median_wait": "median wait",
    "col.when": "when",
    "col.posted": "posted",
    "col.what": "what",
    "col.where": "where",
    "col.code": "code",
    "col.needs": "needs posted",
    "col.offers": "offers posted",
    "col.before": "before",
    "col.now": "now",
    "col.change": "change",
    "col.total": "total",
    # the needs map
    "map.title": "Needs map",
    "map.subtitle": "Strengths (open offers) and needs (open, and expired unmet in {period})",
    "map.strengths": "strengths: open offers",
    "map.needs": "needs: open + expired unmet",
    "map.none": "The board has no open offers or needs.",
    "map.cell": "offers/needs",
    "map.no_community": "(no community)",
    # the printed board
    "print.title": "Mutual aid board",
    "print.printed": "Printed {when} from node {node}. {count} open entries.",
    "print.empty": "The board has no open entries.",
    "print.code_help": "To answer a post by radio, text its code to a node: e.g. {code}",
    "print.until": "until",
    "print.howto": "How to post by text",
    "print.howto.intro": "Send a direct message to a node's radio from the Meshtastic app:",
    "print.howto.code": "Each post gets a code like 4F2K: send the code to read it.",
    "minutes": "{n} min",
    "hours": "{n} h",
    "days": "{n} days",
}

_ES = {
    "report.title.week": "Informe semanal",
    "report.title.month": "Informe mensual",
    "report.period": "{start} a {end}",
    "report.period.week": "los 7 días hasta el {end}",
    "report.period.month": "los 30 días hasta el {end}",
    "report.community": "Comunidad: {name}",
    "report.all_communities": "Todas las comunidades",
    "report.flowed": "1. Lo que circuló",
    "report.flowed.none": "Ninguna publicación se emparejó ni se cumplió en este periodo.",
    "report.missing": "2. Lo que falta o está saturado",
    "report.missing.none": "No hay necesidades abiertas ni sin cubrir.",
    "report.short": "más necesidades que ofertas",
    "report.scheduled": "3. Lo que está programado",
    "report.scheduled.none": "No hay nada programado en los próximos {days} días.",
    "report.changed": "4. Qué cambió desde el periodo anterior",
    "report.changed.none": "No se publicó nada en ninguno de los dos periodos.",
    "report.stories": "5. Historias de éxito",
    "report.stories.none": "Ninguna publicación se cumplió en este periodo.",
    "report.stories.more": "… y {count} más.",
    "report.time_to_match": "Las necesidades emparejadas en este periodo tardaron una "
                            "mediana de {time} desde su publicación (de {count}).",
    "report.generated": "Hecho con meshaid en {node}, {when}. Se cuentan las publicaciones "
                        "que tiene este nodo.",
    "col.category": "categoría",
    "col.community": "comunidad",
    "col.matched": "emparejadas",
    "col.fulfilled": "cumplidas",
    "col.open_needs": "necesidades abiertas",
    "col.unmet": "vencidas sin cubrir",
    "col.open_offers": "ofertas abiertas",
    "col.median_wait": "espera mediana",
    "col.when": "cuándo",
    "col.posted": "publicada",
    "col.what": "qué",
    "col.where": "dónde",
    "col.code": "código",
    "col.needs": "necesidades publicadas",
    "col.offers": "ofertas publicadas",
    "col.before": "antes",
    "col.now": "ahora",
    "col.change": "cambio",
    "col.total": "total",
    "map.title": "Mapa de necesidades",
    "map.subtitle": "Fortalezas (ofertas abiertas) y necesidades (abiertas, y vencidas sin "
                    "cubrir en {period})",
    "map.strengths": "fortalezas: ofertas abiertas",
    "map.needs": "necesidades: abiertas + vencidas sin cubrir",
    "map.none": "El tablero no tiene ofertas ni necesidades abiertas.",
    "map.cell": "ofertas/necesidades",
    "map.no_community": "(sin comunidad)",
    "print.title": "Tablero de ayuda mutua",
    "print.printed": "Impreso el {when} desde el nodo {node}. {count} publicaciones abiertas.",
    "print.empty": "El tablero no tiene publicaciones abiertas.",
    "print.code_help": "Para contestar por radio, manda el código a un nodo: p. ej. {code}",
    "print.until": "hasta",
    "print.howto": "Cómo publicar por mensaje",
    "print.howto.intro": "Manda un mensaje directo al radio de un nodo desde la app "
                         "Meshtastic:",
    "print.howto.code": "Cada publicación tiene un código como 4F2K: mándalo para verla.",
    "minutes": "{n} min",
    "hours": "{n} h",
    "days": "{n} días",
}

# What the printed board's box shows, in the words the phone desk reads: (message, what it
# does). tests/committee/test_print_board.py checks that the desk reads each as meant.
PHONE_EXAMPLES = {
    "en": (
        ("need ride to clinic tue", "post a need"),
        ("offer 2 bags rice", "post an offer"),
        ("trade: seed swap sat 10am", "post a trade or market day"),
        ("alert: tree down on Oak", "warn everyone"),
        ("list food", "read the board (or 'search tarp')"),
        ("R 4F2K on my way", "answer post 4F2K"),
        ("done 4F2K", "your post was met"),
        ("help", "more help"),
    ),
    "es": (
        ("necesito raite al doctor el martes", "pedir algo"),
        ("ofrezco 2 bolsas de arroz", "ofrecer algo"),
        ("trueque: semillas sáb 10am", "un trueque o tianguis"),
        ("alerta: árbol caído en Oak", "avisar a todos"),
        ("lista comida", "ver el tablero (o 'buscar lona')"),
        ("R 4F2K ya voy", "contestar la publicación 4F2K"),
        ("listo 4F2K", "tu publicación se cumplió"),
        ("ayuda", "más ayuda"),
    ),
}

MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}

CATALOGUES: dict[str, Mapping[str, str]] = {"en": _EN, "es": _ES}
_missing = set(_EN) ^ set(_ES)
if _missing:
    raise AssertionError(f"the committee catalogues differ in {sorted(_missing)}")


@dataclass(frozen=True)
class Words:
    """One language's words for the committee's papers."""

    lang: str

    def __call__(self, key: str, **values: object) -> str:
        return CATALOGUES[self.lang][key].format(**values)

    def kind(self, name: str) -> str:
        return KIND_NAMES[self.lang][name]

    def kinds(self, name: str) -> str:
        return KIND_PLURALS[self.lang][name]

    def category(self, name: str) -> str:
        return CATEGORY_NAMES[self.lang][name]

    def urgency(self, name: str) -> str:
        return URGENCY_NAMES[self.lang][name]

    def day(self, value: datetime) -> str:
        """A day with the month as a word, which no reader takes for the day: "Dec 5",
        "5 dic"."""
        month = MONTHS[self.lang][value.month - 1]
        return f"{month} {value.day}" if self.lang == "en" else f"{value.day} {month}"

    def duration(self, minutes: float) -> str:
        if minutes < 120:
            return self("minutes", n=round(minutes))
        if minutes < 48 * 60:
            return self("hours", n=round(minutes / 60))
        return self("days", n=round(minutes / (24 * 60), 1))


def words(lang: str) -> Words:
    if lang not in CATALOGUES:
        raise ValueError(f"no catalogue for language {lang!r}")
    return Words(lang)


@dataclass(frozen=True)
class Joined:
    """The same words in several languages at once, joined with " / " (once where the
    languages agree): the labels of a paper printed in both."""

    ws: tuple[Words, ...]

    def _join(self, said: list[str]) -> str:
        return " / ".join(dict.fromkeys(said))

    def __call__(self, key: str, **values: object) -> str:
        return self._join([w(key, **values) for w in self.ws])

    def category(self, name: str) -> str:
        return self._join([w.category(name) for w in self.ws])

    def kinds(self, name: str) -> str:
        return self._join([w.kinds(name) for w in self.ws])

    def day(self, value: datetime) -> str:
        return self._join([w.day(value) for w in self.ws])
