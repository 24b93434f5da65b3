"""`one-logger doctor` lists the entry points exactly as the exporter configuration does (one lister)."""

from __future__ import annotations

from nv_one_logger.cli.main import main


def test_an_entry_point_registered_twice_is_reported_once(fake_entry_points, capsys):
    # The same entry point seen twice (e.g. an editable install beside a regular one): the exporter
    # configuration counts it once, and so must the OTLP section the doctor gets from it.
    fake_entry_points({"otel": "nv_one_logger.otel.defaults"})
    main(["doctor"])
    out = capsys.readouterr().out
    assert out.count("\nOTLP") == 1, out


def test_entry_points_that_cannot_be_listed_are_a_problem(monkeypatch, capsys):
    from nv_one_logger.exporter import export_config_manager

    def broken(*args, **kwargs):
        raise RuntimeError("metadata of an installed distribution is corrupt")

    monkeypatch.setattr(export_config_manager, "entry_points", broken)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert out.count("cannot list entry points") == 1, out
    assert "No problems found" not in out
