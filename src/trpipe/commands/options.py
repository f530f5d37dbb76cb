"""Options and parameter types shared by trpipe's commands (``trpipe.cli`` and ``trpipe.commands.*``)."""

from __future__ import annotations

import logging

import click

FORMATS = ("md", "json", "html", "tmx", "xliff", "jsonl", "docx", "odt", "pptx", "epub", "same")
BACKENDS = ("auto", "ctranslate2", "transformers")
LOG_LEVELS = ("error", "warning", "info", "debug")


class DeviceType(click.ParamType):
    """auto, cpu, cuda, cuda:N or mps (completion offers the fixed ones)."""

    name = "device"

    def convert(self, value, param, ctx):
        text = str(value).strip().lower()
        if text in ("auto", "cpu", "cuda", "mps") or (text.startswith("cuda:") and text[5:].isdigit()):
            return text
        self.fail(f"{value!r}: expected auto, cpu, cuda, cuda:N or mps", param, ctx)

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        return [CompletionItem(c) for c in ("auto", "cpu", "cuda", "mps") if c.startswith(incomplete)]

    def get_metavar(self, param, ctx=None) -> str:
        return "[auto|cpu|cuda|cuda:N|mps]"


class BackendType(click.Choice):
    """auto, ctranslate2 or transformers, or a backend registered by a plugin (``@register_backend``)."""

    def __init__(self):
        super().__init__(BACKENDS)

    def convert(self, value, param, ctx):
        from trpipe.translate.base import available_backends

        if value in available_backends() or value in BACKENDS:
            return value
        return super().convert(value, param, ctx)


def option(*names, env: str, **kwargs):
    """A click option whose default comes from the environment variable ``env`` (shown in --help)."""
    return click.option(*names, envvar=env, show_envvar=True, **kwargs)


def setup_logging(verbose: int, level: str | None, say) -> logging.Handler:
    """trpipe's and the libraries' log records on stderr, one line each (above the progress bar)."""
    from trpipe.progress import LogHandler

    chosen = (level or ("debug" if verbose > 1 else "info" if verbose == 1 else "warning")).upper()
    handler = LogHandler(say)
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, LogHandler):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # libraries: warnings and errors only, unless debugging
    logging.getLogger("trpipe").setLevel(chosen)
    if chosen == "DEBUG":
        root.setLevel(logging.DEBUG)
    logging.captureWarnings(True)
    return handler
