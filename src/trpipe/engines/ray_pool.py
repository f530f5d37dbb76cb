"""How groups of articles reach the Ray actors, and what happens when an actor or a node is lost.

The driver gives the pool a *feed* of groups, built lazily from the plan. The pool keeps each actor busy
with one group at a time, takes a new group from the feed only while fewer than ``window`` groups are
unfinished (back-pressure: the driver and Ray's object store hold a bounded number of groups, however long
the input), and yields each group's results in input order.

Faults. The actors are made with ``max_restarts=0`` and their calls with ``max_task_retries=0``, on
purpose: when an actor dies (its node lost, its process killed), the pool sends the group it held to
another actor (at most ``MAX_TRIES`` times in all), asks Ray for a replacement actor, and goes on with
the actors it has. A replacement that the cluster cannot place (a node gone for good) is never waited
for while another actor lives; one placed later (a node replaced) joins the pool. Ray's own restarts
would instead park the group on an actor that may never come back. Only the driver writes, once per
group and in input order, from the result of the attempt that finished: nothing of a lost attempt
reaches the sink, and no document is written twice.
"""

from __future__ import annotations

import contextlib
import heapq
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from trpipe.errors import TrpipeError

MAX_TRIES = 3  # attempts per group: a group whose actors die three times fails (a group that kills actors)
NODE_CHECK_S = 10.0  # how long a run that lost an actor waits at its end for Ray to say whether its node died
POLL_S = 0.05  # how long the pool waits on Ray before looking at the feed again, when an actor is idle
END = object()  # the feed has no more groups


class RayRunError(TrpipeError):
    """An error that stops a Ray run (a model that cannot be loaded in an actor, no actor left, ...)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Group:
    """A group of articles: the rows the actors get, and what the driver keeps to write the results."""

    rows: list[dict[str, Any]]
    local: list[Any] = field(default_factory=list)  # per row, the driver's own bookkeeping
    tries: int = 0
    lost_on: list[str] = field(default_factory=list)  # where its earlier attempts were lost


@dataclass
class Member:
    """One actor of the pool: its handle, where it runs (once ready), the group it holds."""

    handle: Any
    ready_ref: Any
    info: dict[str, str] | None = None
    busy: int | None = None

    def where(self) -> str:
        if not self.info:
            return "a Ray node"
        return f"Ray node {self.info['host']} ({self.info['node'][:12]})"


class ActorPool:
    """A pool of up to ``size`` actors made by ``make`` (see the module docstring)."""

    def __init__(
        self,
        ray,
        make: Callable[[], Any],
        size: int,
        warn: Callable[[str], None],
        start_s: float,
        describe: str,
    ):
        self.ray, self.make, self.size, self.warn = ray, make, size, warn
        self.start_s, self.describe = start_s, describe
        self.members: list[Member] = []
        self.starting: list[Member] = []
        self.retired: list[Member] = []
        self.suspects: dict[str, str] = {}  # node id -> where, for nodes whose actor stopped answering
        self.checked = 0.0
        self.window = 2 * size + 2
        self.replacements = 0
        self.lost_nodes: list[str] = []

    # ------------------------------------------------------------------------------------- actors

    def _spawn(self) -> None:
        handle = self.make()
        self.starting.append(Member(handle, handle.ready.remote()))

    def start(self, fits: int | None = None) -> None:
        """Start the pool and wait until every actor is ready (models loaded), so that the first groups
        spread over them; go on with those that are ready when the others cannot start in time.

        ``fits``: how many actors the cluster can hold now; the run starts once those are ready, and the
        others join when the cluster grows (an autoscaler) or another run leaves room.
        """
        for _ in range(self.size):
            self._spawn()
        wanted = max(1, min(self.size, fits if fits is not None else self.size))
        deadline = time.monotonic() + self.start_s
        while self.starting and len(self.members) < wanted and time.monotonic() < deadline:
            self._check_starting(timeout=min(1.0, max(0.0, deadline - time.monotonic())), wait_all=True)
        if not self.members:
            self.stop()
            raise RayRunError(
                f"Ray could not start {self.size} actor(s) with {self.describe} each within {self.start_s:g} s: "
                "the cluster lacks the resources, or loading the models takes longer",
                2,
            )
        if self.starting:
            self.warn(
                f"warning: {len(self.members)} of {self.size} Ray actors are ready; the run starts with them (the "
                "others join when the cluster has room)"
            )

    def _check_starting(self, timeout: float, wait_all: bool = False) -> None:
        """Move the actors that became ready into the pool; drop those that died while starting."""
        if not self.starting:
            return
        refs = [m.ready_ref for m in self.starting]
        ready, _ = self.ray.wait(refs, num_returns=len(refs) if wait_all else 1, timeout=timeout)
        for ref in ready:
            member = next(m for m in self.starting if m.ready_ref is ref)
            self.starting.remove(member)
            try:
                member.info = self.ray.get(ref)
            except self.ray.exceptions.RayActorError as exc:
                self.warn(f"warning: a Ray actor died while starting ({_first_line(exc)})")
                continue
            except self.ray.exceptions.RayTaskError as exc:  # its constructor failed: the cause, in one line
                self.stop()
                raise RayRunError(f"a Ray actor could not start: {_first_line(exc.cause or exc)}", 70) from None
            self.members.append(member)

    def _lost(self, member: Member, exc: Exception) -> str:
        """Forget a dead actor; say where it was lost; ask for a replacement. Returns where."""
        self.members.remove(member)
        self.retired.append(member)  # killed at the end, in case it was only unreachable for a while
        where = member.where()
        node = (member.info or {}).get("node")
        if "its node has died" in str(exc):
            cause = "was lost"
            self._node_lost(where)
        elif isinstance(exc, self.ray.exceptions.ActorUnavailableError) and node is not None:
            cause = "stopped answering (its actor cannot be reached)"
            self.suspects.setdefault(node, where)  # named as lost once Ray marks the node dead
        else:
            cause = f"lost its actor ({_first_line(exc)})"
        left = len(self.members)
        if self.replacements < 2 * self.size + 2:
            self.replacements += 1
            self._spawn()
        self.warn(
            f"warning: {where} {cause}; the group it was translating goes to another actor; the run goes on "
            f"with {left} actor(s) (a replacement joins when the cluster has room for it)"
        )
        return where

    def _node_lost(self, where: str) -> None:
        if where not in self.lost_nodes:
            self.lost_nodes.append(where)

    def _confirm(self, wait_s: float = 0.0) -> None:
        """Name the nodes that stopped answering and that Ray has since marked dead (waiting up to
        ``wait_s`` seconds for its health checks to tell)."""
        deadline = time.monotonic() + wait_s
        while self.suspects:
            try:
                alive = {n.get("NodeID") for n in self.ray.nodes() if n.get("Alive")}
            except Exception:  # the cluster cannot say now
                return
            for node, where in list(self.suspects.items()):
                if node not in alive:
                    del self.suspects[node]
                    self._node_lost(where)
                    self.warn(f"warning: {where} was lost (Ray marked the node dead)")
            if not self.suspects or time.monotonic() >= deadline:
                return
            time.sleep(0.2)

    def stop(self) -> None:
        """Kill every actor of the pool (those still starting, and those given up, too)."""
        for member in [*self.members, *self.starting, *self.retired]:
            with contextlib.suppress(Exception):  # already dead, or Ray is shutting down
                self.ray.kill(member.handle, no_restart=True)
        self.members, self.starting, self.retired = [], [], []

    # ---------------------------------------------------------------------------------------- work

    def run(self, feed) -> Iterator[tuple[Group, list]]:
        """Send the feed's groups to the actors; yield ``(group, results)`` in input order.

        ``feed.get(timeout)`` returns a Group, None (nothing yet) or END.
        """
        groups: dict[int, Group] = {}
        retry: list[int] = []  # group ids to send again, earliest first
        done: dict[int, list] = {}
        in_flight: dict[Any, tuple[int, Member]] = {}
        next_id = write_id = 0
        ended = False
        while True:
            idle = [m for m in self.members if m.busy is None]
            for member in idle:
                gid: int | None = None
                if retry:
                    gid = heapq.heappop(retry)
                elif not ended and next_id - write_id < self.window:
                    got = feed.get(timeout=0 if in_flight else POLL_S)
                    if got is END:
                        ended = True
                    elif got is not None:
                        gid, next_id = next_id, next_id + 1
                        groups[gid] = got
                if gid is None:
                    break
                groups[gid].tries += 1
                in_flight[member.handle.run.remote(groups[gid].rows)] = (gid, member)
                member.busy = gid
            while write_id in done:
                yield groups.pop(write_id), done.pop(write_id)
                write_id += 1
            if ended and not in_flight and not retry and write_id == next_id:
                self._confirm(wait_s=NODE_CHECK_S)
                return
            if self.suspects and time.monotonic() - self.checked > 1.0:
                self.checked = time.monotonic()
                self._confirm()
            if not self.members:
                self._wait_for_an_actor(sum(len(g.rows) for i, g in groups.items() if i not in done))
                continue
            if not in_flight:
                if self.starting:
                    self._check_starting(timeout=0)
                continue  # an idle actor waits on the feed (``feed.get`` above)
            timeout = POLL_S if any(m.busy is None for m in self.members) and not ended else 1.0
            ready, _ = self.ray.wait(list(in_flight), num_returns=1, timeout=timeout)
            self._check_starting(timeout=0)
            for ref in ready:
                gid, member = in_flight.pop(ref)
                member.busy = None
                try:
                    done[gid] = self.ray.get(ref)
                except self.ray.exceptions.RayActorError as exc:
                    group = groups[gid]
                    group.lost_on.append(self._lost(member, exc))
                    if group.tries >= MAX_TRIES:
                        done[gid] = _failed(group, MAX_TRIES)
                    else:
                        heapq.heappush(retry, gid)

    def _wait_for_an_actor(self, left: int) -> None:
        """Every actor is lost: wait (up to the start time) for a replacement, else stop the run."""
        deadline = time.monotonic() + self.start_s
        while not self.members and self.starting and time.monotonic() < deadline:
            self._check_starting(timeout=1.0)
        if self.members:
            return
        lost = ", ".join(self.lost_nodes) or "their nodes"
        raise RayRunError(
            f"every Ray actor was lost ({lost}) and none could start again within {self.start_s:g} s; "
            f"{left} article(s) of the groups under way were not translated (run again to resume)",
            1,
        )


def _failed(group: Group, tries: int) -> list[tuple[int, str, dict[str, Any]]]:
    """The results of a group whose actors kept dying: each article fails with the reason."""
    places = ", ".join(dict.fromkeys(group.lost_on))
    reason = f"the Ray actors translating it were lost {tries} times ({places})"
    return [(row["index"], "", {"ok": False, "error": reason, "error_kind": "input"}) for row in group.rows]


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
