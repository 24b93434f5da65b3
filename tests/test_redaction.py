"""The one place both the doctor (core) and the otel package take their secret redaction from."""

import pytest

from nv_one_logger.core.internal.redaction import (
    MALFORMED_HEADER,
    REDACTED,
    header_names,
    redact_header_entry,
    redact_url,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Authorization=Bearer s3cret", ("authorization",)),
        ("Authorization: Bearer s3cret", (MALFORMED_HEADER,)),
        ("x-token=abc,def=s3cret", ("x-token", "def")),
        ("x-token=abc,s3cret-part", ("x-token", MALFORMED_HEADER)),
        ("x%2Dapi%2Dkey=s3cret", ("x-api-key",)),
        ("", ()),
    ],
)
def test_header_names_never_keep_values(raw, expected):
    names = header_names(raw)
    assert names == expected
    assert all("s3cret" not in name for name in names)


def test_header_entry_and_url_redaction():
    assert redact_header_entry("x-token=s3cret") == f"x-token={REDACTED}"
    assert redact_header_entry("Bearer s3cret") == REDACTED
    assert redact_url("https://user:s3cret@collector:4318/v1/traces?token=s3cret") == (
        f"https://{REDACTED}@collector:4318/v1/traces?{REDACTED}"
    )


def test_doctor_and_otel_package_share_the_same_functions():
    from nv_one_logger.cli import doctor
    from nv_one_logger.otel import env

    assert env.redact_url is redact_url and doctor.redact_url is redact_url
    assert env.header_names is header_names


# -- the one redaction step for everything that leaves the library ------------------------------------------


def test_redact_text_removes_url_credentials_in_any_shape():
    from nv_one_logger.core.internal.redaction import redact_text

    redact_url("http://user:Pw%2Fin%2Furl0451@collector:4317")  # the library saw the endpoint: the password is known
    text = redact_text(
        "Failed to export traces to user:Pw%2Fin%2Furl0451@collector:4317 (see http://u:other@h:1/p?token=t0k3n), "
        "decoded Pw/in/url0451, bare Pw%2Fin%2Furl0451."
    )
    assert "url0451" not in text and "other" not in text and "t0k3n" not in text
    assert text.count(REDACTED) == 5
    assert "collector:4317" in text and "h:1/p" in text


def test_library_exceptions_are_redacted():
    from nv_one_logger.core.exceptions import OneLoggerError
    from nv_one_logger.exporter.exporter import ExportError

    for error in (OneLoggerError("cannot reach http://a:Exc-pw-77@h:1"), ExportError("to a:Exc-pw-77@h:1 failed")):
        assert "Exc-pw-77" not in str(error) and "Exc-pw-77" not in repr(error) and REDACTED in str(error)


def test_every_library_logger_redacts(caplog):
    """Every logger of the packages carries the redacting filter (a bare logging.getLogger would bypass it)."""
    import importlib
    import logging
    import pkgutil

    import nv_one_logger
    from nv_one_logger.core.internal.logging import REDACTING_FILTER
    from nv_one_logger.exporter.logger_exporter import LoggerExporter

    modules = {"nv_one_logger", "nv_one_logger.safe_execution"}
    for module in pkgutil.walk_packages(nv_one_logger.__path__, "nv_one_logger."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
            modules.add(module.name)
    loggers = [
        logger
        for name, logger in logging.Logger.manager.loggerDict.items()
        if name in modules  # the library's own loggers (tests create others under nv_one_logger.)
        and isinstance(logger, logging.Logger)  # not the placeholders of intermediate names
        and name != LoggerExporter.DEFAULT_LOGGER_NAME  # telemetry records (application data) go there
    ]
    assert len(loggers) >= 10
    missing = [logger.name for logger in loggers if REDACTING_FILTER not in logger.filters]
    assert missing == []
    logger = logging.getLogger("nv_one_logger.otel.pipeline")
    with caplog.at_level(logging.WARNING, logger="nv_one_logger"):
        logger.warning("reason: %s", "resolving user:Log-pw-99@host:4317 failed")
    assert "Log-pw-99" not in caplog.text and f"{REDACTED}@host:4317" in caplog.text
