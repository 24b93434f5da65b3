"""``OTelExporter``: OneLogger spans and events to OpenTelemetry (OTLP), without touching the app's OTel set-up.

Data flow: recorder -> ``OTelExporter.export_*`` (application thread: one small record of the call, see
``live_calls.py``, and one ``deque.append``) -> ``ExportWorker`` (its own daemon thread: ``LiveSpanTranslator``
builds SDK ``ReadableSpan`` objects with ``mapping.py``, then the SDK's OTLP span exporter sends them) -> collector.

Isolation: the exporter owns everything it uses - its resource, its id generation, its worker and its span
exporter. It never creates or sets a global ``TracerProvider`` (it does not use a tracer at all: spans are built
from explicit data), never attaches or detaches an OTel context, and only *reads* the application's current OTel
span when ``parent_from_current_otel_span=True`` asks for it. The application's own instrumentation therefore
behaves exactly as if OneLogger were not there.

Configuration (all keyword arguments, so that an exporter config file can set them):

- ``otel_span_exporter``: any SDK ``SpanExporter``; default: the OTLP exporter built from the standard
  environment (``env.py``; ``OTEL_EXPORTER_OTLP_*``, protocol unset -> grpc).
- ``one_logger_config``: the ``OneLoggerConfig`` for the resource (see ``exporter.Exporter``; default: the
  configuration the process is set up with, read when the first batch is built - after ``configure_one_logger``
  in practice).
- ``shutdown_timeout_s`` (default 5): ``close()`` returns within this bound whatever the collector does.
- ``start_markers`` / ``event_markers`` (default True): the liveness markers (see ``live_markers.py``), sent only
  for spans open longer than ``liveness_threshold_s`` (default 1 s).
- ``legacy_fields`` (default False): also send ``span_start``/``span_stop`` events, ``duration_msec`` and
  ``timestamp_msec``, which repeat the span's own timestamps (for dashboards that query them).
- ``max_spans_per_trace`` (default 10,000): beyond it, spans continue in a linked trace (``trace_bounds.py``).
- ``trace_per_session`` (default False): every rank's root spans go into one trace derived from the session tag.
- ``TRACEPARENT`` / ``TRACESTATE`` in the environment make the root spans children of that remote parent.
- ``deterministic_ids`` (default False): ids derived from OneLogger uuids (see ``ids.py``).
- ``parent_from_current_otel_span`` (default False): root OneLogger spans become children of the application's
  current OTel span (when there is a valid one) instead of starting the run's own trace.
- ``resource_attributes``: extra resource attributes (the ``OTEL_*`` variables still win).
- ``schedule_delay_ms``, ``max_queue_size``, ``max_export_batch_size``, ``export_timeout_ms``: override
  ``OTEL_BSP_*`` (the export timeout bounds one export call, see ``pipeline.py``).

``OTEL_SDK_DISABLED=true`` turns the exporter into a no-op (nothing is built, no thread is started).
"""

from __future__ import annotations

import os
import weakref
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional

from opentelemetry import trace as otel_trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter

from nv_one_logger.core.event import ErrorEvent, Event, TelemetryDataError
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.core.identity import prime_process_facts
from nv_one_logger.core.internal.arguments import require_bool, require_number, require_optional_positive_int
from nv_one_logger.core.internal.logging import get_logger
from nv_one_logger.core.span import Span
from nv_one_logger.exporter.exporter import BaseExporter, ExporterState
from nv_one_logger.otel.env import BatchSettings, OtlpSettings
from nv_one_logger.otel.env_trace import remote_parent_from_env
from nv_one_logger.otel.ids import IdScheme
from nv_one_logger.otel.light_events import BUILT_LIKE_THE_SDK_EVENT
from nv_one_logger.otel.live_calls import Call, DataErrorCall, LossReport, StartCall, StopCall
from nv_one_logger.otel.live_spans import DEFAULT_LIVENESS_THRESHOLD_S, DEFAULT_MAX_SPANS_PER_TRACE, LiveSpanTranslator
from nv_one_logger.otel.pipeline import ExportStats, ExportWorker
from nv_one_logger.otel.resource import build_resource, environment_resource
from nv_one_logger.otel.span_exporters import Suppressed, build_span_exporter
from nv_one_logger.otel.trace_policy import TracePolicy

if TYPE_CHECKING:
    from nv_one_logger.api.config import OneLoggerConfig

_logger = get_logger(__name__)

DEFAULT_SHUTDOWN_TIMEOUT_S = 5.0
_OWNER = "OTelExporter"
_READY = ExporterState.READY


class OTelExporter(BaseExporter):
    """Exports OneLogger spans as OpenTelemetry spans over OTLP (see the module docstring)."""

    def __init__(
        self,
        otel_span_exporter: Optional[SpanExporter] = None,
        *,
        one_logger_config: Optional[OneLoggerConfig] = None,
        shutdown_timeout_s: float = DEFAULT_SHUTDOWN_TIMEOUT_S,
        start_markers: bool = True,
        event_markers: bool = True,
        deterministic_ids: bool = False,
        parent_from_current_otel_span: bool = False,
        resource_attributes: Optional[Dict[str, Any]] = None,
        liveness_threshold_s: float = DEFAULT_LIVENESS_THRESHOLD_S,
        legacy_fields: bool = False,
        max_spans_per_trace: int = DEFAULT_MAX_SPANS_PER_TRACE,
        trace_per_session: bool = False,
        schedule_delay_ms: Optional[int] = None,
        max_queue_size: Optional[int] = None,
        max_export_batch_size: Optional[int] = None,
        export_timeout_ms: Optional[int] = None,
    ) -> None:
        super().__init__(one_logger_config)
        # Every argument is checked before anything is built, so that a wrong value (often a typo in a config
        # file) is refused with a OneLoggerError naming it instead of failing later or as a bare TypeError.
        if otel_span_exporter is not None and not isinstance(otel_span_exporter, SpanExporter):
            raise OneLoggerError(
                "OTelExporter otel_span_exporter must be an opentelemetry.sdk.trace.export.SpanExporter or None, "
                f"got {type(otel_span_exporter).__name__} {otel_span_exporter!r}."
            )
        self._shutdown_timeout_s = require_number(_OWNER, "shutdown_timeout_s", shutdown_timeout_s)
        self._start_markers = require_bool(_OWNER, "start_markers", start_markers)
        self._event_markers = require_bool(_OWNER, "event_markers", event_markers)
        self._ids = IdScheme(deterministic=require_bool(_OWNER, "deterministic_ids", deterministic_ids))
        self._parent_from_app = require_bool(_OWNER, "parent_from_current_otel_span", parent_from_current_otel_span)
        self._resource_attributes = _resource_attributes(resource_attributes)
        self._liveness_threshold_s = require_number(
            _OWNER, "liveness_threshold_s", liveness_threshold_s, allow_zero=True
        )
        self._legacy_fields = require_bool(_OWNER, "legacy_fields", legacy_fields)
        require_optional_positive_int(_OWNER, "max_spans_per_trace", max_spans_per_trace)
        self._max_spans_per_trace = max_spans_per_trace
        self._trace_per_session = require_bool(_OWNER, "trace_per_session", trace_per_session)
        overrides = {
            "schedule_delay_ms": schedule_delay_ms,
            "max_queue_size": max_queue_size,
            "max_export_batch_size": max_export_batch_size,
            "export_timeout_ms": export_timeout_ms,
        }
        for name, value in overrides.items():
            require_optional_positive_int(_OWNER, name, value)
        self._settings = OtlpSettings.from_env()
        self._settings.log_problems()
        self._policy = TracePolicy.from_env()
        self.disabled = self._settings.sdk_disabled
        batch = BatchSettings.from_env()
        batch = replace(
            batch,
            schedule_delay_ms=schedule_delay_ms or batch.schedule_delay_ms,
            max_queue_size=max_queue_size or batch.max_queue_size,
            max_export_batch_size=max_export_batch_size or batch.max_export_batch_size,
            export_timeout_ms=export_timeout_ms or batch.export_timeout_ms,
        )
        self._batch = replace(batch, max_export_batch_size=min(batch.max_export_batch_size, batch.max_queue_size))
        if otel_span_exporter is not None:
            self._target = type(otel_span_exporter).__name__
        else:
            self._target = self._settings.describe()
        # Exports run with instrumentation suppressed, also with an exporter given by the application.
        self._span_exporter: Optional[SpanExporter] = (
            Suppressed(otel_span_exporter) if otel_span_exporter is not None else None
        )
        self._owns_span_exporter = otel_span_exporter is None
        if self._span_exporter is None and not self.disabled:
            self._span_exporter = build_span_exporter(self._settings)  # None for OTEL_TRACES_EXPORTER=none
        self._worker: Optional[ExportWorker[Call]] = None
        self._translator: Optional[LiveSpanTranslator] = None
        self._submit: Callable[[Call], None] = _discard
        self._submit_stop: Callable[[Call], None] = _discard
        self._base_resource: Optional[Resource] = None

    def __repr__(self) -> str:
        return f"OTelExporter(state={self.state.value!r}, target={self._target!r})"

    # --- lifecycle -----------------------------------------------------------------------------------------
    def initialize(self) -> None:
        """Start the export worker (no network I/O happens here; the resource is built with the first batch)."""
        if self.ready:
            return  # initializing twice is a no-op (the pipeline already runs)
        super().initialize()
        if self.disabled or self._span_exporter is None:
            why = "OTEL_SDK_DISABLED=true" if self.disabled else "OTEL_TRACES_EXPORTER=none"
            _logger.info("OneLogger OTel exporter: %s, nothing will be exported.", why)
            return
        prime_process_facts()  # the worker builds the resource from the identity, at its first batch
        self._base_resource = environment_resource()
        event_limit = self._policy.span_event_limit
        translator = self._translator = LiveSpanTranslator(
            self._build_resource,
            self._ids,
            event_limit=event_limit,
            start_markers=self._start_markers,
            event_markers=self._event_markers,
            liveness_threshold_s=self._liveness_threshold_s,
            legacy_fields=self._legacy_fields,
            max_spans_per_trace=self._max_spans_per_trace,
            remote_parent=remote_parent_from_env(),
            trace_per_session=self._trace_per_session,
        )
        policy = self._policy

        def process(calls: List[Call]) -> List[ReadableSpan]:
            return policy.apply(translator.process(calls), translator.trace_parents)

        self._worker = ExportWorker(
            self._span_exporter,
            process,
            self._batch,
            on_loss_recovered=self._on_loss_recovered,
            describe_target=self._target,
        )
        # Plain events become light events when the worker's span exporter sends the bridge's own encoding and
        # the installed SDK's ``Event`` reads as ``LightEvent`` expects: set before the worker thread reads it.
        translator.light_events = self._worker.sends_encoded_requests and BUILT_LIKE_THE_SDK_EVENT
        self._worker.start()
        self._submit = self._worker.submit
        self._submit_stop = self._worker.submit_stop
        _live_exporters.add(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child (a data-loader worker): a fresh worker thread, and a fresh OTLP connection.

        The parent's gRPC channel or HTTP session is not safe to use after a fork, so an exporter built from
        the environment is built again; a span exporter handed in by the application is kept as it is.
        """
        worker = self._worker
        if worker is None or self.closed:
            return
        if self._owns_span_exporter:
            self._span_exporter = build_span_exporter(self._settings)
        assert self._span_exporter is not None
        worker.after_fork_in_child(self._span_exporter)
        self._submit = worker.submit
        self._submit_stop = worker.submit_stop

    def close(self) -> None:
        """Flush and stop within ``shutdown_timeout_s``, log a loss summary if anything was lost; idempotent."""
        if self.closed:
            return
        worker = self._worker
        self._submit = _discard
        self._submit_stop = _discard
        super().close()
        if worker is None:
            return
        clean = worker.shutdown(self._shutdown_timeout_s)
        stats = worker.stats
        if stats.lost or stats.spans_uncertain:
            _logger.warning(
                "OneLogger OTel exporter closed: %d spans delivered, %d lost (%d in failed exports, %d rejected by "
                "the receiver, %d too large for one request, %d calls dropped because the queue was full, %d calls "
                "not processed, %d abandoned at close), %d uncertain (export calls that did not answer in time)%s.",
                stats.spans_exported,
                stats.lost,
                stats.spans_failed,
                stats.spans_rejected,
                stats.spans_too_large,
                stats.calls_dropped,
                stats.calls_unprocessed,
                stats.spans_abandoned,
                stats.spans_uncertain,
                "" if clean else f"; close gave up after {self._shutdown_timeout_s:g} s",
            )

    def force_flush(self, timeout_s: Optional[float] = None) -> bool:
        """Export everything recorded so far; False if not done within ``timeout_s`` (default: the close bound)."""
        worker = self._worker
        if worker is None or self.closed:
            return True
        return worker.force_flush(self._shutdown_timeout_s if timeout_s is None else timeout_s)

    @property
    def stats(self) -> ExportStats:
        """Delivery counters: known delivered, known lost (``stats.lost`` is their total) and uncertain.

        See ``nv_one_logger.otel.export_stats.ExportStats`` for every field.
        """
        return self._worker.stats if self._worker is not None else ExportStats()

    # --- hot path: one state check, one small record (``live_calls``) and one deque.append each ------------
    def export_start(self, span: Span) -> None:
        """Record that ``span`` started (sent as a start marker if it is still open at the next batch)."""
        if self._state is not _READY:
            self._check_ready("export_start")
        if self._parent_from_app and span.parent_span is None:
            self._submit(StartCall((span, otel_trace.get_current_span().get_span_context())))
        else:
            self._submit(StartCall((span, None)))

    def export_event(self, event: Event, span: Span) -> None:
        """Record an event on ``span`` (a span event; also sent in an event marker while the span is open)."""
        if self._state is not _READY:
            self._check_ready("export_event")
        self._submit((span, event))  # an ``EventCall``: a bare tuple (``live_calls``)

    def export_error(self, event: ErrorEvent, span: Span) -> None:
        """Record an application error: an ``exception`` span event and status ERROR on the span."""
        if self._state is not _READY:
            self._check_ready("export_error")
        self._submit((span, event))  # an ``EventCall``

    def export_stop(self, span: Span) -> None:
        """Record that ``span`` stopped: its one complete OTel span is built and sent."""
        if self._state is not _READY:
            self._check_ready("export_stop")
        self._submit_stop(StopCall((span,)))

    def export_telemetry_data_error(self, error: TelemetryDataError) -> None:
        """Send a ``telemetry_data_error`` span at once and flag the root span of the run."""
        self._check_ready("export_telemetry_data_error")
        self._submit(DataErrorCall((error,)))

    # --- internals -----------------------------------------------------------------------------------------
    def _build_resource(self) -> Resource:
        """Build the resource (on the worker, at the first batch: the provider is configured by then)."""
        try:
            return build_resource(self.current_one_logger_config(), self._resource_attributes, self._base_resource)
        except Exception as error:  # spans without our resource attributes beat no spans at all
            _logger.warning("OneLogger OTel exporter: could not build the resource (%s); using the SDK's.", error)
            return self._base_resource if self._base_resource is not None else Resource.create({})

    def _on_loss_recovered(self, stats: ExportStats) -> None:
        """Report our own delivery loss in the trace, now that delivery works again (worker thread)."""
        error_type = (
            TelemetryDataError.ErrorType.INCOMPLETE_TELEMETRY_DATA.value
            if stats.spans_exported
            else TelemetryDataError.ErrorType.NO_TELEMETRY_DATA.value
        )
        message = (
            f"OneLogger could not deliver {stats.lost} spans or calls to {self._target} "
            f"(first error: {stats.first_error})"
        )
        worker = self._worker
        if worker is not None:
            worker.submit_internal(LossReport((error_type, message)))


_live_exporters: weakref.WeakSet[OTelExporter] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for exporter in list(_live_exporters):
        try:
            exporter._after_fork_in_child()
        except Exception:  # never break the child process over telemetry
            _logger.warning("OneLogger OTel exporter: could not restart after fork", exc_info=True)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _resource_attributes(value: object) -> Dict[str, Any]:
    """Return a copy of ``resource_attributes``: None or a mapping with non-empty string keys."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise OneLoggerError(
            f"OTelExporter resource_attributes must be a mapping of attribute names to values or None, got "
            f"{type(value).__name__} {value!r}."
        )
    bad = [key for key in value if not isinstance(key, str) or not key.strip()]
    if bad:
        raise OneLoggerError(f"OTelExporter resource_attributes keys must be non-empty strings, got {bad[0]!r}.")
    return dict(value)


def _discard(call: Call) -> None:
    """Drop ``call``: the submit function while there is no worker (disabled, or closed)."""
