"""The rules that decide what a model's output may be shown as."""

from voice_desk.model.verdict import gives_verdict, no_verdict_reason, withheld_classes


def test_only_a_trained_healthy_pathological_model_gives_a_verdict():
    assert gives_verdict(["healthy", "pathological"], True)
    assert gives_verdict(["Pathological", "Healthy"], True)
    assert not gives_verdict(["healthy", "pathological"], False)
    assert not gives_verdict(["non-healthy", "pathological"], True)
    assert not gives_verdict(["healthy", "pathological", "other"], True)
    assert not gives_verdict(["Speech", "Music"], True)


def test_what_is_withheld():
    assert withheld_classes(["healthy", "pathological"], True) == ()
    # AudioSet-style classes stay visible ...
    assert withheld_classes(["Speech", "Music", "Male speech, man speaking", "Cough"], True) == ()
    # ... a health status under another name never is
    assert withheld_classes(["non-healthy", "pathological"], True) == ("non-healthy", "pathological")
    assert withheld_classes(["Speech", "Normal voice", "organic", "functional dysphonia"], True) == (
        "Normal voice", "organic", "functional dysphonia")
    # an untrained head's outputs are random numbers: all withheld
    assert withheld_classes(["Speech", "Music"], False) == ("Speech", "Music")


def test_reasons():
    assert no_verdict_reason(["healthy", "pathological"], True) == ""
    assert "never trained" in no_verdict_reason(["healthy", "pathological"], False)
    assert "not trained to tell healthy from pathological" in no_verdict_reason(["Speech"], True)
