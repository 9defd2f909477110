"""Sound devices: which microphones exist, and why recording or playback may be impossible.

``sounddevice`` is imported lazily and only here (and through :func:`load_sounddevice`): the
package loads the system PortAudio library at import and raises ``OSError`` when it is
missing, which must turn into a plain sentence for the user, not a crash at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice_desk.errors import AudioError

INSTALL_PORTAUDIO = "Install the PortAudio library (on Debian/Ubuntu: sudo apt-get install libportaudio2) and restart Voice Desk."
NO_INPUT = ("No microphone or other sound input device was found. Connect one (or enable it in the "
            "system's sound settings); Voice Desk looks again each time the File menu opens.")
NO_OUTPUT = ("No sound output device was found. Connect speakers or headphones (or enable them in "
             "the system's sound settings) and try again.")


class AudioDeviceError(AudioError):
    """Recording or playback is impossible on this computer right now (no PortAudio, no device)."""


def load_sounddevice():
    """Import and return the ``sounddevice`` module, or raise :class:`AudioDeviceError`."""
    try:
        import sounddevice
    except OSError as error:  # the package is there but the PortAudio library is not
        raise AudioDeviceError("The sound system library PortAudio is not installed.",
                               hint=INSTALL_PORTAUDIO) from error
    except ImportError as error:
        raise AudioDeviceError("The Python package sounddevice is not installed.",
                               hint="Run scripts/setup-env to install Voice Desk's dependencies.") from error
    return sounddevice


@dataclass(frozen=True)
class InputDevice:
    """One sound input as PortAudio reports it."""

    index: int
    name: str
    channels: int
    default_rate: float
    hostapi: str = ""
    is_default: bool = False

    @property
    def label(self) -> str:
        rate = f"{self.default_rate / 1000:g} kHz"
        extra = f", {self.hostapi}" if self.hostapi else ""
        return f"{self.name} ({self.channels} ch, {rate}{extra})"


def _default_input_index(sd) -> int | None:
    try:
        index = sd.default.device[0]
    except Exception:  # noqa: BLE001 - PortAudio reports odd states as odd exceptions
        return None
    return None if index is None or index < 0 else int(index)


def rescan() -> None:
    """Ask PortAudio for its devices afresh: it lists them once, when it starts, so a microphone
    plugged in later is only seen after a new start of the library (sounddevice's own re-init)."""
    try:
        sd = load_sounddevice()
        sd._terminate()
        sd._initialize()
    except Exception:  # noqa: BLE001 - no PortAudio, or it failed to start again: the next check says why
        pass


def list_input_devices() -> list[InputDevice]:
    """Every device with at least one input channel; empty when PortAudio is missing."""
    try:
        sd = load_sounddevice()
        infos = sd.query_devices()
        hostapis = sd.query_hostapis()
    except Exception:  # noqa: BLE001 - AudioDeviceError or PortAudioError: nothing to list
        return []
    default = _default_input_index(sd)
    devices = []
    for index, info in enumerate(infos):
        if int(info.get("max_input_channels", 0)) < 1:
            continue
        try:
            hostapi = hostapis[info["hostapi"]]["name"]
        except (IndexError, KeyError, TypeError):
            hostapi = ""
        devices.append(InputDevice(index=index, name=str(info["name"]),
                                   channels=int(info["max_input_channels"]),
                                   default_rate=float(info["default_samplerate"]),
                                   hostapi=hostapi, is_default=index == default))
    return devices


def default_input_device() -> InputDevice | None:
    """The system's default input, else the first input device, else None."""
    devices = list_input_devices()
    for device in devices:
        if device.is_default:
            return device
    return devices[0] if devices else None


def recording_available() -> tuple[bool, str]:
    """(True, "") when a microphone can be recorded from; else (False, what is wrong and what to do)."""
    try:
        load_sounddevice()
    except AudioDeviceError as error:
        return False, f"Recording is not available: {error}"
    if not list_input_devices():
        return False, f"Recording is not available: {NO_INPUT}"
    return True, ""


def playback_available() -> tuple[bool, str]:
    """(True, "") when sound can be played; else (False, what is wrong and what to do)."""
    try:
        sd = load_sounddevice()
    except AudioDeviceError as error:
        return False, f"Playback is not available: {error}"
    try:
        info = sd.query_devices(kind="output")
        ok = int(info.get("max_output_channels", 0)) > 0
    except Exception:  # noqa: BLE001 - PortAudioError / ValueError when there is no output
        ok = False
    if not ok:
        return False, f"Playback is not available: {NO_OUTPUT}"
    return True, ""
