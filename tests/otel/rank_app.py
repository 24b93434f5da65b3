"""One rank of a small multi-rank job: ``python rank_app.py {carrier|session}`` with RANK and OTEL_* set.

``carrier``: the job's place in a pipeline trace comes from TRACEPARENT/TRACESTATE in the environment.
``session``: the exporter derives the job's trace from the session tag (``trace_per_session=True``).
Each rank records an application span with two steps and prints DONE.
"""

import logging
import sys

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder


def main(mode: str) -> int:
    logging.basicConfig(level=logging.WARNING)  # the library's warnings reach stderr (the test reads them)
    exporter = OTelExporter(trace_per_session=mode == "session")
    config = OneLoggerConfig(application_name="three-ranks", world_size_or_fn=3, session_tag_or_fn="job-3r")
    configure_one_logger(config, DefaultRecorder([exporter]))
    with timed_span("application"):
        for _ in range(2):
            with timed_span("step"):
                pass
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
