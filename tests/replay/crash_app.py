"""A job that dies with spans still open: ``python crash_app.py RECORD_FILE``.

Writes with the FileExporter (one O_APPEND write per record), opens ``application`` and ``train``, records an
event, runs one complete ``step`` span, then ``os._exit`` -- no stop, no close, like a SIGKILL or a node failure.
"""

import os
import sys

from nv_one_logger.api.config import OneLoggerConfig
from nv_one_logger.api.timed_span import configure_one_logger, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from nv_one_logger.exporter.file_exporter import FileExporter
from nv_one_logger.recorder.default_recorder import DefaultRecorder

recorder = DefaultRecorder([FileExporter(sys.argv[1])])
configure_one_logger(OneLoggerConfig(application_name="crash", world_size_or_fn=1, session_tag_or_fn="c"), recorder)
rank = int(sys.argv[2]) if len(sys.argv) > 2 else 0
with timed_span("application", span_attributes=Attributes({"rank": rank})), timed_span("train") as train:
    recorder.event(train, Event.create("checkpoint", Attributes({"step": 1})))
    with timed_span("step"):
        pass
    os._exit(0)
