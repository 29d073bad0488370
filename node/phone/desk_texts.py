"""Phone desk answers that meshaid.node.phone.replies does not hold: routing answers
between a poster and a neighbour, and the desk's own trouble. Each fits one text."""

from __future__ import annotations

from meshaid.node.phone.replies import clip, fit, one_line, reply_lang


def _code(code: str) -> str:
    return clip(one_line(code), 8)


def answer_sent(lang: str, code: str) -> str:
    """The poster's answer went to the neighbour who last wrote about the post."""
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(f"Enviado a quien te escribió sobre {code}. No verá el id de tu radio.")
    return fit(f"Sent to the neighbour who wrote about {code}. They won't see your radio id.")


def no_one_answered(lang: str, code: str) -> str:
    """The poster answers, but no neighbour's message about the post is remembered (none
    came, or the node restarted since, or too many others came after it)."""
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(
            f"No hay mensaje reciente sobre {code} a quien contestar. "
            "Cuando alguien te escriba, te llegará aquí."
        )
    return fit(
        f"No recent message about {code} to answer. When a neighbour writes, you'll get it here."
    )


def poster_elsewhere(lang: str, code: str) -> str:
    """The entry came from another node: its poster's radio is not known here."""
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(
            f"{code} se publicó en otro nodo; aún no podemos pasar mensajes entre nodos. "
            "Busca a esa persona en su zona."
        )
    return fit(
        f"{code} was posted at another node; messages between nodes are not possible yet. "
        "Look for the poster in its zone."
    )


def poster_unreachable(lang: str, code: str) -> str:
    """The entry was posted here, but not from a radio (e.g. by the committee's CLI)."""
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(f"{code} la puso el comité del nodo, no un radio; no podemos pasarle mensajes.")
    return fit(
        f"{code} was posted by the node's committee, not from a radio; it can't get messages."
    )


def reply_needs_code(lang: str) -> str:
    if reply_lang(lang) == "es":
        return "Pon el código de la publicación: 'R 4F2K ya voy'"
    return "Put the post's code first: 'R 4F2K on my way'"


def post_needs_text(lang: str) -> str:
    if reply_lang(lang) == "es":
        return "Dinos qué: 'ofrezco 2 bolsas de arroz' o 'necesito raite al doctor'."
    return "Say what: 'offer 2 bags rice' or 'need ride to clinic tue'."


def expired(lang: str, code: str) -> str:
    code = _code(code)
    if reply_lang(lang) == "es":
        return fit(f"{code} ya venció y salió del tablero. Manda 'lista' pa ver lo abierto.")
    return fit(f"{code} has expired and left the board. Send 'list' for what's open.")


def try_again(lang: str) -> str:
    """The node could not do it right now (e.g. its database was busy)."""
    if reply_lang(lang) == "es":
        return "El nodo está ocupado y no pudo hacerlo. Inténtalo otra vez en un minuto."
    return "The node is busy and couldn't do that. Please try again in a minute."
