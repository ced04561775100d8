"""Embedding with sentence-transformers on torch (float32): any model it can load."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .base import (
    ModelUnavailableError,
    OnProgress,
    PromptedEmbedder,
    available_cores,
    in_batches,
    unavailable_message,
)


class SentenceTransformerEmbedder(PromptedEmbedder):
    """A sentence-transformers model with explicit query/passage prompts.

    Attributes:
        backend: ``torch``.
        model: The loaded ``SentenceTransformer``.
        preprocess: Applied to every text before the prompt is added (the bundled
            model's exact normalization), or ``None``.
    """

    backend = "torch"

    def __init__(
        self,
        name: str,
        model_path: str | Path | None = None,
        *,
        prompts: dict[str, str] | None = None,
        batch_size: int = 32,
        preprocess: Callable[[str], str] | None = None,
        local_files_only: bool = False,
        threads: int = 0,
    ) -> None:
        """Load the model.

        Args:
            name: The model string recorded as :attr:`name`.
            model_path: What to load (hub name or local directory); ``name`` if ``None``.
            prompts: ``query``/``passage`` prefixes; ``None`` takes the model's own
                ``query`` and ``passage`` (or ``document``) prompts, else none.
            batch_size: Texts per forward pass.
            preprocess: See :attr:`preprocess`.
            local_files_only: Only look in the local Hugging Face cache, never the hub.
            threads: torch intra-op threads (0: every available core).

        Raises:
            ModelUnavailableError: When the model cannot be loaded.
        """
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar per load
        torch.set_num_threads(threads or available_cores())
        source = str(model_path if model_path is not None else name)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        model_kwargs = {"dtype": torch.float32} if device == "cpu" else {}
        try:
            self.model = SentenceTransformer(
                source, device=device, model_kwargs=model_kwargs, local_files_only=local_files_only
            )
        except Exception as exc:  # hub, file-system and format errors all end here
            raise ModelUnavailableError(unavailable_message(name, exc)) from exc
        own = self.model.prompts or {}
        self.name = name
        self.dimension = int(self.model.get_embedding_dimension())
        self.prompts = (
            dict(prompts)
            if prompts is not None
            else {
                "query": own.get("query", ""),
                "passage": own.get("passage", own.get("document", "")),
            }
        )
        self.batch_size = batch_size
        self.preprocess = preprocess

    def _encode(
        self, texts: Sequence[str], prompt: str, on_progress: OnProgress | None = None
    ) -> np.ndarray:
        items = [self.preprocess(t) for t in texts] if self.preprocess else list(texts)

        def encode(rows: list[int]) -> np.ndarray:
            return self.model.encode(
                [items[i] for i in rows],
                prompt=prompt,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )

        lengths = [len(item) for item in items]  # characters: about one token each in Chinese
        return in_batches(
            lengths, self.batch_size, self.dimension, encode, on_progress, self.token_budget
        )
