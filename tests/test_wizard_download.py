"""The wizard's download: per pathology from a local stand-in for Zenodo, then the data is
read at once; offline, the page says what to do."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from fake_zenodo import fake_zenodo, svd_archive

pytest.importorskip("pytestqt")


@pytest.fixture
def wizard(qtbot, tmp_path):
    from voice_desk.ui.wizard.wizard import TrainingWizard

    w = TrainingWizard(models_folder=tmp_path / "models")
    qtbot.addWidget(w)
    w.show()
    return w


def _select(page, names):
    for i in range(page.pathology_list.count()):
        item = page.pathology_list.item(i)
        item.setSelected(item.text() in names)


def test_download_per_pathology_then_read(qtbot, wizard, tmp_path, monkeypatch):
    from voice_desk.data import svd_download
    from voice_desk.data.svd import sessions_of

    healthy = sessions_of("healthy")
    archives = {"healthy": svd_archive(healthy, healthy[:4], "healthy"),
                "Bulbärparalyse": svd_archive(sessions_of("Bulbärparalyse"), sessions_of("Bulbärparalyse"), "pathological")}
    page = wizard.data_page
    with fake_zenodo(archives) as server:
        monkeypatch.setattr(svd_download, "ZENODO_RECORD_API", server["api"])
        page.download_folder.setText(str(tmp_path / "svd"))
        _select(page, {"healthy", "Bulbärparalyse"})
        qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(page.isComplete, timeout=60_000)
    assert page.path_edit.text() == str(tmp_path / "svd")
    assert "healthy: 4" in page.counts_label.text() and "pathological: 2" in page.counts_label.text()
    assert page.download_progress.value() == page.download_progress.maximum() > 0
    assert (tmp_path / "svd" / "data" / "101" / "sentences" / "101-phrase.nsp").is_file()


def test_download_offline_explains(qtbot, wizard, tmp_path, monkeypatch):
    import requests

    def refuse(*args, **kwargs):
        raise requests.ConnectionError("no route to host")

    monkeypatch.setattr(requests, "get", refuse)
    page = wizard.data_page
    page.download_folder.setText(str(tmp_path / "svd"))
    _select(page, {"healthy"})
    qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.download_button.isEnabled, timeout=30_000)
    assert "could not be downloaded" in page.download_status.text()
    assert "zenodo.org/records/16874898" in page.download_status.text()
    assert not page.isComplete()


def test_stop_a_download_then_resume_it(qtbot, wizard, tmp_path, monkeypatch):
    import threading

    from voice_desk.data import svd_download
    from voice_desk.data.svd import sessions_of

    healthy = sessions_of("healthy")
    archive = svd_archive(healthy, healthy[:12], "healthy")  # > 2 MB: the first half fills a 1 MiB block
    gate = threading.Event()
    page = wizard.data_page
    with fake_zenodo({"healthy": archive}, gate=gate) as server:
        monkeypatch.setattr(svd_download, "ZENODO_RECORD_API", server["api"])
        page.download_folder.setText(str(tmp_path / "svd"))
        _select(page, {"healthy"})
        try:
            qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: page.download_progress.value() > 0, timeout=30_000)
            assert page.stop_download_button.isEnabled() and not page.download_button.isEnabled()
            qtbot.mouseClick(page.stop_download_button, Qt.MouseButton.LeftButton)
        finally:
            gate.set()  # the server sends the rest; the download stops at its next block
        qtbot.waitUntil(page.download_button.isEnabled, timeout=30_000)
        assert "Download stopped" in page.download_status.text() and not page.isComplete()
        part = tmp_path / "svd" / "downloads" / "healthy.zip.part"
        stopped_at = part.stat().st_size
        assert 0 < stopped_at < len(archive)
        qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)  # resumes with a range request
        qtbot.waitUntil(page.isComplete, timeout=60_000)
        assert ("/files/healthy.zip", f"bytes={stopped_at}-") in server["seen"]
    assert "healthy: 12" in page.counts_label.text()
