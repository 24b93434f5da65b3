from tests.support.fixtures import built_distributions, fresh_venv, otlp_sink, rotel  # noqa: F401
