"""The reader contract: what a reader takes (``accepts``) and how it reads (``read``), with its priority."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trpipe.read.sniff import StreamInfo
from trpipe.records import Source

PRIORITY_SPECIFIC = 0.0  # a format recognised by its content (PDF, DOCX...)
PRIORITY_MARKUP = 5.0  # text formats told by their markup or suffix (HTML, Markdown)
PRIORITY_TEXT = 10.0  # plain text: whatever is text and nothing else


@dataclass(frozen=True)
class ReadOptions:
    """How a reader decodes: the encoding to force, whether damaged bytes are refused, where warnings go."""

    encoding: str | None = None
    strict_encoding: bool = False
    warn: Callable[[str], None] | None = None
    max_bytes: int | None = None


class Reader:
    """One input format. Subclasses set the class attributes and implement ``read``.

    ``kinds``: content kinds (``sniff.content_kind``) it takes; ``suffixes``: file suffixes it takes (for text
    formats, whose content says little, and for picking files in a folder); ``library`` and ``licence``: what
    it reads with (shown by ``trpipe read`` and the docs).
    """

    name = "reader"
    description = ""
    kinds: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    priority = PRIORITY_SPECIFIC
    library = ""
    licence = ""
    writes_back = False  # its documents can be written back in their own format (render/<name>)

    def accepts(self, info: StreamInfo) -> bool:
        if info.kind is not None:
            return info.kind in self.kinds
        return info.extension in self.suffixes

    def read(self, data: bytes, info: StreamInfo, options: ReadOptions) -> Source:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<reader {self.name} priority={self.priority}>"
