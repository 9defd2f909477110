"""The window driven as a user would: open, see, zoom, select, play, drop files, errors."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QPushButton
from ui_support import WAIT_MS, clip, fresh_home, make_window, open_and_wait, write_clip  # noqa: F401


def test_open_through_the_file_menu_shows_waveform_spectrogram_and_tiers(qtbot, make_window, clip, monkeypatch):
    window = make_window()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(clip), ""))
    window.opening.open_action.trigger()
    qtbot.waitUntil(lambda: window.session.recording is not None, timeout=WAIT_MS)
    assert window.session.recording.duration == pytest.approx(2.0, abs=0.01)
    x, y = window.waveform.curve.getData()
    assert x[-1] == pytest.approx(2.0, abs=0.01) and np.abs(y).max() > 0.1
    spec = window.spectrogram_view.spectrogram
    assert spec.max_hz == pytest.approx(5000, abs=20)                 # Praat's default range
    assert window.spectrogram_view.image.image is not None
    # the TextGrid next to the file was found: both tiers, labels drawn
    labels = [t.toPlainText() for t in window.tiers.tier_view.labels]
    assert "Guten" in labels and "ɔ" in labels
    assert "clip.TextGrid" in window.opening.info_bar.text()
    # the file is remembered
    from voice_desk.ui.settings import recent_files

    assert recent_files()[0] == str(clip.resolve())


def test_zoom_and_pan_keep_every_view_on_the_same_range(qtbot, make_window, clip):
    window = make_window()
    open_and_wait(qtbot, window, clip)

    def ranges():
        return [v.x_range() for v in window.time_views()]

    window.navigation.zoom_in_action.trigger()
    window.navigation.zoom_in_action.trigger()
    first = ranges()[0]
    assert first[1] - first[0] == pytest.approx(0.5, abs=0.01)
    assert all(r == pytest.approx(first, abs=1e-6) for r in ranges())
    window.navigation.pan_right_action.trigger()
    moved = ranges()[0]
    assert moved[0] > first[0]
    assert all(r == pytest.approx(moved, abs=1e-6) for r in ranges())
    # mouse wheel on the waveform zooms everything
    from PySide6.QtCore import QPoint as P
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    view = window.waveform
    centre = QPointF(view.width() / 2, view.height() / 2)
    event = QWheelEvent(centre, QPointF(view.mapToGlobal(centre.toPoint())), P(0, 0), P(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    wheel = ranges()[0]
    assert wheel[1] - wheel[0] < moved[1] - moved[0]
    assert all(r == pytest.approx(wheel, abs=1e-6) for r in ranges())
    window.navigation.show_all_action.trigger()
    assert all(r == pytest.approx((0.0, 2.0), abs=1e-3) for r in ranges())


def test_keyboard_zoom_shortcut(qtbot, make_window, clip):
    window = make_window()
    open_and_wait(qtbot, window, clip)
    window.activateWindow()
    window.spectrogram_view.setFocus()
    qtbot.keyClick(window.spectrogram_view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    start, end = window.tiers.tier_view.x_range()
    assert end - start == pytest.approx(1.0, abs=0.01)
    qtbot.keyClick(window.spectrogram_view, Qt.Key.Key_Right)
    assert window.tiers.tier_view.x_range()[0] == pytest.approx(start + 0.25, abs=0.01)
    qtbot.keyClick(window.spectrogram_view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.waveform.x_range() == pytest.approx((0.0, 2.0), abs=1e-3)
    shown = window.relevance.overlay_action.isChecked()
    qtbot.keyClick(window.spectrogram_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.relevance.overlay_action.isChecked() != shown


def test_clicking_an_interval_selects_it_in_every_view(qtbot, make_window, clip):
    window = make_window()
    open_and_wait(qtbot, window, clip)
    tiers = window.tiers.tier_view
    # click in the middle of the phone /t/ (0.5 .. 0.7 s), lower row
    point = tiers.box.mapViewToScene(QPointF(0.6, 0.5))
    widget_point = tiers.mapFromScene(point)
    qtbot.mouseClick(tiers.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(int(widget_point.x()), int(widget_point.y())))
    assert window.view_range.selection == pytest.approx((0.5, 0.7))
    for view in window.time_views():
        assert view.selection_item.isVisible()
        assert view.selection_item.getRegion() == pytest.approx((0.5, 0.7))
    window.navigation.zoom_selection_action.trigger()
    assert window.spectrogram_view.x_range() == pytest.approx((0.5, 0.7), abs=1e-3)


def test_space_plays_the_selection_and_the_cursor_moves(qtbot, make_window, clip):
    from voice_desk.audio.playback import MemorySink, Player

    sink = MemorySink(block=256, speed=2.0)
    window = make_window(player=Player(sink=sink))
    open_and_wait(qtbot, window, clip)
    window.view_range.set_selection((0.5, 1.5))
    cursor_positions = []
    window.view_range.cursor_changed.connect(lambda t: cursor_positions.append(t))
    window.playback.toggle_action.trigger()
    assert window.playback.is_playing
    qtbot.waitUntil(lambda: not window.playback.is_playing, timeout=WAIT_MS)
    played = sink.played[:, 0]
    rec = window.session.recording.samples
    assert played.size >= 16000        # one second of audio went to the sink: the selection
    np.testing.assert_allclose(played[:16000], rec[8000:24000], atol=1e-6)
    moving = [t for t in cursor_positions if t is not None]
    assert len(set(np.round(moving, 3))) > 2 and max(moving) == pytest.approx(1.5, abs=0.05)
    for view in window.time_views():
        assert view.cursor_item.isVisible()


def test_drop_a_recording_with_its_textgrid(qtbot, make_window, tmp_path):
    wav = write_clip(tmp_path / "elsewhere", name="dropped")
    grid = wav.with_suffix(".TextGrid")
    renamed = grid.with_name("other-name.TextGrid")
    grid.rename(renamed)                      # not found by name: it must come from the drop
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(wav)), QUrl.fromLocalFile(str(renamed))])
    event = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.session.recording is not None, timeout=WAIT_MS)
    assert window.session.alignment is not None and window.session.alignment.source == str(renamed)


def test_a_corrupt_file_gives_a_plain_message_and_keeps_the_open_recording(qtbot, make_window, clip, tmp_path):
    window = make_window()
    open_and_wait(qtbot, window, clip)
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage that is not audio" * 4)
    before = bad.read_bytes()
    window.opening.open_file(str(bad))
    qtbot.waitUntil(lambda: "broken.wav" in window.last_message, timeout=WAIT_MS)
    assert "not audio Voice Desk can read" in window.last_message
    assert "Traceback" not in window.last_message
    assert window.session.recording.path == clip                      # nothing lost
    assert bad.read_bytes() == before                          # source never modified
    from voice_desk.ui.error_report import log_file

    assert "broken.wav" in log_file().read_text()


def test_a_textgrid_for_another_recording_is_refused_plainly(qtbot, make_window, clip, tmp_path):
    from voice_desk.align.textgrid import write_textgrid
    from voice_desk.align.tiers import Alignment, Interval

    window = make_window()
    open_and_wait(qtbot, window, clip)
    grid = write_textgrid(Alignment([Interval(0, 5, "x")], [Interval(0, 5, "a")], 5.0), tmp_path / "long.TextGrid")
    assert not window.tiers.open_textgrid(str(grid))
    assert "belongs to another recording" in window.last_message
    assert window.session.alignment is not None                          # the good tiers stay


def test_spectrogram_settings_apply_and_persist(qtbot, make_window, clip):
    window = make_window()
    open_and_wait(qtbot, window, clip)
    window.opening.spectrogram_settings_action.trigger()            # View → Spectrogram settings…
    dialog = window.opening.spectrogram_dialog
    assert dialog.window_ms.value() == pytest.approx(5.0) and dialog.max_hz.value() == pytest.approx(5000)
    narrow = next(b for b in dialog.findChildren(QPushButton) if b.text().startswith("Narrow-band"))
    narrow.click()
    dialog.max_hz.setValue(8000)
    dialog.dynamic_range.setValue(50)
    dialog.accept()
    qtbot.waitUntil(lambda: window.spectrogram_view.max_hz > 7900, timeout=WAIT_MS)
    assert window.spectrogram_view.spectrogram.settings.window_s == pytest.approx(0.03)
    window.close()
    again = make_window()
    assert again.opening.spec_settings.window_s == pytest.approx(0.03)
    assert again.opening.spec_settings.max_hz == pytest.approx(8000.0)


def test_layout_and_overlay_settings_persist(qtbot, make_window):
    window = make_window()
    window.relevance.opacity_slider.setValue(33)
    window.relevance.set_rendering("heat")
    window.relevance.overlay_action.setChecked(False)
    window.close()
    again = make_window()
    assert again.relevance.opacity_slider.value() == 33
    assert again.relevance.rendering == "heat"
    assert not again.relevance.overlay_action.isChecked()


def test_playing_without_a_sound_device_says_why(qtbot, make_window, clip, monkeypatch):
    import voice_desk.audio.playback as playback

    monkeypatch.setattr(playback, "available", lambda: (False, "No sound output device was found."))
    window = make_window()
    open_and_wait(qtbot, window, clip)
    window.playback.play_all_action.trigger()
    assert "No sound output device was found." in window.last_message


def test_help_opens_the_clearly_labelled_synthetic_demo_with_its_tiers(qtbot, make_window):
    from voice_desk.session.opening import demo_recording_path
    from voice_desk.ui.settings import recent_files

    demo = demo_recording_path()
    assert demo.is_file() and demo.stat().st_size < 200_000
    window = make_window()
    window.opening.demo_action.trigger()
    qtbot.waitUntil(lambda: window.session.recording is not None, timeout=WAIT_MS)
    assert window.session.recording.original_rate == 16000
    assert "synthetic" in window.opening.info_bar.text() and "not a patient recording" in window.opening.info_bar.text()
    words = [w.label for w in window.session.alignment.spoken_words()]
    assert words == ["Guten", "Morgen", "wie", "geht", "es", "Ihnen"]
    assert "ɔ" in [p.label for p in window.session.alignment.phones]
    assert recent_files() == []                                # the demo is not a patient file


def test_the_demo_is_labelled_synthetic_however_it_is_opened(qtbot, make_window, clip):
    """Opened by path (command line, File → Open, drag and drop), the demo still says what it is."""
    from voice_desk.session.opening import demo_recording_path

    window = make_window()
    open_and_wait(qtbot, window, demo_recording_path())
    assert "not a patient recording" in window.opening.info_bar.text()
    open_and_wait(qtbot, window, clip)
    assert "synthetic" not in window.opening.info_bar.text()


def test_recent_files_menu_reopens_a_file(qtbot, make_window, clip, tmp_path):
    other = write_clip(tmp_path / "r", name="second", with_textgrid=False, seed=2)
    window = make_window()
    open_and_wait(qtbot, window, clip)
    open_and_wait(qtbot, window, other)
    window.recent_menu.aboutToShow.emit()
    entries = [a.text() for a in window.recent_menu.actions()]
    assert entries[:2] == [str(other.resolve()), str(clip.resolve())]
    window.recent_menu.actions()[1].trigger()
    qtbot.waitUntil(lambda: window.session.recording.path == clip.resolve() or str(window.session.recording.path) == str(clip.resolve()),
                    timeout=WAIT_MS)


def test_dragging_on_the_spectrogram_selects_a_range(qtbot, make_window, clip):
    window = make_window()
    open_and_wait(qtbot, window, clip)
    view = window.spectrogram_view

    def pos(t):
        p = view.mapFromScene(view.box.mapViewToScene(QPointF(t, 2000.0)))
        return QPoint(int(p.x()), int(p.y()))

    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=pos(0.5))
    for t in (0.6, 0.8, 1.0):
        qtbot.mouseMove(viewport, pos=pos(t))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=pos(1.0))
    assert window.view_range.selection is not None
    start, end = window.view_range.selection
    assert start == pytest.approx(0.5, abs=0.02) and end == pytest.approx(1.0, abs=0.05)
    assert window.waveform.selection_item.getRegion() == pytest.approx((start, end))


def test_tier_labels_hide_where_they_do_not_fit_and_show_when_zoomed(qtbot, make_window, clip):
    window = make_window()
    open_and_wait(qtbot, window, clip)
    tiers = window.tiers.tier_view
    tiers.setFixedWidth(200)                      # narrow, whatever the window's own minimum width
    qtbot.waitUntil(lambda: 0 < tiers.box.width() < 160)
    tiers._fit_labels()
    hidden = {t.toPlainText() for t in tiers.labels if not t.isVisible()}
    assert "ɡ" in hidden                          # 0.15 s of a narrow window: no room for it
    window.view_range.set_visible(0.2, 0.5)
    assert all(t.isVisible() for t in tiers.labels if t.toPlainText() in ("ɡ", "uː"))


def test_tier_boundaries_stay_vertical_lines_when_zoomed(qtbot, make_window, clip):
    """Each boundary is a pair of points drawn as one line: zooming must not re-pair them
    (pyqtgraph's clip-to-view drops points and turned boundaries into diagonals)."""
    window = make_window()
    open_and_wait(qtbot, window, clip)
    for start, end in ((0.0, 2.0), (0.6, 1.2), (1.3, 1.6)):
        window.view_range.set_visible(start, end)
        qtbot.wait(20)
        x, y = window.tiers.tier_view.lines.getData()
        assert x is not None and len(x) % 2 == 0
        for (x0, x1), (y0, y1) in zip(x.reshape(-1, 2), y.reshape(-1, 2)):
            assert x0 == x1 or y0 == y1, f"a slanted tier line from ({x0}, {y0}) to ({x1}, {y1})"
        boundaries = {round(float(v), 6) for v, w in zip(x[::2], x[1::2]) if v == w}
        shown = {b for b in (0.2, 1.2, 1.5) if start <= b <= end}   # phone and word boundaries from clip.TextGrid
        assert shown <= boundaries and all(start <= b <= end for b in boundaries)   # only what is in view


def test_buttons_without_a_recording_say_what_to_do_first(qtbot, make_window, monkeypatch):
    window = make_window()
    window.playback.toggle_action.trigger()                 # Space with nothing open
    assert "open or record a recording first" in window.statusBar().currentMessage()
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: asked.append(a) or ("", ""))
    window.export.export_png_action.trigger()
    assert not asked and "nothing to export yet" in window.last_message
    window.export.export_results_action.trigger()
    window.relevance.overlay_action.setChecked(False)
    window.relevance.overlay_action.trigger()
    assert "No relevance map: no model is installed yet" in window.statusBar().currentMessage()


def test_the_next_recording_shows_only_its_own_tier_labels(qtbot, make_window, clip, tmp_path):
    import pyqtgraph as pg

    from voice_desk.align.textgrid import write_textgrid
    from voice_desk.align.tiers import Alignment, Interval

    other = write_clip(tmp_path / "o", name="short", with_textgrid=False, seed=4)
    write_textgrid(Alignment([Interval(0.0, 2.0, "Hallo")], [Interval(0.0, 1.0, "a"), Interval(1.0, 2.0, "l")], 2.0),
                   other.with_suffix(".TextGrid"))
    window = make_window()
    open_and_wait(qtbot, window, clip)
    open_and_wait(qtbot, window, other)

    def shown():
        return sorted(i.toPlainText() for i in window.tiers.tier_view.scene().items()
                      if isinstance(i, pg.TextItem) and i.isVisible())

    assert shown() == ["Hallo", "a", "l"]
    open_and_wait(qtbot, window, clip)
    assert "Guten" in shown() and "Hallo" not in shown()


def test_a_typed_maximum_frequency_applies_at_the_first_ok(qtbot, make_window, clip):
    from PySide6.QtWidgets import QDialogButtonBox

    window = make_window()
    open_and_wait(qtbot, window, clip)
    window.opening.spectrogram_settings_action.trigger()
    dialog = window.opening.spectrogram_dialog
    edit = dialog.max_hz.lineEdit()
    edit.selectAll()
    qtbot.keyClicks(edit, "8000")                                    # typed, not a preset
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.spectrogram_view.max_hz > 7900, timeout=WAIT_MS)
    assert window.spectrogram_view.box.viewRange()[1][1] == pytest.approx(8000)   # the axis shows it at once


def test_tiers_draw_only_what_is_in_view(qtbot):
    """10 000 phones took seconds (a label item each) and froze the window at 10**6: only the
    intervals in view get items, and only boundaries in view are drawn."""
    from voice_desk.align.tiers import Alignment, Interval
    from voice_desk.ui.app import application
    from voice_desk.ui.widgets.tier_view import TierView
    from voice_desk.ui.widgets.view_range import ViewRange

    application()
    view_range = ViewRange()
    view = TierView(view_range)
    qtbot.addWidget(view)
    view.resize(800, 110)
    view.show()
    phones = [Interval(i * 0.06, (i + 1) * 0.06, "aː") for i in range(10_000)]
    view_range.reset(600.0)
    view.set_alignment(Alignment(words=[Interval(0.0, 600.0, "")], phones=phones, duration=600.0))
    assert len(view.labels) <= 800 and len(view.lines.getData()[0]) <= 4 * 800 + 2
    view_range.set_visible(60.03, 61.17)                   # 20 phones of 60 ms in view (two of them in part)
    texts = [(round(item.pos().x(), 3), item.toPlainText()) for item in view.labels]
    assert len(texts) == 20 and all(t == "aː" and 60.0 < x < 61.2 for x, t in texts)
    assert all(item.isVisible() for item in view.labels)
    x, _ = view.lines.getData()
    assert set(np.round(x[2:], 6)) == {round(60.06 + 0.06 * k, 6) for k in range(19)}
    assert view.find(60.5, 0.5) == ("phones", 1008)


def test_exports_of_the_demo_are_named_after_it_in_the_takes_folder(qtbot, make_window, monkeypatch):
    window = make_window()
    window.opening.demo_action.trigger()
    qtbot.waitUntil(lambda: window.session.recording is not None, timeout=WAIT_MS)
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, start, filters: offered.append(start)
                        or ("", ""))
    window.export.export_png_action.trigger()
    assert offered == [str(window.recorder.takes_folder() / "guten_morgen_synthetic-view.png")]
    assert not window.relevance.side_by_side_action.isEnabled()       # no model has run: nothing to put side by side
