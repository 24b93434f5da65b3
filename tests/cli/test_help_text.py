"""`--help` shows plain text: descriptions are written for a terminal, not taken from reST module docstrings."""

import pytest

from nv_one_logger.cli.main import main


@pytest.mark.parametrize("command", ["summary", "chrome-trace", "replay", "doctor"])
def test_help_has_no_rest_markup(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ")
    assert "``" not in out
    description = out.split("\n\n")[1]
    assert len(description.split()) >= 8  # a real description, not an empty one
