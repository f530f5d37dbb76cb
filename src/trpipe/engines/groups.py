"""Running a group of articles so that one article that breaks something fails alone, never the batch.

``Session.run_group`` already turns an unexpected failure met while preparing or checking one article into
that article's error. A failure in the work the group shares (its translation batches, its summaries) is
raised for the whole group: the group is then run again article by article, so that only the articles
that cause it fail (each named, with the reason), and the others are written. Errors that concern every
article (a model that cannot be loaded, a full disk: ``TrpipeError``) and interruptions still stop the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from trpipe.errors import TrpipeError
from trpipe.records import Document, Source
from trpipe.session import Session, article_error
from trpipe.settings import Settings

OnResult = Callable[[int, "Document | TrpipeError"], None]


def run_isolated(
    session: Session,
    sources: Sequence[Source],
    settings: Settings,
    on_result: OnResult | None = None,
) -> list[Document | TrpipeError]:
    """``session.run_group(sources, settings, on_result)``; an unexpected failure fails only its articles."""
    delivered: dict[int, Document | TrpipeError] = {}

    def deliver(index: int, result: Document | TrpipeError) -> None:
        delivered[index] = result
        if on_result is not None:
            on_result(index, result)

    try:
        return session.run_group(sources, settings, deliver)
    except TrpipeError:
        raise
    except Exception as exc:
        if len(sources) == 1 and not delivered:
            failed = article_error(sources[0].path, exc)
            deliver(0, failed)
            return [failed]
    results: list[Document | TrpipeError] = []
    for index, source in enumerate(sources):
        if index in delivered:
            results.append(delivered[index])
            continue
        try:
            (result,) = session.run_group([source], settings)
        except TrpipeError:
            raise
        except Exception as exc:  # this article breaks the shared work: it fails, the others go on
            result = article_error(source.path, exc)
        deliver(index, result)
        results.append(result)
    return results
