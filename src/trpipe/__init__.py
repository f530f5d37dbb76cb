"""trpipe: translate foreign-language news articles into cited, bilingual reading material.

Importing this package is cheap: torch, transformers and ctranslate2 are imported only when a model is loaded.

    from trpipe import Session

    with Session(to="en") as session:
        doc = session.translate_text("Le conseil régional a voté le budget.", source_lang="fr")
"""

from trpipe._version import __version__
from trpipe.errors import InputError, ModelError, OutputError, PairError, TrpipeError, UsageError
from trpipe.read import read_source
from trpipe.records import Document, Segment, Sentence, Source, SummarySentence
from trpipe.registry import Registry, load_registry
from trpipe.session import Result, Session, translate_file, translate_text
from trpipe.settings import Settings

__all__ = [
    "Document",
    "InputError",
    "ModelError",
    "OutputError",
    "PairError",
    "Registry",
    "Result",
    "Segment",
    "Sentence",
    "Session",
    "Settings",
    "Source",
    "SummarySentence",
    "TrpipeError",
    "UsageError",
    "__version__",
    "load_registry",
    "read_source",
    "translate_file",
    "translate_text",
]
