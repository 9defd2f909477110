"""One module per finding; each has ``METHOD`` (how the numbers are made, for the report) and
``analyse(data) -> dict`` over a :class:`voice_desk.study.data.StudyData`."""
