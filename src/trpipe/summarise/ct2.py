"""The summariser on CTranslate2: BART (distilbart) and T5/mT5, converted once, torch-free afterwards.

Loading is the translation backend's (``trpipe.translate.ct2.open_model``: conversion cache, atomic
writes, torch-free tokenizers, threads, compute types). A conversion is made beforehand with a
converter of our own that (1) fills in the ``normalize_before`` attribute CTranslate2's BART loader
still reads but transformers 5 no longer sets (BART is post-norm), and (2) keeps the attention of every
head of the decoder's last layer for alignment (CTranslate2 keeps one head by default), so that
``return_attention`` gives the same quantity as the transformers summariser's attention. Once converted,
the model runs with CTranslate2 and the folder's tokenizer files read by ``sentencepiece``/``tokenizers``:
neither torch nor transformers is imported.

Decoding mirrors ``HFSummariser``'s ``generate`` call, with the registry's settings over the model's
generation config: ``num_beams`` beams; a forced first token (``forced_bos_token_id``, BART) given as a
target prefix; ``max_new_tokens`` N becomes ``max_decoding_length`` N - 1 (transformers counts the end
token it forces at the limit, CTranslate2 counts the prefix but not the end token: the same tokens of
text either way); ``min_new_tokens`` M becomes ``min_decoding_length`` M (both count the forced first
token and allow the end token after M tokens); the length penalty divides by the same length (forced
first token and end token included) on both; ``no_repeat_ngram_size`` and ``repetition_penalty`` as
they are. Two differences are inherent to the engines and cannot be set away: CTranslate2 renormalises
the probabilities after banning tokens (repeated n-grams, the end token under the minimum length) while
transformers does not, and transformers scores a hypothesis cut at the limit with its forced end token.
Both only reorder close beams; on models that stop by themselves without those constraints the two
backends give the same tokens (tested on tiny models).

Citations: the attention each generated token gave the source is returned with the summary
(``return_attention``) and kept per chunk (``summarise.attention``), so aligning the summary's
sentences costs no further pass; a sentence the summariser did not generate for those units is
teacher-forced instead, in one decoder pass.

Compute types: those of the translation backend (int8 on CPU; on CUDA int8_float16, but never a
float16 type for T5-family models, which overflow in it: mT5 gives NaN); a float16 type asked for a
T5-family model is refused. ``describe()`` records the compute type. Threads: the translators' layout
(``thread_plan``: on 2 cores two replicas of one thread; ``ct2_inter_threads``/``ct2_intra_threads`` in
the registry change it), a batch of chunks split between the replicas. Measured on 2 cores
(benchmarks/RESULTS.md), the whole summary job replayed on plain CTranslate2 takes 17 s as 2 x 1 and 28 s
as 1 x 2: a beam search over a few chunks keeps two threads of one replica poorly busy, so even the
single-chunk levels lose less than the split batches gain.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trpipe.errors import UsageError
from trpipe.models.registry import ModelSpec
from trpipe.summarise.attention import GenerationAttention, token_spans
from trpipe.summarise.models import Summariser, unit_bounds, unit_shares
from trpipe.translate.ct2 import (
    COMPUTE_SETTING,
    T5_TYPES,
    available_threads,
    choose_compute_type,
    choose_device,
    import_ctranslate2,
    open_model,
)
from trpipe.translate.ct2convert import (
    UnsupportedModel,
    conversion_places,
    convertible,
    ensure_converted,
    is_current,
    model_source,
    read_config,
)

__all__ = ["CT2Summariser", "UnsupportedModel", "summary_compute_type"]


def summary_compute_type(ct2: Any, device: str, index: int, requested: str | None, t5_family: bool, model: str) -> str:
    """The translation backend's compute type, refusing a float16 type asked for a T5-family model."""
    if t5_family and requested and "float16" in requested and "bfloat16" not in requested:
        raise UsageError(
            f"{model}: compute type {requested}: T5-family models overflow in float16 (mT5 gives NaN); "
            "use int8_float32, int8_bfloat16, bfloat16 or float32"
        )
    return choose_compute_type(ct2, device, index, requested, no_float16=t5_family)


def _converter_module(ct2: Any) -> Any:
    """A stand-in for the ``ctranslate2`` module whose ``TransformersConverter`` is the summary converter,
    for ``ensure_converted``. Built only when a conversion is made: importing ``ctranslate2.converters``
    imports torch and transformers."""
    from types import SimpleNamespace

    import numpy as np

    base = ct2.converters.TransformersConverter

    class SummaryConverter(base):  # type: ignore[misc, valid-type]
        def _load(self) -> Any:
            spec = super()._load()
            decoder = getattr(spec, "decoder", None)
            if decoder is not None and hasattr(decoder, "alignment_heads"):
                decoder.alignment_heads = np.dtype("int16").type(0)  # 0: every head of the alignment layer
            return spec

        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            if model.config.model_type == "bart" and not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False  # BART is post-norm; transformers 5 dropped the field
            return model

    return SimpleNamespace(
        __version__=ct2.__version__, converters=SimpleNamespace(TransformersConverter=SummaryConverter)
    )


class CT2Summariser(Summariser):
    """Summarise with a CTranslate2 conversion of a BART or T5/mT5 model (see the module docstring)."""

    backend = "ctranslate2"

    def __init__(
        self,
        spec: ModelSpec,
        device: str | None = None,
        *,
        progress: Any = None,
        cache_dir: str | os.PathLike | None = None,
        threads: int | None = None,
        compute_type: str | None = None,
    ):
        from trpipe.models.hub import folder_fingerprint
        from trpipe.translate.memory import default_cache_dir
        from trpipe.translate.tokenize import read_json

        super().__init__(spec)
        ct2 = import_ctranslate2()
        dev, index = choose_device(ct2, device)
        source, commit = model_source(spec)
        config = read_config(source, spec.model)
        reason = convertible(config, read_json(source / "tokenizer_config.json", spec.model, required=False))
        if reason:
            raise UnsupportedModel(f"model {spec.model}: {reason}; use --backend transformers")
        requested = compute_type or spec.settings.get(COMPUTE_SETTING)
        t5_family = str(config.get("model_type")) in T5_TYPES
        chosen = summary_compute_type(ct2, dev, index, requested, t5_family, spec.model)
        quantization = chosen if chosen != "default" else "float32"
        cache = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        identity = {"model": spec.model, "version": commit or folder_fingerprint(source), "quantization": quantization}
        self.converted_now = False
        if not any(is_current(p, identity) for p in conversion_places(spec, commit, quantization, cache)):
            converter = _converter_module(ct2)
            _, self.converted_now = ensure_converted(
                converter, spec, source, commit, quantization, cache, progress=progress
            )
        cores = threads or available_threads()
        self.model = open_model(spec, device, chosen, cache, cores, progress)  # the translators' thread layout
        self.tokenizer = self.model.tokenizer
        self.translator = self.model.translator
        self.generation = {**config, **self.model.generation}
        self.prefix = str(self.settings.get("prefix", ""))
        self.generated = GenerationAttention()
        forced = self.generation.get("forced_bos_token_id")
        self.first_token = self.tokenizer.id_piece(int(forced)) if isinstance(forced, int) else None

    # the conversion's facts, as attributes (provenance, tests)
    compute_type = property(lambda self: self.model.compute_type)
    model_dir = property(lambda self: self.model.folder)
    converted = property(lambda self: self.converted_now or self.model.converted)
    architecture = property(lambda self: self.model.architecture)

    # ------------------------------------------------------------------------------------- interface

    @property
    def max_input_tokens(self) -> int:
        return min(super().max_input_tokens, self.model.input_limit)

    @property
    def batch_tokens(self) -> int:
        """The registry's ``batch_tokens`` where it sets one; by default on a CPU, one full chunk (with its
        summary) per replica at a time. A beam search holds the encoder's output of each chunk of a batch
        once per beam in every decoder layer (about 200 MB for a 1,024-token chunk of distilbart with 4
        beams), so larger batches would raise the peak memory by that much per chunk, for little speed on
        a CPU (the replicas already keep the cores busy)."""
        if "batch_tokens" in self.settings or self.model.device != "cpu":
            return super().batch_tokens
        per_chunk = self.max_input_tokens + self.max_summary_tokens
        return min(super().batch_tokens, max(1, self.model.inter_threads) * per_chunk)

    @property
    def max_batch(self) -> int:
        """Chunks in one batch: on a CPU, two per replica. A beam search keeps every beam's decoder cache for
        the whole summary (142 tokens for distilbart: about 25 MB a chunk at 4 beams however short the
        chunk), and more chunks than replicas gain little speed on a CPU."""
        if self.model.device != "cpu":
            return super().max_batch
        return min(super().max_batch, 2 * max(1, self.model.inter_threads))

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.tokenizer.count([self.prefix + t for t in texts])

    def decode_options(self, max_new_tokens: int) -> dict[str, Any]:
        """CTranslate2's options for summaries of at most ``max_new_tokens`` tokens, as ``HFSummariser`` decodes:
        the model's generation config, with the registry's settings over it."""
        options = self.model.decoding_options()
        for key, cast in (("no_repeat_ngram_size", int), ("length_penalty", float)):
            if key in self.settings:
                options[key] = cast(self.settings[key])
        options.update(
            beam_size=int(self.settings.get("num_beams", 4)),
            max_decoding_length=max(1, max_new_tokens - 1),
            min_decoding_length=self.min_new_tokens(max_new_tokens),
            max_input_length=0,  # never truncate: chunks are packed within the model's input limit
        )
        return options

    def summarise(self, chunks: Sequence[Sequence[str]], max_sentences: int, max_new_tokens: int) -> list[str]:
        """Summaries of ``chunks``; the attention of each generated token is kept for their alignment."""
        if not chunks:
            return []
        texts, bounds = zip(*(unit_bounds(self.prefix, units) for units in chunks))
        encoded = [self.tokenizer.encode_with_offsets(text) for text in texts]
        prefix = [[self.first_token] for _ in encoded] if self.first_token else None
        options = self.decode_options(max(4, max_new_tokens)) | self._shared(len(encoded))
        results = self.translator.translate_batch([e.pieces for e in encoded], prefix, return_attention=True, **options)
        summaries = []
        for text, bound, source, result in zip(texts, bounds, encoded, results):
            summary, spans = token_spans(result.hypotheses[0], self.tokenizer.decode)
            summaries.append(summary)
            rows = result.attention[0] if result.attention else []
            self.generated.remember(text, summary, spans, rows, source.offsets, bound)
        return summaries

    def _shared(self, size: int) -> dict[str, Any]:
        """Options that split a batch of ``size`` chunks between the CPU replicas (one part each)."""
        replicas = self.model.inter_threads if self.model.device == "cpu" else 1
        if replicas <= 1 or size <= 1:
            return {}
        return {"max_batch_size": -(-size // replicas), "batch_type": "examples"}

    def attention(self, units: Sequence[str], summary_sentence: str) -> list[float] | None:
        return self.attention_batch([(units, summary_sentence)])[0]

    def attention_batch(self, pairs: Sequence[tuple[Sequence[str], str]]) -> list[list[float] | None]:
        """Each sentence's units' shares of the decoder's last-layer cross-attention (every head averaged).

        A sentence of a summary this summariser generated for those units: the attention recorded while it
        was generated (``summarise.attention``). Any other: teacher forcing of the sentence (its target
        pieces, end token included, as a target prefix) with ``return_attention``, as the transformers
        summariser measures it; ``return_alternatives`` makes CTranslate2 run the whole prefix through
        the decoder in one pass (as scoring does) instead of step by step, and a decoding bound equal to
        the prefix's length stops it there.
        """
        if not pairs:
            return []
        texts, bounds = zip(*(unit_bounds(self.prefix, units) for units, _ in pairs))
        results = [self.generated.shares(text, sentence) for text, (_, sentence) in zip(texts, pairs)]
        todo = [i for i, shares in enumerate(results) if shares is None]
        if not todo:
            return results
        encoded = {i: self.tokenizer.encode_with_offsets(texts[i]) for i in todo}
        prefixes = dict(zip(todo, self.tokenizer.encode_target([pairs[i][1] for i in todo])))
        by_length: dict[int, list[int]] = {}
        for i in todo:
            by_length.setdefault(len(prefixes[i]), []).append(i)
        for length, members in by_length.items():
            outputs = self.translator.translate_batch(
                [encoded[i].pieces for i in members],
                [prefixes[i] for i in members],
                beam_size=1,
                max_decoding_length=length,
                max_input_length=0,
                return_attention=True,
                return_end_token=True,
                return_alternatives=True,
                **self._shared(len(members)),
            )
            for i, output in zip(members, outputs):
                rows = output.attention[0][:length] if output.attention else []
                if rows:
                    weights = [sum(column) for column in zip(*rows)]
                    results[i] = unit_shares(encoded[i].offsets, weights, bounds[i])
        return results

    def describe(self) -> dict[str, Any]:
        return self.model.describe()

    def close(self) -> None:
        self.model.close()
        self.translator = None
