"""The transformers backend: MarianMT (or any seq2seq model) with ``generate`` under ``inference_mode``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trpipe.hub import load_seq2seq, model_input_limit
from trpipe.registry import ModelSpec
from trpipe.translate.base import SubwordTranslator, register_backend


@register_backend("transformers")
class HFTranslator(SubwordTranslator):
    """Translate with ``AutoModelForSeq2SeqLM.generate``; CUDA in float16 where present, else CPU."""

    def __init__(self, spec: ModelSpec, device: str | None = None):
        super().__init__(spec)
        self.tokenizer, self.model, self.info = load_seq2seq(spec, device)
        self.device = self.info["device"]
        self.input_limit = model_input_limit(self.tokenizer, self.model)
        self.prefix = f"{spec.target_token} " if spec.target_token else ""

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
