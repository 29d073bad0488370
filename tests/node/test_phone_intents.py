"""What residents' text messages ask for: meshaid.node.phone.parse."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshaid.node.phone import Intent, parse, query_matches
from meshaid.node.phone.codes import ALPHABET
from meshaid.protocol.record import Category, Kind, Urgency

# (message, intent): sentences written for these tests, English then Spanish.
EXAMPLES = [
    # offers
    ("Offering haircuts saturday on my porch", Intent.POST_OFFER),
    ("we got a bunch of canned soup to give out", Intent.POST_OFFER),
    ("extra diapers size 2, come grab them", Intent.POST_OFFER),
    ("i have a truck and can help with moves this weekend", Intent.POST_OFFER),
    ("anyone need a crib? ours is outgrown", Intent.POST_OFFER),
    ("Puedo dar clases de ingles gratis", Intent.POST_OFFER),
    ("tenemos agua embotellada pa quien ocupe", Intent.POST_OFFER),
    ("regalamos ropa de bebe", Intent.POST_OFFER),
    # needs
    ("Need a babysitter thursday night", Intent.POST_NEED),
    ("can someone help me carry groceries up 3 floors", Intent.POST_NEED),
    ("my grandma needs her oxygen tank refilled", Intent.POST_NEED),
    ("requesting help moving a fridge", Intent.POST_NEED),
    ("necesitamos cobijas, hace mucho frio", Intent.POST_NEED),
    ("ocupo quien me lleve al doctor el lunes", Intent.POST_NEED),
    ("se me acabo la leche del bebe, alguien que me ayude", Intent.POST_NEED),
    # trades
    ("swapping my winter coat for boots sz 9", Intent.POST_TRADE),
    ("seed exchange sunday 3pm community garden", Intent.POST_TRADE),
    ("anyone want to trade eggs for bread?", Intent.POST_TRADE),
    ("intercambio de juguetes el domingo", Intent.POST_TRADE),
    ("trueque de plantas sabado en el parque", Intent.POST_TRADE),
    # alerts
    ("ALERT: shots fired near 8th & elm, stay inside", Intent.POST_ALERT),
    ("gas leak on maple, everyone out", Intent.POST_ALERT),
    ("tornado warning til 9pm take cover", Intent.POST_ALERT),
    ("emergencia, se esta quemando una casa en la calle 3", Intent.POST_ALERT),
    ("hay migra afuera de la escuela", Intent.POST_ALERT),
    ("ICE agents at the laundromat on 3rd right now", Intent.POST_ALERT),
    # list and paging
    ("list needs", Intent.LIST),
    ("show alerts", Intent.LIST),
    ("whats new", Intent.LIST),
    ("my posts", Intent.LIST),
    ("ver todo", Intent.LIST),
    ("lista de ofertas", Intent.LIST),
    ("que necesitan?", Intent.LIST),
    ("next page", Intent.MORE),
    ("MORE", Intent.MORE),
    ("más porfa", Intent.MORE),
    # search
    ("anyone got a cooler?", Intent.SEARCH),
    ("search baby formula", Intent.SEARCH),
    ("does anybody have a crib", Intent.SEARCH),
    ("any blankets?", Intent.SEARCH),
    ("buscar raite al doctor", Intent.SEARCH),
    ("quien tiene pilas?", Intent.SEARCH),
    # show
    ("show 8XK2", Intent.SHOW),
    ("8xk2", Intent.SHOW),
    ("what's 8XK2?", Intent.SHOW),
    ("detalles 8XK2", Intent.SHOW),
    # close
    ("done with 8XK2", Intent.CLOSE),
    ("we're all set thank you", Intent.CLOSE),
    ("got everything i needed thanks", Intent.CLOSE),
    ("mark done", Intent.CLOSE),
    ("ya me llevaron, gracias", Intent.CLOSE),
    ("listo, ya lo tengo", Intent.CLOSE),
    # withdraw
    ("cancel 8XK2", Intent.WITHDRAW),
    ("please delete my post", Intent.WITHDRAW),
    ("dont need the ride anymore", Intent.WITHDRAW),
    ("borra 8XK2", Intent.WITHDRAW),
    ("cancela lo de la cuna", Intent.WITHDRAW),
    ("ya no necesito el raite", Intent.WITHDRAW),
    # help
    ("help?", Intent.HELP),
    ("how do i use this", Intent.HELP),
    ("what commands are there", Intent.HELP),
    ("ayuda!", Intent.HELP),
    ("instrucciones por favor", Intent.HELP),
    ("", Intent.UNKNOWN),
    ("¿?", Intent.HELP),
    # reply
    ("R 8XK2 thank you so much", Intent.REPLY),
    ("8XK2 is it still there?", Intent.REPLY),
    ("reply 8XK2: i can pick up at noon", Intent.REPLY),
    ("@8xk2 yes", Intent.REPLY),
    ("responder 8XK2 gracias, voy en camino", Intent.REPLY),
    ("re 8XK2 sí todavía lo tengo", Intent.REPLY),
    # small talk and noise
    ("hey", Intent.UNKNOWN),
    ("good night everyone", Intent.UNKNOWN),
    ("thanks", Intent.UNKNOWN),
    ("who r u", Intent.UNKNOWN),
    ("buenas noches", Intent.UNKNOWN),
    ("🙏🙏", Intent.UNKNOWN),
    ("qwrtzp", Intent.UNKNOWN),
    # more phrasings of the same intents
    ("got a spare wheelchair if somebody needs one", Intent.POST_OFFER),
    ("tengo una escalera que puedo prestar", Intent.POST_OFFER),
    ("pls someone bring water to bldg C, elders cant walk", Intent.POST_NEED),
    ("me hace falta leche para el bebe", Intent.POST_NEED),
    ("cambio mi bici por una carriola", Intent.POST_TRADE),
    ("water main broke on 4th, road flooded", Intent.POST_ALERT),
    ("someone is breaking into cars on elm st", Intent.POST_ALERT),
    ("any new offers?", Intent.LIST),
    ("where can i get diapers", Intent.SEARCH),
    ("tell me about 8XK2", Intent.SHOW),
    ("8XK2 all done thanks", Intent.CLOSE),
    ("my need is met thank you!", Intent.CLOSE),
    ("i dont need help anymore", Intent.WITHDRAW),
    ("what do i do", Intent.HELP),
    ("reply to 8XK2 im outside", Intent.REPLY),
    ("quien eres", Intent.UNKNOWN),
    ("anyone able to drive me to the pharmacy tmrw", Intent.POST_NEED),
    ("how do i get insulin", Intent.SEARCH),  # a question, even without "?": a search first
    ("offers near the school", Intent.LIST),
    ("what's out there", Intent.LIST),
    ("ya lo recibi gracias", Intent.CLOSE),
    ("no se como usar esto", Intent.HELP),
    ("how can i help", Intent.HELP),
    ("como estas?", Intent.UNKNOWN),
    ("who dis", Intent.UNKNOWN),
]


@pytest.mark.parametrize(("text", "intent"), EXAMPLES)
def test_examples(text: str, intent: Intent) -> None:
    assert parse(text).intent is intent


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("need a ride to the pharmacy", "en"),
        ("necesito un raite a la farmacia", "es"),
        ("ocupo pañales", "es"),
        ("M bezwen manje pou pitit mwen", "ht"),
        ("Cần nước uống", "vi"),
        ("محتاج دواء", "ar"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert parse(text).lang == lang


def test_a_bare_code_is_answered_in_the_default_language() -> None:
    assert parse("8XK2", default_lang="es").lang == "es"
    assert parse("8XK2").lang == "en"


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("offer: 2 cases water", "2 cases water"),
        ("NEED tarp for the shed roof", "tarp for the shed roof"),
        ("post trade: book swap sun 1pm", "book swap sun 1pm"),
        ("ALERT downed tree on Oak", "downed tree on Oak"),
        ("need ride to the VA tue", "need ride to the VA tue"),
        ("necesito leche pa mi bebe", "necesito leche pa mi bebe"),
    ],
)
def test_post_body_loses_only_an_explicit_command_word(text: str, body: str) -> None:
    command = parse(text)
    assert command.intent.value.startswith("post_")
    assert command.body == body


def test_a_command_word_alone_is_not_an_empty_post() -> None:
    assert parse("offer:").intent is Intent.LIST
    assert parse("offer:").kind is Kind.OFFER


@pytest.mark.parametrize(
    ("text", "kind", "category"),
    [
        ("offer: 3 bags of rice and beans", Kind.OFFER, Category.FOOD),
        ("need insulin, fridge is out", Kind.NEED, Category.MEDICINE),
        ("ofrezco raite al consulado el viernes", Kind.OFFER, Category.TRANSPORT),
        ("necesito pañales talla 3", Kind.NEED, Category.CHILDCARE),
        ("need someone to fix a leaking pipe", Kind.NEED, Category.REPAIR),
        ("offer: phone charging from my solar panel", Kind.OFFER, Category.ENERGY),
        ("need a lawyer for my eviction hearing", Kind.NEED, Category.LEGAL),
        ("offering something nice", Kind.OFFER, Category.OTHER),
    ],
)
def test_post_kind_and_category(text: str, kind: Kind, category: Category) -> None:
    command = parse(text)
    assert (command.kind, command.category) == (kind, category)


@pytest.mark.parametrize(
    ("text", "kind", "category", "mine"),
    [
        ("list food", None, Category.FOOD, False),
        ("show offers", Kind.OFFER, None, False),
        ("ver necesidades de ropa", Kind.NEED, Category.CLOTHING, False),
        ("what do people need", Kind.NEED, None, False),
        ("my posts", None, None, True),
        ("list", None, None, False),
        # Found: these listed everyone's posts.
        ("list mine", None, None, True),
        ("my needs", Kind.NEED, None, True),
        ("mis cosas", None, None, True),
    ],
)
def test_list_filters(text: str, kind: Kind | None, category: Category | None, mine: bool) -> None:
    command = parse(text)
    assert command.intent is Intent.LIST
    assert (command.kind, command.category, command.mine) == (kind, category, mine)


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("need a ladder", Urgency.NORMAL),
        ("need a tarp asap, rain tonight", Urgency.HIGH),
        ("ocupo agua ya", Urgency.HIGH),
        ("need help urgente", Urgency.HIGH),
        ("need a sewing machine, no rush", Urgency.LOW),
        ("EMERGENCY kid hurt at the playground", Urgency.CRITICAL),
        ("alert: la migra en la parada", Urgency.CRITICAL),
        ("alert: road closed at the bridge", Urgency.HIGH),
        ("offer: rides to the clinic asap", Urgency.NORMAL),
        ("me urge un raite", Urgency.HIGH),
    ],
)
def test_urgency(text: str, urgency: Urgency) -> None:
    assert parse(text).urgency is urgency


def test_search_query_finds_plurals_and_spanish() -> None:
    command = parse("search shovels")
    assert command.query == ("shovels",)
    assert query_matches(command.query, "got a shovel and 2 rakes")
    assert not query_matches(command.query, "got 2 rakes")
    spanish = parse("buscar frijoles")
    assert query_matches(spanish.query, "tenemos arroz y frijol pa repartir")
    assert not query_matches((), "anything")


def test_a_short_question_about_a_thing_is_a_search() -> None:
    assert parse("generator?").query == ("generator",)
    assert parse("blankets").intent is Intent.SEARCH
    assert parse("space heater anyone?").category is Category.ENERGY


# --- codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent", "code", "body"),
    [
        ("show 7k3p", Intent.SHOW, "7K3P", ""),
        ("3DOW", Intent.SHOW, "3D0W", ""),  # O is read as 0
        ("ver 1L2M", Intent.SHOW, "112M", ""),  # I and L are read as 1
        ("done 4821", Intent.CLOSE, "4821", ""),  # digits after a command word
        ("@HJKM thanks!", Intent.REPLY, "HJKM", "thanks!"),
        ("re 5D3HX: still got it?", Intent.REPLY, "5D3HX", "still got it?"),
        ("R 7K3P", Intent.REPLY, "7K3P", ""),
        ("7K3P done", Intent.CLOSE, "7K3P", ""),
        ("7K3P cancel pls", Intent.WITHDRAW, "7K3P", ""),
        ("can you hold 7K3P for me till 5", Intent.REPLY, "7K3P",
         "can you hold 7K3P for me till 5"),
        ("7K3P are you done with it?", Intent.REPLY, "7K3P", "are you done with it?"),
        ("show 7K3P, the one with the crib", Intent.SHOW, "7K3P", ""),
        # Found: the poster got "still there", a statement, for this question.
        ("is 7K3P still there", Intent.REPLY, "7K3P", "is 7K3P still there"),
    ],
)
def test_codes(text: str, intent: Intent, code: str, body: str) -> None:
    command = parse(text)
    assert (command.intent, command.code, command.body) == (intent, code, body)


@pytest.mark.parametrize(
    "text",
    ["tarp", "done", "list", "help", "rice", "need", "pick up at 10am", "20lb bag of rice free",
     "12x16 tarp free", "meet at 12th st", "size sz10 boots", "call 4821", "stop"],
)
def test_words_and_quantities_are_not_codes(text: str) -> None:
    assert parse(text).code is None


def test_a_board_lookup_confirms_all_letter_codes() -> None:
    board = {"TARP", "DXNE"}
    command = parse("TARP", is_code=board.__contains__)
    assert (command.intent, command.code) == (Intent.SHOW, "TARP")
    assert parse("done dxne", is_code=board.__contains__).code == "DXNE"
    assert parse("need a tarp", is_code=board.__contains__).code == "TARP"
    assert parse("need a tarp").code is None


def test_with_a_board_lookup_a_code_shape_off_the_board_is_read_as_text() -> None:
    board = {"4F2K"}.__contains__
    assert parse("kn95 masks available", is_code=board).intent is Intent.POST_OFFER
    # Where a code is expected, it still is one, so that the answer can say it is unknown.
    assert parse("show 9ZZZ", is_code=board).code == "9ZZZ"
    assert parse("9ZZZ", is_code=board).code == "9ZZZ"
    assert parse("kn95 masks available").code == "KN95"  # no lookup: the shape decides


# --- typos, case, accents ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("nede diapers", Intent.POST_NEED),  # two letters swapped
        ("neeeed water", Intent.POST_NEED),  # letter held down
        ("ofrzco comida", Intent.POST_OFFER),  # letter missing
        ("ofresco comida", Intent.POST_OFFER),  # wrong letter
        ("cancle 7K3P", Intent.WITHDRAW),
        ("serch tarps", Intent.SEARCH),
        ("hlep", Intent.HELP),
        ("NECESÍTO AGUA", Intent.POST_NEED),
        ("AYÚDAME", Intent.HELP),
        ("nesesito comida", Intent.POST_NEED),
    ],
)
def test_typo_tolerance(text: str, intent: Intent) -> None:
    assert parse(text).intent is intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("seed swap saturday 10am", Intent.POST_TRADE),  # seed is not need
        ("free tree trimming this weekend", Intent.POST_OFFER),  # tree is not free
        ("puedo cuidar niños en la tarde", Intent.POST_OFFER),  # tarde is not trade
        ("warming center open tonight at the church", Intent.POST_OFFER),  # not warning
    ],
)
def test_real_words_are_not_corrected(text: str, intent: Intent) -> None:
    assert parse(text).intent is intent


# --- never a crash -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_parse_never_raises(text: str) -> None:
    command = parse(text)
    assert isinstance(command.intent, Intent)
    assert command.lang


code_like = st.text(alphabet=ALPHABET + ALPHABET.lower() + "oilu @:!?,. ", max_size=40)


@settings(max_examples=300, deadline=None)
@given(code_like, st.sets(st.text(alphabet=ALPHABET, min_size=4, max_size=5), max_size=3))
def test_codes_are_canonical_whatever_the_text(text: str, board: set[str]) -> None:
    command = parse(text, is_code=board.__contains__)
    if command.code is not None:
        assert 4 <= len(command.code) <= 6
        assert set(command.code) <= set(ALPHABET)


# --- found trying the desk as residents would --------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ice on the bridge, drive slow", Intent.POST_ALERT),  # was an offer of ice
        ("smoke coming from the house on 4th", Intent.POST_ALERT),  # was not understood
        ("se está quemando una casa en la 4", Intent.POST_ALERT),  # was not understood
        ("my neighbor fell and cant get up", Intent.POST_ALERT),  # was not understood
        ("the creek is over the road on mill st", Intent.POST_ALERT),  # was not understood
        ("have 10 N95 masks", Intent.POST_OFFER),  # was not understood
        ("no water since monday", Intent.POST_NEED),  # was a search
        ("no hay luz desde ayer", Intent.POST_NEED),  # was an offer
        ("se nos fue la luz", Intent.POST_NEED),  # was an offer
        ("ned a ladder", Intent.POST_NEED),  # was a search for "ned ladder"
        ("me urge un raite", Intent.POST_NEED),  # was a search for "urge un raite"
        ("i could use a ride tmrw", Intent.POST_NEED),  # was an offer
        ("wat r ppl offering", Intent.LIST),  # was an offer
        ("anyone tiene baby formula?", Intent.SEARCH),  # was a need
        # issue 11: a post lost, a post invented
        ("los datos del K7QP por favor", Intent.SHOW),  # was a withdrawal: "del" is Spanish
        ("any1 got water??", Intent.SEARCH),  # "any1" has a code's shape: was a reply
        # keywords anywhere, not only first
        ("pásame la lista", Intent.LIST),
        ("ya lo puedes cerrar", Intent.CLOSE),
        ("tarps r gone, close it", Intent.CLOSE),
        # questions as searches
        ("is anybody offering a ride downtown", Intent.SEARCH),  # was an offer
        ("any formula on the board??", Intent.SEARCH),  # was a need
        ("hay alguien que preste una silla de ruedas?", Intent.SEARCH),  # was an offer
        ("anyone got a generator i could borrow?", Intent.SEARCH),  # was a need
        ("r u giving away food", Intent.SEARCH),  # was an offer, posted unasked
        ("what do u have", Intent.LIST),  # was a need
        # Spanish pronouns on the verb, idioms
        ("quítalo", Intent.WITHDRAW),  # was not understood
        ("bórralo porfa", Intent.WITHDRAW),
        ("never mind my offer", Intent.WITHDRAW),
        ("all sorted", Intent.CLOSE),  # was not understood
        ("someone brought the insulin, we're good", Intent.CLOSE),  # was an offer
        ("retiro lo que puse", Intent.WITHDRAW),  # was not understood
        ("swap is cancelled, sorry all", Intent.WITHDRAW),  # was a trade, posted unasked
        ("ya no necesito nada, me ayudaron los vecinos", Intent.CLOSE),  # was a withdrawal
        ("take down H3VX", Intent.WITHDRAW),  # was a show
        # shorthand and one-letter slips
        ("looking 4 work boots size 11", Intent.POST_NEED),  # was an offer
        ("have a box of N95 masks to hand out", Intent.POST_OFFER),  # was not understood
        ("yo cocino pa 20 personas si alguien trae los ingredientes", Intent.POST_OFFER),
        # Spanish alert wording and other alerts
        ("gente atrapada en el edificio de la 5", Intent.POST_ALERT),  # was not understood
        ("la policía está en la esquina pidiendo papeles", Intent.POST_ALERT),  # an offer
        ("se están metiendo a las casas vacías en la cuadra 300, ojo", Intent.POST_ALERT),
        ("carbon monoxide! family next door sick from generator inside", Intent.POST_ALERT),
        ("gas smell real strong near the school, someone call it in", Intent.POST_ALERT),
        # needs and trades said in other words
        ("estoy corta de dinero para la renta este mes", Intent.POST_NEED),  # was an offer
        ("tapped out on diapers, anyone spare a few?", Intent.POST_NEED),  # was an offer
        ("tengo huevos, cambio por tortillas o arroz", Intent.POST_TRADE),  # was an offer
        ("anyone want to trade gas for food? i have 5 gal", Intent.POST_TRADE),  # an offer
    ],
)
def test_found_by_trying(text: str, intent: Intent) -> None:
    assert parse(text).intent is intent


@pytest.mark.parametrize(
    ("text", "sure"),
    [
        ("cancel 4F2K", True),
        ("done with 4F2K thanks", True),
        ("4F2K all done thanks", True),
        ("take down 4F2K", True),
        ("del 4F2K", True),
        ("got it, close 4F2K", False),
        ("close 4F2K when the rain stops", False),
        ("dont cancel 4F2K", False),
        ("please delete 4F2K, sold it", False),
    ],
)
def test_a_close_or_withdrawal_is_sure_only_when_unmistakable(text: str, sure: bool) -> None:
    # A code and a clear verb next to it, and nothing else that says more.
    command = parse(text)
    assert command.intent in (Intent.CLOSE, Intent.WITHDRAW) and command.code == "4F2K"
    assert command.sure is sure and command.asks_first is not sure
    assert parse("done").asks_first  # without a code: which post is the desk's guess


@pytest.mark.parametrize(
    "text",
    ["anyone got a generator i could borrow?", "any formula on the board??",
     "how do i get insulin"],
)
def test_a_question_that_could_be_a_post_is_a_search_that_offers_to_post(text: str) -> None:
    # The desk answers the search and posts the message as a need only on the resident's
    # yes. A plain search ("anyone have a tarp?") says how to ask instead.
    command = parse(text)
    assert command.intent is Intent.SEARCH and command.post_as is Intent.POST_NEED
    assert command.body == text and not command.acts
    assert parse("anyone have a tarp?").post_as is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("zdravstvuyte kak dela", "und"),  # no word of a language the desk knows
        ("🙏🙏", "und"),
        ("bonjou kijan ou ye", "ht"),
        ("xin chào bạn khỏe không", "vi"),
        ("hey", "en"),
    ],
)
def test_a_line_the_desk_cannot_read_is_unknown_in_its_language_or_none(
    text: str, lang: str
) -> None:
    command = parse(text, default_lang="es")
    assert (command.intent, command.lang) == (Intent.UNKNOWN, lang)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("mwen bezwen dlo pou pitit mwen", Intent.POST_NEED),
        ("m gen rad timoun pou bay", Intent.POST_OFFER),
        ("tôi cần sữa cho em bé", Intent.POST_NEED),
        ("طوارئ حريق في الشارع", Intent.POST_ALERT),  # was never read: its letters fold
    ],
)
def test_other_languages_are_read_from_their_vocabulary(text: str, intent: Intent) -> None:
    assert parse(text).intent is intent


def test_a_category_named_in_a_post_counts() -> None:
    # "rides" names the transport category but was not one of its words: "other".
    assert parse("offering rides on I-10 to houston tmrw").category is Category.TRANSPORT


@pytest.mark.parametrize(
    "text",
    [
        "is ICE in the area?",
        "hay migra?",
        "can anyone tell me when the power comes back",
        "power is back on north block!",
        "got it thanks",
        "ya no la necesito",
    ],
)
def test_guesses_that_would_change_the_board_are_not_sure(text: str) -> None:
    command = parse(text)
    assert command.acts and not command.sure


@pytest.mark.parametrize(
    "text",
    ["offer: 2 bags rice", "necesito pañales", "ALERT tree down on Oak", "done", "cancel 7K3P",
     "have extra blankets if anyone needs", "smoke coming from the house on 4th"],
)
def test_what_is_said_in_so_many_words_or_clearly_is_sure(text: str) -> None:
    command = parse(text)
    assert command.acts and command.sure
