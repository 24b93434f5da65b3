"""A simulated training job instrumented with OneLogger (run it with ``make demo``).

What it shows, in a few seconds and without any collector:

* ``configure_one_logger`` building the exporters from configuration: a FileExporter writing JSON lines into
  the output directory and a LoggerExporter writing one log line per record into ``telemetry.log`` there.
  If ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, the otel package's entry point adds the OTLP exporter too.
* spans nested with ``timed_span``: ``application`` > ``training_loop`` > ``training_iteration`` (each with a
  ``training_metrics`` event), ``data_loading`` and periodic ``checkpoint_save``;
* one handled application error: a data loading failure that the job retries (recorded on its span);
* reading the file back: the ``one-logger summary`` table, a Chrome trace (open it in ui.perfetto.dev) and the
  one-page HTML report (``one-logger report``; it opens in a browser without a network); the last line gives the
  ``one-logger`` command to run from a new shell (``.venv/bin/one-logger`` after make demo).

Usage: ``python examples/training_demo.py [--out DIR] [--iterations N]``.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from pathlib import Path
from typing import List, Optional

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.cli.chrome_trace import write_chrome_trace
from nv_one_logger.cli.summary import render_summary
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.records.chrome_trace import build_chrome_trace
from nv_one_logger.records.digest import digest_files
from nv_one_logger.records.files import load_files

TELEMETRY_LOGGER = "training_demo.telemetry"


class FlakyShardError(OSError):
    """The simulated storage hiccup the job recovers from."""


def load_batch(iteration: int, attempt: int, rng: random.Random) -> None:
    """Pretend to read a batch; the read of iteration 7 fails once and succeeds on retry."""
    time.sleep(rng.uniform(0.004, 0.012))
    if iteration == 7 and attempt == 0:
        raise FlakyShardError(f"transient read error on shard {iteration % 4} (will retry)")


def train(iterations: int, checkpoint_every: int, rng: random.Random) -> None:
    """Run the job itself: only ``timed_span`` and one event per iteration are telemetry."""
    recorder = get_recorder()
    loss = 2.5
    with timed_span("application", span_attributes=Attributes({"app": "training_demo"})):
        with timed_span("model_setup"):
            time.sleep(0.15)
        with timed_span("training_loop", span_attributes=Attributes({"iterations": iterations})):
            for iteration in range(1, iterations + 1):
                with timed_span("training_iteration", span_attributes=Attributes({"iteration": iteration})) as span:
                    for attempt in range(3):
                        try:
                            with timed_span("data_loading", span_attributes=Attributes({"attempt": attempt})):
                                load_batch(iteration, attempt, rng)
                            break
                        except FlakyShardError:
                            continue  # handled: the error is on the data_loading span, the job goes on
                    time.sleep(rng.uniform(0.03, 0.06))  # forward + backward
                    loss = loss * 0.93 + rng.uniform(-0.02, 0.02)
                    if span is not None:
                        recorder.event(span, Event.create("training_metrics", Attributes({"loss": round(loss, 4)})))
                if iteration % checkpoint_every == 0:
                    with timed_span("checkpoint_save", span_attributes=Attributes({"iteration": iteration})):
                        time.sleep(rng.uniform(0.08, 0.12))


def write_report(records_path: str, report_path: Path) -> Optional[Path]:
    """Write the one-page HTML report (``one-logger report``); None when the ``report`` extra is missing."""
    try:
        from nv_one_logger.report import render_report
    except ImportError:
        print("(no HTML report: pip install 'nv-one-logger-core[report]' for one-logger report)")
        return None
    report_path.write_text(render_report(digest_files([records_path])), encoding="utf-8")
    return report_path


def main(argv: Optional[List[str]] = None) -> int:
    """Run the demo; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, help="output directory (default: ./out/demo-<UTC timestamp>)")
    parser.add_argument("--iterations", type=int, default=24)
    parser.add_argument("--checkpoint-every", type=int, default=8)
    args = parser.parse_args(argv)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out: Path = args.out or Path("out") / f"demo-{stamp}"
    out.mkdir(parents=True, exist_ok=True)

    telemetry_log = logging.getLogger(TELEMETRY_LOGGER)
    telemetry_log.setLevel(logging.INFO)
    telemetry_log.propagate = False
    telemetry_log.addHandler(logging.FileHandler(out / "telemetry.log", encoding="utf-8"))

    config = OneLoggerConfig(application_name="training_demo", world_size_or_fn=1, session_tag_or_fn=f"demo-{stamp}")
    recorder = configure_one_logger(
        config,
        exporters_config=[
            {
                "class_name": "nv_one_logger.exporter.file_exporter.FileExporter",
                "config": {"file_path": str(out / "rank{rank}-{pid}.jsonl")},
            },
            {
                "class_name": "nv_one_logger.exporter.logger_exporter.LoggerExporter",
                "config": {"logger_name": TELEMETRY_LOGGER},
            },
        ],
    )
    file_exporters = [e for e in getattr(recorder, "exporters", []) if isinstance(e, FileExporter)]
    if not file_exporters:
        print("training_demo: no FileExporter was configured (is nv-one-logger-file installed?)", file=sys.stderr)
        return 1
    records_path = file_exporters[0].file_path

    started = time.monotonic()
    train(args.iterations, args.checkpoint_every, random.Random(42))
    recorder.close()  # flush and close the exporters now (the exit hook would do it at exit)
    elapsed = time.monotonic() - started

    trace_path = out / "trace.json"
    write_chrome_trace(build_chrome_trace(load_files([records_path]).result), str(trace_path))
    exporter_names = ", ".join(type(e).__name__ for e in getattr(recorder, "exporters", []))
    print(f"Simulated training finished in {elapsed:.1f} s; exporters: {exporter_names}.\n")
    print(render_summary(digest_files([records_path])))
    print()
    print(f"Records (JSON lines):  {records_path}")
    print(f"Telemetry log:         {out / 'telemetry.log'}")
    print(f"Chrome trace:          {trace_path}")
    report_path = write_report(records_path, out / "report.html")
    if report_path is not None:
        print(f"Report (open offline): {report_path}")
    print("Open the trace at https://ui.perfetto.dev (Open trace file) or chrome://tracing;")
    print(f"Re-run the analysis from any shell: {one_logger_command()} summary {shown(Path(records_path))}")
    return 0


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter to copy), else absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def one_logger_command() -> str:
    """Return the ``one-logger`` command of the environment running this demo, typeable in a new shell.

    ``make demo`` runs in .venv, which a fresh shell has not activated: a bare ``one-logger`` would not be found
    there, so the script's path is given (``.venv/bin/one-logger``).
    """
    script = Path(sys.executable).parent / "one-logger"
    if script.exists():
        return shown(script)
    return f"{sys.executable} -m nv_one_logger.cli"


if __name__ == "__main__":
    sys.exit(main())
