"""The transformers backend: MarianMT (or any seq2seq model) with ``generate`` under ``inference_mode``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from trpipe.errors import ModelError, TrpipeError
from trpipe.models.hub import load_seq2seq, model_input_limit
from trpipe.models.registry import ModelSpec
from trpipe.translate.base import PairTokens, SubwordTranslator, register_backend

# On CPU, batches of 2,048 tokens were measured 12-15 % faster than 4,096 and 0.5 GB lighter
# (benchmarks/RESULTS.md): beam search reorders a cache that grows with the batch.
CPU_BATCH_TOKENS = 2048


def precise_error(spec: ModelSpec, exc: BaseException) -> TrpipeError:
    """The error to show for a model transformers failed to load: the damaged file when trpipe can name it
    (configuration, tokenizer files), else what transformers said with the weight files and what to do."""
    from trpipe.translate.ct2convert import WEIGHT_FILES, cached_source, read_config
    from trpipe.translate.tokenize import UnknownTokenizer, load_tokenizer, remedy, tokenizer_family

    source = cached_source(spec)
    if source is None:
        return exc if isinstance(exc, TrpipeError) else ModelError(f"model {spec.model}: cannot load it ({exc})")
    try:
        read_config(source, spec.model)
        try:
            tokenizer_family(source, spec.model)
        except UnknownTokenizer:
            pass  # a tokenizer trpipe does not read itself: nothing more precise to say about it
        else:
            load_tokenizer(source, spec.model)
    except ModelError as precise:
        return precise
    if isinstance(exc, TrpipeError):
        return exc
    detail = " ".join(str(exc).split())[:300] or type(exc).__name__
    weights = [f for f in WEIGHT_FILES if (source / f).is_file()]
    files = f" (weights: {', '.join(weights)})" if weights else ""
    return ModelError(
        f"model {spec.model}: transformers cannot load it from {source}{files}: {type(exc).__name__}: {detail}; "
        f"{remedy(spec.model, source)}"
    )


@register_backend("transformers")
class HFTranslator(SubwordTranslator):
    """Translate with ``AutoModelForSeq2SeqLM.generate``; CUDA in float16 where present, else CPU."""

    def __init__(self, spec: ModelSpec, device: str | None = None, progress: Any = None):
        super().__init__(spec)
        if progress is not None:
            progress.stage(f"loading {spec.model}")
        try:
            self.tokenizer, self.model, self.info = load_seq2seq(spec, device)
        except TrpipeError as exc:
            raise precise_error(spec, exc) from None
        except Exception as exc:  # torch, safetensors and sentencepiece raise their own kinds
            raise precise_error(spec, exc) from None
        self.device = self.info["device"]
        self.input_limit = model_input_limit(self.tokenizer, self.model)
        self.prefix = f"{spec.target_token} " if spec.target_token else ""

    @property
    def batch_tokens(self) -> int:
        """``batch_tokens``, capped on CPU at ``cpu_batch_tokens`` (default 2,048)."""
        if str(self.device) == "cpu":
            return min(super().batch_tokens, int(self.settings.get("cpu_batch_tokens", CPU_BATCH_TOKENS)))
        return super().batch_tokens

    def generate_kwargs(self, input_tokens: int, tokens: PairTokens | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "num_beams": int(self.settings["num_beams"]),
            "max_new_tokens": self.max_new_tokens(input_tokens, tokens),
            "do_sample": False,
        }
        if tokens is not None and tokens.target:
            kwargs["forced_bos_token_id"] = self.tokenizer.convert_tokens_to_ids(tokens.target)
        return kwargs

    def _inputs(self, texts: Sequence[str], tokens: PairTokens | None) -> Any:
        """The batch's input ids: the tokenizer's own, or for a many-to-many pair ``[source] text </s>``."""
        prefix = self.text_prefix(tokens)
        if tokens is None or not tokens.source:
            return self.tokenizer([prefix + t for t in texts], return_tensors="pt", padding=True, truncation=False)
        tokenizer = self.tokenizer
        source, eos = tokenizer.convert_tokens_to_ids(tokens.source), tokenizer.eos_token_id
        plain = tokenizer([prefix + t for t in texts], add_special_tokens=False)["input_ids"]
        rows = [{"input_ids": [source, *ids, eos]} for ids in plain]
        return tokenizer.pad(rows, return_tensors="pt", padding=True)

    def count_tokens(self, texts: Sequence[str], tokens: PairTokens | None = None) -> list[int]:
        if tokens is None or not tokens.source:
            return super().count_tokens(texts, tokens)
        plain = self.tokenizer([tokens.text_prefix + t for t in texts], add_special_tokens=False)["input_ids"]
        return [len(ids) + 2 for ids in plain]

    def _generate(self, texts: Sequence[str], scores: bool, tokens: PairTokens | None = None) -> tuple[Any, Any]:
        import torch

        batch = self._inputs(texts, tokens).to(self.device)
        kwargs = self.generate_kwargs(batch["input_ids"].shape[1], tokens)
        if scores:
            kwargs.update(output_scores=True, return_dict_in_generate=True)
        with torch.inference_mode():
            output = self.model.generate(**batch, **kwargs)
        return output, kwargs["max_new_tokens"]

    def _decode(self, sequences: Any, tokens: PairTokens | None = None) -> list[str]:
        if tokens is not None and tokens.target:  # the forced language token is no part of the translation
            forced = self.tokenizer.convert_tokens_to_ids(tokens.target)
            sequences = sequences.masked_fill(sequences == forced, self.tokenizer.pad_token_id)
        return [t.strip() for t in self.tokenizer.batch_decode(sequences, skip_special_tokens=True)]

    def translate_batch(self, texts: Sequence[str], tokens: PairTokens | None = None) -> list[str]:
        output, _ = self._generate(texts, scores=False, tokens=tokens)
        return self._decode(output, tokens)

    def alternatives(self, texts: Sequence[str], n: int, tokens: PairTokens | None = None) -> list[list[str]]:
        """The beam's n-best after the best (``num_return_sequences``), duplicates of the best left out."""
        import torch

        if not texts or n <= 0:
            return [[] for _ in texts]
        batch = self._inputs(texts, tokens).to(self.device)
        kwargs = self.generate_kwargs(batch["input_ids"].shape[1], tokens)
        kwargs.update(num_beams=max(kwargs["num_beams"], n + 1), num_return_sequences=n + 1)
        with torch.inference_mode():
            decoded = self._decode(self.model.generate(**batch, **kwargs), tokens)
        out = []
        for i in range(len(texts)):
            group = decoded[i * (n + 1) : (i + 1) * (n + 1)]
            out.append([t for t in dict.fromkeys(group[1:]) if t and t != group[0]][:n])
        return out

    def translate_batch_scored(
        self, texts: Sequence[str], tokens: PairTokens | None = None
    ) -> list[tuple[str, float | None]]:
        output, max_new = self._generate(texts, scores=True, tokens=tokens)
        sequences = output.sequences
        steps = self.model.compute_transition_scores(
            sequences, output.scores, getattr(output, "beam_indices", None), normalize_logits=False
        )
        skip = int(bool(tokens and tokens.target))  # the forced first token: no score of the model's own
        means = self._mean_scores(sequences, steps, max_new, skip)
        return list(zip(self._decode(sequences, tokens), means))

    def translate_batches_scored(self, batches, tokens: PairTokens | None = None):
        for batch in batches:
            yield self.translate_batch_scored(batch, tokens)

    def _mean_scores(self, sequences: Any, steps: Any, max_new: int, skip: int = 0) -> list[float | None]:
        """Mean log-probability per generated token: the tokens up to the end token, which counts when the
        model chose it, not when it was forced at the length limit (CTranslate2 counts the same)."""
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        generated = sequences[:, -steps.shape[1] :].tolist()
        out: list[float | None] = []
        for tokens, values in zip(generated, steps.float().tolist()):
            total, count = 0.0, 0
            for position, (token, value) in enumerate(zip(tokens, values)):
                if position < skip:
                    continue
                if token in eos_ids:
                    if position < max_new - 1:
                        total, count = total + value, count + 1
                    break
                total, count = total + value, count + 1
            mean = total / count if count else None
            out.append(mean if mean is not None and math.isfinite(mean) else None)
        return out

    def describe(self) -> dict[str, Any]:
        return {**self.info, "backend": self.backend}
