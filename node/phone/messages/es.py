"""Español: lo que el nodo contesta a quien escribe en español.

Plain data with exactly the keys and placeholders of en.py (see there for what each
placeholder holds).
"""

MESSAGES: dict[str, str | tuple[str, ...]] = {
    # -- words: an entry's kind, its category and its status ----------------------------
    "kind.offer": "oferta",
    "kind.need": "necesidad",
    "kind.trade": "trueque",
    "kind.alert": "alerta",
    "category.food": "comida",
    "category.water": "agua",
    "category.medicine": "medicina",
    "category.health": "salud",
    "category.shelter": "techo",
    "category.clothing": "ropa",
    "category.childcare": "niños",
    "category.transport": "transporte",
    "category.repair": "reparación",
    "category.energy": "luz y energía",
    "category.skills": "clases",
    "category.legal": "legal",
    "category.safety": "seguridad",
    "category.other": "otro",
    "status.open": "abierta",
    "status.matched": "en camino",
    "status.fulfilled": "cumplida",
    "status.withdrawn": "retirada",
    # -- posting ------------------------------------------------------------------------
    "posted": "Publicamos tu {kind} {code}:",
    "posted.close.offer": "Pa quitarla manda 'borra {code}'.",
    "posted.close.need": "Cuando se cumpla manda 'listo {code}'; pa quitarla 'borra {code}'.",
    "posted.close.trade": "Pa quitarla manda 'borra {code}'.",
    "posted.close.alert": "Pa quitarla manda 'borra {code}'.",
    "posted.when": "Publicamos tu {kind} {code} pa el {when}:",
    "when": "{day} {dom}/{month} {time}",
    "when.date": "{dom}/{month}",
    "when.day.mon": "lun",
    "when.day.tue": "mar",
    "when.day.wed": "mié",
    "when.day.thu": "jue",
    "when.day.fri": "vie",
    "when.day.sat": "sáb",
    "when.day.sun": "dom",
    "post_needs_text": "Dinos qué: 'ofrezco 2 bolsas de arroz' o 'necesito raite al doctor'.",
    "not_allowed": (
        "Este radio aún no puede publicar. Pide al comité que agregue {radio}. "
        "Puedes ver el tablero: 'lista', 'buscar lona'."
    ),
    "too_long": (
        "Tu mensaje se pasa por unas {over} letras (máximo {limit}). Acórtalo y mándalo "
        "otra vez."
    ),
    "when.past": (
        "{when} ya pasó. Contesta con el día y la hora (p. ej. 'sáb 2pm'), o 'si' pa "
        "publicarlo sin fecha."
    ),
    "when.far": (
        "{when} es en más de {days} días. Contesta con el día y la hora (p. ej. 'sáb 2pm'), "
        "o 'si' pa publicarlo sin fecha."
    ),
    "when.weekday": (
        "El {date} es {day}, no {said}. Contesta con el día y la hora (p. ej. 'sáb 2pm'), "
        "o 'si' pa publicarlo sin fecha."
    ),
    # -- preguntar antes de actuar sobre una suposición ---------------------------------
    "confirm.kind.offer": "una oferta",
    "confirm.kind.need": "una necesidad",
    "confirm.kind.trade": "un trueque",
    "confirm.kind.alert": "una alerta",
    "confirm.post": (
        "¿Lo publico como {as_kind}? \"{text}\" Contesta 'si' pa publicarlo, 'no' pa "
        "dejarlo, o di oferta, necesidad, trueque o alerta."
    ),
    "confirm.close": "¿Cierro {code} \"{text}\" como cumplida? Contesta 'si' o 'no'.",
    "confirm.withdraw": "¿Quito {code} \"{text}\" del tablero? Contesta 'si' o 'no'.",
    "confirm.which.close": "¿Cuál? Manda 'listo' y su código. Tus publicaciones",
    "confirm.which.withdraw": "¿Cuál? Manda 'borra' y su código. Tus publicaciones",
    "confirm.dropped": "Listo, no publiqué nada.",
    "confirm.kept": "Listo, {code} sigue en el tablero.",
    "confirm.nothing": (
        "No hay nada esperando tu sí. Pa contestarle a alguien: 'R CÓDIGO tu mensaje'."
    ),
    # -- closing ------------------------------------------------------------------------
    "closed.fulfilled": "Listo, {code} cerrada como cumplida. ¡Gracias por avisar!",
    "closed.withdrawn": "Quitamos {code} del tablero.",
    "no_open_post": "No tienes publicaciones abiertas. Manda 'mis posts' pa verlas todas.",
    "not_owner": "{code} no es tuya. Pa escribirle a quien la puso: 'R {code} tu mensaje'",
    "already_closed": "{code} ya está {status}.",
    # -- codes --------------------------------------------------------------------------
    "unknown_code": "No hay nada con el código {code}. Revisa el código o manda 'lista'.",
    "ambiguous_code": "Varias entradas empiezan con {code}. Manda el código completo.",
    "expired": "{code} ya venció y salió del tablero. Manda 'lista' pa ver lo abierto.",
    # -- answering a post ---------------------------------------------------------------
    "reply_needs_code": "Pon el código de la publicación: 'R 4F2K ya voy'",
    "reply_needs_text": "Escribe tu mensaje después del código: 'R {code} ya voy'",
    "reply_forwarded": "Enviado a quien publicó {code}. Verá tu mensaje, no el id de tu radio.",
    "forward": "Re {code}:",
    "forward.answer": "contesta con 'R {code} tu mensaje'",
    "answer_sent": "Enviado a quien te escribió sobre {code}. No verá el id de tu radio.",
    "no_one_answered": (
        "No hay mensaje reciente sobre {code} a quien contestar. "
        "Cuando alguien te escriba, te llegará aquí."
    ),
    "poster_elsewhere": (
        "{code} se publicó en otro nodo; aún no podemos pasar mensajes entre nodos. "
        "Busca a esa persona en su zona."
    ),
    "poster_unreachable": (
        "{code} la puso el comité del nodo, no un radio; no podemos pasarle mensajes."
    ),
    # -- reading the board --------------------------------------------------------------
    "list.title.mine": "Tus publicaciones",
    "list.title.offer": "Ofertas",
    "list.title.need": "Necesidades",
    "list.title.trade": "Trueques",
    "list.title.alert": "Alertas",
    "list.title.board": "Tablero",
    "line.offer": "ofrece",
    "line.need": "pide",
    "line.trade": "trueque",
    "line.alert": "ALERTA",
    "list.empty": "{title}: nada por ahora. Publica con 'necesito ...' u 'ofrezco ...'.",
    "list.more": "'mas' pa seguir",
    "list.end": "Manda un código pa ver más.",
    "search.none": "Nada con '{words}' por ahora. Pa pedirlo: 'necesito {words}'",
    "search.none.post": (
        "Nada con '{words}' por ahora. Contesta 'si' pa publicar tu mensaje como necesidad."
    ),
    "list.end.post": "¿No es? 'si' publica el tuyo como necesidad.",
    "show.age": "hace {age}",
    "show.more": "…'mas'",
    "show.answer": "Contesta: 'R {code} tu mensaje'",
    "show.zone": "Dónde: {zone}",
    "show.when": "Cuándo: {when}",
    "show.until": "En el tablero hasta {when}",
    "no_more": "No hay más. Manda 'lista' pa empezar otra vez.",
    # -- help and trouble ---------------------------------------------------------------
    "help": (
        "Publica: 'necesito raite el martes', 'ofrezco 2 bolsas de arroz', 'alerta: árbol "
        "caído en Oak'. Ver: 'lista', 'buscar lona'. Cada una tiene un código (4F2K): "
        "mándalo pa verla. 'mas' pa seguir",
        "Contesta: 'R 4F2K ya voy'. Si se cumplió: 'listo 4F2K'; quitarla: 'borra 4F2K'. "
        "Trueque: 'trueque: semillas sáb 12/12 10am'. English: 'help'",
    ),
    "unknown_input": (
        "No entendí. Prueba 'necesito raite al doctor', 'ofrezco 2 bolsas de arroz', "
        "'lista' o 'ayuda'. ¿Peligro? 'alerta: árbol caído en Oak'"
    ),
    "unknown_short": "No entendí. Prueba 'necesito raite', 'ofrezco arroz', 'lista', 'ayuda'.",
    "try_again": "El nodo está ocupado y no pudo hacerlo. Inténtalo otra vez en un minuto.",
    # -- quién puede actuar, y cuánto (meshaid.node.desk.identity, .outbox) ------------
    "not_verified": (
        "Este mensaje de {radio} llegó sin la clave que el comité tiene para él: no puede "
        "publicar ni cerrar. Ambos radios necesitan Meshtastic 2.5+. Puedes ver: 'lista'."
    ),
    "key_not_pinned": (
        "El comité aún no registró la clave de {radio}: no puede publicar ni cerrar. "
        "Pídeles que la agreguen. Puedes ver el tablero: 'lista', 'buscar lona'."
    ),
    "slow_down": "Demasiados mensajes de este radio. Espera un minuto antes de enviar más.",
    "too_many_posts": (
        "Este radio ya publicó lo que un radio puede por ahora ({limit} por hora). "
        "Publica más tarde o pide ayuda al comité."
    ),
    "reply_which": (
        "Varios vecinos escribieron sobre esta publicación. Responde a uno con el código de "
        "su mensaje, como 'R {code} voy en camino'."
    ),
}
