"""Predict and explain: recordings in, verdicts and relevance maps out.

Predictions run with ``sdpa`` attention in batches. Explanations switch the same loaded
model to the ``voice_desk_rollout`` attention (eager arithmetic, weights fused over heads
block by block) for one forward pass and stream the rollout through hooks.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

import numpy as np

from voice_desk import __version__
from voice_desk.audio.recording import Recording
from voice_desk.errors import ModelOutputError
from voice_desk.model.bundle import LoadedModel
from voice_desk.model.features import FRAME_SHIFT_S, PatchGrid, denormalise, model_inputs
from voice_desk.model.operating_point import OperatingPoint
from voice_desk.model.result import Explanation, Prediction
from voice_desk.model.gradient_rollout import gradient_rollout, register_gradient_attention
from voice_desk.model.relevance_methods import GRADIENT_ROLLOUT, ROLLOUT, check_method, target_index
from voice_desk.model.rollout import RolloutRecorder, register_rollout_attention


class Engine:
    """Runs one loaded model. Not thread-safe: use one engine per worker thread."""

    def __init__(self, loaded: LoadedModel):
        self.loaded = loaded
        self.grid = PatchGrid.from_config(loaded.config)

    def _prediction(self, probabilities: np.ndarray, recording: Recording, warnings: list[str]) -> Prediction:
        loaded = self.loaded
        if not np.isfinite(probabilities).all():
            raise ModelOutputError(
                f"the model {loaded.name} gave NaN or infinite numbers for this recording, so it has no answer "
                "for it.", hint="Its weights or settings are damaged: copy the model folder again from where it "
                                "was made, or train it again.")
        verdict = loaded.gives_verdict
        index = loaded.pathological_index
        point = OperatingPoint.from_metrics(loaded.card.metrics if loaded.card else None)
        return Prediction(model=loaded.name, labels=loaded.labels, probabilities=probabilities,
                          gives_verdict=verdict,
                          pathology_probability=float(probabilities[index]) if verdict else None,
                          source=str(recording.path) if recording.path else recording.name, warnings=warnings,
                          withheld=loaded.withheld_classes, no_verdict_reason=loaded.no_verdict_reason,
                          threshold=point.threshold, band=point.band)

    def _forward(self, batch: np.ndarray):
        import torch

        values = torch.from_numpy(batch).to(self.loaded.device)
        logits = self.loaded.model(input_values=values).logits.float()
        return torch.softmax(logits, dim=-1).cpu().numpy()

    def predict(self, recordings: list[Recording], batch_size: int = 8) -> list[Prediction | ModelOutputError]:
        """Probabilities for each recording, ``batch_size`` clips per forward pass. A recording
        the model gives NaN or infinite numbers for gets a :class:`ModelOutputError` in its
        place (the others keep their predictions)."""
        import torch

        out: list[Prediction | ModelOutputError] = []
        with torch.inference_mode(), self.loaded.attention("sdpa"):
            for start in range(0, len(recordings), batch_size):
                chunk = recordings[start:start + batch_size]
                inputs = model_inputs(chunk, self.loaded.feature_extractor)
                probs = self._forward(np.stack([i.values for i in inputs]))
                for p, r, i in zip(probs, chunk, inputs):
                    try:
                        out.append(self._prediction(p, r, i.warnings))
                    except ModelOutputError as exc:
                        out.append(exc)
        return out

    def explain(self, recording: Recording, head_fusion: str = "mean", discard_ratio: float = 0.0,
                progress: Callable[[float], None] | None = None,
                cancelled: Callable[[], bool] | None = None, method: str = ROLLOUT,
                target_class: str | int | None = None) -> Explanation:
        """Prediction plus a relevance map for one recording: the study's attention rollout
        (``method='rollout'``, for every class alike; ``head_fusion`` and ``discard_ratio`` apply)
        or the gradient-weighted rollout for ``target_class`` (``'gradient-rollout'``; default the
        predicted class), see :mod:`voice_desk.model.relevance_methods`.

        Raises :class:`voice_desk.model.rollout.Cancelled` if ``cancelled()`` turns True.
        """
        return self._explain(recording, head_fusion, discard_ratio, progress, cancelled, method=method,
                             target_class=target_class)[0]

    def explain_with_representation(self, recording: Recording, head_fusion: str = "mean",
                                    discard_ratio: float = 0.0, progress: Callable[[float], None] | None = None,
                                    cancelled: Callable[[], bool] | None = None, method: str = ROLLOUT,
                                    target_class: str | int | None = None) -> tuple[Explanation, np.ndarray]:
        """:meth:`explain` plus the pooled representation (hidden_size floats) from the same forward
        pass: the vector the classification head sees (the mean of the CLS and distillation tokens,
        taken by a forward pre-hook on ``model.classifier``). Used by ``voice-desk study``."""
        return self._explain(recording, head_fusion, discard_ratio, progress, cancelled, representation=True,
                             method=method, target_class=target_class)

    def predicted_index(self, prediction: Prediction) -> int:
        """The class a verdict names (by the model's threshold), else the most probable one."""
        if prediction.gives_verdict and prediction.label in prediction.labels:
            return prediction.labels.index(prediction.label)
        return int(np.argmax(prediction.probabilities))

    def probabilities(self, values: np.ndarray, batch_size: int = 8,
                      cancelled: Callable[[], bool] | None = None) -> np.ndarray:
        """Softmax outputs for model inputs (clips, max_length, mel bins) already made, ``batch_size``
        per forward pass (sdpa): the masked inputs of a faithfulness curve."""
        import torch

        out = []
        with torch.inference_mode(), self.loaded.attention("sdpa"):
            for start in range(0, len(values), batch_size):
                if cancelled is not None and cancelled():
                    from voice_desk.model.rollout import Cancelled

                    raise Cancelled()
                out.append(self._forward(np.ascontiguousarray(values[start:start + batch_size], dtype=np.float32)))
        return np.concatenate(out) if out else np.zeros((0, len(self.loaded.labels)), dtype=np.float32)

    def _explain(self, recording: Recording, head_fusion: str, discard_ratio: float,
                 progress: Callable[[float], None] | None, cancelled: Callable[[], bool] | None,
                 representation: bool = False, method: str = ROLLOUT,
                 target_class: str | int | None = None) -> tuple[Explanation, np.ndarray | None]:
        import torch

        check_method(method)
        if method == GRADIENT_ROLLOUT:
            return self._explain_gradient(recording, target_class, progress, cancelled, representation)
        loaded = self.loaded
        (inp,) = model_inputs([recording], loaded.feature_extractor)
        recorder = RolloutRecorder(loaded.model, head_fusion, discard_ratio, progress=progress, cancelled=cancelled)
        with self._head_input(representation) as seen, torch.inference_mode(), \
                loaded.attention(register_rollout_attention()), recorder:
            probs = self._forward(inp.values[None])[0]
            relevance = recorder.relevance()[0].cpu().numpy()
        pooled = seen[0][0].float().cpu().numpy() if seen else None
        prediction = self._prediction(probs, recording, inp.warnings)  # raises for NaN outputs
        settings = {"method": ROLLOUT, "target_class": None, "head_fusion": head_fusion,
                    "discard_ratio": discard_ratio, "residual": 0.5,
                    "attention": "voice_desk_rollout (eager arithmetic), streamed"}
        return self._explanation(prediction, relevance, inp, settings, recording), pooled

    def _explain_gradient(self, recording: Recording, target_class: str | int | None,
                          progress: Callable[[float], None] | None, cancelled: Callable[[], bool] | None,
                          representation: bool) -> tuple[Explanation, np.ndarray | None]:
        """The gradient-weighted rollout: one forward pass (sdpa, the input carrying a gradient) and
        one backward pass from the target class's logit (:mod:`voice_desk.model.gradient_rollout`)."""
        import torch

        loaded = self.loaded
        (inp,) = model_inputs([recording], loaded.feature_extractor)

        def choose(logits):
            probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            return target_index(loaded.labels, target_class, self.predicted_index(
                self._prediction(probs, recording, inp.warnings)))

        with self._head_input(representation) as seen, loaded.attention(register_gradient_attention()):
            values = torch.from_numpy(inp.values[None]).to(loaded.device)
            logits, relevance, index = gradient_rollout(loaded.model, values, choose, progress, cancelled)
        probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        prediction = self._prediction(probs, recording, inp.warnings)
        settings = {"method": GRADIENT_ROLLOUT, "target_class": loaded.labels[index], "target_index": index,
                    "rule": "R <- R + mean_heads[(grad A * A)+] R (Chefer, Gur & Wolf 2021)",
                    "attention": "sdpa; A recomputed per head in the backward pass, grad A = grad O . V^T"}
        pooled = seen[0][0].float().cpu().numpy() if seen else None
        return self._explanation(prediction, relevance.float().cpu().numpy(), inp, settings, recording), pooled

    @contextmanager
    def _head_input(self, wanted: bool):
        """A list that receives what the classification head is given (the pooled representation)
        during the block, when ``wanted``; taken by a forward pre-hook on ``model.classifier``."""
        seen: list = []
        hook = (self.loaded.model.classifier.register_forward_pre_hook(
            lambda module, args: seen.append(args[0].detach())) if wanted else None)
        try:
            yield seen
        finally:
            if hook is not None:
                hook.remove()

    def _explanation(self, prediction: Prediction, relevance: np.ndarray, inp, settings: dict,
                     recording: Recording) -> Explanation:
        loaded = self.loaded
        if not np.isfinite(relevance).all():
            raise ModelOutputError(f"the model {loaded.name} gave NaN or infinite attention for this recording, so "
                                   "it has no relevance map for it.",
                                   hint="Its weights or settings are damaged: copy the model folder again.")
        patch_map = relevance.reshape(self.grid.shape)
        frame_map = self.grid.to_frames(patch_map)[: inp.n_frames]
        settings = {**settings, "model": loaded.source,
                    "configuration": loaded.card.configuration if loaded.card else None,
                    "max_length": loaded.max_length, "sample_rate": recording.sample_rate,
                    "app_version": __version__}
        return Explanation(prediction=prediction, log_mel=inp.values,
                           log_mel_power=denormalise(inp.values[: inp.n_frames], loaded.feature_extractor),
                           patch_relevance=patch_map.astype(np.float32), frame_relevance=frame_map,
                           n_frames=inp.n_frames, frame_shift=FRAME_SHIFT_S, settings=settings)
