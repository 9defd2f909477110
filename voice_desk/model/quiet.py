"""Keep transformers' progress bars and advisories, and torch's warnings, out of the user's
terminal and log: they are advice for developers (deprecations, which attention kernel ran,
CUDA driver notes), not something a clinician can act on. ``--verbose`` shows them again."""

from __future__ import annotations

import logging
import warnings

#: Warnings raised from these libraries' own code (or from C++ on their behalf).
_LIBRARIES = r"(torch|transformers|torchaudio|huggingface_hub|safetensors)(\.|$)"


def quiet_libraries() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    if logging.getLogger().isEnabledFor(logging.INFO):  # --verbose: the developer wants everything
        return
    for category in (UserWarning, FutureWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category, module=_LIBRARIES)
