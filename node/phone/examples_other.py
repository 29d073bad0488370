"""Examples in Haitian Creole, Vietnamese and Arabic, for the few intents residents writing
them need most (the format: meshaid.node.phone.examples)."""

EXAMPLES = """
post_need | mwen bezwen manje pou fanmi mwen
post_need | nou bezwen dlo
post_offer | m gen rad pou timoun pou bay
help | ede
post_need | cần sữa cho em bé
post_offer | tôi có gạo, ai cần thì lấy
help | hướng dẫn
post_need | محتاج حليب للطفل
post_offer | عندي بطانيات مجانا
help | مساعدة
"""
