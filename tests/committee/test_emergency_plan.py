"""The emergency view on a known board: alerts and critical needs, who holds them, who
pledged, what is missing, and the plan pairing offers with needs by community."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from meshaid.cli.context import CliContext
from meshaid.cli.main import cli
from meshaid.node.committee import changes
from meshaid.node.committee.emergency import render, situation
from meshaid.node.services import PostRequest, init_node, open_node


def test_the_plan_on_a_known_board(tmp_path: Path) -> None:
    init_node(tmp_path / "n", name="north porch", timezone="UTC",
              communities=("Magnolia Flats", "Riverside"))
    with open_node(tmp_path / "n") as node:
        def post(kind: str, text: str, category: str, community: str = "Magnolia Flats",
                 urgency: str | None = None) -> str:
            return node.post(PostRequest(kind, text, category=category, community=community,
                                         urgency=urgency)).code

        alert = post("alert", "creek flooding at 5th street, stay away", "safety",
                     urgency="critical")
        water = post("need", "necesitamos agua potable, 4 personas", "water", urgency="critical")
        bed = post("need", "need a place to sleep tonight, family of 3", "shelter", "Riverside",
                   "critical")
        pledged = post("need", "insulin for my dad", "medicine", urgency="critical")
        lonely = post("need", "need a wheelchair ramp built", "repair", "Riverside", "critical")
        post("need", "need a ride friday", "transport")  # not critical: not in the view
        jugs = post("offer", "12 jugs of drinking water", "water")
        room = post("offer", "tenemos un cuarto con cama para una familia", "shelter",
                    "Riverside")
        cooler = post("offer", "insulin cooler and insulin pens", "medicine")
        post("offer", "van for moving people out", "transport", "Riverside")
        changes.make_match(node, pledged, cooler)

        found = situation(node)
        items = {i.code: i for i in found.items}
        assert list(items) == [alert, water, bed, pledged, lonely]  # alerts first, then oldest
        assert items[alert].kind == "alert" and not items[alert].missing
        assert items[alert].held_by == ("north porch (this node)",)
        assert [p.what for p in items[pledged].pledges] == [f"match, proposed: offer {cooler}"]
        assert [i.code for i in found.items if i.missing] == [water, bed, lonely]
        plan = {c: [(ln.need_code, ln.offer_code) for ln in lines]
                for c, lines in found.plan.items()}
        assert plan == {"Magnolia Flats": [(water, jugs)],
                        "Riverside": [(bed, room), (lonely, None)]}
        assert found.available["Riverside"] == {"shelter": 1, "transport": 1}
        text = render(found)
        assert f"{lonely} need a wheelchair ramp built -> NO OFFER" in text
        assert f"meshaid match {water} {jugs}" in text
        assert found.to_json()["plan"]["Riverside"][1]["offer"] is None
        only = situation(node, "Riverside")
        assert [i.code for i in only.items] == [bed, lonely]


def test_the_command_prints_the_view_and_json(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init_node(home, name="north porch", timezone="UTC")
    with open_node(home) as node:
        node.post(PostRequest("need", "need water", category="water", urgency="critical"))
    runner = CliRunner()
    obj = CliContext(home=home)
    shown = runner.invoke(cli, ["emergency"], obj=obj)
    assert shown.exit_code == 0, shown.output
    assert "1 open critical needs, 1 with nobody pledged yet." in shown.output
    as_json = runner.invoke(cli, ["emergency", "--json"], obj=obj)
    assert as_json.exit_code == 0 and '"missing": true' in as_json.output
