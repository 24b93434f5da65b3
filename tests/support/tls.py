"""Self-signed TLS material and an OTLP sink served over TLS, for the OTLP-over-TLS tests.

trustme makes a throw-away CA, a server certificate for `localhost` / `127.0.0.1` and a client certificate
(mutual TLS) it signed; a second, unrelated CA is the "wrong CA" an operator might configure by mistake. Files
are written under the test's tmp_path so that tests running in parallel never share them.
"""

from __future__ import annotations

import ssl
import threading
from concurrent import futures
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path

import grpc  # type: ignore[import-untyped]
import trustme
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

from tests.support.otlp_sink import LOOPBACK, OtlpSink, _make_http_handler, _TraceService


@dataclass(frozen=True)
class TlsMaterial:
    """PEM files for one TLS test: the server's and a client's chain and key, the right CA and an unrelated one."""

    ca_cert: Path
    wrong_ca_cert: Path
    server_cert_chain: Path
    server_key: Path
    client_cert_chain: Path
    client_key: Path

    def server_key_bytes(self) -> bytes:
        return self.server_key.read_bytes()

    def server_chain_bytes(self) -> bytes:
        return self.server_cert_chain.read_bytes()


def make_tls_material(directory: Path) -> TlsMaterial:
    """Write a CA, server (localhost, 127.0.0.1) and client certificates it signed, and an unrelated CA."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    wrong_ca = trustme.CA()
    server = ca.issue_cert("localhost", "127.0.0.1")
    client = ca.issue_cert("client.example")
    material = TlsMaterial(
        ca_cert=directory / "ca.pem",
        wrong_ca_cert=directory / "wrong-ca.pem",
        server_cert_chain=directory / "server-chain.pem",
        server_key=directory / "server-key.pem",
        client_cert_chain=directory / "client-chain.pem",
        client_key=directory / "client-key.pem",
    )
    ca.cert_pem.write_to_path(str(material.ca_cert))
    wrong_ca.cert_pem.write_to_path(str(material.wrong_ca_cert))
    server.private_key_pem.write_to_path(str(material.server_key))
    chain = b"".join(blob.bytes() for blob in server.cert_chain_pems)
    material.server_cert_chain.write_bytes(chain)
    client.private_key_pem.write_to_path(str(material.client_key))
    material.client_cert_chain.write_bytes(b"".join(blob.bytes() for blob in client.cert_chain_pems))
    return material


class TlsOtlpSink(OtlpSink):
    """The harness's ``OtlpSink`` serving OTLP/gRPC and OTLP/HTTP over TLS with a trustme server certificate.

    rotel's OTLP receivers speak plain text only (its TLS options are for its exporter side), so the TLS tests
    point the application straight at this sink: a real OTLP server, only the transport differs. Everything
    else (recording, ``wait_for_spans``...) is inherited. With ``require_client_cert`` (mutual TLS) both
    receivers refuse a client without a certificate signed by the material's CA.
    """

    def __init__(self, material: TlsMaterial, require_client_cert: bool = False) -> None:
        super().__init__()
        self._material = material
        self._require_client_cert = require_client_cert

    def start(self) -> TlsOtlpSink:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_TraceService(self), server)
        credentials = grpc.ssl_server_credentials(
            [(self._material.server_key_bytes(), self._material.server_chain_bytes())],
            root_certificates=self._material.ca_cert.read_bytes() if self._require_client_cert else None,
            require_client_auth=self._require_client_cert,
        )
        self.grpc_port = server.add_secure_port(f"{LOOPBACK}:0", credentials)
        server.start()
        self._grpc_server = server
        http_server = ThreadingHTTPServer((LOOPBACK, 0), _make_http_handler(self))
        http_server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if self._require_client_cert:
            context.load_verify_locations(cafile=str(self._material.ca_cert))
            context.verify_mode = ssl.CERT_REQUIRED
        context.load_cert_chain(str(self._material.server_cert_chain), str(self._material.server_key))
        http_server.socket = context.wrap_socket(http_server.socket, server_side=True)
        self.http_port = http_server.server_address[1]
        threading.Thread(target=http_server.serve_forever, name="otlp-tls-sink-http", daemon=True).start()
        self._http_server = http_server
        return self

    @property
    def grpc_endpoint(self) -> str:
        return f"https://localhost:{self.grpc_port}"

    @property
    def http_endpoint(self) -> str:
        return f"https://localhost:{self.http_port}"
