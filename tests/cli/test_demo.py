from click.testing import CliRunner

from meshaid.cli.main import cli


def test_demo_posts_settles_and_prints_the_board(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["demo", "--keep", str(tmp_path / "node")])
    assert result.exit_code == 0, result.output
    posted, board = result.output.split("The board (open entries):\n")
    codes = [line.split()[0] for line in posted.splitlines()[2:] if line.startswith("  ")]
    fulfilled = next(line.split()[0] for line in posted.splitlines() if "marked fulfilled" in line)
    withdrawn = next(line.split()[0] for line in posted.splitlines() if "marked withdrawn" in line)
    shown = [line.split()[0] for line in board.splitlines()[1:]]
    assert len(set(codes)) == 7
    assert fulfilled not in shown and withdrawn not in shown
    assert sorted(shown) == sorted(set(codes) - {fulfilled, withdrawn})
    # The node it made is a real one: the CLI can read its board.
    listed = CliRunner().invoke(cli, ["--home", str(tmp_path / "node"), "board", "--json"])
    assert listed.exit_code == 0 and listed.output.count('"code"') == 5
