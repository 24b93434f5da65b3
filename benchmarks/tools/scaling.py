"""Figures for docs/scaling.md: ``python -m benchmarks.tools.scaling``.

1. *Per rank*: the OTel spans and OTLP bytes one rank produces for typical training-loop shapes, measured by
   running the loop through the real ``OTelExporter`` (into an in-memory span exporter) and encoding what it
   produced with the SDK's OTLP protobuf encoder. Bytes per iteration do not depend on the step time; spans and
   bytes per second are those per iteration times the iteration rate.
2. *Collector*: what one rotel process on this machine accepts, measured by OTLP/gRPC clients (separate
   processes) sending pre-encoded requests of real OneLogger spans to rotel with its black-hole exporter, for a
   fixed time; spans per second accepted and rotel's CPU time per span.

Prints one JSON object. The collector figure is a lower bound on a loaded machine: the clients share the CPUs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

LOOPS: Dict[str, Tuple[int, int]] = {
    # name: (spans per iteration below the iteration span, iterations per metrics event)
    "iteration only": (0, 0),
    "iteration + data_load + forward_backward, metrics every 10": (2, 10),
    "iteration + 5 phases, metrics every iteration": (5, 1),
}


def _loop_spans(children: int, metrics_every: int, iterations: int) -> Tuple[List[Any], int]:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from nv_one_logger.api.config import OneLoggerConfig
    from nv_one_logger.api.timed_span import configure_one_logger, get_recorder, timed_span
    from nv_one_logger.core.attributes import Attributes
    from nv_one_logger.core.event import Event
    from nv_one_logger.otel.exporter.otel_exporter import OTelExporter
    from nv_one_logger.recorder.default_recorder import DefaultRecorder
    from nv_one_logger.testing import reset_one_logger

    reset_one_logger()
    memory = InMemorySpanExporter()
    exporter = OTelExporter(memory, schedule_delay_ms=60_000, max_queue_size=10 * iterations * (children + 2))
    config = OneLoggerConfig(application_name="pretrain", world_size_or_fn=1024, session_tag_or_fn="run-1")
    configure_one_logger(config, DefaultRecorder([exporter]))
    events = 0
    with timed_span("application"), timed_span("training_loop") as loop:
        for i in range(iterations):
            with timed_span("iteration", span_attributes=Attributes({"iteration": i})):
                for phase in range(children):
                    with timed_span(f"phase_{phase}"):
                        pass
            if metrics_every and i % metrics_every == 0:
                attributes = Attributes({"loss": 1.0 / (i + 1), "lr": 3e-4, "tokens": 4096})
                get_recorder().event(loop, Event.create("training_metrics", attributes))
                events += 1
    get_recorder().close()
    return list(memory.get_finished_spans()), events


def per_rank(iterations: int) -> List[Dict[str, Any]]:
    """Spans and OTLP bytes per iteration for each loop shape (module docstring, 1)."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    rows = []
    for name, (children, metrics_every) in LOOPS.items():
        spans, events = _loop_spans(children, metrics_every, iterations)
        size = encode_spans(spans).ByteSize()
        rows.append(
            {
                "loop": name,
                "iterations": iterations,
                "spans": len(spans),
                "events": events,
                "otlp_bytes": size,
                "spans_per_iteration": round(len(spans) / iterations, 3),
                "bytes_per_iteration": round(size / iterations, 1),
                "bytes_per_span": round(size / len(spans), 1),
            }
        )
    return rows


def _request_bytes(batch: int) -> bytes:
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    spans, _ = _loop_spans(2, 10, batch)
    return bytes(encode_spans(spans[:batch]).SerializeToString())


def _client(port: int, payload: bytes, spans_per_request: int, seconds: float, out: Any) -> None:
    import grpc
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

    request = trace_service_pb2.ExportTraceServiceRequest.FromString(payload)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = trace_service_pb2_grpc.TraceServiceStub(channel)
    sent = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stub.Export(request, timeout=30)
        sent += spans_per_request
    out.put(sent)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def collector(clients: int, seconds: float, spans_per_request: int) -> Dict[str, Any]:
    """Spans per second one rotel (black-hole exporter) accepts from ``clients`` processes (module docstring, 2)."""
    import rotel

    binary = Path(rotel.__file__).parent / "rotel-agent"
    port = _free_port()
    with tempfile.TemporaryDirectory() as work:
        command = [
            str(binary),
            "start",
            "--otlp-grpc-endpoint",
            f"127.0.0.1:{port}",
            "--otlp-http-endpoint",
            f"127.0.0.1:{_free_port()}",
            "--exporter",
            "blackhole",
            "--pid-file",
            f"{work}/rotel.pid",
            "--log-file",
            f"{work}/rotel.log",
        ]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
            payload = _request_bytes(spans_per_request)
            queue: Any = multiprocessing.Queue()
            cpu_before = _cpu_seconds(proc.pid)
            started = time.monotonic()
            workers = [
                multiprocessing.Process(target=_client, args=(port, payload, spans_per_request, seconds, queue))
                for _ in range(clients)
            ]
            for worker in workers:
                worker.start()
            sent = sum(queue.get(timeout=seconds + 120) for _ in workers)
            for worker in workers:
                worker.join(60)
            elapsed = time.monotonic() - started
            cpu = _cpu_seconds(proc.pid) - cpu_before
        finally:
            proc.terminate()
            proc.wait(30)
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "spans_per_request": spans_per_request,
        "request_bytes": len(payload),
        "spans_accepted": sent,
        "spans_per_second": round(sent / elapsed),
        "bytes_per_second": round(sent / spans_per_request * len(payload) / elapsed),
        "rotel_cpu_seconds": round(cpu, 2),
        "rotel_cpu_us_per_span": round(cpu / sent * 1e6, 2) if sent else None,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--spans-per-request", type=int, default=512)
    args = parser.parse_args()
    result = {
        "per_rank": per_rank(args.iterations),
        "collector": collector(args.clients, args.seconds, args.spans_per_request),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
