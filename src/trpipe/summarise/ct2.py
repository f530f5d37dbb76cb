"""The summariser on CTranslate2: BART (distilbart) and T5/mT5, converted once, torch-free afterwards.

Conversion reuses the translation backend's cache and atomic writes (``trpipe.translate.ct2``), with a
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

Compute types: int8 on CPU; int8_float16 on CUDA, except T5-family models (T5, mT5), which overflow in
float16 (mT5 gives NaN) and run in int8_float32 (float32 where int8 is not supported). ``describe()``
records the compute type.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from trpipe.errors import ModelError, UsageError
from trpipe.registry import ModelSpec
from trpipe.summarise.attention import GenerationAttention, token_spans
from trpipe.summarise.models import T5_FAMILY, Summariser, unit_bounds, unit_shares
from trpipe.translate.ct2 import (
    COMPUTE_SETTING,
    available_threads,
    choose_compute_type,
    choose_device,
    conversion_places,
    ensure_converted,
    import_ctranslate2,
    is_current,
    model_source,
)

T5_CUDA_TYPES = ("int8_float32", "float32")


class UnsupportedModel(ModelError):
    """CTranslate2 has no converter for this model's architecture (``auto`` then uses transformers)."""


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot be read as JSON ({exc})") from None
    return data if isinstance(data, dict) else {}


def summary_compute_type(ct2: Any, device: str, index: int, requested: str | None, t5_family: bool, model: str) -> str:
    """``choose_compute_type``, keeping T5-family models out of float16 (requested or by default)."""
    if t5_family:
        if requested and "float16" in requested and "bfloat16" not in requested:
            raise UsageError(
                f"{model}: compute type {requested}: T5-family models overflow in float16 (mT5 gives NaN); "
                "use int8_float32, int8_bfloat16, bfloat16 or float32"
            )
        if not requested and device == "cuda":
            supported = set(ct2.get_supported_compute_types(device, index))
            requested = next((t for t in T5_CUDA_TYPES if t in supported), "float32")
    return choose_compute_type(ct2, device, index, requested)


def _converter_module(ct2: Any) -> Any:
    """A stand-in for the ``ctranslate2`` module whose ``TransformersConverter`` is the summary converter,
    for ``trpipe.translate.ct2.ensure_converted``. Built only when a conversion is made: importing
    ``ctranslate2.converters`` imports torch and transformers."""
    import numpy as np
    from ctranslate2.converters import transformers as loaders

    base = ct2.converters.TransformersConverter

    class SummaryConverter(base):  # type: ignore[misc, valid-type]
        def _load(self) -> Any:
            from transformers import AutoConfig

            config = AutoConfig.from_pretrained(self._model_name_or_path)
            name = type(config).__name__
            if name not in loaders._MODEL_LOADERS:
                raise UnsupportedModel(f"CTranslate2 cannot convert {name} models")
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


def load_summary_tokenizer(folder: Path, name: str) -> Any:
    """The model's tokenizer without torch (``trpipe.translate.tokenize``)."""
    try:
        from trpipe.translate.tokenize import load_tokenizer
    except ImportError:  # interim, until the torch-free tokenizers are merged
        return _TransformersTokenizer(folder)
    return load_tokenizer(folder, name)


class _TransformersTokenizer:
    """Interim: the interface of ``trpipe.translate.tokenize``'s tokenizers on a transformers tokenizer."""

    def __init__(self, folder: Path):
        from transformers import AutoTokenizer

        self.backend = AutoTokenizer.from_pretrained(str(folder))
        self.model_max_length = self.backend.model_max_length

    def encode(self, texts: Sequence[str]) -> list[list[str]]:
        return [self.backend.convert_ids_to_tokens(ids) for ids in self.backend(list(texts))["input_ids"]]

    def count(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.backend(list(texts))["input_ids"]]

    def encode_with_offsets(self, text: str) -> Any:
        encoded = self.backend(text, return_offsets_mapping=True)
        pieces = self.backend.convert_ids_to_tokens(encoded["input_ids"])
        offsets = [tuple(o) for o in encoded["offset_mapping"]]
        return SimpleNamespace(pieces=pieces, ids=encoded["input_ids"], offsets=offsets)

    def encode_target(self, texts: Sequence[str]) -> list[list[str]]:
        ids = self.backend(text_target=list(texts))["input_ids"]
        return [self.backend.convert_ids_to_tokens(x) for x in ids]

    def id_piece(self, index: int) -> str:
        return self.backend.convert_ids_to_tokens(index)

    def decode(self, tokens: Sequence[str]) -> str:
        return self.backend.decode(self.backend.convert_tokens_to_ids(list(tokens)), skip_special_tokens=True)


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
        from trpipe.hub import folder_fingerprint, model_input_limit
        from trpipe.translate.memory import default_cache_dir

        super().__init__(spec)
        ct2 = import_ctranslate2()

        self.ct2_version = ct2.__version__
        self.device, self.device_index = choose_device(ct2, device)
        self.source, self.commit = model_source(spec)
        config = _json(self.source / "config.json")
        # transformers' generation config: generation_config.json over the generation keys of config.json
        self.generation = {**config, **_json(self.source / "generation_config.json")}
        self.model_type = str(config.get("model_type", ""))
        self.architecture = (config.get("architectures") or [self.model_type or "unknown"])[0]
        requested = compute_type or self.settings.get(COMPUTE_SETTING)
        t5_family = self.model_type in T5_FAMILY
        self.compute_type = summary_compute_type(ct2, self.device, self.device_index, requested, t5_family, spec.model)
        quantization = self.compute_type if self.compute_type != "default" else "float32"
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.version = self.commit or folder_fingerprint(self.source)
        self.progress = progress
        if progress is not None:
            progress.stage(f"loading {spec.model}")
        self.tokenizer = load_summary_tokenizer(self.source, spec.model)
        positions = config.get("max_position_embeddings") or config.get("n_positions")
        limit_config = SimpleNamespace(max_position_embeddings=positions)
        self.input_limit = model_input_limit(self.tokenizer, SimpleNamespace(config=limit_config))
        self.prefix = str(self.settings.get("prefix", ""))
        self.generated = GenerationAttention()
        forced = self.generation.get("forced_bos_token_id")
        self.first_token = self.tokenizer.id_piece(int(forced)) if isinstance(forced, int) else None
        self.threads = threads or available_threads()
        cpu_threads = {"inter_threads": 1, "intra_threads": self.threads} if self.device == "cpu" else {}
        self.translator = self._open(
            ct2,
            quantization,
            device=self.device,
            device_index=self.device_index,
            compute_type=self.compute_type,
            **cpu_threads,
        )
        self.compute_type = str(getattr(self.translator, "compute_type", self.compute_type))

    def _open(self, ct2: Any, quantization: str, **options: Any) -> Any:
        """The CTranslate2 translator on the conversion (converting again once if a conversion left by
        another CTranslate2 version does not load)."""
        for reuse in (True, False):
            self.model_dir, self.converted = self._convert(ct2, quantization, reuse)
            try:
                return ct2.Translator(str(self.model_dir), **options)
            except (RuntimeError, ValueError) as exc:
                if self.converted:
                    raise ModelError(f"{self.model_dir}: CTranslate2 cannot load the conversion ({exc})") from None
        raise AssertionError("unreachable")

    def _pending(self, quantization: str) -> bool:
        """No current conversion of the model in ``quantization`` exists yet."""
        identity = {"model": self.spec.model, "version": self.version, "quantization": quantization}
        places = conversion_places(self.spec, self.commit, quantization, self.cache_dir)
        return not any(is_current(place, identity) for place in places)

    def _convert(self, ct2: Any, quantization: str, reuse: bool) -> tuple[Path, bool]:
        """The conversion's folder (made now with the summary converter where none is current)."""
        converter = ct2
        if not reuse or self._pending(quantization):
            converter = _converter_module(ct2)
            if self.progress is not None:
                self.progress.stage(f"converting {self.spec.model} for CTranslate2 (once)")
        return ensure_converted(converter, self.spec, self.source, self.commit, quantization, self.cache_dir, reuse)

    # ------------------------------------------------------------------------------------- interface

    @property
    def max_input_tokens(self) -> int:
        return min(super().max_input_tokens, self.input_limit)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.tokenizer.count([self.prefix + t for t in texts])

    def decode_options(self, max_new_tokens: int) -> dict[str, Any]:
        """CTranslate2's options for summaries of at most ``max_new_tokens`` tokens, as ``HFSummariser`` decodes."""
        settings, generation = self.settings, self.generation
        ngram = settings.get("no_repeat_ngram_size", generation.get("no_repeat_ngram_size") or 0)
        options: dict[str, Any] = {
            "beam_size": int(settings.get("num_beams", 4)),
            "max_decoding_length": max(1, max_new_tokens - 1),
            "min_decoding_length": self.min_new_tokens(max_new_tokens),
            "no_repeat_ngram_size": int(ngram),
            "length_penalty": float(settings.get("length_penalty", generation.get("length_penalty", 1.0))),
            "repetition_penalty": float(generation.get("repetition_penalty") or 1.0),
            "max_input_length": 0,  # never truncate: chunks are packed within the model's input limit
        }
        bad = generation.get("bad_words_ids")
        if isinstance(bad, list) and bad:
            options["suppress_sequences"] = [[self.tokenizer.id_piece(int(i)) for i in seq] for seq in bad]
        return options

    def summarise(self, chunks: Sequence[Sequence[str]], max_sentences: int, max_new_tokens: int) -> list[str]:
        """Summaries of ``chunks``; the attention of each generated token is kept for their alignment."""
        if not chunks:
            return []
        texts, bounds = zip(*(unit_bounds(self.prefix, units) for units in chunks))
        encoded = [self.tokenizer.encode_with_offsets(text) for text in texts]
        prefix = [[self.first_token] for _ in encoded] if self.first_token else None
        options = self.decode_options(max(4, max_new_tokens))
        results = self.translator.translate_batch([e.pieces for e in encoded], prefix, return_attention=True, **options)
        summaries = []
        for text, bound, source, result in zip(texts, bounds, encoded, results):
            summary, spans = token_spans(result.hypotheses[0], self.tokenizer.decode)
            summaries.append(summary)
            rows = result.attention[0] if result.attention else []
            self.generated.remember(text, summary, spans, rows, source.offsets, bound)
        return summaries

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
            )
            for i, output in zip(members, outputs):
                rows = output.attention[0][:length] if output.attention else []
                if rows:
                    weights = [sum(column) for column in zip(*rows)]
                    results[i] = unit_shares(encoded[i].offsets, weights, bounds[i])
        return results

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        where = self.device if self.device == "cpu" or self.device_index == 0 else f"cuda:{self.device_index}"
        info.update(commit=self.commit, architecture=self.architecture, device=where)
        info.update(compute_type=self.compute_type, dtype=self.compute_type, ctranslate2=self.ct2_version)
        return info

    def close(self) -> None:
        if getattr(self, "translator", None) is not None:
            del self.translator
            self.translator = None
