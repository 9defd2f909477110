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


def test_train_command_downloads_then_trains(tmp_path, monkeypatch, capsys):
    from fake_zenodo import svd_archive
    from svd_tree import shared_tiny_base
    from voice_desk.cli import main
    from voice_desk.data.svd import sessions_of
    from voice_desk.model.card import ModelCard

    healthy, bulbar = sessions_of("healthy"), sessions_of("Bulbärparalyse")
    archives = {"healthy": svd_archive(healthy, healthy[:6], "healthy"),
                "Bulbärparalyse": svd_archive(bulbar, bulbar, "pathological")}
    with fake_zenodo(archives) as server:
        monkeypatch.setattr(svd_download, "ZENODO_RECORD_API", server["api"])
        args = ["train", "--data", f"svd:{tmp_path / 'svd'}", "--out", str(tmp_path / "m"),
                "--download", "healthy,Bulbärparalyse", "--set", f"base_model={shared_tiny_base()}",
                "--set", "split_fractions=[0.5,0.25,0.25]", "--set", "num_train_epochs=2"]
        assert main(args) == 0
        card = ModelCard.load(tmp_path / "m")
        assert card.training_data["counts"]["label"] == {"healthy": 6, "pathological": 2}
        downloads = [path for path, _ in server["seen"] if path.startswith("/files/")]
        assert len(downloads) == 2
        # Again: both pathologies are complete on disk, so nothing is fetched.
        assert main(args + ["--overwrite"]) == 0
        assert len([path for path, _ in server["seen"] if path.startswith("/files/")]) == 2
    assert "downloading" in capsys.readouterr().err
