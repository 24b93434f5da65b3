"""The same small program twice: through the raw OpenTelemetry SDK and through OneLogger, both configured only
from the environment (the conformance tests compare what each one delivers).

``python conformance_app.py sdk``: the SDK's own environment configurator, with opentelemetry-distro's defaults
(what ``opentelemetry-instrument`` runs), builds the tracer provider and exporters from the ``OTEL_*``
variables; then spans are made with a tracer.
``python conformance_app.py onelogger``: ``configure_one_logger`` with an application name, then the same spans
with ``timed_span``.

Spans: ``application`` > ``train`` (attributes ``ATTRIBUTES``, one ``step_done`` event with ``EVENT_ATTRIBUTES``)
and ``application`` > ``evaluate``. Prints ``DONE`` after the telemetry was shut down / flushed.
"""

import sys

ATTRIBUTES = {"a1": "value-number-1", "a2": "value-number-2", "a3": "value-number-3", "a4": 4, "a5": True}
EVENT_ATTRIBUTES = {"e1": "event-value-1", "e2": "event-value-2", "e3": 3}


def run_sdk() -> None:
    import os

    from opentelemetry import trace
    from opentelemetry.sdk._configuration import _OTelSDKConfigurator

    # The defaults opentelemetry-distro sets before it runs the SDK's configurator (opentelemetry-instrument).
    os.environ.setdefault("OTEL_TRACES_EXPORTER", "otlp")
    os.environ.setdefault("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    _OTelSDKConfigurator().configure()
    tracer = trace.get_tracer("conformance")
    with tracer.start_as_current_span("application"):
        with tracer.start_as_current_span("train", attributes=ATTRIBUTES) as train:
            train.add_event("step_done", EVENT_ATTRIBUTES)
        with tracer.start_as_current_span("evaluate"):
            pass
    trace.get_tracer_provider().shutdown()  # type: ignore[attr-defined]


def run_onelogger() -> None:
    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
    from nv_one_logger.core.attributes import Attributes
    from nv_one_logger.core.event import Event

    configure_one_logger(
        OneLoggerConfig(
            application_name="conformance-app",
            world_size_or_fn=1,
            session_tag_or_fn="conformance",
            custom_metadata={"team": "infra", "cluster": "c1"},
        )
    )
    with timed_span("application"):
        with timed_span("train", span_attributes=Attributes(ATTRIBUTES)) as train:
            get_recorder().event(train, Event.create("step_done", Attributes(EVENT_ATTRIBUTES)))
        with timed_span("evaluate"):
            pass
    get_recorder().close()


if __name__ == "__main__":
    {"sdk": run_sdk, "onelogger": run_onelogger}[sys.argv[1]]()
    print("DONE", flush=True)
