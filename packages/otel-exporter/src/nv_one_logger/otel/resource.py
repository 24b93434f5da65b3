"""The OTel resource of a OneLogger run: who produced the spans (service, session, rank, host, process).

Precedence, from lowest to highest (the operator's environment always wins over what the code computes):

1. the job identity (``nv_one_logger.core.identity``, the same one the JSON record files start with), as
   ``identity_resource_attributes`` maps it: ``service.name`` (= ``application_name``), ``service.instance.id``
   (the identity's per-process instance id), ``one_logger.application_name``, ``one_logger.session_tag``,
   ``one_logger.world_size``, ``one_logger.is_baseline_run``, ``one_logger.rank`` (from ``RANK``),
   ``host.name``, ``process.pid``, every ``custom_metadata`` entry as ``one_logger.custom_metadata.<key>``,
   the library versions as ``one_logger.version.<distribution>`` (``one_logger.version.python`` too), and
   ``telemetry.distro.name`` / ``telemetry.distro.version`` (this distribution, as OpenTelemetry distributions
   report themselves);
2. ``extra`` attributes given to the exporter (``resource_attributes=`` in its config);
3. ``OTEL_RESOURCE_ATTRIBUTES`` and then ``OTEL_SERVICE_NAME`` (read by the SDK's own resource detector, so the
   parsing is exactly the SDK's).

Because layer 1 is a function of the identity alone, ``one-logger replay`` rebuilds the live run's resource from
a file's identity record (``replay.send.replay_resource``). Config values given as callables are evaluated
once, when the first batch is built; one that fails is left out with a warning rather than failing the exporter.

The SDK reads ``OTEL_RESOURCE_ATTRIBUTES`` each time its detector runs (three times while an exporter starts)
and warns about a malformed entry each time; its resources logger gets a filter that lets each distinct
message through once per process (the repeats are counted and reported at exit).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional

from opentelemetry.sdk.resources import OTELResourceDetector, Resource

from nv_one_logger.core.identity import JobIdentity, current_identity
from nv_one_logger.core.internal.logging import OncePerProcessFilter
from nv_one_logger.otel.attributes import OTelValue, to_otel_attributes
from nv_one_logger.otel.mapping import DISTRIBUTION_NAME, DISTRIBUTION_VERSION

CUSTOM_METADATA_PREFIX = "one_logger.custom_metadata."
VERSION_PREFIX = "one_logger.version."
_SDK_RESOURCES_LOGGER = logging.getLogger("opentelemetry.sdk.resources")
if not any(isinstance(existing, OncePerProcessFilter) for existing in _SDK_RESOURCES_LOGGER.filters):
    _SDK_RESOURCES_LOGGER.addFilter(OncePerProcessFilter())


def identity_resource_attributes(identity: JobIdentity) -> Dict[str, OTelValue]:
    """Layer 1 of the module docstring: the resource attributes of a job identity (unknown fields left out)."""
    attributes: Dict[str, Any] = {
        "service.name": identity.application,
        "service.instance.id": identity.instance_id,
        "one_logger.application_name": identity.application,
        "one_logger.session_tag": identity.session_tag,
        "one_logger.world_size": identity.world_size,
        "one_logger.is_baseline_run": identity.is_baseline_run,
        "one_logger.rank": identity.rank,
        "host.name": identity.host,
        "process.pid": identity.pid,
        "telemetry.distro.name": DISTRIBUTION_NAME,
        "telemetry.distro.version": DISTRIBUTION_VERSION,
    }
    for key, value in identity.custom_metadata.items():
        attributes[CUSTOM_METADATA_PREFIX + key] = value
    for name, version in identity.versions.items():
        attributes[VERSION_PREFIX + name] = version
    return to_otel_attributes({key: value for key, value in attributes.items() if value is not None})


def computed_resource_attributes(config: Any = None, env: Optional[Mapping[str, str]] = None) -> Dict[str, OTelValue]:
    """Layer 1 for this process (``config`` None: the configured provider's config, if any)."""
    return identity_resource_attributes(current_identity(config, env))


def environment_resource() -> Resource:
    """Return the SDK's resource for this process: ``telemetry.sdk.*``, detectors, ``OTEL_*`` variables.

    Built once when the exporter is initialized: ``Resource.create`` runs the detectors in a thread pool, which
    is not allowed any more while the interpreter shuts down (when a short job's first batch may be built).
    """
    return Resource.create({})


def build_resource(
    config: Any = None,
    extra: Optional[Mapping[str, Any]] = None,
    base: Optional[Resource] = None,
    identity: Optional[JobIdentity] = None,
) -> Resource:
    """Build the resource of the exporter (see the module docstring for the precedence).

    ``base`` is ``environment_resource()`` (computed now when not given); ``identity`` (default: this process's,
    from ``config``) is what layer 1 is computed from - a replay passes the identity recorded in the file.
    """
    base = environment_resource() if base is None else base
    if identity is None:
        identity = current_identity(config)
    attributes = identity_resource_attributes(identity)
    if extra:
        attributes.update(to_otel_attributes(extra))
    for key in OTELResourceDetector().detect().attributes:  # the operator's variables win
        attributes.pop(key, None)
    return base.merge(Resource(attributes))
