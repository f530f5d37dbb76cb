"""Errors a user can act on. Each carries the exit code the command line uses for it."""


def shown(name: object) -> str:
    """A name as messages show it: printable names as they are, others escaped (repr-style), so that a
    file name holding a newline or a control character never splits or garbles a one-line message."""
    text = str(name)
    if text.isprintable():
        return text
    return repr(text)[1:-1]


class TrpipeError(Exception):
    """An error with a one-line message meant for the user."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(TrpipeError):
    """The input cannot be read as an article: missing, unreadable, binary, empty, undecodable."""

    exit_code = 2

    def __init__(self, path: str, reason: str):
        super().__init__(f"{shown(path)}: {reason}")
        self.path = path
        self.reason = reason


class OutputError(TrpipeError):
    """An output file or folder cannot be written."""

    exit_code = 2


class UsageError(TrpipeError):
    """Options that do not fit together."""

    exit_code = 2


class RegistryError(TrpipeError):
    """The model registry file is missing or malformed."""

    exit_code = 2


class PairError(TrpipeError):
    """No model is known for the requested language pair."""

    exit_code = 2


class ModelError(TrpipeError):
    """A model cannot be found, fetched or loaded."""

    exit_code = 4


class MissingExtraError(TrpipeError):
    """An optional dependency is not installed."""

    exit_code = 4

    def __init__(self, package: str, extra: str, purpose: str):
        super().__init__(f"{purpose} needs the '{package}' package: install it with pip install 'trpipe[{extra}]'")
        self.package = package
        self.extra = extra


class ArticleError(TrpipeError):
    """An unexpected failure while processing one article (a bug): that article fails, the others go on."""

    exit_code = 70

    def __init__(self, name: str, exc: BaseException):
        detail = " ".join(str(exc).split()) or type(exc).__name__
        self.reason = f"internal error: {type(exc).__name__}: {detail} (please report it; TRPIPE_DEBUG=1 shows it)"
        super().__init__(f"{shown(name)}: {self.reason}")
        self.path = name
