from tests.support.fixtures import black_hole, otlp_sink, rotel  # noqa: F401
