"""Small data shipped with Voice Desk, read through importlib.resources."""
