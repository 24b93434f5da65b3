import pytest

from nv_one_logger.api.one_logger_provider import OneLoggerProvider
from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
from nv_one_logger.core.exceptions import OneLoggerError
from nv_one_logger.recorder.default_recorder import DefaultRecorder
from nv_one_logger.testing import InMemoryExporter, reset_one_logger
from tests.support.config import DISABLE, PROPAGATE, configure_recorder, make_config
from tests.support.log_records import library_records


def test_provider_is_a_singleton_reached_through_instance():
    assert OneLoggerProvider.instance() is OneLoggerProvider.instance()
    with pytest.raises(TypeError):
        OneLoggerProvider()


def test_before_configure():
    provider = OneLoggerProvider.instance()
    assert provider.one_logger_ready is False
    assert provider.one_logger_enabled is False
    not_configured = r"^OneLogger is not configured yet: call configure_one_logger\(\) first\.$"
    with pytest.raises(OneLoggerError, match=not_configured):
        _ = provider.recorder
    with pytest.raises(OneLoggerError, match=not_configured):
        _ = provider.config
    assert get_recorder().start("early") is None  # a stand-in, never raises (tests/api/test_configure_twice.py)


def test_configure_sets_recorder_and_config():
    config = make_config()
    recorder = DefaultRecorder([InMemoryExporter()])
    OneLoggerProvider.instance().configure(config, recorder)
    provider = OneLoggerProvider.instance()
    assert provider.config is config
    assert provider.recorder is recorder
    assert get_recorder() is recorder
    assert provider.one_logger_ready and provider.one_logger_enabled


def test_configure_again_with_the_same_objects_is_a_no_op():
    config = make_config()
    recorder = DefaultRecorder([InMemoryExporter()])
    provider = OneLoggerProvider.instance()
    provider.configure(config, recorder)
    provider.configure(config, recorder)
    assert configure_one_logger(config, recorder) is recorder
    assert configure_one_logger(config) is recorder  # same config, no recorder: keeps the configured one
    assert provider.recorder is recorder and provider.one_logger_enabled


@pytest.mark.parametrize("what", ["config", "recorder"])
def test_configure_again_with_different_objects_propagate(what):
    exporter = InMemoryExporter()
    recorder = configure_recorder(PROPAGATE, exporter)
    config = OneLoggerProvider.instance().config
    other_config = make_config(custom_metadata={"other": 1}) if what == "config" else config
    other_recorder = DefaultRecorder([InMemoryExporter()]) if what == "recorder" else recorder
    with pytest.raises(OneLoggerError, match="already configured"):
        OneLoggerProvider.instance().configure(other_config, other_recorder)
    with pytest.raises(OneLoggerError, match="already configured"):
        configure_one_logger(other_config, other_recorder)
    assert get_recorder() is recorder  # the first configuration stays in place
    assert OneLoggerProvider.instance().one_logger_enabled


def test_configure_again_with_different_objects_disable(caplog):
    first, second = InMemoryExporter(), InMemoryExporter()
    recorder = configure_recorder(DISABLE, first, second)
    configure_one_logger(make_config(DISABLE), DefaultRecorder([InMemoryExporter()]))  # no exception
    errors = library_records(caplog)
    assert len(errors) == 1 and "already configured" in errors[0].getMessage()
    # Refused, not a failure of the data: no telemetry data error, the library keeps recording.
    assert first.telemetry_data_errors == [] and second.telemetry_data_errors == []
    provider = OneLoggerProvider.instance()
    assert provider.one_logger_enabled is True
    assert get_recorder() is recorder
    recorder.stop(recorder.start("later"))
    assert first.span_names(stopped=True) == ["later"]
    assert len(library_records(caplog)) == 1


@pytest.mark.parametrize(("config", "recorder"), [("not a config", None), (None, "not a recorder")])
def test_configure_with_wrong_types_raises(config, recorder):
    real_config = make_config()
    config = real_config if config is None else config
    recorder = DefaultRecorder([]) if recorder is None else recorder
    with pytest.raises(OneLoggerError, match="expects a"):
        OneLoggerProvider.instance().configure(config, recorder)
    with pytest.raises(OneLoggerError, match="expects a"):
        configure_one_logger(config, recorder)
    assert OneLoggerProvider.instance().one_logger_ready is False


def test_force_disable_logging():
    exporter = InMemoryExporter()
    recorder = configure_recorder(PROPAGATE, exporter)
    provider = OneLoggerProvider.instance()
    provider.force_disable_logging()
    assert provider.one_logger_ready is True
    assert provider.one_logger_enabled is False
    assert recorder.start("ignored") is None
    with timed_span("ignored too") as span:
        assert span is None
    assert exporter.started_spans == []


def test_force_disable_before_configure_survives_configure():
    OneLoggerProvider.instance().force_disable_logging()
    exporter = InMemoryExporter()
    recorder = configure_recorder(PROPAGATE, exporter)
    assert OneLoggerProvider.instance().one_logger_enabled is False
    assert recorder.start("x") is None


def test_disabled_rank_is_ready_but_not_enabled():
    configure_recorder(PROPAGATE, InMemoryExporter(), enable_for_current_rank=False)
    provider = OneLoggerProvider.instance()
    assert provider.one_logger_ready is True
    assert provider.one_logger_enabled is False


def test_reset_one_logger_allows_configuring_again_and_closes_nothing():
    exporter = InMemoryExporter()
    configure_recorder(PROPAGATE, exporter)
    OneLoggerProvider.instance().force_disable_logging()
    reset_one_logger()
    assert exporter.closed is False
    assert OneLoggerProvider.instance().one_logger_ready is False
    new_exporter = InMemoryExporter()
    recorder = configure_recorder(PROPAGATE, new_exporter)
    assert OneLoggerProvider.instance().one_logger_enabled
    span = recorder.start("after reset")
    assert new_exporter.started_spans == [span]


def test_hot_path_reads_follow_every_state_change():
    provider = OneLoggerProvider.instance()
    assert (provider.active_recorder, provider.configured_recorder) == (None, None)
    recorder = DefaultRecorder([InMemoryExporter()])
    provider.configure(make_config(), recorder)
    assert provider.active_recorder is recorder and provider.configured_recorder is recorder
    provider.force_disable_logging()
    assert provider.active_recorder is None and provider.configured_recorder is recorder
    with timed_span("after disable") as span:
        assert span is None
    reset_one_logger()
    provider = OneLoggerProvider.instance()
    assert (provider.active_recorder, provider.configured_recorder) == (None, None)


def test_disabled_rank_has_a_configured_but_no_active_recorder():
    provider = OneLoggerProvider.instance()
    recorder = DefaultRecorder([])
    provider.configure(make_config(enable_for_current_rank=False), recorder)
    assert provider.active_recorder is None and provider.configured_recorder is recorder
    assert get_recorder() is recorder


def test_the_provider_and_timed_span_agree_after_the_config_object_is_edited():
    """``enable_for_current_rank`` is read at configure: an edit of the config object afterwards moves neither."""
    config = make_config()
    exporter = InMemoryExporter()
    provider = OneLoggerProvider.instance()
    provider.configure(config, DefaultRecorder([exporter]))
    config.enable_for_current_rank = False
    with timed_span("after the edit") as span:
        recorded = span is not None
    assert provider.one_logger_enabled is recorded is True
    assert [s.name_str for s in exporter.started_spans] == ["after the edit"]
