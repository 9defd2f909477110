"""What the training wizard's pages have chosen so far, in one place.

Each page reads what the pages before it wrote and writes its own part: the data page the data
(``data_spec``, ``data_settings`` and the ``corpus`` read with them), the split page the
``split``, the configuration page the recipe (``recipe_name``, ``overrides``, ``model_name``)
and the ``device`` the training process found, the training page the ``bundle`` and the
``result_event``. From it comes the exact ``voice-desk train`` command the training runs.
Plain Python: no Qt, no torch.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from voice_desk.data.corpus import Corpus
    from voice_desk.data.split import Split


@dataclass
class TrainingDraft:
    models_folder: Path
    base_model: str | None = None          # the wizard's base model (a local folder in tests), else the recipe's
    data_spec: str = ""                    # svd:FOLDER or manifest:FILE.csv, as it was read
    data_settings: dict = field(default_factory=dict)
    corpus: Corpus | None = None
    split: Split | None = None
    recipe_name: str = "ast_freeze"
    overrides: list[str] = field(default_factory=list)   # key=value that differ from the recipe file
    model_name: str = ""
    device: str | None = None              # what the training process found (None: not known yet)
    bundle: str | None = None              # the trained model's folder
    result_event: dict | None = None       # the training's last ("done") event

    def out_folder(self) -> Path:
        return Path(self.models_folder) / (self.model_name.strip() or "model")

    def split_file(self) -> Path:
        """The split saved where the training (or a GPU machine) reads it from."""
        from voice_desk.paths import cache_dir

        folder = cache_dir() / "wizard-splits" / self.out_folder().name
        self.split.save(folder, self.corpus)
        return folder / "split.csv"

    def data_overrides(self) -> list[str]:
        """The data page's and the split page's choices as recipe values."""
        out = []
        for key, value in self.data_settings.items():
            if key == "diagnosis_override" and not value:
                continue
            out.append(f"{key}={str(value).lower() if isinstance(value, bool) else value}")
        out.append(f"split_seed={self.split.seed}")
        out.append("split_fractions=[" + ",".join(f"{f:g}" for f in self.split.fractions) + "]")
        out.append(f"stratify_gender={str(self.split.stratify_gender).lower()}")
        return out

    def arguments(self) -> list[str]:
        """``voice-desk train`` arguments for this draft (without --restart / --progress-json)."""
        args = ["--recipe", self.recipe_name, "--data", self.data_spec, "--out", str(self.out_folder()),
                "--split", str(self.split_file())]
        for value in self.data_overrides() + list(self.overrides):
            args += ["--set", value]
        return args

    def command_line(self, for_gpu: bool = False) -> str:
        """The exact command that runs this training (for a GPU machine: same data, same split)."""
        args = self.arguments()
        args[args.index("--recipe") + 1] = f"training/{self.recipe_name}.toml"
        if for_gpu:
            args += ["--device", "cuda"]
        return "voice-desk train " + " ".join(shlex.quote(a) for a in args)
