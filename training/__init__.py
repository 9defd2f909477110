"""The study's two training recipes (TOML), installed as ``voice_desk.recipes``."""
