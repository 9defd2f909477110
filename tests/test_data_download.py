"""SVD download: resume with HTTP range requests, checksum, unpack — against a local server
that plays Zenodo (nothing leaves this computer)."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import threading
import zipfile

import pytest

from voice_desk.data import svd_download


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("1/sentences/1-phrase.nsp", b"N" * 5000)
        z.writestr("2/sentences/2-phrase.nsp", b"M" * 5000)
    return buf.getvalue()


@pytest.fixture
def zenodo():
    payload = _zip_bytes()
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            seen.append((self.path, self.headers.get("Range")))
            if self.path == "/api/records/16874898":
                body = json.dumps({"files": [{"key": "healthy.zip", "size": len(payload),
                                              "checksum": "md5:" + hashlib.md5(payload).hexdigest(),
                                              "links": {"self": f"http://127.0.0.1:{port}/files/healthy.zip"}}]})
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())
                return
            start = 0
            if self.headers.get("Range"):
                start = int(self.headers["Range"].split("=")[1].split("-")[0])
                self.send_response(206)
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(payload) - start))
            self.end_headers()
            self.wfile.write(payload[start:])

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"api": f"http://127.0.0.1:{port}/api/records/16874898", "payload": payload, "seen": seen}
    server.shutdown()


def test_download_resumes_a_partial_archive_and_unpacks(zenodo, tmp_path, monkeypatch):
    monkeypatch.setattr(svd_download, "ZENODO_RECORD_API", zenodo["api"])
    half = len(zenodo["payload"]) // 2
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "healthy.zip.part").write_bytes(zenodo["payload"][:half])
    progress = []
    svd_download.download_svd(tmp_path, ["healthy"], progress=lambda n, d, t: progress.append((n, d, t)))
    assert ("/files/healthy.zip", f"bytes={half}-") in zenodo["seen"]
    assert progress[-1] == ("healthy", len(zenodo["payload"]), len(zenodo["payload"]))
    assert (tmp_path / "data" / "1" / "sentences" / "1-phrase.nsp").read_bytes() == b"N" * 5000
    assert not (tmp_path / "downloads" / "healthy.zip").exists()  # the archive is removed once unpacked


def test_damaged_download_is_refused(zenodo, tmp_path, monkeypatch):
    monkeypatch.setattr(svd_download, "ZENODO_RECORD_API", zenodo["api"])
    size = len(zenodo["payload"])
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "healthy.zip.part").write_bytes(b"X" * (size // 2))  # wrong bytes before resuming
    with pytest.raises(svd_download.SvdDownloadError, match="checksum"):
        svd_download.download_svd(tmp_path, ["healthy"])
    assert not (tmp_path / "downloads" / "healthy.zip.part").exists()
    with pytest.raises(svd_download.SvdDownloadError, match="no archive for: Nichts"):
        svd_download.download_svd(tmp_path, ["Nichts"])
