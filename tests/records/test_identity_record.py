"""The identity record: every file says which application, session, rank, host and process wrote it."""

from __future__ import annotations

import json
import os
import socket
import sys
import textwrap

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.cli.main import main as cli_main
from nv_one_logger.core.identity import JobIdentity
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.records import IdentityRecord, SpanCompleteRecord, read_records, rebuild
from nv_one_logger.records.files import load_files
from tests.support.exporter_calls import export_complete_span
from tests.support.processes import run_command

CONFIG = OneLoggerConfig(
    application_name="llm-pretrain",
    world_size_or_fn=lambda: 8,
    session_tag_or_fn="job-42",
    custom_metadata={"cluster": "eos", "nodes": 2},
)


def _write(path, monkeypatch, rank, config=CONFIG):
    monkeypatch.setenv("RANK", str(rank))
    exporter = FileExporter(path, one_logger_config=config)
    exporter.initialize()
    export_complete_span(exporter, "step")
    exporter.close()


def test_the_first_record_names_the_job_rank_host_and_versions(tmp_path, monkeypatch):
    path = tmp_path / "run.jsonl"
    _write(path, monkeypatch, rank=3)
    first = json.loads(path.read_text().splitlines()[0])
    assert list(first)[:3] == ["type", "count", "pid"]
    assert (first["type"], first["count"], first["pid"]) == ("identity", 0, os.getpid())
    assert first["application"] == "llm-pretrain" and first["session_tag"] == "job-42"
    assert (first["world_size"], first["rank"], first["host"]) == (8, 3, socket.gethostname())
    assert first["custom_metadata"] == {"cluster": "eos", "nodes": 2}
    assert first["versions"]["nv-one-logger-core"] and first["versions"]["nv-one-logger-file"]
    assert first["versions"]["python"].count(".") == 2

    records = list(read_records(path))
    assert isinstance(records[0], IdentityRecord) and isinstance(records[1], SpanCompleteRecord)
    identity = records[0].identity
    assert identity == JobIdentity.from_json(first, os.getpid())
    assert (identity.application, identity.rank, identity.pid) == ("llm-pretrain", 3, os.getpid())
    assert rebuild(records).identity_of(os.getpid()) == identity


def test_older_files_without_it_still_read_and_summarize(tmp_path, monkeypatch, capsys):
    path = tmp_path / "run.jsonl"
    _write(path, monkeypatch, rank=0)
    old = tmp_path / "old.jsonl"
    old.write_text("".join(line + "\n" for line in path.read_text().splitlines()[1:]))
    loaded = load_files([old])
    assert [s.name for s in loaded.result.spans] == ["step"] and loaded.result.identities == {}
    assert cli_main(["summary", str(old)]) == 0
    out = capsys.readouterr().out
    assert "step" in out


def test_a_reader_skips_record_types_it_does_not_know(tmp_path, monkeypatch):
    path = tmp_path / "run.jsonl"
    _write(path, monkeypatch, rank=0)
    with path.open("a") as handle:
        handle.write('{"type":"identity_v9","count":0,"pid":1,"whatever":true}\n')
    skipped = []
    records = list(read_records(path, on_warning=skipped.append))
    assert [type(r).__name__ for r in records] == ["IdentityRecord", "SpanCompleteRecord"]
    assert len(skipped) == 1 and "identity_v9" in skipped[0]


def test_summary_groups_the_processes_by_rank_from_the_identity_record(tmp_path, monkeypatch, capsys):
    paths = []
    for rank in (2, 0, 1):
        # One process per rank (each file its own pid); the file names do not say the rank, the records do.
        paths.append(tmp_path / f"node-{rank * 7}.jsonl")
        code = textwrap.dedent(
            f"""
            import os, sys
            sys.path.insert(0, {os.getcwd()!r})
            from tests.records.test_identity_record import CONFIG, _write
            class Env:
                def setenv(self, name, value):
                    os.environ[name] = value
            _write({str(paths[-1])!r}, Env(), rank={rank})
            """
        )
        run_command([sys.executable, "-c", code], timeout=120)
    assert cli_main(["summary", "--by-rank", *map(str, paths)]) == 0
    out = capsys.readouterr().out
    assert "3 rank(s)" in out
    assert all(f"rank {rank}" in out for rank in (0, 1, 2)) and "pid " not in out.split("Application errors")[0]


def test_a_forked_child_writes_its_own_identity(tmp_path, monkeypatch):
    path = tmp_path / "run.jsonl"
    monkeypatch.setenv("RANK", "5")
    exporter = FileExporter(path, one_logger_config=CONFIG, merge_start_stop=False)
    exporter.initialize()
    exporter.export_start(Span.create("parent"))
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            exporter.export_start(Span.create("child"))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    exporter.close()
    records = list(read_records(path))
    identities = {r.pid: r.identity for r in records if isinstance(r, IdentityRecord)}
    assert set(identities) == {os.getpid(), pid}
    assert identities[pid].instance_id != identities[os.getpid()].instance_id
    assert identities[pid].rank == identities[os.getpid()].rank == 5
