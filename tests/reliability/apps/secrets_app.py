"""An application whose OTLP headers carry tokens, run so that the library has every reason to talk about them.

Usage: `python -m tests.reliability.apps.secrets_app <jsonl path>`; OTEL_* variables come from the test.

Everything the library logs goes to stderr at DEBUG (root logger), so a token in any log line of OneLogger, the
OpenTelemetry SDK or gRPC shows up. The collector endpoint is unreachable, so exports fail and are reported.
The app also prints the repr and str of every exporter and of the recorder, the messages of exceptions the
library raises for misuse (PROPAGATE_EXCEPTIONS), and the OTel exporter's delivery statistics.
"""

from __future__ import annotations

import logging
import sys

from nv_one_logger.api.config import OneLoggerErrorHandlingStrategy
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from tests.reliability.apps.common import report
from tests.support.config import make_config

FILE_EXPORTER = "nv_one_logger.exporter.file_exporter.FileExporter"
OTEL_EXPORTER = "nv_one_logger.otel.exporter.otel_exporter.OTelExporter"


def main() -> None:
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    configure_one_logger(
        make_config(OneLoggerErrorHandlingStrategy.PROPAGATE_EXCEPTIONS, name="secrets-app"),
        exporters_config=[
            {"class_name": FILE_EXPORTER, "config": {"file_path": sys.argv[1]}},
            {"class_name": OTEL_EXPORTER, "config": {"shutdown_timeout_s": 1.0}},
        ],
        exit_timeout_seconds=3,
    )
    recorder = get_recorder()
    for exporter in recorder.exporters:  # type: ignore[attr-defined]
        report("REPR", repr(exporter))
        report("STR", str(exporter))
    report("REPR", repr(recorder))
    for _ in range(20):
        with timed_span("step"):
            pass
    for misuse in (
        lambda: recorder.stop(object()),  # type: ignore[arg-type]
        lambda: OTelExporter(shutdown_timeout_s=-1),
        lambda: OTelExporter(max_queue_size=0),
    ):
        try:
            misuse()
        except OneLoggerError as e:
            report("EXC", f"{type(e).__name__}: {e} / {e!r} / cause {e.__cause__!r}")
    otel = next(e for e in recorder.exporters if isinstance(e, OTelExporter))  # type: ignore[attr-defined]
    otel.force_flush(5)
    report("STATS", otel.stats)
    report("DONE")


if __name__ == "__main__":
    main()
