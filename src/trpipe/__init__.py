"""trpipe: translate foreign-language news articles into cited, bilingual reading material.

Importing this package is cheap: torch and transformers are imported only when a model is loaded.
"""

__version__ = "0.1.0"

from trpipe.errors import InputError, ModelError, PairError, TrpipeError
from trpipe.pipeline import Pipeline, translate_document
from trpipe.read import read_source
from trpipe.registry import Registry, load_registry

__all__ = [
    "InputError",
    "ModelError",
    "PairError",
    "Pipeline",
    "Registry",
    "TrpipeError",
    "__version__",
    "load_registry",
    "read_source",
    "translate_document",
]
