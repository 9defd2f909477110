"""Organic / functional / other for SVD's German diagnoses, from divr-diagnosis maps.

Two published maps are offered (the model card names the one used):

* ``USVAC_2025`` (default) — classes organic, functional, muscle_tension, non_laryngeal,
  unclassified, agreed by clinician votes. Muscle-tension dysphonia counts as functional.
* ``daSilvaMoura_2024`` — organic / functional / organofunctional; organofunctional and
  diagnoses the map does not list count as other.

A CSV override (columns ``diagnosis,group``) reassigns any diagnosis. A session with
several diagnoses follows :data:`MULTI_RULES`.
"""

from __future__ import annotations

import csv
import unicodedata
from functools import lru_cache
from pathlib import Path

from voice_desk.errors import VoiceDeskError
from voice_desk.files import open_regular_text

DEFAULT_MAP = "USVAC_2025"
MAPS = {
    "USVAC_2025": {"organic": "organic", "functional": "functional", "muscle_tension": "functional",
                   "non_laryngeal": "other", "unclassified": "other"},
    "daSilvaMoura_2024": {"organic": "organic", "functional": "functional", "organofunctional": "other",
                          "unclassified": "other"},
}
PATHOLOGY_GROUPS = ("organic", "functional", "other")
MULTI_RULES = {
    "organic_first": "organic if any diagnosis is organic, else functional if any is functional, else other "
                     "(an organic lesion explains the voice; functional strain often accompanies it)",
    "agree_or_other": "the shared group when all diagnoses agree, else other",
}
DEFAULT_MULTI_RULE = "organic_first"


class DiagnosisMapError(VoiceDeskError):
    pass


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


@lru_cache(maxsize=4)
def _divr_map(name: str):
    from divr_diagnosis import diagnosis_maps

    return getattr(diagnosis_maps, name)(allow_unmapped=True)


class DiagnosisGrouping:
    """Maps a session's diagnoses to organic / functional / other."""

    def __init__(self, map_name: str = DEFAULT_MAP, override_csv: str | Path | None = None,
                 multi_rule: str = DEFAULT_MULTI_RULE):
        if map_name not in MAPS:
            raise DiagnosisMapError(f"unknown diagnosis map '{map_name}'.", hint=f"Use one of: {', '.join(MAPS)}.")
        if multi_rule not in MULTI_RULES:
            raise DiagnosisMapError(f"unknown rule for several diagnoses '{multi_rule}'.",
                                    hint=f"Use one of: {', '.join(MULTI_RULES)}.")
        self.map_name = map_name
        self.multi_rule = multi_rule
        self.override_csv = str(override_csv) if override_csv else None
        self.overrides = read_override_csv(override_csv) if override_csv else {}
        self._overrides_lower = {k.lower(): v for k, v in self.overrides.items()}

    def group_of(self, diagnosis: str) -> str:
        name = _nfc(diagnosis)
        if name.lower() in self._overrides_lower:
            return self._overrides_lower[name.lower()]
        divr = _divr_map(self.map_name)
        if name not in divr:
            return "other"
        return MAPS[self.map_name].get(divr.get(name).at_level(1).name, "other")

    def session_group(self, diagnoses: list[str] | tuple[str, ...]) -> str:
        groups = [self.group_of(d) for d in diagnoses]
        if not groups:
            return "other"
        if self.multi_rule == "agree_or_other":
            return groups[0] if len(set(groups)) == 1 else "other"
        for g in ("organic", "functional"):
            if g in groups:
                return g
        return "other"

    def describe(self) -> dict:
        return {"map": self.map_name, "package": "divr-diagnosis", "multi_diagnosis_rule": self.multi_rule,
                "multi_diagnosis_rule_text": MULTI_RULES[self.multi_rule], "override_csv": self.override_csv,
                "overrides": dict(self.overrides)}


def read_override_csv(path: str | Path) -> dict[str, str]:
    """``diagnosis,group`` rows (group: organic, functional or other)."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise DiagnosisMapError("the diagnosis override file does not exist.", path=path)
    out = {}
    try:
        with open_regular_text(path, "a CSV file", DiagnosisMapError, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            fields = [h.strip().lower() for h in reader.fieldnames or []]
            if "diagnosis" not in fields or "group" not in fields:
                raise DiagnosisMapError("the override file needs the columns 'diagnosis' and 'group'.", path=path,
                                        hint="First line: diagnosis,group — then e.g. Laryngitis,functional")
            for n, row in enumerate(reader, start=2):
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                group = row["group"].lower()
                if group not in PATHOLOGY_GROUPS:
                    raise DiagnosisMapError(f"line {n}: group '{row['group']}' is not one of "
                                            f"{', '.join(PATHOLOGY_GROUPS)}.", path=path)
                if row["diagnosis"]:
                    out[_nfc(row["diagnosis"])] = group
    except UnicodeDecodeError as exc:
        raise DiagnosisMapError("the override file is not UTF-8 text.", path=path,
                                hint="Save it as CSV UTF-8.") from exc
    return out
