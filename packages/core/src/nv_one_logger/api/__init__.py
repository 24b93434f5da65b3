"""The public API: configuration, the provider, the ``Recorder`` interface, ``timed_span`` and ``timed``.

Modules are imported explicitly (``from nv_one_logger.api.timed_span import timed_span``); this package does
not import them eagerly, so importing the configuration does not pull in the recorder machinery.
"""
