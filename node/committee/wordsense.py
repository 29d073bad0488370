"""Which words of two posts mean the same thing, in English and Spanish.

"pañales" and "diapers", "cobijas" and "blankets", "raite" and "ride": a need and an offer
written in two languages, or in two words for one thing, are about the same thing. Each
word is read as a *sense*: the English word that names it. The senses are the
bilingual pairs below, over the phone desk's own category vocabulary
(meshaid.node.phone.categories), which knows the words of each category in both
languages but not which word is which; a word of that vocabulary without a pair here is
its own sense, so posts that share it still meet. The words that open a post ("need",
"ofrezco", "please": the phone desk's intent words, meshaid.node.phone.vocabulary, which
this module does not import, as a command that only reads the board should not pay for
the whole phone reader) and the usual short words of both languages say nothing of what
is asked, and are no sense at all.

Words are compared folded (meshaid.node.store.search.fold: no accents, lower case), as the
board keeps them in ``search_text``, with plural endings taken off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from meshaid.node.phone.categories import CATEGORY_NAMES, CATEGORY_WORDS

# sense: other words (either language) that mean it. Folded, singular.
_PAIRS = """
food: comida alimento alimentos despensa mandado groceries grocery
meal: plato plate cena dinner almuerzo lunch desayuno breakfast
rice: arroz diri
bean: frijol frijoles habichuela pwa
bread: pan loaf loaves
milk: leche
egg: huevo
soup: sopa caldo
flour: harina masa
fruit: fruta
vegetable: verdura veggies vegetal
meat: carne
chicken: pollo
fish: pescado
coffee: cafe
sugar: azucar
oil: aceite
canned: enlatado lata latas
formula: similac enfamil
water: agua dlo
bottled: embotellada botella botellas
filter: filtro
jug: galon garrafon gallon
medicine: medicina medicamento medicamentos meds medication
insulin: insulina
pill: pastilla pastillas
prescription: receta rx
pharmacy: farmacia
inhaler: inhalador
thermometer: termometro
syrup: jarabe
aspirin: aspirina
bandage: curita vendaje bandaid venda
doctor: medico doctora
nurse: enfermera enfermero
dentist: dentista
sick: enfermo enferma
fever: fiebre calentura
walker: andadera
shelter: refugio albergue
room: cuarto habitacion recamara
bed: cama cot catre
tent: carpa tienda
tarp: lona
roof: techo
blanket: cobija manta frazada
mattress: colchon
pillow: almohada
sleep: dormir sleeping
clothes: ropa clothing
coat: abrigo
jacket: chamarra chaqueta
shoe: zapato zapatos tenis
boot: bota
sock: calcetin calcetines
glove: guante
hat: gorra sombrero gorro
pant: pantalon
shirt: camisa playera
sweater: sueter
dress: vestido
diaper: panal pamper pampers
wipe: toallita
baby: bebe
child: nino nina kid kids children hijo hija pitit
crib: cuna
stroller: carriola
toy: juguete
babysitter: ninera babysit babysitting nanny
daycare: guarderia
ride: raite aventon viaje lift woulib
car: carro coche auto
truck: troca camioneta camion
driver: chofer conductor
bus: autobus
move: mudanza moving
airport: aeropuerto
tool: herramienta
ladder: escalera
drill: taladro
plumber: plomero plumbing
electrician: electricista
carpenter: carpintero
mechanic: mecanico
window: ventana
door: puerta
tire: llanta
hammer: martillo
leak: gotera
repair: arreglo arreglar reparar reparacion fix fixing
generator: generador planta
battery: pila bateria batteries
charger: cargador charge charging cargar
solar: panel
propane: propano
firewood: lena
heater: calentador
flashlight: linterna lampara lantern
candle: vela
gasoline: gasolina gas fuel
power: luz electricidad electricity kouran limye
extension: extension cord
tutor: tutoring tutoria maestro maestra teacher teach ensenar
class: clase lesson leccion
english: ingles
spanish: espanol
translate: traducir traduccion translation interpret interpreter interprete
math: matematicas
computer: computadora laptop
sewing: costura coser
haircut: pelo peluquero barber
lawyer: abogado attorney
immigration: inmigracion
papers: papeles documentos documents
rights: derechos
eviction: desalojo evicted desalojaron
lease: contrato
tenant: inquilino
landlord: casero dueno
police: policia
fire: incendio fuego
flood: inundacion flooding inundo
smoke: humo
escort: acompanar acompanante
cooler: hielera
ice: hielo
fridge: refrigerador nevera
phone: telefono celular
"""

# Short words of both languages, and words of every post, that say nothing of what is
# asked or offered (the intent words are the phone desk's own).
_PLAIN = """
a an the and or of to in on at by for from with without is are was be been it its this that
these those i me my we us our you your he she they them their who what which where when
how any some all no not yes can could would will just also very more most much many so if
but as up out about have has had get got do does did there here than then too
el la los las un una unos unas y o de del al en con sin por para que es son era ser esta
este estos estas ese esa eso yo mi mis tu su sus nos nuestro lo le les se si no ya mas muy
tengo tiene tienen hay alguien algo todo toda todos todas cualquier donde cuando como
hoy manana today tomorrow tonight week semana day dia days dias pm am
need needed needs necesito necesitamos necesita ocupo ocupamos busco request offer offering
offers ofrezco ofrecemos ofrece oferta regalo regalamos doy damos free giving gratis trade
trading swap trueque intercambio alert alerta aviso warning please porfa hi hola new nuevo
nueva post available disponible anyone someone
"""

STOP_WORDS: frozenset[str] = frozenset(_PLAIN.split())


def _senses() -> dict[str, str]:
    sense_of: dict[str, str] = {}
    for words in CATEGORY_WORDS.values():
        for word in words:
            sense_of.setdefault(word, word)
    for name in CATEGORY_NAMES:
        sense_of.setdefault(name, name)
    for line in _PAIRS.strip().splitlines():
        head, _colon, others = line.partition(":")
        sense_of[head] = head
        for word in others.split():
            sense_of[word] = head
    for word in STOP_WORDS:
        sense_of.pop(word, None)
    # Plurals looked up at once (texts are read by the thousand): "diapers", "panales",
    # "lapices"; never over a word of its own.
    plurals: dict[str, str] = {}
    for word, meant in sense_of.items():
        if len(word) >= 3:
            for plural in (word + "s", word + "es", word[:-1] + "ces" if word.endswith("z")
                           else ""):
                if plural and plural not in sense_of and plural not in STOP_WORDS:
                    plurals.setdefault(plural, meant)
    return {**plurals, **sense_of}


SENSE_OF: dict[str, str] = _senses()
_WORD = re.compile(r"[a-z]+")


def sense(word: str) -> str | None:
    """The sense of one folded word (plurals too), or None when it names none."""
    return SENSE_OF.get(word)


def senses_in(folded_text: str) -> dict[str, str]:
    """The senses of a folded text, each with the first word that said it."""
    found: dict[str, str] = {}
    lookup = SENSE_OF.get
    for word in _WORD.findall(folded_text):
        meant = lookup(word)
        if meant is not None and meant not in found:
            found[meant] = word
    return found


def said_as(senses: Iterable[str], words_a: dict[str, str], words_b: dict[str, str]
            ) -> list[str]:
    """How each shared sense was said on each side: "diapers~panales", or "rice"."""
    out = []
    for meant in senses:
        a, b = words_a[meant], words_b[meant]
        out.append(a if a == b else f"{a}~{b}")
    return out
