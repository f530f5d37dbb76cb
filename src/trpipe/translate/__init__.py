"""Translation backends behind one small interface (see ``base``)."""

from trpipe.translate.base import (
    Translator,
    available_backends,
    load_translator,
    register_backend,
    translate_texts,
)

__all__ = ["Translator", "available_backends", "load_translator", "register_backend", "translate_texts"]
