"""Ejemplos en español (the format: meshaid.node.phone.examples)."""

EXAMPLES = """
# -- ofertas --------------------------------------------------------------------------
post_offer | tengo ropa de bebe para regalar
post_offer | tengo una planta de luz, vengan a cargar sus celulares
post_offer | me sobraron tortillas, pasen por ellas
post_offer | puedo llevar gente a la clinica en las mañanas
post_offer | regalo una estufa electrica
post_offer | ofrezco comida caliente a las 7 en la iglesia
post_offer | doy clases de matematicas gratis
post_offer | hay cobijas de sobra en mi casa, pa quien ocupe
post_offer | cuido niños los sabados
post_offer | presto mi carretilla y palas
post_offer | tenemos agua para quien necesite
post_offer | arreglo ropa sin costo
post_offer | soy enfermera, puedo tomar la presion
post_offer | hice mucho pozole, vengan
# -- necesidades ----------------------------------------------------------------------
post_need | necesito pañales talla 3
post_need | ocupo un raite al trabajo mañana
post_need | necesitamos comida, somos 5
post_need | no hay luz desde el lunes
post_need | no tenemos agua en el edificio
post_need | se me acabo la formula del bebe
post_need | busco a alguien que me ayude con la mudanza
post_need | alguien que me lleve a la farmacia porfa
post_need | mi mama necesita su medicina
post_need | me hace falta una cobija
post_need | ocupo quien me cuide a los niños el viernes
post_need | se descompuso mi carro, ocupo quien me lleve
post_need | necesito ayuda con la renta
post_need | perdimos todo, ocupamos ropa
post_need | alguien me puede ayudar a cargar un refri
# -- trueques -------------------------------------------------------------------------
post_trade | intercambio de ropa el sabado a las 10
post_trade | cambio mi bici por comida
post_trade | trueque de semillas domingo en el jardin
post_trade | tianguis el sabado en la cancha
post_trade | cambio huevos por pan
post_trade | intercambio juguetes por ropa de niño
# -- alertas --------------------------------------------------------------------------
post_alert | hay humo saliendo de la casa de la esquina
post_alert | se esta quemando un carro en la 5
post_alert | la migra esta en la parada del camion
post_alert | cuidado, la calle principal esta inundada
post_alert | cables caidos en la calle olmo, no se acerquen
post_alert | se cayo un señor y no se puede levantar
post_alert | policia pidiendo papeles en la tienda
post_alert | hay un niño perdido, camisa roja
post_alert | huele mucho a gas en el edificio, salgan
post_alert | estan sacando a una familia de su casa ahorita
post_alert | hielo en el puente, manejen despacio
# -- listas ---------------------------------------------------------------------------
list | lista
list | que hay
list | ver ofertas
list | ver todo
list | que ofrecen
list | que necesitan los vecinos
list | mis posts
list | ver comida
list | lista de necesidades
more | mas
more | siguiente
more | otra pagina
# -- busquedas ------------------------------------------------------------------------
search | alguien tiene escalera?
search | quien tiene pañales
search | buscar cobijas
search | hay leche?
search | alguien con planta de luz?
search | donde hay agua
# -- cerrar ---------------------------------------------------------------------------
close | listo
close | ya lo consegui gracias
close | ya me ayudaron
close | ya se acabo todo
close | ya tengo raite, gracias
close | ya se llevaron las cobijas
# -- retirar --------------------------------------------------------------------------
withdraw | borra mi post
withdraw | cancela mi oferta
withdraw | ya no lo necesito
withdraw | quita mi anuncio
withdraw | me arrepenti, ya no lo regalo
# -- ayuda ----------------------------------------------------------------------------
help | ayuda
help | como funciona esto
help | como publico algo
help | que puedo mandar
help | no se usar esto
# -- nada que hacer -------------------------------------------------------------------
unknown | hola
unknown | gracias
unknown | buenos dias
unknown | ok gracias
unknown | si
unknown | quien eres
unknown | alguien sabe si hay escuela mañana?
unknown | a que hora abre el banco de comida
unknown | ya regreso la luz en la cuadra
unknown | dios los bendiga
unknown | que onda vecinos
unknown | que tal
"""
