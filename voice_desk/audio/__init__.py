"""Audio in and out: loading (WAV/FLAC/OGG/NSP), checks, resampling, recording, playback."""
