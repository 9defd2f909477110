"""SVD through sbvoicedb on a generated SVD-layout tree: labels, groups, exclusions."""

from __future__ import annotations

import pytest

from svd_tree import shared_svd_tree
from voice_desk.data.source import load_corpus
from voice_desk.data.svd import REASON_SINGER, SvdError, load_svd, svd_metadata
from voice_desk.errors import VoiceDeskError


@pytest.fixture(scope="module")
def tree():
    return shared_svd_tree()


def test_sentence_recordings_labels_groups_and_exclusions(tree):
    corpus = load_corpus(f"svd:{tree['root']}")
    counts = corpus.counts()
    assert counts["label"] == {"healthy": len(tree["healthy"]), "pathological": len(tree["pathological"])}
    # Stimmlippenpolyp is organic and Psychogene Dysphonie functional in USVAC_2025.
    assert counts["group"]["organic"] == len(tree["pathological"]) // 2
    assert counts["group"]["functional"] == len(tree["pathological"]) - len(tree["pathological"]) // 2
    assert counts["excluded"][REASON_SINGER] == len(tree["singers"]) == 2
    assert sum(v for k, v in counts["excluded"].items() if k.startswith("known-bad")) == 1
    assert corpus.diagnosis_map == "USVAC_2025"
    meta = svd_metadata()
    for clip in corpus.clips:
        assert clip.path.endswith(f"{clip.session}-phrase.nsp")
        assert clip.speaker == f"svd-{meta[int(clip.session)]['speaker']}"
        assert clip.gender == {"m": "male", "w": "female"}[meta[int(clip.session)]["gender"]]
        assert clip.age is not None and 5 < clip.age < 100
    # The user's copy is never written to: sbvoicedb's index lives in Voice Desk's cache.
    assert not (tree["root"] / "sbvoice.db").exists() and not (tree["root"] / "data" / "sbvoice.db").exists()


def test_singers_and_known_bad_can_be_kept(tree):
    corpus = load_corpus(f"svd:{tree['root']}", exclude_singers=False, exclude_known_bad=False)
    sessions = {int(c.session) for c in corpus.clips}
    assert set(tree["singers"]) <= sessions and 980 in sessions
    assert len(corpus.clips) == len(tree["healthy"]) + len(tree["pathological"]) + 3


def test_override_csv_and_other_map(tree, tmp_path):
    override = tmp_path / "override.csv"
    override.write_text("diagnosis,group\nStimmlippenpolyp,functional\n", encoding="utf-8")
    corpus = load_corpus(f"svd:{tree['root']}", diagnosis_override=str(override))
    only_polyp = [c for c in corpus.clips if c.diagnoses == ("Stimmlippenpolyp",)]
    assert only_polyp and all(c.group == "functional" for c in only_polyp)
    assert corpus.counts()["group"].get("organic", 0) < len(tree["pathological"]) // 2
    assert corpus.settings["diagnosis_grouping"]["overrides"] == {"Stimmlippenpolyp": "functional"}
    other = load_corpus(f"svd:{tree['root']}", diagnosis_map="daSilvaMoura_2024")
    assert other.diagnosis_map == "daSilvaMoura_2024"
    bad = tmp_path / "bad.csv"
    bad.write_text("diagnosis,group\nLaryngitis,sometimes\n", encoding="utf-8")
    with pytest.raises(VoiceDeskError, match="line 2"):
        load_corpus(f"svd:{tree['root']}", diagnosis_override=str(bad))


def test_multi_diagnosis_rule():
    from voice_desk.data.diagnosis_map import DiagnosisGrouping

    both = ["Stimmlippenpolyp", "Psychogene Dysphonie"]
    assert DiagnosisGrouping().session_group(both) == "organic"
    assert DiagnosisGrouping(multi_rule="agree_or_other").session_group(both) == "other"


def test_pathology_filter(tree):
    corpus = load_svd(tree["root"], pathologies=["healthy"])
    assert {c.label for c in corpus.clips} == {"healthy"}


def test_not_an_svd_folder(tmp_path):
    with pytest.raises(SvdError, match="no Saarbrücken Voice Database sessions"):
        load_corpus(f"svd:{tmp_path}")
    with pytest.raises(SvdError, match="does not exist"):
        load_corpus(f"svd:{tmp_path / 'missing'}")
    (tmp_path / "list.csv").write_text("path,label,speaker,gender\n")
    with pytest.raises(SvdError, match="a file, not the Saarbrücken Voice Database folder"):
        load_corpus(f"svd:{tmp_path / 'list.csv'}")


def test_svd_sentence_files_know_their_true_label(tmp_path):
    from conftest import speech_like

    from voice_desk.session.opening import true_label_from_metadata
    from voice_desk.audio.nsp import write_nsp
    from voice_desk.data.svd import svd_metadata

    meta = svd_metadata()
    healthy = next(s for s, m in sorted(meta.items()) if m["type"] == "n")
    sick = next(s for s, m in sorted(meta.items()) if m["type"] == "p")
    for session, label in ((healthy, "healthy"), (sick, "pathological")):
        path = tmp_path / f"{session}-phrase.nsp"
        write_nsp(path, speech_like(1.0, rate=50_000), 50_000)
        assert true_label_from_metadata(path) == label
    other = tmp_path / "recording.nsp"
    write_nsp(other, speech_like(1.0, rate=50_000), 50_000)
    assert true_label_from_metadata(other) is None
    assert true_label_from_metadata(tmp_path / "999999-phrase.nsp") is None  # not an SVD session


def _small_tree(root):
    """Healthy controls (three with recordings) and Bulbärparalyse (both sessions recorded)."""
    from svd_tree import clip_for
    from voice_desk.audio.nsp import write_nsp
    from voice_desk.data.svd import phrase_file, sessions_of

    healthy, bulbar = sessions_of("healthy"), sessions_of("Bulbärparalyse")
    data = root / "data"
    for sid in healthy + bulbar:
        (data / str(sid)).mkdir(parents=True, exist_ok=True)
    for sid, label in [(s, "healthy") for s in healthy[:3]] + [(s, "pathological") for s in bulbar]:
        path = phrase_file(data, sid)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_nsp(path, clip_for(label, "m", sid), 50_000)
    return data, healthy[:3], bulbar


def _tree_state(root):
    return {str(p): (p.stat().st_size, p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()}


def test_damaged_nsp_files_are_named_and_left_out_not_fatal(tmp_path):
    from svd_tree import clip_for
    from voice_desk.audio.nsp import write_nsp
    from voice_desk.data.svd import REASON_DAMAGED, phrase_file

    data, healthy, bulbar = _small_tree(tmp_path / "svd")
    phrase_file(data, bulbar[0]).write_bytes(b"not an NSP file" * 10)        # a damaged sentence
    vowel = data / str(healthy[0]) / "vowels" / f"{healthy[0]}-a_n.nsp"     # a damaged vowel: the sentence stays
    vowel.parent.mkdir(parents=True)
    vowel.write_bytes(b"broken")
    before = _tree_state(tmp_path / "svd")
    corpus = load_svd(tmp_path / "svd")
    assert {int(c.session) for c in corpus.clips} == set(healthy) | {bulbar[1]}
    damaged = [e for e in corpus.excluded if e.reason == REASON_DAMAGED]
    assert len(damaged) == 1 and f"{bulbar[0]}-phrase.nsp" in damaged[0].item
    assert set(corpus.settings["damaged_files"]) == {f"{bulbar[0]}/sentences/{bulbar[0]}-phrase.nsp",
                                                     f"{healthy[0]}/vowels/{healthy[0]}-a_n.nsp"}
    assert _tree_state(tmp_path / "svd") == before  # the user's copy is never written to
    # Repaired (unzipped again): the next read indexes again and uses it.
    write_nsp(phrase_file(data, bulbar[0]), clip_for("pathological", "m", 1), 50_000)
    corpus = load_svd(tmp_path / "svd")
    assert bulbar[0] in {int(c.session) for c in corpus.clips}
    assert not [e for e in corpus.excluded if e.reason == REASON_DAMAGED]


def test_folder_with_session_folders_but_no_recordings_says_what_was_found(tmp_path):
    for sid in (1, 2):
        (tmp_path / "data" / str(sid)).mkdir(parents=True)
    with pytest.raises(SvdError) as info:
        load_corpus(f"svd:{tmp_path}")
    text = str(info.value)
    assert "no usable sentence recordings" in text and "2 × session folder has no sentence recording" in text


def test_without_the_optional_sbvoicedb_recordings_still_open_and_svd_says_how_to_get_it(tmp_path, monkeypatch):
    """sbvoicedb is GPL-2.0-only and stays out of the clinic bundle: nothing needs it to open a
    recording, and reading an SVD copy says how to install it."""
    import sys

    from conftest import speech_like

    from voice_desk.audio.nsp import write_nsp
    from voice_desk.data import svd
    from voice_desk.session.opening import open_recording

    monkeypatch.setitem(sys.modules, "sbvoicedb", None)         # not installed
    svd.svd_metadata.cache_clear()
    try:
        nsp = tmp_path / "1-phrase.nsp"
        write_nsp(nsp, speech_like(1.0, rate=50_000), 50_000)
        opened = open_recording(nsp)
        assert opened.recording.duration == pytest.approx(1.0, abs=0.01) and opened.true_label is None
        with pytest.raises(SvdError, match="optional package sbvoicedb") as info:
            svd.svd_metadata()
        assert "voice-desk[svd]" in info.value.hint
    finally:
        svd.svd_metadata.cache_clear()
