"""An application configured from an exporter config file that names things which are not exporters.

Usage: `python -m tests.reliability.apps.config_app <marker dir> [<config file>]`. Without a config file argument
the file is found the usual way (ONE_LOGGER_EXPORTER_CONFIG_PATH, or one_logger_exporters_config.* in the
working directory). APP_DIRECT_CONFIG (JSON), if set, is passed as `exporters_config`.

`builtins.eval` and `builtins.exec` are replaced by tripwires that accept any keyword arguments (so only the
exporter-class check can stop a call from configuration) and leave a marker file when called with keyword
arguments; calls from the standard library (positional) go to the real functions. `subprocess.Popen` and
`os.system` stay real: the configuration asks them to `touch` a marker file.

Lines: `DONE <exporter class names>` after recording a few spans.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
from pathlib import Path
from typing import Any

from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from tests.reliability.apps.common import report
from tests.support.config import DISABLE, make_config


def install_tripwires(marker_dir: Path) -> None:
    for name in ("eval", "exec"):
        real = getattr(builtins, name)

        def tripwire(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            if kwargs:
                (marker_dir / f"{_name}-called").write_text(repr(kwargs))
                return None
            return _real(*args)

        setattr(builtins, name, tripwire)


def main() -> None:
    marker_dir = Path(sys.argv[1])
    install_tripwires(marker_dir)
    direct = os.environ.get("APP_DIRECT_CONFIG")
    configure_one_logger(
        make_config(DISABLE, name="config-app"),
        config_file_path=sys.argv[2] if len(sys.argv) > 2 else None,
        exporters_config=json.loads(direct) if direct else None,
    )
    recorder = get_recorder()
    for _ in range(3):
        with timed_span("step"):
            pass
    report("DONE", " ".join(type(e).__name__ for e in recorder.exporters))  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
