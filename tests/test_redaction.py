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
    from nv_one_logger.cli import _otlp_env, doctor
    from nv_one_logger.otel import env

    assert env.redact_url is redact_url and doctor.redact_url is redact_url
    assert env.header_names is header_names and _otlp_env.header_names is header_names
