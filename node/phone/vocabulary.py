"""The words and phrases that tell what a phone message asks, in English and Spanish,
with a few common Haitian Creole ones (other languages: meshaid.node.phone.vocabulary_other).

Everything is written in canonical form (see ``tokens``): lower case, no accents,
shorthand spelled out ("pls" is "please", "q" is "que"). Phrases are ``"a b | c"``.
Lists are general vocabulary of the intents, not sentences from any test file.
"""

from __future__ import annotations

from collections.abc import Iterator

from meshaid.node.phone import categories, vocabulary_other
from meshaid.node.phone.tokens import Lexicon, phrases, word_set
from meshaid.protocol.record import Kind

_words = word_set
# (phrases, weight): how much one matching phrase counts for a kind of post.
Cues = tuple[tuple[frozenset[tuple[str, ...]], int], ...]

OFFER_START = _words(
    "offer offering ofrezco ofrecemos ofrece regalo regalamos doy damos presto prestamos "
    "free giving giveaway gratis lending sharing traduzco arreglo cuido cocino enseno reparo "
    "parcho"
)
NEED_START = _words("need needed necesito necesitamos ocupo ocupamos request requesting busco")
TRADE_START = _words(
    "trade trading swap swapping barter trueque intercambio intercambiamos intercambiar "
    "tianguis exchange"
)
ALERT_START = _words(
    "alert alerta warning aviso emergency emergencia atencion atansyon cuidado danger "
    "peligro sos psa ijans"
)
# Words that open a post without telling its kind.
POST_OPENERS = _words("post publicar publica new nuevo nueva please porfa hi hola hey")

LIST_START = _words("list lista listar listado browse board ls everything todo")
SHOW_LIKE = _words(
    "show ver see view mostrar muestra muestrame display dame give pasa manda ensena send"
)
SEARCH_START = _words("search find buscar busca lookup")
MORE_WORDS = _words("more mas next siguiente sig continue continua seguir otra otro")
MORE_FILLER = _words("page pagina pag pg")
HELP_WORDS = _words(
    "help ayuda ayudame commands command comandos comando menu instructions instrucciones "
    "tutorial guide guia manual ede ed"
)
APP_WORDS = _words(
    "work works working use using used this post posting send type write list search reply "
    "funciona usa uso usar sirve esto publico publicar mando escribo app board node mesh "
    "itilize mache fonksyone command commands comando comandos here aqui"
)
HOW_WORDS = _words("how como kijan")

SHOW_WORDS = _words(
    "show ver see view mostrar muestra muestrame details detail detalles detalle info what "
    "que cual mira check display open about datos dato informacion"
)
CLOSE_WORDS = _words(
    "done close closed filled fulfilled complete completed finished met resolved solved "
    "listo cerrar cierra cierre cerrado cumplido resuelto terminado taken claimed gone mark"
)
WITHDRAW_WORDS = _words(
    "cancel canceled cancelled cancela cancelar cancelen delete del remove withdraw retract "
    "erase borra borrar borren borrame quita quitar quiten elimina eliminar unpost retira "
    "retiren retirar"
)
# Verbs only when they open the message: "del 4F2K" deletes, but Spanish "del" is "de el"
# anywhere else ("los datos del K7QP" asks to see it).
FIRST_ONLY_VERBS = _words("del")
# The close and withdraw verbs that command, as opposed to saying how things are ("the
# clinic is closed", "the tarps are gone"): these alone close or withdraw from anywhere
# in a message ("ya lo puedes cerrar", "tarps r gone, close it").
CLOSE_COMMANDS = _words("close cerrar cierra cierre cierren")
WITHDRAW_COMMANDS = _words(
    "cancel cancela cancelar cancelen delete remove withdraw retract erase borra borrar borren "
    "borrame quita quitar quiten elimina eliminar unpost retira retiren retirar"
)
# Phrases that withdraw the post whose code they touch: "take down H3VX".
TAKE_DOWN = phrases("take down | take off | take it down | take it off | pull down | bring down")
# Words that say not to: a close or withdrawal with one of these is never sure.
NEGATIONS = _words("no not dont never nunca cant wont nope")
# Who a message is said to: "4F2K filled, thanks neighbors" ends with its verb all the same.
ADDRESSEES = _words(
    "neighbors neighbours neighbor everyone everybody all yall folks guys friends vecinos "
    "vecinas todos todas gente amigos"
)
# Words that may stand around a code and its verb in a close or withdrawal said in so many
# words ("done with 4F2K thanks", "pls cancel my post 4F2K"): anything else ("got it,
# close 4F2K", "close 4F2K when the rain stops") makes the desk ask first.
AROUND_A_VERB = _words("with as post code entry mine it now ya already thanks please")
REPLY_WORDS = _words(
    "reply r re responder responde respondan contestar contesta answer respond message tell"
)
# After these words an all-digit token is taken for a code ("done 4821").
CODE_WORDS = SHOW_WORDS | CLOSE_WORDS | WITHDRAW_WORDS | REPLY_WORDS
# What a withdraw/close verb acts on when it is about the sender's own post.
POST_OBJECTS = _words(
    "post posts offer need request listing listings ad pedido oferta publicacion anuncio "
    "mensaje entry my mi mis it lo la that this eso esto one mine todo all stuff cosas"
)

KIND_WORDS: dict[str, Kind] = {
    **dict.fromkeys(
        _words(
            "offer offers offering offerings oferta ofertas ofrecen ofrecimiento "
            "ofrecimientos available disponible disponibles"
        ),
        Kind.OFFER,
    ),
    **dict.fromkeys(
        _words(
            "need needs request requests necesidad necesidades pedido pedidos necesitan ocupan"
        ),
        Kind.NEED,
    ),
    **dict.fromkeys(
        _words(
            "trade trades swap swaps event events intercambio intercambios trueque trueques "
            "evento eventos"
        ),
        Kind.TRADE,
    ),
    **dict.fromkeys(
        _words(
            "alert alerts alerta alertas warning warnings aviso avisos emergency emergencies"
        ),
        Kind.ALERT,
    ),
}
MINE_WORDS = _words("my mine mi mis mios")
MINE_ALONE = _words("mine mios mias")  # "list mine": the sender's posts, said in one word
# The sender's own posts asked for in other words: a list of them.
MY_POSTS = phrases(
    "what did i post | what i posted | what have i posted | my stuff | my things | "
    "lo que puse | lo que publique | que publique | que puse | mis cosas"
)

FILLER = _words(
    "please porfa favor por the a an me my mi mis to of de del la el los las lo all todo "
    "todos todas now ok hi hey hello hola thanks gracias again otra vez for us i you and y "
    "on en is are es some any algo just nomas pues oye so then also too tambien it this "
    "that esto eso here aqui there alli ahi near nearby cerca around area zona today hoy "
    "open abiertos current new nuevo nuevos nuevas latest recent recientes everything "
    "everyone nothing anything thing things que what was again un una unos unas"
)
# Small talk: a message made only of these is not a request.
CHATTER = _words(
    "hi hey hello hola yo ok thanks gracias yes no si lol lmao haha jaja jeje jajaja good "
    "morning night evening buenos buenas dias noches tardes test testing stop who is this "
    "are you there on thing works working anyone someone out here same cool nice "
    "great bien que onda sup wassup howdy bye adios chao ciao hm hmm huh what eh wow "
    "wtf omg ah oh oops sorry perdon it its me i am eres estas estan dis dat doing doin going "
    "up everybody todos"
)

THANKS = _words("thanks thank gracias mesi agradezco bless")
PAST_HELP = phrases(
    "someone helped | someone already helped | helped me | helped us | "
    "they helped | me ayudaron | nos ayudaron | ya me ayudo | ya nos ayudo | ya me ayudaron | "
    "someone brought | neighbor brought | neighbors brought | a neighbor helped | "
    "someone dropped off | me trajeron | nos trajeron | me lo trajeron | me la trajeron | "
    "ya me lo dieron | ya me la dieron | ya nos dieron | me echaron la mano"
)
CLOSE_PHRASES = phrases(
    "got it | got one | got some | got them | got em | all set | all good now | i good now | "
    "all sorted | sorted out | got sorted | all sorted out | we good | we all good | i good | "
    "we good now | all taken | all claimed | been claimed | are gone | is gone | are all gone | "
    "someone took | someone picked | ya no quedan | no quedan | se acabaron | ya se acabaron | "
    "ya se llevaron | ya los recogieron | ya se resolvio todo | ya se arreglo | ya lo resolvi | "
    "ya lo solucione | ya nos llego | ya llegaron | ya lo tenemos | ya la tenemos | "
    "all gone | its gone | been taken | been picked up | taken care of | no longer available | "
    "ya lo consegui | ya la consegui | ya los consegui | ya consegui | ya quedo | "
    "ya se resolvio | ya tengo | ya encontre | ya me llevaron | ya se acabo | ya no hay | "
    "ya se fue | ya se lo llevaron | ya lo recogieron | ya se los llevaron | se acabo | "
    "ya esta | ya estuvo | m jwenn | got everything | got what i needed | got all i needed | "
    "have what i need | have everything | ya tengo todo | ya tengo lo que | is met | "
    "been met | was met | got met | is filled | been filled | is fulfilled | is covered | "
    "its done | all done | se cumplio | ya esta cubierto | ya lo recibi | ya la recibi | "
    "ya recibi | ya llego | received it | got it already"
)
FOUND = phrases(
    "found a | found one | found it | found someone | found the | found my | "
    "found some | encontre"
)
WITHDRAW_PHRASES = phrases(
    "nevermind | never mind | no longer need | dont need it | dont need this | dont need that | "
    "dont need anymore | dont need one | dont need them | dont need em | not needed anymore | "
    "no need anymore | dont have it anymore | no longer have | changed my mind | "
    "take down | take it down | take my post | take my offer | take my need | "
    "ya no lo necesito | ya no la necesito | "
    "ya no los necesito | ya no necesito | ya no lo ocupo | ya no la ocupo | ya no ocupo | "
    "ya no tengo | ya no lo tengo | ya no la tengo | ya no necesitamos | ya no ocupamos | "
    "cambie de opinion | no lo necesito ya | never mind my | scratch that | forget it | "
    "forget my | forget about my | cancel that | no longer needed | not needed | "
    "take it off | take off my | off the board | retiro lo que | retiro mi | retiro la | "
    "retiro el | retiro lo | olvida lo que | olvidalo | olvida mi | ya no hace falta | "
    "no hace falta ya | ya no va | quita lo que | borra lo que | pull my"
)
# A post the sender put up is off, though its first word names a kind ("swap is cancelled,
# sorry all"): read as a withdrawal unless the message also asks for or offers something
# ("my ride got cancelled, need a lift").
CALLED_OFF = phrases(
    "is cancelled | is canceled | got cancelled | got canceled | been cancelled | "
    "been canceled | was cancelled | was canceled | are cancelled | are canceled | "
    "called off | calling off | se cancelo | se cancela | esta cancelado | esta cancelada | "
    "se suspende | se suspendio | ya no va a haber | no va a haber | se pospone | postponed | "
    "swap is off | trade is off | market is off | meetup is off | potluck is off | "
    "event is off | sale is off"
)

NEGATED_HAVE = phrases("dont need | dont have | no need | not need | no longer | not needed")

# "what do people need", "que hay?", "what's on the board".
LIST_QUESTIONS = phrases(
    "what available | what is available | what there | what is there | what on | what is on | "
    "what new | what is new | what posted | what offered | what being offered | "
    "what do people | what does anyone | what do folks | what people | what out there | "
    "what is out there | what are people | what r people | what are folks | "
    "what is being offered | what are they offering | "
    "que hay | que ofrecen | que necesitan | que ocupan | que tienen | que piden | "
    "anything new | anything available | anything posted | any offers | any needs | "
    "lo que hay | que se ofrece | que se necesita | what do you have | what have you got | "
    "what do yall have | what yall got | what yall have | "
    "anything on the board | what is up on the board | que tienes | que ofrecen hoy"
)
CONDITIONAL_HAVE = phrases(
    "if anyone has | if anyone have | if someone has | if you have | "
    "si alguien tiene | si alguien tienen | si tienen"
)
# "anyone have a generator?", "alguien tiene generador?".
SEARCH_QUESTIONS = phrases(
    "anyone have | anyone has | anyone got | anyone with | anyone selling | anyone know where | "
    "anyone got any | someone have | someone has | someone with | does anyone | do anyone | "
    "do you have | you have any | is there any | is there a | are there any | any chance | "
    "who has | who have | who got | who is got | where can i get | where can i find | "
    "where to get | where do i get | where can we get | anyone tiene | alguien have | "
    "alguien has | alguien got | "
    "alguien tiene | alguien tendra | alguien con | alguien que tenga | "
    "quien tiene | quien tenga | hay alguien con | alguien sabe donde | donde consigo | "
    "donde hay | donde puedo conseguir | tienen | tiene alguien | ne moun gen | kimoun ki gen | "
    "anyone offering | someone offering | anyone giving | anyone giving out | anyone lending | "
    "anyone sharing | is anyone offering | anyone around with | who is giving | who gives | "
    "who is offering | where are they giving | where is there | hay alguien que | "
    "alguien que preste | alguien que regale | alguien que venda | alguien ofrece | "
    "alguien que ofrezca | alguien presta | alguien vende | alguien regala | quien da | "
    "quien regala | quien presta | quien vende | donde venden | donde dan | donde regalan | "
    "are you giving | are you offering | you giving | is anyone giving | is someone giving | "
    "are they giving | estan regalando | estan dando | alguien esta regalando"
)
# Needs a search may name: "anyone got a generator i could borrow?" looks for one on the
# board. A question with only these for need cues is a search ("can someone lend me ..."
# and "alguien me puede prestar ..." ask a neighbour, and are needs).
SEARCH_COMPATIBLE_NEEDS = phrases(
    "borrow | to borrow | could borrow | can borrow | preste | presten | prestar | lend | rent | "
    "could use | i could use"
)

OFFER_CUES: Cues = (
    (
        phrases(
            "have extra | have spare | have some extra | got extra | got spare | "
            "have leftover | extra | leftover | spare | to give | give away | giving away | "
            "up for grabs | for free | free to | come get | come grab | come pick | "
            "take what | help yourself | help urself | for anyone | if anyone needs | "
            "if someone needs | if someone need | "
            "if anyone need | if you need | anyone need | anyone needs | "
            "anyone want | anyone wants | who needs | who wants | happy to | to lend | "
            "to loan | can lend | can share | will share | to share | "
            "de sobra | de mas | sobro | sobraron | para regalar | para dar | "
            "para quien | quien ocupe | quien necesite | al que ocupe | "
            "nomas avisen | vengan | pasen | pou bay | m ka | to hand out | hand out | "
            "handing out | pass out | passing out | giving out | repartiendo | reparto | "
            "yo cocino | cocino para | hago comida | i cook | cooking for | making food for | "
            "making plates | for anyone hungry | para el que quiera | el que quiera"
        ),
        2,
    ),
    (
        phrases(
            "i can | we can | can give | can fix | can drive | can watch | can help | "
            "can bring | can cook | can teach | can lend | can charge | can pick | can take | "
            "can do | can make | can repair | can mow | can cut | can translate | can sew | "
            "will give | will fix | will drive | will watch | will help | will bring | "
            "will cook | will teach | will lend | will charge | will pick | will mow | "
            "will do | will take | "
            "i have | we have | i got | we got | "
            "puedo | podemos | tengo | tenemos | regalo | doy | presto | ofrezco | arreglo | "
            "m gen | free | gratis | available | disponible | giving | lending | offering | "
            "repartir | compartir | for whoever | para los que | to loan"
        ),
        1,
    ),
)
NEED_CUES: Cues = (
    (
        phrases(
            "need | needs | needed | necesito | necesita | necesitamos | necesitan | ocupo | "
            "ocupa | ocupamos | ocupan | looking for | busco | buscamos | in need | "
            "can someone | can anyone | could someone | could anyone | "
            "someone to | please someone | someone please | someone bring | someone come | "
            "anyone able | someone able | anyone willing | someone willing | "
            "anyone available to | drive me | take me | bring me | alguien puede | "
            "alguien podria | quien pueda | "
            "someone help | alguien que me | alguien que nos | "
            "alguien me | alguien nos | quien me | quien nos | please help | help me | "
            "i need help | ayudenme | ayudeme | me hace falta | nos hace falta | me faltan | "
            "nos faltan | se me acabo | se nos acabo | lost my | ran out | out of | "
            "no tengo | no tenemos | bezwen | request | if anyone has | if anyone have | "
            "if someone has | si alguien tiene | lost our | lost their | lost theirs | "
            "lost everything | perdimos | perdi | se descompuso | no alcanza | shut off | "
            "got shut | burst | got wet | no way to | to borrow | borrow | me presta | "
            "me prestan | nos presta | will pay | can pay | pago con | paying | pongo para | "
            "chip in | broke down | fell through | nowhere to | no tengo donde | "
            "no tenemos donde | me urge | nos urge | could use | could really use | "
            "se fue la luz | se nos fue la luz | se me fue la luz | nos quedamos sin | "
            "me quede sin | corta de | corto de | cortos de | cortas de | short on | low on | "
            "running low | tight on | tapped out | down to our last | down to my last | "
            "down to the last | se me esta acabando | se nos esta acabando | "
            "nos estamos quedando sin | me estoy quedando sin | anyone spare | can anyone spare | "
            "could anyone spare | spare a few | alguien que me preste | me pueden prestar | "
            "me puede prestar | nos pueden prestar | nos puede prestar"
        ),
        2,
    ),
    (
        phrases(
            "ayuda | wont start | broke | busted | urgent | "
            # Saying what is missing is asking for it: "no water since monday".
            "no water | no power | no heat | no food | no gas | no electricity | no lights | "
            "no hay luz | no hay agua | no hay comida | no hay gas | sin luz | sin agua | "
            "sin comida | lost dog | lost cat | missing dog | missing cat | perro perdido | "
            "gato perdido"
        ),
        1,
    ),
)
# Needs that are really offers: "if anyone needs", "who needs", "take what u need".
NOT_A_NEED = phrases(
    "if anyone needs | if anyone need | if you need | anyone need | anyone needs | "
    "if someone needs | if someone need | who needs | take what you need | what you need | "
    "dont need | no need | quien ocupe | quien necesite | al que ocupe | el que ocupe | "
    "para quien"
)
TRADE_CUES: Cues = (
    (
        phrases(
            "trade | trading | swap | swapping | barter | trueque | intercambio | "
            "intercambiar | intercambiamos | tianguis | exchange | swap meet | trade day | "
            "flea market | pulga | want to trade | want to swap | cambio por | cambiar por | "
            "a cambio de | cambio mi | cambio mis | for trade | in exchange | quiere cambiar | "
            "quieren cambiar | por cambio"
        ),
        3,
    ),
    (
        phrases(
            "market | mercado | fair | feria | potluck | workshop | taller | meetup | "
            "work party | open day | cambio | cambiar | bazaar | bazar"
        ),
        1,
    ),
)
# A scheduled event (a trade in the board's terms): an event word and a day or an hour.
EVENTS = phrases(
    "trade day | swap day | fix it day | fixit day | resource day | open day | open house | "
    "workshop | training | skill share | meeting | mtg | fair | market | potluck | party | "
    "pop up | popup | fish fry | cookout | bbq | screening | taller | platica | junta | "
    "reunion | feria | posada | mercado | bazaar | bazar | kermes | convivio"
)
WEEKDAYS = _words(
    "mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday "
    "saturday sunday mondays tuesdays wednesdays thursdays fridays saturdays sundays "
    "lunes martes miercoles jueves viernes sabado domingo sabados domingos lun mie jue vie "
    "sab dom noon mediodia tonight tomorrow manana weekend"
)
# Words after "can"/"will" that make it a request or a promise to pay, not an offer.
NOT_OFFERED = _words(
    "someone anyone you i we pay return get borrow give back bring back chip please"
)

ALERT_CUES: Cues = (
    (
        phrases(
            "call 911 | 911 | fire | on fire | incendio | se quema | gas leak | fuga de gas | "
            "shooting | shots fired | shots | balacera | disparos | tornado | water rising | "
            "rising water | se esta subiendo el agua | se inundo | inundacion | flooding | "
            "power line | power lines | lines down | wires down | wire down | line down | "
            "downed | tree on | tree down | trees down | road closed | washed out | "
            "missing | desaparecido | desaparecida | lost child | lost kid | ice raid | "
            "ice agents | ice agent | ice activity | ice van | ice vans | ice officers | "
            "redada | checkpoint | reten | getting evicted | being evicted | evicted tonight | "
            "being put out | put out tonight | locked out | lockout | estan sacando | "
            "desalojando | collapsed | unconscious | not breathing | overdose | hurt | "
            "injured | herido | herida | dont go near | do not go near | stay away | "
            "stay back | stay inside | avoid the area | no pasen | no salgan | no abran | "
            "evacuate | evacuar | heads up | boil notice | boil water | warning | danger | "
            "dangerous | peligro | peligroso | es peligroso | water main | main break | "
            "road flooded | street flooded | calle inundada | breaking into | broke into | "
            "break in | breakin | robbery | robbed | theft | stealing | prowler | assault | "
            "robando | robaron | asaltaron | asalto | se metieron | "
            "smoke | smoke coming | humo | se quemando | quemando | over the road | "
            "across the road | over the bridge | fell and | cant get up | cant breathe | "
            "se cayo y | no se puede levantar | no puede respirar | black ice | icy | "
            "ice on the road | ice on the bridge | drive slow | manejen despacio | "
            "hielo en la calle | hielo en el puente | trapped | stuck inside | atrapado | "
            "atrapada | atrapados | atrapadas | gente atrapada | pidiendo papeles | "
            "pidiendo documentos | pidiendo identificacion | revisando papeles | policia esta | "
            "policia en | la policia esta | police are | cops are | cops at | police at | "
            "deteniendo | detuvieron | arrestando | se llevaron a | se estan metiendo | "
            "se meten | metiendose | carbon monoxide | monoxido | gas smell | smell gas | "
            "smells like gas | huele a gas | olor a gas | call it in | water coming up | "
            "coming up fast | move your cars | muevan sus carros | muevan los carros | "
            "throw out tenants | throwing out | kicking out | kick out | sacando a la gente | "
            "tirando las cosas | changing the locks | cambiando las chapas | tree fell | "
            "fell on a | fell on the | came down on | se cayo un arbol | se cayo el arbol | "
            "cable de luz | cables de luz | cable caido | cables caidos | se cayo un cable | "
            "someone inside | might be inside | door to door | dont open | do not open | "
            "scam | scammer | scammers | pretending to be | posing as | estafa | estafadores | "
            "se hacen pasar | se hace pasar | a la fuerza | by force"
        ),
        2,
    ),
    (phrases("cuidado | careful | watch out | ojo | now | ahorita"), 1),
)
# ICE (the agency) or la migra being somewhere, as opposed to ice for a cooler.
MIGRA_PRESENCE = _words(
    "en por afuera ahorita aqui alla esta estan andan anda rondando llego llegaron at in on "
    "outside knocking near by"
)
MIGRA_SEEN = _words("hay reportan vieron ojo cuidado alerta vi")

CRITICAL = phrases(
    "emergency | emergencia | 911 | sos | hurt | injured | herido | herida | bleeding | "
    "collapsed | unconscious | not breathing | overdose | dying | fire | on fire | incendio | "
    "gas leak | fuga de gas | evicted tonight | getting evicted | being evicted | "
    "being put out | estan sacando | desalojando | la migra | ice raid | ice agents | redada | "
    "shooting | shots fired | balacera | water rising | se esta subiendo el agua | "
    "life or death | ijans"
)
HIGH = phrases(
    "asap | urgent | urgente | urgently | tonight | esta noche | now | right now | ahorita | "
    "today | hoy | quick | quickly | pronto | lo antes posible | hurry | immediately | "
    "ahora mismo | rapido | me urge | nos urge"
)
LOW = phrases(
    "not urgent | no rush | no hurry | whenever | no hay prisa | sin prisa | cuando puedan | "
    "when you can | eventually | no urge"
)

# -- words the rules read around the cues ------------------------------------------------

PLACE_WORDS = _words("near nearby by at around on in cerca en por junto")
# A question word first makes a message a question even without "?" ("how do i get
# insulin"); can/could/will also start offers and requests ("can fix bikes").
QUESTION_WORDS = _words(
    "how what where when who why which is are does do can could como que donde cuando quien "
    "cual porque hay"
)
# Words that start a question to the neighbourhood, never a post: "is the clinic open",
# "does anyone know". A message that asks is never posted without the resident's yes.
ASKING_FIRST = _words(
    "is are was were does do did where when who why which how what donde cuando cual "
    "porque sabe saben sabes"
)
# Phrases that ask the neighbourhood for news, not for a thing: such a message asks.
ASKING_PHRASES = phrases(
    "tell me when | tell me if | tell me where | let me know if | let me know when | "
    "anyone know | does anyone know | do you know | know if | know when | "
    "know where | alguien sabe | saben si | sabe si | sabes si | saben cuando | saben donde | "
    "sabe alguien"
)
# Words that are not what a list or a search is about.
LIST_QUERY_NOISE = _words(
    "do does people folks have has got being posted offered hay there on is"
)
SEARCH_QUERY_NOISE = _words(
    "anyone someone have has got with selling know where does do you is there are who can get "
    "find alguien tiene tienen tendra con tenga quien hay sabe donde consigo puedo conseguir "
    "chance gen moun ne kimoun ki offering giving lending sharing selling ofrece ofrezca "
    "preste presta regale regala vende venda venden dan regalan board tablero borrow lend "
    "could around out away"
)
ASKERS = _words("anyone someone alguien")
EVERYTHING = _words("all todo todos todas everything board posts")
POLITE = _words("me i need please want")
I_NEED = phrases("i need | we need")
# "what do i do", "how?": a question about the board with nothing else in it.
BARE_HOW = _words("do does can should i we now")
HOW_OPENERS = phrases("what can i | what do i | que puedo")
CAN_YOU = phrases("can someone | can anyone | can you")
# "can give rides", "will walk w anyone", "puedo cuidar": someone offering to do, when the
# verb starts the message or follows one of PROMISE_SUBJECTS.
PROMISE_VERBS = _words("can will puedo podemos")
PROMISE_SUBJECTS = _words("i we and also yo nosotros tambien")
# "no tengo" is a need, not an offer of "tengo".
NOT_HAVING = phrases("no tengo | no tenemos")
NO_LONGER = _words("anymore longer")
GOT_THE = phrases("got the")
# The agency, as opposed to ice for a cooler: read with MIGRA_PRESENCE and MIGRA_SEEN.
AGENCY_NAMES = _words("ice migra")


# -- answers to the desk's question ("Post it as a need? Reply 'yes' ...") ----------------

YES_WORDS = _words(
    "yes y ya sure ok post it do confirm correct right 1 si claro dale "
    "simon sip publica publicalo publicar adelante eso wi"
)
NO_WORDS = _words(
    "no n nope nah dont stop cancel drop cancela nel nop deja dejalo olvidalo forget non 0"
)
# Emoji that answer on their own (the tokenizer reads no emoji as words).
# Emoji that answer on their own (the tokenizer reads no emoji as words), one character
# each: skin tones and emoji variation selectors are dropped before reading them.
YES_SIGNS = frozenset("👍✅👌✔🆗")
NO_SIGNS = frozenset("👎❌🚫✖")
# A kind alone answers the question too: "offer", "es una oferta".
ANSWER_FILLER = _words("it its as an a is es una un como the please porfa gracias thanks")


def _strings(value: object) -> Iterator[str]:
    """Every word inside a word list, a phrase group, a cue table or a keyed table."""
    if isinstance(value, str):
        yield from value.split()
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (frozenset, set, tuple, list)):
        for item in value:
            yield from _strings(item)


def _all_words() -> Iterator[str]:
    # Every list of this module, so that none is forgotten (the tokenizer must know all
    # of them to keep them out of typo correction), and the category words.
    for name, value in list(globals().items()):
        if name.isupper() and name != "FUZZY_TARGETS":
            yield from _strings(value)
    yield from categories.vocabulary()
    yield from _strings(vocabulary_other.INTENTS)


# Typo tolerance reaches only these: the words that decide what a message asks for.
FUZZY_TARGETS = (
    OFFER_START | NEED_START | TRADE_START | ALERT_START | LIST_START | SEARCH_START
    | HELP_WORDS | CLOSE_WORDS | WITHDRAW_WORDS | REPLY_WORDS | MORE_WORDS | SHOW_WORDS
    | frozenset(KIND_WORDS) | THANKS
    | _words(
        "anyone someone please tomorrow tonight available emergency urgent urgente needs "
        "necesita necesitan looking alguien tiene tienen regalar offering giving helped "
        "ayudaron consegui nevermind anymore longer"
    )
)
LEXICON = Lexicon(_all_words(), FUZZY_TARGETS)


