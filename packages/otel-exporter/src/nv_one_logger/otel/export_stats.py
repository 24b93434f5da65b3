"""The OTel bridge's delivery counters: what is known to have arrived, what is known lost, what is uncertain.

Why three kinds: "lost" must mean lost. An export call that is abandoned after ``OTEL_BSP_EXPORT_TIMEOUT`` may
still reach the collector (the request was sent; only the answer is late), so it is counted as *uncertain*
until the call returns, and moved to delivered or failed if it ever does. An OTLP answer that reports a
partial success (``rejected_spans``) is not "delivered" for the rejected spans: they are counted as rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class ExportStats:
    """Delivery counters of one exporter (a snapshot; read ``OTelExporter.stats``).

    Known delivered:

    - ``spans_exported``: spans the receiver accepted (a batch answered with success, minus its rejected spans).
    - ``spans_truncated``: of those, spans whose longest string values were cut to fit one request (the receiver's
      message size limit); each carries the attribute ``nv_one_logger.truncated_values``.

    Known lost (``lost`` is their sum):

    - ``spans_failed``: spans in batches the span exporter reported as failed (after its own retries), or not
      sent because the previous export call was still running.
    - ``spans_rejected``: spans the receiver answered as rejected (OTLP partial success).
    - ``spans_too_large``: spans dropped because even shrunk they did not fit one request.
    - ``calls_dropped``: export calls discarded because the queue was full (or arrived while closing).
    - ``calls_unprocessed``: calls that could not be turned into spans (an internal error, logged).
    - ``spans_abandoned``: spans (and queued calls) still pending when ``close()`` gave up.

    Not known:

    - ``spans_uncertain``: spans of export calls that did not return within ``OTEL_BSP_EXPORT_TIMEOUT``: the
      request may have reached the collector. When such a call returns later, its spans move to exported or
      failed; the ones left here never got an answer.

    ``failed_batches`` counts failed export calls; ``first_error`` is the (redacted) reason of the first loss.
    """

    spans_exported: int = 0
    spans_failed: int = 0
    calls_dropped: int = 0
    calls_unprocessed: int = 0
    spans_abandoned: int = 0
    failed_batches: int = 0
    first_error: Optional[str] = None
    spans_rejected: int = 0
    spans_too_large: int = 0
    spans_truncated: int = 0
    spans_uncertain: int = 0

    @property
    def lost(self) -> int:
        """Return how many spans (and queued calls) are known not to have reached the destination."""
        return (
            self.spans_failed
            + self.spans_rejected
            + self.spans_too_large
            + self.calls_dropped
            + self.calls_unprocessed
            + self.spans_abandoned
        )
