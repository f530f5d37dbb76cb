"""trpipe's version (one place: the package, the wheel and every output's provenance read it)."""

__version__ = "0.2.0"
