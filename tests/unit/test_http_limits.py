"""The HTTP API's connection limits on a real uvicorn server on loopback (no model): a client
that sends its headers too slowly is disconnected, an oversized request head is refused, and a
client that leaves mid-extraction cancels it and frees its slot; with a certificate it speaks
HTTPS only."""

import asyncio
import contextlib
import json
import time
from pathlib import Path

from finx.adapters.registry import AdapterRegistry
from finx.config import ServerConfig
from finx.server.grpc_service import ExtractionService
from finx.server.http import http_server


class BlockingExtractor:
    """An extraction that never ends on its own; records whether it was cancelled."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()

    async def aextract(self, task):
        self.started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise


class OneExtractor:
    def __init__(self, extractor: BlockingExtractor) -> None:
        self.extractor = extractor

    async def settled(self) -> None:
        return None

    @contextlib.asynccontextmanager
    async def use(self, adapter_path):
        yield self.extractor


def service_for(tmp_path, engines=None, **config) -> ExtractionService:
    service = ExtractionService(ServerConfig(port=0, http_port=0, **config), AdapterRegistry(tmp_path, seed=None))
    service.engines = engines  # type: ignore[assignment]
    return service


async def exchange(port: int, data: bytes, wait_s: float = 5.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(65536), timeout=wait_s)
    finally:
        writer.close()


def test_a_client_too_slow_with_its_headers_is_disconnected(tmp_path):
    async def main() -> tuple[bytes, float]:
        async with http_server(service_for(tmp_path, http_header_timeout_s=0.5)) as port:
            started = time.perf_counter()
            answer = await exchange(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            return answer, time.perf_counter() - started

    answer, seconds = asyncio.run(main())
    assert answer == b"" and 0.4 < seconds < 4


def test_an_oversized_request_head_is_refused_and_a_normal_one_answered(tmp_path):
    async def main() -> tuple[bytes, bytes]:
        async with http_server(service_for(tmp_path)) as port:
            big = await exchange(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: " + b"r" * 200_000)
            small = await exchange(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return big, small

    big, small = asyncio.run(main())
    assert big.startswith(b"HTTP/1.1 400") or big == b""
    assert small.startswith(b"HTTP/1.1 200") and b'{"status":"ok"}' in small


def test_a_client_that_leaves_cancels_its_extraction_and_frees_its_slot(tmp_path):
    extractor = BlockingExtractor()

    async def main() -> ExtractionService:
        service = service_for(tmp_path, engines=OneExtractor(extractor), max_inflight=1)
        async with http_server(service) as port:
            body = json.dumps({"text": "TOTAL 9.00", "schemaName": "receipt"}).encode()
            head = (f"POST /v1/extract HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()  # fmt: skip
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(head + body)
            await writer.drain()
            await asyncio.wait_for(extractor.started.wait(), timeout=10)
            assert service.inflight == 1
            writer.transport.abort()  # the client goes away without an answer
            await asyncio.wait_for(extractor.cancelled.wait(), timeout=10)
            for _ in range(100):
                if service.inflight == 0:
                    break
                await asyncio.sleep(0.02)
        return service

    service = asyncio.run(main())
    assert extractor.cancelled.is_set() and service.inflight == 0


def test_uvicorns_own_records_go_to_finxs_log_not_a_plain_text_handler(tmp_path, caplog):
    import logging

    async def main() -> bytes:
        async with http_server(service_for(tmp_path)) as port:
            return await exchange(port, b"NOT HTTP AT ALL\r\n\r\n")

    with caplog.at_level(logging.WARNING):
        answer = asyncio.run(main())
    assert answer.startswith(b"HTTP/1.1 400")
    uvicorn_records = [record for record in caplog.records if record.name.startswith("uvicorn")]
    assert uvicorn_records and all(not logging.getLogger(r.name).handlers for r in uvicorn_records)


def self_signed_certificate(folder) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files (what `--tls-cert`/`--tls-key` take)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "finx test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert, key_file = folder / "tls.crt", folder / "tls.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert, key_file


def test_with_tls_the_http_api_speaks_https_with_the_grpc_certificate_and_refuses_plaintext(tmp_path):
    import ssl

    cert, key = self_signed_certificate(tmp_path)

    async def main() -> tuple[bytes, bytes]:
        async with http_server(service_for(tmp_path, tls_cert=cert, tls_key=key)) as port:
            trusted = ssl.create_default_context(cafile=str(cert))
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=trusted)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            await writer.drain()
            secure = await asyncio.wait_for(reader.read(65536), timeout=5)
            writer.close()
            plain = await exchange(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return secure, plain

    secure, plain = asyncio.run(main())
    assert secure.startswith(b"HTTP/1.1 200") and b'{"status":"ok"}' in secure
    assert not plain.startswith(b"HTTP/1.1 200")
