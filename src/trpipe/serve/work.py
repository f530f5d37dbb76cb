"""Running a request's translation in a worker thread, off the event loop, as one batching Call that the
client's disconnect cancels."""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger("trpipe.serve")


async def wait_disconnect(request) -> None:
    """Returns when the client has gone away (its request body already read)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def run_in_worker(request, fn, *args, progress=None):
    """``fn(*args)`` in a worker thread as one Call; the client going away cancels its queued sentences.

    503 with Retry-After when the server is stopping or has ``max_inflight`` requests at work already.
    """
    import anyio
    from starlette.exceptions import HTTPException

    from trpipe.serve.batching import Call, Cancelled, EngineUnavailable, QueueClosed, QueueFull

    service = request.app.state.service
    if service.stopping:
        raise HTTPException(503, "The server is stopping; retry later", headers={"Retry-After": "5"})
    if not service.enter():
        raise HTTPException(503, "The server is busy; retry later", headers={"Retry-After": "1"})
    call = Call()
    try:
        worker = asyncio.ensure_future(
            anyio.to_thread.run_sync(service.run_call, call, progress, fn, *args, limiter=request.app.state.limiter)
        )
        watcher = asyncio.ensure_future(wait_disconnect(request))
        done, _ = await asyncio.wait({worker, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if worker not in done:  # the client left: its sentences leave the queues
            removed = call.cancel()
            log.info("client went away; %d waiting sentences removed from the queues", removed)
            with contextlib.suppress(Cancelled, Exception):
                await worker
            raise HTTPException(499, "Client closed the request")
        watcher.cancel()
        try:
            return worker.result()
        except (QueueFull, EngineUnavailable) as exc:
            raise HTTPException(503, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
        except QueueClosed:
            raise HTTPException(503, "The server is stopping; retry later", headers={"Retry-After": "5"}) from None
    finally:
        service.leave()
