"""Voice Desk: automatic voice disorder assessment with explanations."""

__version__ = "0.1.0"
