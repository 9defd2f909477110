"""Speaker-disjoint, stratified, seeded splits."""

from __future__ import annotations

import collections

import pytest

from svd_tree import shared_svd_tree
from voice_desk.data.corpus import Clip, Corpus
from voice_desk.data.source import load_corpus
from voice_desk.data.split import Split, SplitError, make_split


def many_session_corpus(n_speakers=60):
    clips = []
    for s in range(n_speakers):
        for k in range(1 + s % 5):  # up to 5 sessions per speaker
            label = "pathological" if (s % 3 == 0 or (s % 7 == 0 and k == 0)) else "healthy"
            clips.append(Clip(path=f"/x/{s}-{k}.wav", label=label, speaker=f"sp{s}",
                              gender="male" if s % 2 else "female"))
    return Corpus(clips=clips, source="test", name="test")


def test_split_is_speaker_disjoint_and_covers_every_clip():
    corpus = many_session_corpus()
    split = make_split(corpus, seed=3)
    parts = collections.defaultdict(set)
    for clip in corpus.clips:
        parts[split.assignment[clip.path]].add(clip.speaker)
    assert not parts["train"] & parts["dev"] and not parts["train"] & parts["test"] and not parts["dev"] & parts["test"]
    assert len(split.assignment) == len(corpus.clips)
    counts = split.counts(corpus)
    n = len(corpus.clips)
    assert 0.7 * n <= counts["train"]["clips"] <= 0.9 * n
    for part in ("dev", "test"):
        assert set(counts[part]["label"]) == {"healthy", "pathological"}
        assert set(counts[part]["gender"]) == {"male", "female"}


def test_split_is_seeded():
    corpus = many_session_corpus()
    assert make_split(corpus, seed=1).assignment == make_split(corpus, seed=1).assignment
    assert make_split(corpus, seed=1).assignment != make_split(corpus, seed=2).assignment


def test_svd_split_keeps_multi_session_speakers_together(tmp_path):
    corpus = load_corpus(f"svd:{shared_svd_tree()['root']}")
    speakers = collections.Counter(c.speaker for c in corpus.clips)
    assert max(speakers.values()) > 1  # the tree holds speakers with several sessions
    split = make_split(corpus, seed=42)
    for speaker in speakers:
        assert len({split.assignment[c.path] for c in corpus.clips if c.speaker == speaker}) == 1
    csv_path, json_path = split.save(tmp_path, corpus)
    again = Split.load(csv_path)
    assert again.assignment == split.assignment and again.seed == 42
    assert '"test"' in json_path.read_text()


def test_bad_fractions():
    with pytest.raises(SplitError):
        make_split(many_session_corpus(), fractions=(0.5, 0.1, 0.1))


def test_a_saved_split_works_where_the_data_lies_elsewhere(tmp_path):
    import dataclasses

    corpus = many_session_corpus()
    for clip in corpus.clips:
        clip.key = "manifest:" + clip.path.rsplit("/", 1)[1]
    split = make_split(corpus, seed=5)
    csv_path, _ = split.save(tmp_path, corpus)
    moved = Corpus(clips=[dataclasses.replace(c, path=c.path.replace("/x/", "/elsewhere/")) for c in corpus.clips[1:]],
                   source="test", name="test")
    matched, unmatched, missing = Split.load(csv_path).for_corpus(moved)
    assert unmatched == 1 and missing == []  # the first clip is not in this data
    assert {c.key: matched.assignment[c.path] for c in moved.clips} == \
        {c.key: split.assignment[c.path] for c in corpus.clips[1:]}
    assert matched.seed == 5 and matched.stratify_gender


def test_bad_split_files(tmp_path):
    bad = tmp_path / "split.csv"
    bad.write_text("file,part\nx.wav,train\n", encoding="utf-8")
    with pytest.raises(SplitError, match="lacks the columns"):
        Split.load(bad)
    bad.write_text("part,path\ntrain,a.wav\nvalidation,b.wav\n", encoding="utf-8")
    with pytest.raises(SplitError, match="line 3: unknown part 'validation'"):
        Split.load(bad)
    with pytest.raises(SplitError, match="does not exist"):
        Split.load(tmp_path / "none.csv")
