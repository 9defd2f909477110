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
    with pytest.raises(SvdError, match="no Saarbruecken Voice Database sessions"):
        load_corpus(f"svd:{tmp_path}")
    with pytest.raises(SvdError, match="does not exist"):
        load_corpus(f"svd:{tmp_path / 'missing'}")


def test_svd_sentence_files_know_their_true_label(tmp_path):
    from conftest import speech_like

    from voice_desk.audio.metadata import true_label_from_metadata
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
