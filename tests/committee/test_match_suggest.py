"""Suggested matches: the order, and the reasons given for each pair."""

from __future__ import annotations

from pathlib import Path

from meshaid.node.committee.matching import Labels, Matcher, Post, pick, quantities
from meshaid.node.committee.wordsense import senses_in
from meshaid.node.services import PostRequest, init_node, open_node
from meshaid.node.store.search import search_text
from meshaid.protocol.record import Category, Kind, Urgency

NOW = 1_600_000
DAY = 24 * 60


def post(seq: int, kind: Kind, category: Category, text: str, *, community: int = 1,
         zone: str = "", urgency: Urgency = Urgency.NORMAL, age_days: float = 0.0) -> Post:
    return Post(1, seq, f"C{seq:03d}", int(kind), int(category), community, 0, zone,
                int(urgency), int(NOW - age_days * DAY), NOW + 10 * DAY, search_text(text, zone))


def test_english_and_spanish_words_for_one_thing_are_one_sense() -> None:
    folded = search_text("Necesito pañales talla 4 y cobijas para mi bebé", "")
    assert set(senses_in(folded)) == {"diaper", "blanket", "baby"}
    assert set(senses_in(search_text("2 packs of diapers, blankets, baby wipes", ""))) == {
        "diaper", "blanket", "baby", "wipe"}
    assert "necesito" not in str(senses_in(folded))  # the intent words say nothing


def test_a_spanish_need_meets_the_english_offer_that_says_the_same() -> None:
    need = post(1, Kind.NEED, Category.CHILDCARE, "Necesito pañales talla 4 para mi bebé",
                urgency=Urgency.CRITICAL, age_days=3)
    diapers = post(2, Kind.OFFER, Category.CHILDCARE, "offering diapers size 4, baby wipes")
    toys = post(3, Kind.OFFER, Category.CHILDCARE, "box of toys and a stroller")
    far = post(4, Kind.OFFER, Category.CHILDCARE, "pañales de tela", community=2)
    matcher = Matcher([toys, diapers, far], NOW, Labels({1: "Magnolia Flats", 2: "Riverside"}))
    best = matcher.best_for(need)
    assert [s.offer.code for s in best] == ["C002", "C004", "C003"]
    why = [r.text for r in best[0].reasons]
    assert "same category (childcare)" in why
    assert "same community (Magnolia Flats)" in why
    assert "both say panales~diapers, bebe~baby" in why
    assert "need is critical" in why and "need waiting 3 days" in why
    # Every point has its reason, and the score is their sum.
    assert best[0].score == round(sum(r.points for r in best[0].reasons), 2)
    assert best[0].score > best[1].score > best[2].score


def test_urgent_and_older_needs_come_first_and_each_offer_is_not_promised_twice() -> None:
    water = post(10, Kind.OFFER, Category.WATER, "20 gallons of drinking water")
    fresh = post(1, Kind.NEED, Category.WATER, "need water", urgency=Urgency.LOW)
    old = post(2, Kind.NEED, Category.WATER, "need water for my family", age_days=5)
    critical = post(3, Kind.NEED, Category.WATER, "agua para la abuela", urgency=Urgency.CRITICAL)
    matcher = Matcher([water], NOW)
    found = matcher.suggest([fresh, old, critical], limit=10, per_offer=2)
    assert [s.need.code for s in found] == ["C003", "C002"]  # the offer serves two at most
    assert any(r.text == "both say agua~water" for r in found[0].reasons)
    assert pick(found, 1, 2) == found[:1]


def test_quantities_say_whether_the_offer_is_enough() -> None:
    assert quantities(search_text("need 5 blankets and two cribs", "")) == {"blanket": 5,
                                                                            "crib": 2}
    need = post(1, Kind.NEED, Category.SHELTER, "need 5 blankets")
    few = post(2, Kind.OFFER, Category.SHELTER, "2 cobijas")
    many = post(3, Kind.OFFER, Category.SHELTER, "10 blankets")
    best = Matcher([few, many], NOW).best_for(need)
    assert best[0].offer.code == "C003"
    assert "enough: offers 10, needs 5" in [r.text for r in best[0].reasons]
    assert "offers 2 of 5 needed" in [r.text for r in best[1].reasons]


def test_an_offer_of_another_category_is_suggested_only_for_words_in_common() -> None:
    need = post(1, Kind.NEED, Category.OTHER, "necesito un generador para mi refri")
    generator = post(2, Kind.OFFER, Category.ENERGY, "generator to lend, bring gas")
    food = post(3, Kind.OFFER, Category.FOOD, "rice and beans")
    best = Matcher([generator, food], NOW).best_for(need)
    assert [s.offer.code for s in best] == ["C002"]
    assert "both say generador~generator" in [r.text for r in best[0].reasons]


def test_the_node_suggests_from_its_board_and_skips_closed_entries(tmp_path: Path) -> None:
    init_node(tmp_path / "n", name="north", timezone="UTC",
              communities=("Magnolia Flats", "Riverside"))
    with open_node(tmp_path / "n") as node:
        need = node.post(PostRequest("need", "Necesito pañales para mi bebé",
                                     category="childcare", urgency="high"))
        offer = node.post(PostRequest("offer", "diapers, size 3 and 4", category="childcare"))
        gone = node.post(PostRequest("offer", "diapers size 2", category="childcare"))
        node.close_entry(gone.code, "fulfilled")
        node.post(PostRequest("offer", "diapers", category="childcare", community="Riverside"))
        from meshaid.node.committee.matching import suggestions

        found = suggestions(node, limit=5)
        assert [(s.need.code, s.offer.code) for s in found] == [(need.code, offer.code)]
        assert found[0].to_json()["reasons"][0] == {"points": 3.0,
                                                    "why": "same category (childcare)"}
        assert suggestions(node, community="Riverside") == []
