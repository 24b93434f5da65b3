"""Recorders: the machinery between the API and the exporters (``DefaultRecorder``)."""
