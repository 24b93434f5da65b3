"""``one-logger doctor``: show which exporters this environment would create, and why.

Telemetry configuration comes from three places (package entry points, a config file, direct configuration
in code) plus the OpenTelemetry environment variables; when data does not arrive, the first question is
"what did OneLogger think it should do?". The doctor answers it with the job's own code: each enabled exporter
is constructed as the job would construct it (its constructor checks every argument; nothing is opened or
connected before ``initialize()``), a file exporter's destination is checked, and the OTLP settings come from the
otel package's reader. ``--probe`` goes further: it sends one real export to the configured OTLP endpoint and
writes (and removes) a probe record next to each file path, and reports what happened. No secret is printed:
config values under keys that look secret, header values and URL credentials are shown as ``<redacted>``.

Exit status: 0 when the configuration is usable, 1 when a problem was found (each problem is listed). A
configuration under which no exporter would be created is reported with a warning (telemetry would go nowhere,
and how to enable an exporter) but exits 0: it is a valid state - exporters may be given in code, which this
command cannot see, or telemetry may be off on purpose.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
from typing import Any, List

from nv_one_logger.core.internal.describe import describe_exception, exception_message
from nv_one_logger.core.internal.redaction import REDACTED, redact_text, redact_url

#: A config key containing one of these words has its value redacted in the output.
SECRET_KEY_WORDS = ("header", "token", "secret", "password", "passwd", "key", "auth", "credential", "cookie")


def register(subparsers: Any) -> None:
    """Add the ``doctor`` subcommand to the ``one-logger`` parser."""
    parser = subparsers.add_parser(
        "doctor",
        help="show which exporters would be created and where their configuration comes from",
        description=(
            "Show the exporters OneLogger would create in this environment, the source of each (package entry "
            "point, config file, direct configuration), and the resolved OTLP settings when nv-one-logger-otel "
            "is installed. Nothing is created and no secret is printed."
        ),
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=None,
        help=(
            "exporter config file to check (default: $ONE_LOGGER_EXPORTER_CONFIG_PATH, then "
            "one_logger_exporters_config.{yaml,yml,json} in the working directory)"
        ),
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help=(
            "also send one real export to the configured OTLP endpoint and report what happened (connected, "
            "refused, DNS, TLS, HTTP status, auth rejected)"
        ),
    )
    parser.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    """Print the report; return 0 if the configuration is usable, 1 if problems were found."""
    # Imported here so that `one-logger --help` stays fast and a broken install still gets a parser.
    from nv_one_logger.exporter.export_config_manager import ExporterConfigManager
    from nv_one_logger.exporter.exporter_config import ExporterConfigError

    manager = ExporterConfigManager()
    report = manager.generate_export_config_with_sources(config_file_path=args.config)
    problems: List[str] = list(report.problems)
    if args.config and report.config_file is None:
        problems.extend(note for note in report.notes if "(config_file_path)" in note)
    lines: List[str] = ["OneLogger doctor", "", "Configuration sources (lowest priority first):"]
    found = ", ".join(report.entry_points) if report.entry_points else "none installed"
    lines.append(f"  1. package defaults (entry point group {manager.ENTRY_POINT_NAME}): {found}")
    if report.config_file is not None:
        lines.append(f"  2. config file: {report.config_file}  (found via {report.config_file_via}; replaces 1)")
    else:
        lines.append("  2. config file: none used; looked at:")
        lines.extend(f"       {location}" for location in report.searched)
    lines.append("  3. direct configuration: given in code to configure_one_logger(exporters_config=...),")
    lines.append("     merged over the above per class_name; not visible to this command")
    lines.extend(f"  note: {note}" for note in report.notes if note not in problems)

    lines += ["", "Exporters:"]
    if not report.entries:
        lines.append("  none: no telemetry would be exported")
    created = 0
    for number, entry in enumerate(report.entries, start=1):
        config = entry.config
        lines.append(f"  [{number}] {config.class_name}")
        lines.append(f"      source:  {entry.describe_sources()}")
        if not config.enabled:
            lines.append("      enabled: no (not created)")
        else:
            try:
                exporter = _construct(config)
                exporter_class = type(exporter)
                lines.append(
                    f"      enabled: yes -> would create {exporter_class.__module__}.{exporter_class.__qualname__}"
                )
                created += 1
                check = getattr(exporter, "check_destination", None)
                if callable(check):
                    problem = check(probe=args.probe)
                    writable = "writable (probe record written and removed)" if args.probe else "writable"
                    lines.append(f"      destination: {problem or writable}")
                    if problem:
                        problems.append(f"{config.class_name}: {problem}")
            except ExporterConfigError as e:
                lines.append("      enabled: yes, but it would NOT be created (see problems)")
                problems.append(exception_message(e))
        if config.config:
            lines.append("      config:")
            lines.extend(f"        {key}: {_format_value(key, value)}" for key, value in config.config.items())

    if importlib.util.find_spec("nv_one_logger.otel") is not None:
        lines += _otlp_lines(problems, probe=args.probe)
    else:
        lines += ["", "OTLP: nv-one-logger-otel is not installed (pip install 'nv-one-logger-core[otel]')"]

    lines.append("")
    if created == 0:
        lines += [*_no_exporter_warning(), ""]
    if problems:
        lines.append(f"Problems ({len(problems)}):")
        lines.extend(f"  - {problem}" for problem in problems)
    elif created == 0:
        lines.append("No problems found, but no exporter would be created (warning above).")
    else:
        lines.append("No problems found.")
    print(redact_text("\n".join(lines)))
    return 1 if problems else 0


def _construct(config: Any) -> Any:
    """Construct the exporter exactly as the job would (its constructor checks every argument), opening nothing.

    Exporters do no I/O before ``initialize()``. The configuration given to the constructor stands in for the
    application's ``OneLoggerConfig`` (path templates see ``session_tag`` ``doctor``). The library's own log lines
    are held back meanwhile: what they would say is reported in this command's output.
    """
    import logging

    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.exporter._exporter_factory import build_exporter

    stand_in = OneLoggerConfig(application_name="one-logger-doctor", world_size_or_fn=1, session_tag_or_fn="doctor")
    library_logger = logging.getLogger("nv_one_logger")
    previous = library_logger.disabled
    library_logger.disabled = True
    try:
        return build_exporter(config, stand_in)
    finally:
        library_logger.disabled = previous


def _no_exporter_warning() -> List[str]:
    """Say that telemetry would go nowhere, and the ways to enable an exporter (with install hints)."""

    def missing(module: str, extra: str) -> str:
        if importlib.util.find_spec(module) is None:
            return f" (not installed: pip install 'nv-one-logger-core[{extra}]')"
        return ""

    return [
        "WARNING: no exporter would be created: spans and events would be recorded and then dropped, unless the",
        "application passes exporters in code (configure_one_logger(exporters_config=...) or its own recorder).",
        "To enable an exporter, do one of:",
        "  - export ONE_LOGGER_FILE_EXPORTER_PATH=/path/to/rank{rank}-{pid}.jsonl   (JSON-lines files"
        + missing("nv_one_logger.exporter.file_exporter", "file")
        + ")",
        "  - export OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317   (OpenTelemetry over OTLP"
        + missing("nv_one_logger.otel", "otel")
        + ")",
        "  - write an exporter config file: one_logger_exporters_config.{yaml,yml,json} in the working directory,",
        "    or any path in $ONE_LOGGER_EXPORTER_CONFIG_PATH (see docs/configuration.md)",
    ]


def redact(key: str, value: Any) -> Any:
    """Return ``value`` with anything secret-looking under ``key`` (or nested keys) replaced by ``<redacted>``."""
    if any(word in key.lower() for word in SECRET_KEY_WORDS):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(key, item) for item in value]
    if isinstance(value, str) and "://" in value:
        return redact_url(value)
    return value


def _format_value(key: str, value: Any) -> str:
    shown = redact(key, value)
    if shown == REDACTED:
        return REDACTED
    return json.dumps(shown, default=str)


def _otlp_lines(problems: List[str], probe: bool) -> List[str]:
    """Ask each installed distribution's entry point for its own report (the otel package reads ``OTEL_*``).

    Core never imports OpenTelemetry and never reads the ``OTEL_*`` variables itself: the otel distribution's
    entry point module offers ``doctor_report(env, probe)``, which uses the same code as its exporter. The entry
    points are listed as the exporter configuration lists them (de-duplicated, by name), so each distribution's
    section appears once, in the order of the "Configuration sources" line.
    """
    from nv_one_logger.exporter.export_config_manager import ExporterConfigManager, _entry_points

    lines: List[str] = []
    for entry_point in _entry_points(ExporterConfigManager.ENTRY_POINT_NAME, problems=[]):  # reported above
        try:
            module = entry_point.load()
            doctor_report = getattr(module, "doctor_report", None)
            if doctor_report is None:
                continue
            section = doctor_report(os.environ, probe=probe)
        except Exception as e:  # the doctor reports, it does not crash
            problems.append(f"{entry_point.value} could not check the environment: {describe_exception(e)}")
            continue
        lines += ["", *section.lines]
        problems.extend(section.problems)
    return lines
