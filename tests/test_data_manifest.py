"""Any corpus through a CSV manifest; the SVD download's failure message offline."""

from __future__ import annotations

import pytest

from conftest import speech_like
from voice_desk.data.manifest import ManifestError, load_manifest


def test_manifest_relative_paths_labels_and_missing_files(tmp_path, wav_file):
    wav_file(speech_like(1.0), "a.wav")
    (tmp_path / "m.csv").write_text("path,label,speaker,gender,group\n"
                                    "a.wav,pathological,s1,f,organic\n"
                                    "missing.wav,healthy,s2,m,\n", encoding="utf-8")
    corpus = load_manifest(tmp_path / "m.csv")
    assert [(c.label, c.gender, c.group) for c in corpus.clips] == [("pathological", "female", "organic")]
    assert corpus.clips[0].path == str(tmp_path / "a.wav")
    assert corpus.counts()["excluded"] == {"file not found": 1}


def test_manifest_errors(tmp_path):
    with pytest.raises(ManifestError, match="a folder, not a CSV manifest"):
        load_manifest(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("file,label\nx.wav,healthy\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="lacks the column"):
        load_manifest(bad)
    bad.write_text("path,label,speaker,gender\nx.wav,sick,s,m\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="line 2"):
        load_manifest(bad)


def test_download_offline_says_what_to_do(tmp_path, monkeypatch):
    import requests

    from voice_desk.data.svd_download import SvdDownloadError, download_svd

    def refuse(*args, **kwargs):
        raise requests.ConnectionError("no route to host")

    monkeypatch.setattr(requests, "get", refuse)
    with pytest.raises(SvdDownloadError) as info:
        download_svd(tmp_path, ["healthy"])
    text = str(info.value)
    assert "could not be downloaded" in text and "zenodo.org/records/16874898" in text and "resumes" in text


def test_unpack_per_pathology_archive(tmp_path):
    import zipfile

    from voice_desk.data.svd_download import unpack

    archive = tmp_path / "healthy.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("1/sentences/1-phrase.nsp", b"x")
    unpack(archive, tmp_path / "svd")
    assert (tmp_path / "svd" / "data" / "1" / "sentences" / "1-phrase.nsp").is_file()


def test_manifest_names_the_lines_of_missing_and_repeated_files(tmp_path, wav_file):
    wav_file(speech_like(1.0), "a.wav")
    m = tmp_path / "m.csv"
    m.write_text("path,label,speaker,gender\na.wav,healthy,s1,m\ngone.wav,healthy,s2,m\n", encoding="utf-8")
    assert load_manifest(m).excluded[0].item == "line 3: gone.wav"
    assert load_manifest(m).clips[0].key == "manifest:a.wav"
    m.write_text("path,label,speaker,gender\na.wav,healthy,s1,m\n./a.wav,pathological,s1,m\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="line 3: './a.wav' is already listed on line 2"):
        load_manifest(m)
    m.write_text("path,label,speaker,gender\ngone.wav,healthy,s1,m\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="1 listed files were not found, e.g. line 2: gone.wav"):
        load_manifest(m)
