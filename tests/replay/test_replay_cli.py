"""``one-logger replay`` as a user runs it: dry run, progress line, final counts, environment, failures, the
message when the otel extra is missing."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from nv_one_logger.otel.replay import replay_files
from nv_one_logger.otel.replay.progress import ProgressLine
from tests.support.environment import set_otel_env
from tests.support.processes import child_env, run_command
from tests.support.reference_job import CRASH_APP, JOB_SPAN_NAMES, replay_cli

MISSING_EXTRA_HINT = "pip install 'nv-one-logger-core[otel]'"


def test_dry_run_lists_what_would_be_sent_and_sends_nothing(recorded, otlp_sink, capsys):
    memory = InMemorySpanExporter()
    replay_files([recorded], span_exporter=memory)
    expected = {f"{s.context.span_id:016x}": s for s in memory.get_finished_spans()}

    assert replay_cli(str(recorded), "--dry-run", "--no-progress", "--endpoint", otlp_sink.grpc_endpoint) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    trace_id = f"{next(iter(expected.values())).context.trace_id:032x}"
    assert lines[0].startswith(f"trace {trace_id}  pid ")
    listed = dict(re.findall(r"^\s+(\S+)  span=([0-9a-f]{16})", out, flags=re.M))
    assert set(listed) == set(JOB_SPAN_NAMES)
    assert set(listed.values()) == set(expected), "the dry run shows the ids a real replay sends"
    assert re.search(r"^    train  span=\w+ parent=\w+", out, flags=re.M), "children are indented under parents"
    assert re.search(r"^\s+validate .*ERROR 'ValueError: bad batch'", out, flags=re.M)
    assert lines[-1].startswith(
        f"would send {len(JOB_SPAN_NAMES)} spans (17 events, 1 application errors, 1 telemetry data errors, "
        "0 unclosed spans) in 1 trace(s)"
    )
    assert otlp_sink.requests() == []


def test_progress_line_and_final_counts(recorded, otlp_sink, capsys):
    assert replay_cli(str(recorded), "--endpoint", otlp_sink.grpc_endpoint) == 0
    captured = capsys.readouterr()
    records = len(recorded.read_text().splitlines())
    assert re.search(
        rf"^one-logger replay: reading 100\.0% \({records} records, [\d,]+ records/s\)$", captured.err, flags=re.M
    ), captured.err
    total = len(JOB_SPAN_NAMES)
    for phase in ("planning", "sending"):
        assert re.search(
            rf"^one-logger replay: {phase} 100\.0% \({total}/{total} spans, [\d,]+ spans/s\)$", captured.err, re.M
        ), phase
    assert captured.out.startswith(
        f"sent {total} spans (17 events, 1 application errors, 1 telemetry data errors, 0 unclosed spans) "
        f"in 1 trace(s) from {records} records to OTLP grpc to {otlp_sink.grpc_endpoint}"
    )
    assert len(otlp_sink.wait_for_spans(count=total)) == total


def test_progress_line_is_rate_limited_and_rewritten_in_place_on_a_terminal():
    now = [0.0]

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    log = io.StringIO()
    progress = ProgressLine(log, interval_s=1.0, clock=lambda: now[0])
    progress.start("reading", "records")
    progress.update(10, 0.1)  # too soon: nothing written
    now[0] = 2.0
    progress.update(2000, 0.5)
    progress.finish(4000)
    assert log.getvalue().splitlines() == [
        "one-logger replay: reading  50.0% (2,000 records, 1,000 records/s)",
        "one-logger replay: reading 100.0% (4,000 records, 2,000 records/s)",
    ]

    terminal = Terminal()
    progress = ProgressLine(terminal, interval_s=0.0, clock=lambda: now[0])
    progress.start("sending", "spans", total=4)
    now[0] = 3.0
    progress.update(2)
    progress.finish(4)
    assert terminal.getvalue() == (
        "\rone-logger replay: sending  50.0% (2/4 spans, 2 spans/s)"
        "\rone-logger replay: sending 100.0% (4/4 spans, 4 spans/s)\n"
    )


def test_environment_configures_the_replay_as_it_configures_the_live_exporter(tmp_path, otlp_sink, monkeypatch, capsys):
    path = tmp_path / "crashed.jsonl"
    run_command([sys.executable, str(CRASH_APP), str(path)], env=child_env(), timeout=60)
    recorded_pid = json.loads(path.read_text().splitlines()[0])["pid"]
    set_otel_env(
        monkeypatch,
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_sink.http_endpoint,  # a base URL: /v1/traces is appended, as by the SDK
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_HEADERS="x-team=ml-infra",
        OTEL_SERVICE_NAME="trainer",
        OTEL_RESOURCE_ATTRIBUTES="one_logger.session_tag=sess-7,deployment.environment=prod",
    )
    assert replay_cli(str(path), "--no-progress") == 0
    assert "2 unclosed spans" in capsys.readouterr().out
    (request,) = otlp_sink.wait_for_requests()
    assert request.protocol == "http"
    assert request.headers["x-team"] == "ml-infra"
    spans = otlp_sink.spans()
    assert sorted(s.name for s in spans) == ["application", "step", "train"]
    resource = spans[0].resource
    assert resource["service.name"] == "trainer"
    assert resource["one_logger.session_tag"] == "sess-7"
    assert resource["deployment.environment"] == "prod"
    assert resource["process.pid"] == recorded_pid  # the writer's pid, not the replaying process's
    assert resource["one_logger.replay.replayed"] is True


def test_endpoint_option_overrides_the_environment(recorded, otlp_sink, monkeypatch, capsys):
    set_otel_env(monkeypatch, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9", OTEL_EXPORTER_OTLP_PROTOCOL="bogus")
    args = (str(recorded), "--no-progress", "--endpoint", otlp_sink.http_endpoint, "--protocol", "http/protobuf")
    assert replay_cli(*args) == 0
    assert f"to OTLP http/protobuf to {otlp_sink.http_endpoint}/v1/traces" in capsys.readouterr().out
    assert otlp_sink.wait_for_requests()[0].protocol == "http"


def test_a_failed_export_exits_1_and_says_how_many_spans_were_not_sent(recorded, otlp_sink, monkeypatch, capsys):
    set_otel_env(monkeypatch, OTEL_EXPORTER_OTLP_TIMEOUT="1000")
    otlp_sink.set_unavailable(True)
    assert replay_cli(str(recorded), "--no-progress", "--endpoint", otlp_sink.grpc_endpoint) == 1
    captured = capsys.readouterr()
    last = captured.err.splitlines()[-1]
    assert last.startswith(f"one-logger replay: error: {len(JOB_SPAN_NAMES)} span(s) not sent: "), captured.err
    assert last.endswith("run the same replay again to send the rest (it lands in the same trace).")
    assert captured.out.startswith(f"sent 0 of {len(JOB_SPAN_NAMES)} spans to OTLP grpc")
    assert f"; {len(JOB_SPAN_NAMES)} NOT sent (the whole replay: 17 events" in captured.out


def test_unusable_input_and_configuration(tmp_path, monkeypatch, capsys):
    set_otel_env(monkeypatch)
    assert replay_cli(str(tmp_path / "missing.jsonl"), "--no-progress", "--dry-run") == 1
    assert "cannot open" in capsys.readouterr().err
    corrupt = tmp_path / "corrupt.jsonl"
    corrupt.write_text("this is not json\n")
    assert replay_cli(str(corrupt), "--no-progress", "--dry-run") == 1
    # Every command reports a failure in this one form (scripts match it).
    assert (
        capsys.readouterr().err
        == f"one-logger replay: error: {corrupt}:1: not a JSON record: Expecting value at column 1\n"
    )
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
    assert replay_cli(str(corrupt), "--no-progress") == 2
    err = capsys.readouterr().err
    assert err.startswith("one-logger replay: error: OTEL_EXPORTER_OTLP_PROTOCOL='http/json' is not supported"), err
    assert err.count("\n") == 1


def test_a_torn_last_line_is_reported_and_the_rest_is_sent(recorded, otlp_sink, capsys):
    data = recorded.read_bytes()
    recorded.write_bytes(data[: len(data) - 40])  # cut inside the last record (the application span's stop)
    assert replay_cli(str(recorded), "--no-progress", "--endpoint", otlp_sink.grpc_endpoint) == 0
    captured = capsys.readouterr()
    assert "skipped a torn record at end of file" in captured.err
    assert "note: 1 torn record(s) skipped" in captured.err
    assert "1 unclosed spans" in captured.out
    spans = otlp_sink.wait_for_spans(count=len(JOB_SPAN_NAMES))
    app = next(s for s in spans if s.name == "application")
    assert app.attributes["one_logger.replay.unclosed"] is True


@pytest.mark.parametrize("hidden", ["nv_one_logger.otel", "opentelemetry"])
def test_missing_otel_extra_gives_a_clear_message_and_exit_2(tmp_path, hidden):
    code = (
        "import sys\n"
        f"sys.modules[{hidden!r}] = None  # as if the package were not installed\n"
        "from nv_one_logger.cli.main import main\n"
        f"sys.exit(main(['replay', {str(tmp_path / 'run.jsonl')!r}]))\n"
    )
    done = run_command([sys.executable, "-c", code], env=child_env(), timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "one-logger replay: error: replay needs the OpenTelemetry bridge, which is not installed.\n"
    ), done.stderr
    assert MISSING_EXTRA_HINT in done.stderr
    assert "Traceback" not in done.stderr


def test_the_cli_parser_does_not_import_opentelemetry():
    code = (
        "import sys\n"
        "from nv_one_logger.cli.main import build_parser\n"
        "build_parser().parse_args(['replay', 'x.jsonl', '--dry-run'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry', 'nv_one_logger.otel'))))\n"
    )
    done = run_command([sys.executable, "-c", code], env=child_env(), timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
