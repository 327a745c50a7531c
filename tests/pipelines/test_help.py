"""Every `pbw` subcommand explains itself: a description and an example in its --help."""

from __future__ import annotations

import argparse

import pytest

from pipelines.cli import build_parser

COMMANDS = ("sandbox", "api", "sql", "tables", "export", "run", "backfill", "load", "runs", "reconcile",
            "invoice")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _every(parser: argparse.ArgumentParser, path: str = "pbw") -> dict[str, argparse.ArgumentParser]:
    found = {}
    for name, sub in _subparsers(parser).items():
        found[f"{path} {name}"] = sub
        found.update(_every(sub, f"{path} {name}"))
    return found


def test_every_subcommand_has_a_description_and_an_example() -> None:
    parser = build_parser()
    assert set(COMMANDS) <= set(_subparsers(parser))
    missing = {name: (bool(sub.description), "Example" in (sub.epilog or ""))
               for name, sub in _every(parser).items()
               if not sub.description or "Example" not in (sub.epilog or "")}
    assert missing == {}


@pytest.mark.parametrize("command", ["reconcile", "backfill", "sql"])
def test_help_prints_the_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert f"pbw {command} " in out.split("Example")[1]
    if command == "reconcile":
        assert "3 no data for the month or nothing to compare" in " ".join(out.split())
