"""A tiny instrumented job that configures OneLogger with ``configure_one_logger`` only.

Everything about OpenTelemetry comes from the environment the test sets (OTEL_EXPORTER_OTLP_*), exactly as an
operator would do it. Modes:

- ``run``: an application span with a nested train span, three events and a child span; exits normally (the exit
  hook closes the recorder and flushes).
- ``hang``: the same, but it stays inside the train span after the events and prints ``HANG`` (the test
  SIGKILLs it); ``hang`` prints the OneLogger uuid of the train span first.
"""

import sys
import time

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event


def main(mode: str) -> int:
    configure_one_logger(
        OneLoggerConfig(application_name="env-only-app", world_size_or_fn=2, session_tag_or_fn="env-session")
    )
    with timed_span("application"), timed_span("train", span_attributes=Attributes({"epochs": 3})) as train:
        for step in range(3):
            get_recorder().event(train, Event.create("step_done", Attributes({"step": step})))
        with timed_span("evaluate"):
            pass
        if mode == "hang":
            print(f"TRAIN {train.id}", flush=True)
            print("HANG", flush=True)
            time.sleep(600)
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
