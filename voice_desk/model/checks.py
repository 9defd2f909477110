"""The checks a model folder passes before any model is built from it (no torch: the window's
model list runs them too).

* **Weights come from safetensors files alone.** ``model.safetensors``, or the shards a
  ``model.safetensors.index.json`` names, which must be plain ``*.safetensors`` file names in
  the folder. An index pointing at ``pytorch_model.bin`` (a pickle, which can run code when
  opened) is refused like the pickle itself, and so is a config.json naming its own weights
  file (``transformers_weights``).
* **Every size comes from the weights.** The sizes in config.json (layers, hidden size, input
  length...) are checked against the shapes in the safetensors headers (read without loading
  the weights) and against sane bounds, so a config asking for 100,000 layers or a 10⁷-frame
  input is refused at once instead of building a model that exhausts memory. The
  preprocessor config must describe the same input as config.json.
* JSON files are read with size and depth limits (:func:`voice_desk.model.json_io.read_json`).

Which weights the checkpoint holds exactly is checked after loading, from transformers'
loading report (:func:`voice_desk.model.bundle.from_pretrained`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from voice_desk.errors import ModelNotFoundError, NotAModelError, UnsafeModelError
from voice_desk.model.json_io import check_regular, read_json

AST_MODEL_TYPE = "audio-spectrogram-transformer"
SAFE_WEIGHTS = "model.safetensors"
SAFE_INDEX = "model.safetensors.index.json"
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json")

CONFIG_LIMIT = 2 * 1024 * 1024
INDEX_LIMIT = 4 * 1024 * 1024
HEADER_LIMIT = 16 * 1024 * 1024

#: transformers' ASTConfig defaults, used when config.json leaves a size out.
AST_DEFAULTS = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                "patch_size": 16, "frequency_stride": 10, "time_stride": 10, "max_length": 1024,
                "num_mel_bins": 128}
#: Far above any AST ever trained (the AudioSet base: 768, 12, 12, 3072, 16, 10, 10, 1024, 128).
SIZE_LIMITS = {"hidden_size": 8192, "num_hidden_layers": 128, "num_attention_heads": 256,
               "intermediate_size": 65536, "patch_size": 128, "frequency_stride": 128, "time_stride": 128,
               "max_length": 32768, "num_mel_bins": 1024}
MAX_LABELS = 10_000
SAMPLING_RATE = 16_000

_ITEM_SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4,
              "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}
_LAYER = re.compile(r"encoder\.layer\.(\d+)\.")

_DAMAGED_HINT = ("The model folder is damaged or was changed by hand; copy the whole folder again from where it was "
                 "made.")


def _damaged(folder: Path, problem: str, hint: str = _DAMAGED_HINT) -> NotAModelError:
    return NotAModelError(problem, path=folder, hint=hint)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _size(config: dict, key: str) -> int:
    return config.get(key, AST_DEFAULTS[key])


# --- weights -------------------------------------------------------------------------------

def read_safetensors_header(path: Path) -> dict[str, tuple[str, list[int]]]:
    """``{tensor name: (dtype, shape)}`` from a safetensors file's header, checking that the
    file is whole (its data is as long as the header says). Raises ValueError with a reason."""
    try:
        check_regular(path)
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            length = int.from_bytes(f.read(8), "little") if size >= 8 else -1
            if not 2 <= length <= min(HEADER_LIMIT, size - 8):
                raise ValueError("it is not a safetensors file, or it is cut short")
            header = json.loads(f.read(length).decode("utf-8"))
    except OSError as exc:
        raise ValueError(f"it cannot be read ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, RecursionError, json.JSONDecodeError):
        raise ValueError("its header is not valid; it is not a safetensors file") from None
    if not isinstance(header, dict):
        raise ValueError("its header is not valid; it is not a safetensors file")
    tensors, end = {}, 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (start, stop) = entry["dtype"], entry["shape"], entry["data_offsets"]
            numel = 1
            for dim in shape:
                if not _whole(dim) or dim < 0:
                    raise TypeError
                numel *= dim
            if not (_whole(start) and _whole(stop) and 0 <= start <= stop):
                raise TypeError
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"its header entry for '{name:.80}' is not valid") from None
        if dtype not in _ITEM_SIZE:
            raise ValueError(f"'{name:.80}' holds values of a type Voice Desk does not know ({dtype!r:.20})")
        if stop - start != numel * _ITEM_SIZE[dtype]:
            raise ValueError(f"the header entry for '{name:.80}' does not add up")
        tensors[name] = (dtype, list(shape))
        end = max(end, stop)
    if 8 + length + end != size:
        raise ValueError("it is cut short or has extra bytes: it was not copied whole")
    return tensors


def weight_files(folder: Path) -> list[Path]:
    """The safetensors files to load: ``model.safetensors``, else the shards named by
    ``model.safetensors.index.json``. Raises UnsafeModelError / NotAModelError otherwise."""
    if (folder / SAFE_WEIGHTS).exists():
        return [folder / SAFE_WEIGHTS]
    if not (folder / SAFE_INDEX).exists():
        if any((folder / name).exists() for name in PICKLE_WEIGHTS):
            raise UnsafeModelError(
                "the weights are stored as a pickle file (pytorch_model.bin), which Voice Desk never opens "
                "because it can run hidden code.", path=folder,
                hint="Convert the model to safetensors with a trusted tool, or ask its author for model.safetensors.")
        raise NotAModelError("the folder has a config.json but no model weights (model.safetensors).", path=folder,
                             hint="Copy the whole model folder again.")
    try:
        index = read_json(folder / SAFE_INDEX, INDEX_LIMIT)
    except ValueError as exc:
        raise _damaged(folder, f"{SAFE_INDEX} cannot be read: {exc}.") from exc
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not (isinstance(weight_map, dict) and weight_map and isinstance(index.get("metadata", {}), dict)
            and all(isinstance(v, str) for v in weight_map.values())):
        raise _damaged(folder, f"{SAFE_INDEX} has no valid weight_map (tensor name -> file name).")
    names = sorted(set(weight_map.values()))
    for name in names:
        if not name.endswith(".safetensors"):
            raise UnsafeModelError(
                f"{SAFE_INDEX} sends the weights to '{name:.80}', which is not a safetensors file; Voice Desk only "
                "loads weights from safetensors files (a pickle file such as pytorch_model.bin can run hidden code).",
                path=folder, hint="Use a model saved as safetensors, or ask its author for one.")
        if os.path.basename(name) != name or name in (".", "..") or "\\" in name:
            raise UnsafeModelError(f"{SAFE_INDEX} names the weight file '{name:.80}' outside the model folder.",
                                   path=folder, hint="Model weights must lie in the model folder itself.")
        if not (folder / name).exists():
            raise _damaged(folder, f"the weight file {name} named in {SAFE_INDEX} is missing.")
    return [folder / name for name in names]


def read_weights(folder: Path) -> dict[str, tuple[str, list[int]]]:
    """``{tensor name: (dtype, shape)}`` over all of the folder's safetensors files."""
    files = weight_files(folder)
    tensors: dict = {}
    for path in files:
        try:
            tensors.update(read_safetensors_header(path))
        except ValueError as exc:
            raise _damaged(folder, f"the weights file {path.name} cannot be loaded: {exc}.") from exc
    if len(files) > 1:
        index = read_json(folder / SAFE_INDEX, INDEX_LIMIT)["weight_map"]
        if set(index) != set(tensors):
            raise _damaged(folder, f"{SAFE_INDEX} does not list the tensors its files hold.")
    return tensors


# --- config.json -----------------------------------------------------------------------------

def config_labels(config: dict) -> list[str]:
    """The class names in ``id2label`` (checked: keys 0..n-1, names are text)."""
    id2label = config.get("id2label")
    if id2label is None:
        n = config.get("num_labels", 2)
        if not _whole(n) or not 1 <= n <= MAX_LABELS:
            raise ValueError(f"'num_labels' should be a whole number from 1 to {MAX_LABELS}")
        return [f"LABEL_{i}" for i in range(n)]
    if not isinstance(id2label, dict) or not 1 <= len(id2label) <= MAX_LABELS:
        raise ValueError(f"'id2label' should map class numbers to names (1 to {MAX_LABELS} classes)")
    if set(id2label) != {str(i) for i in range(len(id2label))}:
        raise ValueError("the class numbers in 'id2label' should be 0, 1, 2, ...")
    labels = [id2label[str(i)] for i in range(len(id2label))]
    if not all(isinstance(label, str) for label in labels):
        raise ValueError("the class names in 'id2label' should be text")
    return labels


def check_config(config) -> None:
    """The sizes and labels of an AST config.json, on their own (bounds and types). Raises ValueError."""
    if not isinstance(config, dict):
        raise ValueError("it is not a JSON object")
    if "transformers_weights" in config:
        raise ValueError("it names its own weights file ('transformers_weights'), which Voice Desk does not follow")
    if config.get("quantization_config") is not None:
        raise ValueError("it asks for quantized weights, which Voice Desk does not run")
    for key, limit in SIZE_LIMITS.items():
        value = _size(config, key)
        if not _whole(value) or not 1 <= value <= limit:
            raise ValueError(f"'{key}' should be a whole number from 1 to {limit}, not {value!r:.40}")
    if _size(config, "hidden_size") % _size(config, "num_attention_heads"):
        raise ValueError("'hidden_size' should be a multiple of 'num_attention_heads'")
    patch = _size(config, "patch_size")
    if patch > _size(config, "num_mel_bins") or patch > _size(config, "max_length"):
        raise ValueError("'patch_size' should not be larger than the input ('num_mel_bins', 'max_length')")
    label2id = config.get("label2id", {})
    if not isinstance(label2id, dict) or not all(_whole(v) for v in label2id.values()):
        raise ValueError("'label2id' should map class names to numbers")
    config_labels(config)


def patch_count(config: dict) -> int:
    """How many patches the AST cuts its input into (as :class:`voice_desk.model.features.PatchGrid`)."""
    patch = _size(config, "patch_size")
    freq = (_size(config, "num_mel_bins") - patch) // _size(config, "frequency_stride") + 1
    time = (_size(config, "max_length") - patch) // _size(config, "time_stride") + 1
    return freq * time


def check_against_weights(config: dict, tensors: dict[str, tuple[str, list[int]]]) -> None:
    """config.json's sizes against the shapes of the weights. Raises ValueError."""
    prefix = "audio_spectrogram_transformer." if any(n.startswith("audio_spectrogram_transformer.")
                                                    for n in tensors) else ""
    hidden, inner = _size(config, "hidden_size"), _size(config, "intermediate_size")
    patch = _size(config, "patch_size")
    expected = {
        "embeddings.cls_token": [1, 1, hidden],
        "embeddings.patch_embeddings.projection.weight": [hidden, 1, patch, patch],
        "embeddings.position_embeddings": [1, patch_count(config) + 2, hidden],
        "encoder.layer.0.intermediate.dense.weight": [inner, hidden],
    }
    for name, shape in expected.items():
        if prefix + name not in tensors:
            raise ValueError(f"the weights have no '{prefix + name}': they are not an AST's weights")
        if tensors[prefix + name][1] != shape:
            raise ValueError(f"config.json's sizes do not fit the weights ('{prefix + name}' is "
                             f"{tensors[prefix + name][1]} in the weights, {shape} by config.json)")
    layers = {int(m.group(1)) for n in tensors if n.startswith(prefix) and (m := _LAYER.match(n, len(prefix)))}
    wanted = _size(config, "num_hidden_layers")
    if layers != set(range(wanted)):
        raise ValueError(f"config.json describes {wanted} layer{'s' if wanted != 1 else ''} but the weights hold "
                         f"{len(layers)}")
    head = tensors.get("classifier.dense.weight")
    labels = len(config_labels(config))
    if head is not None and head[1] != [labels, hidden]:
        raise ValueError(f"config.json names {labels} classes but the classification head has "
                         f"{head[1][0] if head[1] else '?'}")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


#: What preprocessor_config.json may hold, where Voice Desk's features depend on it.
_PREPROCESSOR = {
    "sampling_rate": (lambda v, c: v == SAMPLING_RATE, f"{SAMPLING_RATE} (Hz)"),
    "num_mel_bins": (lambda v, c: v == _size(c, "num_mel_bins"), "config.json's num_mel_bins"),
    "max_length": (lambda v, c: v == _size(c, "max_length"), "config.json's max_length"),
    "feature_size": (lambda v, c: v == 1, "1"),
    "mean": (lambda v, c: _number(v), "a number"),
    "std": (lambda v, c: _number(v) and v != 0, "a number other than 0"),
    "padding_value": (lambda v, c: _number(v), "a number"),
    "do_normalize": (lambda v, c: isinstance(v, bool), "true or false"),
    "return_attention_mask": (lambda v, c: isinstance(v, bool), "true or false"),
    "padding_side": (lambda v, c: v in ("left", "right"), '"left" or "right"'),
}


def read_preprocessor(folder: Path, config: dict) -> dict | None:
    """preprocessor_config.json (None when there is none), which must describe the input
    config.json describes (a 10⁷-frame max_length there would pad every clip to gigabytes).
    The feature extractor is built from this dict: transformers' own loader would prefer a
    ``processor_config.json`` that nothing here checks."""
    path = folder / "preprocessor_config.json"
    if not os.path.lexists(path):
        return None
    try:
        pre = read_json(path, CONFIG_LIMIT)
        if not isinstance(pre, dict):
            raise ValueError("it is not a JSON object")
        for key, (ok, wanted) in _PREPROCESSOR.items():
            if key in pre and not ok(pre[key], config):
                raise ValueError(f"'{key}' should be {wanted}, not {pre[key]!r:.40}")
    except ValueError as exc:
        raise _damaged(folder, f"preprocessor_config.json cannot be used: {exc}.") from exc
    return pre


# --- the folder -----------------------------------------------------------------------------

def check_model_folder(folder: Path, weights: bool = True) -> dict:
    """Validate a local folder and return its config dict, or raise a clear ModelError.

    ``weights=False`` leaves out reading the weights files' headers (whether they are whole
    and fit config.json): the model list uses that, so a bundle whose weights were damaged is
    still listed and says what is wrong when it is run, instead of silently vanishing."""
    folder = Path(folder)
    if not folder.exists():
        if os.path.lexists(folder):
            raise ModelNotFoundError("this is a symbolic link that leads nowhere (to a missing place, or in a loop "
                                     "back to itself).", path=folder, hint="Choose the model folder itself.")
        raise ModelNotFoundError("the model folder does not exist.", path=folder,
                                 hint="Choose a folder made by Voice Desk's training or an AST checkpoint folder.")
    if not folder.is_dir():
        raise NotAModelError("a model is a folder, not a single file.", path=folder,
                             hint="Choose the folder that holds config.json and model.safetensors.")
    config_path = folder / "config.json"
    if not os.path.lexists(config_path):
        raise NotAModelError("this folder is not a model (it has no config.json).", path=folder,
                             hint="Choose a folder made by Voice Desk's training or an AST checkpoint folder.")
    try:
        config = read_json(config_path, CONFIG_LIMIT)
    except ValueError as exc:
        raise _damaged(folder, f"config.json cannot be read: {exc}.") from exc
    if not isinstance(config, dict):
        raise _damaged(folder, "config.json cannot be used: it is not a JSON object.")
    model_type = config.get("model_type", "unknown")
    if model_type != AST_MODEL_TYPE:
        raise NotAModelError(f"this is a '{str(model_type):.40}' model, not an Audio Spectrogram Transformer.",
                             path=folder, hint="Voice Desk works with AST models only.")
    try:
        check_config(config)
    except ValueError as exc:
        raise _damaged(folder, f"config.json cannot be used: {exc}.") from exc
    if os.path.lexists(folder / "adapter_config.json"):
        raise UnsafeModelError("the folder holds an adapter (adapter_config.json), which would bring in weights "
                               "and a base model from elsewhere; Voice Desk loads whole models only.", path=folder,
                               hint="Merge the adapter into the model and save it as safetensors, or remove "
                                    "adapter_config.json.")
    if weights:
        try:
            check_against_weights(config, read_weights(folder))
        except ValueError as exc:
            raise _damaged(folder, f"its weights do not fit its config.json: {exc}.") from exc
    else:
        weight_files(folder)
    read_preprocessor(folder, config)
    return config
