"""The digest's memory between runs, in the feeds' state folder (``--state DIR``).

One file per digest, ``digest-<sha256 of the digest's path, 16 hex>.json`` beside the feeds' files, and the
feed entries that digest has done in the folder ``digest-<…>.feeds/`` (the feeds' own state format: entries
that a ``translate`` run marked done in the same folder are still new to the digest)::

    {"format": "trpipe-digest-state", "version": 1, "id": "<the digest's id>", "digest": "<digest path>",
     "updated": "<ISO time>", "next_article": 8, "next_story": 4,
     "articles": {"<input name>": {"id": "a1", "document": "<path>", "sha256": "<source sha256>"}},
     "stories": {"s1": {"articles": ["a1", "a3"], "key": "<hash of its articles' sources>",
                        "summary": {...}, "chunks": [...], "title": "...",
                        "asked": ["<target>", ["<also>"], "<summary model>", <sentences>]}}}

It is replaced atomically once the digest is written; a file that cannot be read or parsed is reported
(exit 2), never silently reset. A story keeps its id when the new grouping puts any of its articles in a story
again (the new story takes the id of the old one it shares most articles with); it is ``new`` when it has no
article of the last digest, ``updated`` when its articles changed, else ``unchanged`` (its summary is reused
when it was asked for in the same languages, with the same summariser and sentence count: ``asked``).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trpipe.errors import InputError, OutputError, shown

STATE_FORMAT = "trpipe-digest-state"
STATE_VERSION = 1


class DigestState:
    """What the last digest into one path held (see the module's docstring)."""

    def __init__(self, folder: str | None, digest_path: str):
        self.path: Path | None = None
        self.digest = digest_path
        self.articles: dict[str, dict[str, Any]] = {}
        self.stories: dict[str, dict[str, Any]] = {}
        self.next_article = 1
        self.next_story = 1
        key = str(Path(digest_path).expanduser().resolve())
        # the digest's id: a new one kept in the state, else (no --state) derived from where it is written
        self.digest_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "trpipe-digest:" + key))
        if folder is None:
            return
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.path = Path(folder) / f"digest-{digest}.json"
        if not self.path.exists():
            self._make_folder()  # now, not after the first article is translated
            self.digest_id = str(uuid.uuid4())
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
                raise ValueError("not a trpipe digest state")
            articles, stories = data.get("articles"), data.get("stories")
            if not isinstance(articles, dict) or not isinstance(stories, dict):
                raise ValueError("no articles or stories")
            for name, entry in articles.items():
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    raise ValueError(f"article {name!r} has no id")
            for sid, story in stories.items():
                if not isinstance(story, dict) or not isinstance(story.get("articles"), list):
                    raise ValueError(f"story {sid!r} has no articles")
            if not isinstance(data.get("id", ""), str):
                raise ValueError("its id is not a string")
            self.digest_id = data.get("id") or self.digest_id
            self.next_article = int(data.get("next_article", 1))
            self.next_story = int(data.get("next_story", 1))
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise InputError(
                str(self.path), f"is a corrupt digest state file ({exc}); fix or remove it (nothing was reset)"
            ) from None
        self.articles, self.stories = articles, stories

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def article_id(self, name: str) -> str:
        """The id of the article given as ``name``: the one it had before, else the next free one."""
        known = self.articles.get(name)
        if known is not None:
            return known["id"]
        while True:
            candidate = f"a{self.next_article}"
            self.next_article += 1
            if all(entry["id"] != candidate for entry in self.articles.values()):
                self.articles[name] = {"id": candidate}
                return candidate

    def story_ids(self, stories: Sequence[Sequence[str]]) -> list[tuple[str, dict[str, Any] | None]]:
        """An id for each new story (its article ids) and the old story it continues (None: a new one)."""
        old_of = {a: sid for sid, story in self.stories.items() for a in story["articles"]}
        taken: set[str] = set()
        out: list[tuple[str, dict[str, Any] | None]] = []
        ranked = sorted(range(len(stories)), key=lambda k: -len(stories[k]))  # big stories choose first
        chosen: dict[int, str | None] = {}
        for k in ranked:
            shared: dict[str, int] = {}
            for a in stories[k]:
                if a in old_of and old_of[a] not in taken:
                    shared[old_of[a]] = shared.get(old_of[a], 0) + 1
            if shared:
                sid = max(shared, key=lambda s: (shared[s], -_number(s)))
                taken.add(sid)
                chosen[k] = sid
            else:
                chosen[k] = None
        for k in range(len(stories)):
            sid = chosen[k]
            if sid is None:
                while f"s{self.next_story}" in self.stories or f"s{self.next_story}" in taken:
                    self.next_story += 1
                sid = f"s{self.next_story}"
                taken.add(sid)
                self.next_story += 1
                out.append((sid, None))
            else:
                out.append((sid, self.stories[sid]))
        return out

    def remember(self, name: str, article_id: str, document: str, sha256: str) -> None:
        """One article translated (its document written): remembered at once, so that a run stopped before its
        digest loses no article (its feed entry is done); the stories are left as the last digest wrote them."""
        self.articles[name] = {"id": article_id, "document": document, "sha256": sha256}
        self.save(self.articles, self.stories)

    def save(self, articles: dict[str, dict[str, Any]], stories: dict[str, dict[str, Any]]) -> None:
        """Remember this digest's articles and stories (the file replaced atomically)."""
        if self.path is None:
            return
        from trpipe.engines.sinks import write_atomic

        self.articles, self.stories = articles, stories
        body = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "id": self.digest_id,
            "digest": self.digest,
            "updated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "next_article": self.next_article,
            "next_story": self.next_story,
            "articles": articles,
            "stories": stories,
        }
        self._make_folder()
        write_atomic(self.path, json.dumps(body, ensure_ascii=False, indent=1) + "\n")

    def _make_folder(self) -> None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or exc
            raise OutputError(f"{shown(self.path.parent)}: the state folder cannot be made ({reason})") from None


def _number(sid: str) -> int:
    return int(sid[1:]) if sid[1:].isdigit() else 0
