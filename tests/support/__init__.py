"""Helpers shared by the test modules, one module per concept (a test imports ``tests.support.<module>``).

Real parts, started by the tests themselves:
- ``collector`` / ``otlp_sink`` / ``tls``: the rotel OTLP collector, the in-test OTLP sink (plain and TLS), a
  black-hole port; ``fixtures``: their pytest fixtures, registered for the whole suite by tests/conftest.py.
- ``wheels``: our distributions built once per run and installed into fresh venvs; ``browser``: headless chromium.
- ``processes``: child processes with faulthandler on (``run_command``, ``child_env``, ``AppProcess``);
  ``waiting``: wait for a condition (``poll``, ``wait_until``), never for a fixed time.

Set-up and input:
- ``config``: ``make_config`` / ``configure_recorder``; ``environment``: the ``OTEL_*`` / ``ONE_LOGGER_*``
  variables a test sees; ``config_exporters``: exporter classes that configuration names; ``failing_exporters``.
- ``record_builders`` / ``multirank_run`` / ``big_record_file``: record files written by hand.
- ``reference_job`` (replay), ``otel_job`` (the OTel bridge in-process or in a child), ``training_telemetry_job``
  (the 2.3.1 training-telemetry library), ``fault_app`` (the collector-fault application), ``fuzz_values``.

Reading results back:
- ``exporter_calls``: an exporter driven as the recorder drives it; ``jsonl``: exporter output, strictly;
  ``received_spans``: spans the sink received; ``chrome_trace``: a valid Chrome trace; ``log_records``:
  captured log records; ``cli_in_process``: the summary/chrome-trace commands.
- ``doc_blocks`` / ``doc_runner``: the examples of README.md and docs/, extracted and run.
"""
