"""A category for a post, or a filter for ``list``/``search``, guessed from its words.

Each category has words in English and Spanish (singular; plurals are found by the
tokenizer) and a few phrases. The category with most hits wins; on a tie, the one named
first in the message. Words that belong to several categories (``insulin cooler`` is
medicine, ``cooler`` alone is food) are simply listed where they are most often meant.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from meshaid.node.phone.tokens import find_phrase, phrases, phrases_in
from meshaid.protocol.record import Category

_WORDS: dict[Category, str] = {
    Category.FOOD: """
        food comida rice arroz bean frijol bread pan grocery groceries mandado despensa meal
        comidas plate plato egg huevo milk leche tortilla tamal tamales soup sopa canned flour
        harina masa fruit fruta apple manzana vegetable veggies verdura produce meat carne
        chicken pollo fish pescado catfish turkey pavo ham jamon snack dinner cena lunch
        almuerzo breakfast desayuno eat comer hungry hambre cook cooking cocinar potato papa
        coffee cafe formula similac enfamil pecan pantry snap wic banana ensure cereal pasta
        sandwich pizza casserole beans frijoles oil aceite sugar azucar salt diri pwa manje
        loaves loaf pie cake pastel dulce mre mres jambalaya gumbo stew
        """,
    Category.WATER: """
        water agua bottled jug jugs gallon galon filter filtro berkey sawyer drinking potable
        dlo hervir boil tap
        """,
    Category.MEDICINE: """
        medicine meds medicina medicamento medication insulin insulina pill pastilla
        prescription rx receta pharmacy farmacia tylenol motrin ibuprofen advil paracetamol
        inhaler inhalador albuterol nebulizer narcan novolog metformin antibiotic antibiotico
        bandaid curita lancet strip suero vaporub thermometer termometro syrup jarabe
        epipen aspirin aspirina thuoc
        """,
    Category.HEALTH: """
        health salud doctor doctora nurse enfermera wellness dental dentist dentista vision
        mental therapy therapist counselor trauma healing checkup sick enfermo enferma fever
        fiebre calentura wheelchair walker dementia pregnant embarazada ambulance hurt injured
        herido lastimo hospital lopital clinic clinica medical medico cpr bleeding sangre fell
        """,
    Category.SHELTER: """
        shelter refugio housing room cuarto couch sofa bed cama cot tent carpa tarp lona roof
        techo blanket cobija sleeping rent renta motel hotel storage mattress colchon
        pillow almohada evicted desalojo desalojaron sleep dormir quedarnos quedarme stay
        """,
    Category.CLOTHING: """
        clothes clothing ropa coat abrigo jacket chamarra shoe zapato boot bota sock calcetin
        glove guante hat gorra pant pantalon shirt camisa sweater sueter hoodie uniform
        underwear dress vestido jeans
        """,
    Category.CHILDCARE: """
        childcare babysit babysitter babysitting kid kids child children nino nina ninos bebe
        baby diaper panal wipe toallita crib cuna stroller carriola daycare guarderia nanny
        toddler toy juguete homework playground pitit
        """,
    Category.TRANSPORT: """
        ride raite aventon lift drive driver driving car carro truck troca bus transport
        transporte llevar lleve lleva airport aeropuerto woulib taxi uber van move moving
        mudanza pickup
        """,
    Category.REPAIR: """
        repair fix fixing arreglar arreglo arregla plumbing plumber plomero electrician
        electricista carpenter carpintero tool herramienta ladder escalera drill taladro
        chainsaw mechanic mecanico leak gotera broken busted descompuso descompuesto lock
        window ventana door puerta drywall mold moho tire llanta jumper washer lavadora
        plywood hammer martillo wrench mow lawn
        """,
    Category.ENERGY: """
        power generator generador luz electricity electricidad charge charging charged cargar
        charger cargador battery batteries pila bateria solar propane propano firewood lena
        heater calentador cord extension inverter outlet flashlight lampara lantern linterna
        candle vela fuel gasoline gasolina gas kouran limye
        """,
    Category.SKILLS: """
        tutor tutoring teach teaching clase lesson english ingles esl translate translation
        traducir traduzco interpret interpreter math resume computer laptop sewing costura
        excel skill haircut corte pelo
        """,
    Category.LEGAL: """
        legal lawyer abogado attorney court corte eviction lease rights derechos immigration
        inmigracion consulado papers papeles forms formularios paralegal tenant landlord
        hearing audiencia notario deportation deportacion detained detuvieron warrant
        """,
    Category.SAFETY: """
        safety seguridad migra police policia escort deescalation desescalada followed
        danger peligro fire incendio flood flooding inundacion inundo missing raid redada
        checkpoint shooting tornado evacuate evacuar wire wires unsafe smoke humo creek arroyo
        """,
}

_PHRASES: dict[Category, str] = {
    Category.FOOD: "baby food | canned goods | sweet potato | sweet potatoes",
    Category.WATER: "boil notice | boil water",
    Category.MEDICINE: "first aid | test strip | test strips | cough syrup | bp meds",
    Category.HEALTH: "blood pressure | check on | wellness check",
    Category.SHELTER: (
        "place to stay | somewhere to sleep | donde quedarnos | sleeping bag | warming center | "
        "warming room | cooling center"
    ),
    Category.CHILDCARE: "car seat | silla de carro | pack n play | watch kids | cuidar ninos",
    Category.TRANSPORT: "give rides | a ride",
    Category.REPAIR: "oil change | cambio de aceite | flat tire | jumper cables",
    Category.ENERGY: "planta de luz | space heater | extension cord | power station",
    Category.SKILLS: "know how",
    Category.LEGAL: "know your rights | eviction notice | court date",
    Category.SAFETY: (
        "gas leak | power line | power lines | lines down | la migra | stay away | ice raid | "
        "ice agents"
    ),
}

CATEGORY_WORDS: dict[Category, frozenset[str]] = {
    cat: frozenset(text.split()) for cat, text in _WORDS.items()
}
CATEGORY_PHRASES: dict[Category, frozenset[tuple[str, ...]]] = {
    cat: phrases(text) for cat, text in _PHRASES.items()
}

# How a resident names a category in a ``list`` or ``search``: "list food", "ver ropa".
CATEGORY_NAMES: dict[str, Category] = {
    name: cat
    for cat, names in {
        Category.FOOD: "food comida",
        Category.WATER: "water agua",
        Category.MEDICINE: "medicine meds medicina medicinas medicamentos",
        Category.HEALTH: "health salud",
        Category.SHELTER: "shelter housing refugio vivienda",
        Category.CLOTHING: "clothes clothing ropa",
        Category.CHILDCARE: "childcare kids ninos",
        Category.TRANSPORT: "transport rides ride raite raites transporte",
        Category.REPAIR: "repair repairs reparaciones arreglos",
        Category.ENERGY: "energy power luz energia",
        Category.SKILLS: "skills classes clases",
        Category.LEGAL: "legal",
        Category.SAFETY: "safety seguridad",
        Category.OTHER: "other otros otro",
    }.items()
    for name in names.split()
}


def vocabulary() -> Iterator[str]:
    """Every word the category rules use (for the tokenizer's typo tolerance)."""
    for words in CATEGORY_WORDS.values():
        yield from words
    for group in CATEGORY_PHRASES.values():
        for phrase in group:
            yield from phrase
    yield from CATEGORY_NAMES


def guess_category(words: Sequence[str]) -> Category | None:
    """The category most of ``words`` point to, or None when none does. A category's
    name counts as one of its words ("offering rides", "ropa")."""
    best: tuple[int, int, Category] | None = None  # (-hits, first position, category)
    for cat in CATEGORY_WORDS:
        positions = [
            i for i, w in enumerate(words)
            if w in CATEGORY_WORDS[cat] or CATEGORY_NAMES.get(w) is cat
        ]
        for phrase in phrases_in(words, CATEGORY_PHRASES.get(cat, frozenset())):
            at = find_phrase(list(words), phrase)
            positions += [at, at]  # a phrase is more telling than a single word
        if not positions:
            continue
        key = (-len(positions), min(positions), cat)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]
