"""Exporters that build a job identity look the installed versions up at ``initialize``, the others do not.

The lookup imports ``importlib.metadata`` the first time; done lazily on a recording or export thread, a fork
while that thread holds an import lock leaves a child that hangs at its first identity
(``identity.prime_process_facts``). Each case runs in a fresh interpreter: the facts are per process.
"""

import sys

import pytest

from tests.support.processes import run_command

_CASES = {
    "file": (
        "from nv_one_logger.exporter.file_exporter import FileExporter\n"
        "exporter = FileExporter(file_path=sys.argv[1] + '/records.jsonl')\n",
        True,
    ),
    "otel": (
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter\n"
        "from nv_one_logger.otel.exporter.otel_exporter import OTelExporter\n"
        "exporter = OTelExporter(InMemorySpanExporter())\n",
        True,
    ),
    "logger": (
        "from nv_one_logger.exporter.logger_exporter import LoggerExporter\nexporter = LoggerExporter()\n",
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_versions_are_looked_up_at_initialize_only_by_identity_builders(case, tmp_path):
    build, primes = _CASES[case]
    code = (
        "import sys\n"
        "from nv_one_logger.core import identity\n"
        f"{build}"
        "before = identity._FACTS._versions is not None\n"
        "exporter.initialize()\n"
        "after = identity._FACTS._versions is not None\n"
        "provider = 'nv_one_logger.api.one_logger_provider' in sys.modules\n"
        "exporter.close()\n"
        "print(before, after, provider)\n"
    )
    out = run_command([sys.executable, "-c", code, str(tmp_path)], timeout=120)
    words = out.stdout.split()
    assert words[:2] == ["False", str(primes)], out.stdout + out.stderr
    if primes:  # an identity built without a config reads the provider: its module is imported at set-up too
        assert words[2] == "True", out.stdout + out.stderr
