"""SVD download: resume with HTTP range requests, checksum, unpack — against a local server
that plays Zenodo (nothing leaves this computer)."""

from __future__ import annotations

import io
import zipfile

import pytest

from fake_zenodo import fake_zenodo
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
    with fake_zenodo({"healthy": payload}) as server:
        server["payload"] = payload
        yield server


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
