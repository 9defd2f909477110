"""PyInstaller hook for Voice Desk itself: what static analysis of the entry point cannot see.

- Every ``voice_desk`` module: the commands are discovered at run time (``pkgutil.iter_modules`` in
  ``voice_desk.cli``) and child processes run functions named as text
  (``"voice_desk.model.model_jobs:explain"``, the training and report jobs).
- The transformers modules Voice Desk reaches through transformers' lazy top-level module
  (``from transformers import ASTForAudioClassification, Trainer, …`` imports nothing PyInstaller can
  follow): the core modules, the AST model and the auto classes. The other ~400 model families are
  left out (hundreds of MB of sources a clinic never runs); ``transformers.testing_utils`` imports
  pytest and is left out too.
- Voice Desk's own sources are shipped beside the compiled modules (``pyz+py``): ``voice-desk
  selftest`` reads its imports from them to import everything once, and tracebacks in the log file
  show the lines they point at.
- ``voice_desk.resources`` (the aligner's reference, the demo, the base-model config) and
  ``voice_desk.recipes`` (training recipes) are data folders mapped from ``resources/`` and
  ``training/`` in the checkout (pyproject's ``package-dir``), so they are collected by their real
  location and put where ``importlib.resources`` looks for them in the bundle.
"""

from pathlib import Path

from PyInstaller.utils.hooks import collect_submodules, get_module_file_attribute

KEEP_MODELS = ("transformers.models.audio_spectrogram_transformer", "transformers.models.auto")


def _transformers_module(name: str) -> bool:
    if name.startswith("transformers.models."):
        return name.startswith(KEEP_MODELS) and ".convert_" not in name
    return not name.startswith(("transformers.testing_utils", "transformers.commands", "transformers.cli"))


module_collection_mode = "pyz+py"
hiddenimports = collect_submodules("voice_desk") + collect_submodules("transformers", filter=_transformers_module)

datas = []
for package, dest in (("voice_desk.resources", "voice_desk/resources"), ("voice_desk.recipes", "voice_desk/recipes")):
    folder = Path(get_module_file_attribute(package)).parent
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts:
            datas.append((str(path), str(Path(dest) / path.relative_to(folder).parent)))
