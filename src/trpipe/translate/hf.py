"""The transformers backend: MarianMT (or any seq2seq model) with ``generate`` under ``inference_mode``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from trpipe.hub import load_seq2seq, model_input_limit
from trpipe.registry import ModelSpec
from trpipe.translate.base import Translator, register_backend


@register_backend("transformers")
class HFTranslator(Translator):
    """Translate with ``AutoModelForSeq2SeqLM.generate``; CUDA in float16 where present, else CPU."""

    def __init__(self, spec: ModelSpec, device: str | None = None):
        super().__init__(spec)
        self.tokenizer, self.model, self.info = load_seq2seq(spec, device)
        self.device = self.info["device"]
        self.input_limit = model_input_limit(self.tokenizer, self.model)
        self.prefix = f"{spec.target_token} " if spec.target_token else ""

    @property
    def max_input_tokens(self) -> int:
        return min(super().max_input_tokens, self.input_limit)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        encoded = self.tokenizer([self.prefix + t for t in texts], add_special_tokens=True)
        return [len(ids) for ids in encoded["input_ids"]]

    def max_new_tokens(self, input_tokens: int) -> int:
        """New tokens allowed for a batch whose longest input has ``input_tokens`` tokens."""
        settings = self.settings
        bound = math.ceil(
            float(settings["max_new_tokens_ratio"]) * input_tokens + int(settings["max_new_tokens_offset"])
        )
        return max(1, min(bound, int(settings["max_length"])))

    def generate_kwargs(self, input_tokens: int) -> dict[str, Any]:
        return {
            "num_beams": int(self.settings["num_beams"]),
            "max_new_tokens": self.max_new_tokens(input_tokens),
            "do_sample": False,
        }

    def translate_batch(self, texts: Sequence[str]) -> list[str]:
        import torch

        batch = self.tokenizer(
            [self.prefix + t for t in texts],
            return_tensors="pt",
            padding=True,
            truncation=False,
        ).to(self.device)
        with torch.inference_mode():
            output = self.model.generate(**batch, **self.generate_kwargs(batch["input_ids"].shape[1]))
        return [t.strip() for t in self.tokenizer.batch_decode(output, skip_special_tokens=True)]

    def describe(self) -> dict[str, Any]:
        return {**self.info, "backend": self.backend}
