"""A local HTTP server that answers like Zenodo's record API and serves zip archives with
range requests: download tests run without leaving this computer."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import io
import threading
import zipfile
from urllib.parse import quote, unquote


@contextlib.contextmanager
def fake_zenodo(archives: dict[str, bytes], gate: threading.Event | None = None):
    """Yield {"api": url, "seen": [(path, Range header)]} serving ``archives`` (name -> zip bytes).
    With ``gate``, a whole-file download sends its first half and waits for the gate to send the rest."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, code, body: bytes):
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            seen.append((self.path, self.headers.get("Range")))
            if self.path == "/api/records/16874898":
                files = [{"key": f"{name}.zip", "size": len(data), "checksum": "md5:" + hashlib.md5(data).hexdigest(),
                          "links": {"self": f"http://127.0.0.1:{port}/files/{quote(name)}.zip"}}
                         for name, data in archives.items()]
                self._send(200, json.dumps({"files": files}).encode())
                return
            name = unquote(self.path.rsplit("/", 1)[-1])[:-4]
            data = archives[name]
            if self.headers.get("Range"):
                start = int(self.headers["Range"].split("=")[1].split("-")[0])
                self._send(206, data[start:])
            elif gate is not None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                gate.wait(60)
                try:
                    self.wfile.write(data[len(data) // 2:])
                except OSError:  # the client stopped
                    pass
            else:
                self._send(200, data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield {"api": f"http://127.0.0.1:{port}/api/records/16874898", "seen": seen}
    finally:
        server.shutdown()


def nsp_bytes(samples) -> bytes:
    import tempfile
    from pathlib import Path

    from svd_tree import NSP_RATE
    from voice_desk.audio.nsp import write_nsp

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.nsp"
        write_nsp(path, samples, NSP_RATE)
        return path.read_bytes()


def svd_archive(sessions, with_audio, label) -> bytes:
    """A per-pathology archive as Zenodo holds it: every session folder, NSP sentence files in some."""
    import numpy as np

    from svd_tree import clip_for
    from voice_desk.data.svd import svd_metadata

    meta = svd_metadata()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for sid in sessions:
            z.writestr(f"{sid}/", b"")
            if sid in with_audio:
                samples = clip_for(label, meta[sid]["gender"], sid)
                z.writestr(f"{sid}/sentences/{sid}-phrase.nsp", nsp_bytes(samples))
                z.writestr(f"{sid}/sentences/{sid}-phrase-egg.egg", nsp_bytes(np.sign(samples) * 0.5))
    return buf.getvalue()
