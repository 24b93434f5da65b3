"""Where and how a replay sends its spans: the OTLP span exporter, the per-process resource, batched export.

The OTLP exporter is the SDK's own, built from the settings that ``env.OtlpSettings`` resolves from the standard
``OTEL_EXPORTER_OTLP_*`` variables exactly as for the live exporter (headers, TLS, timeout and compression keep
working). ``--endpoint`` and ``--protocol`` only override the endpoint and the protocol; ``--endpoint`` means
what ``OTEL_EXPORTER_OTLP_ENDPOINT`` means (for ``http/protobuf`` a base URL, to which ``/v1/traces`` is
appended) and is checked by the same rules (``env_endpoint.resolve_endpoint``). ``OTEL_TRACES_SAMPLER`` applies
per trace, as in live export (``trace_policy.py``).

Spans are exported synchronously, batch by batch (``OTEL_BSP_MAX_EXPORT_BATCH_SIZE`` spans per request, default
512): a replay is a batch job, so there is nothing to gain from a background queue, and a synchronous export
tells exactly which spans were delivered. The SDK exporter retries transient failures itself (within
``OTEL_EXPORTER_OTLP_TIMEOUT``); a batch that still fails stops the replay, because the ids are deterministic
and re-running the whole replay later is safe (the backend receives the same spans again, not a second trace).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence

from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from nv_one_logger.core.identity import JobIdentity
from nv_one_logger.core.internal.describe import describe_exception
from nv_one_logger.otel.attributes import to_otel_attributes
from nv_one_logger.otel.env import BatchSettings, OtlpSettings
from nv_one_logger.otel.mapping import build_readable_span
from nv_one_logger.otel.replay.plan import PlannedSpan
from nv_one_logger.otel.resource import build_resource
from nv_one_logger.otel.span_exporters import Suppressed, build_otlp_exporter
from nv_one_logger.otel.trace_policy import TracePolicy

ATTR_REPLAYED = "one_logger.replay.replayed"


def replay_settings(
    endpoint: Optional[str] = None, protocol: Optional[str] = None, env: Optional[Mapping[str, str]] = None
) -> OtlpSettings:
    """Resolve the OTLP settings from the environment and the overrides (``--endpoint``, ``--protocol``).

    Raises ``OneLoggerError`` for an unsupported protocol.
    """
    return OtlpSettings.from_env(os.environ if env is None else env, endpoint, protocol)


def build_replay_span_exporter(settings: OtlpSettings) -> SpanExporter:
    """Build the SDK's OTLP span exporter for ``settings``; raises ``OneLoggerError`` for an unusable endpoint."""
    return Suppressed(build_otlp_exporter(settings))


def replay_resource(pid: int, trace_id: int, identity: Optional[JobIdentity] = None) -> Resource:
    """Build the resource of one replayed process.

    With the file's identity record (``identity``), the resource is the live exporter's, rebuilt by the same
    function (``resource.build_resource``) from the same identity: service, session, rank, host, pid, instance id,
    custom metadata, versions. Files from older versions have no identity record; a replay then sets what it knows
    -- ``process.pid`` of the writer and a ``service.instance.id`` derived from the trace id (stable across
    replays). Either way ``one_logger.replay.replayed = true`` is added, and ``OTEL_SERVICE_NAME`` and
    ``OTEL_RESOURCE_ATTRIBUTES`` win, as they do for the live exporter.
    """
    if identity is not None:
        return build_resource(identity=identity).merge(Resource({ATTR_REPLAYED: True}))
    attributes: Dict[str, object] = {
        "process.pid": pid,
        ATTR_REPLAYED: True,
        "service.instance.id": str(uuid.UUID(int=trace_id)),
    }
    for key in OTELResourceDetector().detect().attributes:
        attributes.pop(key, None)
    return Resource.create(to_otel_attributes(attributes))


@dataclass
class SendResult:
    """What the export did: spans delivered, spans not delivered, and the reason of the first failure."""

    sent: int = 0
    not_sent: int = 0
    sampled_out: int = 0
    error: Optional[str] = None


def send_planned_spans(
    spans: Sequence[PlannedSpan],
    span_exporter: SpanExporter,
    resources: Callable[[PlannedSpan], Resource],
    batch_size: Optional[int] = None,
    on_progress: Optional[Callable[[int], None]] = None,
) -> SendResult:
    """Export ``spans`` in batches; stop at the first failed batch (see the module docstring).

    ``resources`` gives the resource of a span (one per pid); ``on_progress`` receives the number of spans
    handled so far after each batch. The span exporter is shut down at the end in every case.
    """
    size = batch_size or BatchSettings.from_env().max_export_batch_size
    policy = TracePolicy.from_env()
    result = SendResult()
    try:
        for start in range(0, len(spans), size):
            planned = spans[start : start + size]
            batch: List[ReadableSpan] = policy.apply([build_readable_span(p.data, resources(p)) for p in planned])
            result.sampled_out += len(planned) - len(batch)
            try:
                outcome = span_exporter.export(batch) if batch else SpanExportResult.SUCCESS
            except Exception as exc:  # an exporter should not raise, but a replay must report, not crash
                outcome, result.error = SpanExportResult.FAILURE, f"{describe_exception(exc)}"
            if outcome != SpanExportResult.SUCCESS:
                result.not_sent = len(spans) - start
                result.error = result.error or "the OTLP exporter reported a failed export (see the log above)"
                break
            result.sent += len(batch)
            if on_progress is not None:
                on_progress(result.sent + result.sampled_out)
    finally:
        span_exporter.shutdown()
    return result
