"""Records spans and events forever, reporting each completed call, until the test SIGKILLs it.

Usage: `python -m tests.reliability.apps.crash_app <jsonl path>`; OTLP settings come from the environment.
Lines: `W <count>` file record written; `S <span id>` start returned; `E <span id> <step>` event returned;
`P <span id>` stop returned; `READY` once set up. The `application` span stays open for the whole run and gets
a `tick` event every 10 steps: it is the long-running span the liveness markers exist for.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from nv_one_logger.api.timed_span import get_recorder, timed_span
from nv_one_logger.core.attributes import Attributes
from nv_one_logger.core.event import Event
from tests.reliability.apps.common import configure_file_and_otel, report


def main() -> None:
    configure_file_and_otel("crash-app", Path(sys.argv[1]), reporting=True)
    recorder = get_recorder()
    report("READY")
    with timed_span("application") as application:
        report("S", application.id)
        step = 0
        while True:
            with timed_span("step", span_attributes=Attributes({"step": step})) as span:
                report("S", span.id)
                recorder.event(span, Event.create("tick", Attributes({"step": step})))
                report("E", f"{span.id} {step}")
                time.sleep(0.002)
            report("P", span.id)
            if step % 10 == 0:
                recorder.event(application, Event.create("tick", Attributes({"step": step})))
                report("E", f"{application.id} {step}")
            step += 1


if __name__ == "__main__":
    main()
