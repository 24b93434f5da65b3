"""The OTel resource of a OneLogger run: who produced the spans (service, session, rank, host, process).

Precedence, from lowest to highest (the operator's environment always wins over what the code computes):

1. computed from the ``OneLoggerConfig`` and the process: ``service.name`` (= ``application_name``),
   ``service.instance.id`` (the SDK's per-process uuid, the same one the application's own OTel set-up reports;
   a uuid4 with SDKs too old to detect one), ``one_logger.application_name``,
   ``one_logger.session_tag``, ``one_logger.world_size``, ``one_logger.is_baseline_run``, ``one_logger.rank``
   (from the ``RANK`` variable when it is an integer), ``host.name``, ``process.pid``,
   ``telemetry.distro.name`` / ``telemetry.distro.version`` (this distribution, as OpenTelemetry distributions
   report themselves), and each ``OneLoggerConfig.custom_metadata`` entry as
   ``one_logger.custom_metadata.<key>``;
2. ``extra`` attributes given to the exporter (``resource_attributes=`` in its config);
3. ``OTEL_RESOURCE_ATTRIBUTES`` and then ``OTEL_SERVICE_NAME`` (read by the SDK's own resource detector, so the
   parsing is exactly the SDK's).

Config values given as callables (``world_size_or_fn``...) are evaluated once, when the exporter is initialized;
one that fails is skipped with a warning rather than failing the exporter.

The SDK reads ``OTEL_RESOURCE_ATTRIBUTES`` each time its detector runs (three times while an exporter starts)
and warns about a malformed entry each time; its resources logger gets a filter that lets each distinct
message through once per process (the repeats are counted and reported at exit).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any, Dict, Mapping, Optional

from opentelemetry.sdk.resources import OTELResourceDetector, Resource

from nv_one_logger.core.internal.logging import OncePerProcessFilter, get_logger
from nv_one_logger.otel.attributes import OTelValue, to_otel_attributes
from nv_one_logger.otel.mapping import DISTRIBUTION_NAME, DISTRIBUTION_VERSION

_logger = get_logger(__name__)
CUSTOM_METADATA_PREFIX = "one_logger.custom_metadata."
_SDK_RESOURCES_LOGGER = logging.getLogger("opentelemetry.sdk.resources")
if not any(isinstance(existing, OncePerProcessFilter) for existing in _SDK_RESOURCES_LOGGER.filters):
    _SDK_RESOURCES_LOGGER.addFilter(OncePerProcessFilter())


def _config_value(config: Any, name: str) -> Any:
    try:
        return getattr(config, name)
    except Exception as error:  # a user callable behind a *_or_fn field may fail; the resource must not
        _logger.warning("OneLogger OTel resource: could not read %s from the config (%s); skipped.", name, error)
        return None


def computed_resource_attributes(config: Any = None, env: Optional[Mapping[str, str]] = None) -> Dict[str, OTelValue]:
    """Layer 1 of the module docstring (without anything from the OTEL_* variables)."""
    env = os.environ if env is None else env
    attributes: Dict[str, Any] = {
        "host.name": socket.gethostname(),
        "process.pid": os.getpid(),
        "telemetry.distro.name": DISTRIBUTION_NAME,
        "telemetry.distro.version": DISTRIBUTION_VERSION,
    }
    rank = (env.get("RANK") or "").strip()
    if rank.lstrip("-").isdigit():
        attributes["one_logger.rank"] = int(rank)
    if config is not None:
        for key, name in (
            ("service.name", "application_name"),
            ("one_logger.application_name", "application_name"),
            ("one_logger.session_tag", "session_tag"),
            ("one_logger.world_size", "world_size"),
            ("one_logger.is_baseline_run", "is_baseline_run"),
        ):
            value = _config_value(config, name)
            if value is not None:
                attributes[key] = value
        metadata = _config_value(config, "custom_metadata")
        if isinstance(metadata, Mapping):
            for key, value in metadata.items():
                attributes[f"{CUSTOM_METADATA_PREFIX}{key}"] = value
    return to_otel_attributes(attributes)


def environment_resource() -> Resource:
    """Return the SDK's resource for this process: ``telemetry.sdk.*``, detectors, ``OTEL_*`` variables.

    Built once when the exporter is initialized: ``Resource.create`` runs the detectors in a thread pool, which
    is not allowed any more while the interpreter shuts down (when a short job's first batch may be built).
    """
    return Resource.create({})


def build_resource(
    config: Any = None, extra: Optional[Mapping[str, Any]] = None, base: Optional[Resource] = None
) -> Resource:
    """Build the resource of the exporter (see the module docstring for the precedence).

    ``base`` is ``environment_resource()`` (computed now when not given).
    """
    base = environment_resource() if base is None else base
    attributes = computed_resource_attributes(config)
    if extra:
        attributes.update(to_otel_attributes(extra))
    for key in OTELResourceDetector().detect().attributes:  # the operator's variables win
        attributes.pop(key, None)
    resource = base.merge(Resource(attributes))
    if not resource.attributes.get("service.instance.id"):  # SDKs before 1.3x do not detect one
        resource = resource.merge(Resource({"service.instance.id": str(uuid.uuid4())}))
    return resource
