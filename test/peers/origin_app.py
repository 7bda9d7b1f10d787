"""
A FastAPI peer that behaves like the origin backend (deepak-karkala/agentic-mlops) on the wire, for
ssedoctor's tests against a stack it did not write: uvicorn, Starlette's StreamingResponse, Python's
json.dumps, and nginx in front. Reproduced from the origin's description (origin-protocol.md): the
endpoints and their bodies, the development CORS answers, the ChatRequest model and its 422s, the 500 on
a reused thread_id (§1), the stream's head, framing, envelopes, replay of the last 50 events, pings and
30 s heartbeats (§2), and the time-based lookup window with its 404 (§3). The worker is a simple one
(§4 in miniature): workflow-start, node-start/node-complete per node, workflow-complete.

sse-starlette is not packaged in Debian, so its framing is written here the way sse-starlette 3 frames
it: CRLF lines, `event: <type>\r\ndata: <json>\r\n\r\n`, and a `: ping - <utc>` comment every ping
interval, independent of event traffic. No `x-lookup-*` headers are sent: the server's wait must be
measured from the outside.

Knobs (environment, read at start-up; seconds unless said otherwise):
  STREAM_DECISION_SET_RETRY_DELAY  pause between lookups (origin default 0.2)
  STREAM_DECISION_SET_MAX_WAIT     lookup window before the 404 (origin default 6.0)
  PEER_PERSIST_DELAY    time after the enqueue before lookups see the decision set (0)
  PEER_WORKER_DELAY     time after the enqueue before the worker emits workflow-start (0)
  PEER_NODES            comma-separated node ids the worker runs (intake_extract,planner,codegen)
  PEER_NODE_DURATION    time each node takes, between its node-start and node-complete (0.2)
  PEER_HOLD_HEAD        1: hold the response head until the first frame (an app that does not flush early)
  PEER_ACCEL_HEADER     0: do not send `x-accel-buffering: no` (sse-starlette always does)
  PEER_PING_INTERVAL    comment ping interval (sse-starlette: 15)
  PEER_HEARTBEAT_INTERVAL  `heartbeat` event after this long without events (origin: 30)
  PEER_STALL_AFTER      the worker stops for good after this many frames ("never completes"; unset: runs through)
  PEER_END_AFTER_COMPLETE  1: end the response after workflow-complete (the origin keeps it open)
  PEER_GZIP             1: Starlette's GZipMiddleware, which compresses the stream without flushing
"""

import asyncio
import json
import logging
import os
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import List, Literal, Optional

from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.middleware.gzip import GZipMiddleware


def _env_float(name, default):
    raw = os.environ.get(name, "")
    return float(raw) if raw.strip() else default


RETRY_DELAY = _env_float("STREAM_DECISION_SET_RETRY_DELAY", 0.2)
MAX_WAIT = _env_float("STREAM_DECISION_SET_MAX_WAIT", 6.0)
PERSIST_DELAY = _env_float("PEER_PERSIST_DELAY", 0.0)
WORKER_DELAY = _env_float("PEER_WORKER_DELAY", 0.0)
NODES = [n for n in os.environ.get("PEER_NODES", "intake_extract,planner,codegen").split(",") if n]
NODE_DURATION = _env_float("PEER_NODE_DURATION", 0.2)
HOLD_HEAD = os.environ.get("PEER_HOLD_HEAD") == "1"
ACCEL_HEADER = os.environ.get("PEER_ACCEL_HEADER", "1") != "0"
PING_INTERVAL = _env_float("PEER_PING_INTERVAL", 15.0)
HEARTBEAT_INTERVAL = _env_float("PEER_HEARTBEAT_INTERVAL", 30.0)
STALL_AFTER = int(os.environ["PEER_STALL_AFTER"]) if os.environ.get("PEER_STALL_AFTER", "").strip() else None
END_AFTER_COMPLETE = os.environ.get("PEER_END_AFTER_COMPLETE") == "1"
GZIP = os.environ.get("PEER_GZIP") == "1"

# The origin's development log format (api/main.py): the `extra` fields are dropped by it, so they are
# written into the message here, where a test reading stderr can see them.
log = logging.getLogger("api.main")
_handler = logging.StreamHandler()
_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
log.addHandler(_handler)
log.setLevel(logging.INFO)

app = FastAPI()
# The origin's development CORS setup (api/main.py:81-130).
app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost:3000", "http://localhost:3001", "http://127.0.0.1:3000", "http://127.0.0.1:3001"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
if GZIP:
    # minimum_size=0: every streamed response is compressed, as a blanket middleware does.
    app.add_middleware(GZipMiddleware, minimum_size=0)

# decision_set_id -> {"visible_at": loop time, "job_id", "thread_id"}
decision_sets = {}
# job_id -> {"status", "decision_set_id", "thread_id"}
jobs = {}
# decision_set_id -> last 50 envelopes (replay=1 sends them on connect, origin §2.5)
history = {}
# decision_set_id -> set of subscriber queues
subscribers = {}


def _now_iso():
    return datetime.now(timezone.utc).isoformat()


def _frame(event_type, data):
    """One event exactly as sse-starlette 3 writes the origin's yielded dict: event, data, CRLF."""
    return f"event: {event_type}\r\ndata: {data}\r\n\r\n"


def _emit(ds_id, event_type, data, message=None):
    envelope = {"type": event_type, "decision_set_id": ds_id, "timestamp": _now_iso(), "data": data}
    if message:  # the origin adds `message` only when truthy (main.py:642-643)
        envelope["message"] = message
    text = json.dumps(envelope)
    history.setdefault(ds_id, deque(maxlen=50)).append((event_type, text))
    for queue in subscribers.get(ds_id, ()):
        queue.put_nowait((event_type, text))


async def _worker(job_id, ds_id):
    """One job: workflow-start, node-start/node-complete per node, workflow-complete (origin §4)."""
    frames = 0

    async def emit(event_type, data, message):
        nonlocal frames
        if STALL_AFTER is not None and frames >= STALL_AFTER:
            jobs[job_id]["status"] = "running"
            await asyncio.Event().wait()  # never completes: the stream keeps only its pings
        _emit(ds_id, event_type, data, message)
        frames += 1

    await asyncio.sleep(WORKER_DELAY)
    jobs[job_id]["status"] = "running"
    await emit("workflow-start", {}, "Workflow started")
    for node in NODES:
        await emit("node-start", {"node": node}, f"Starting {node}")
        await asyncio.sleep(NODE_DURATION)
        await emit("node-complete", {"node": node, "outputs": {"node": node}}, f"Completed {node}")
    await emit("workflow-complete", {}, "Workflow completed")
    await asyncio.sleep(2)  # the origin marks the job completed 2 s after the terminal event
    jobs[job_id]["status"] = "completed"


@app.get("/")
async def root():
    return {"message": "Agentic MLOps API"}


class Message(BaseModel):
    role: Literal["user", "assistant", "system", "tool"]
    content: str


class ChatRequest(BaseModel):
    """The origin's ChatRequest (main.py:140-147); validation errors are FastAPI's 422s."""

    messages: List[Message]
    thread_id: Optional[str] = None


@app.get("/api/workflow/plan")
async def workflow_plan():
    return {"nodes": NODES, "graph_type": "full"}


@app.post("/api/chat/async")
async def chat_async(request: ChatRequest):
    thread_id = request.thread_id or str(uuid.uuid4())
    if any(d["thread_id"] == thread_id for d in decision_sets.values()):
        # decision_sets.thread_id is unique in the origin's schema: the commit fails.
        raise HTTPException(status_code=500, detail="Failed to create job")
    ds_id, job_id = str(uuid.uuid4()), str(uuid.uuid4())
    loop = asyncio.get_running_loop()
    decision_sets[ds_id] = {"visible_at": loop.time() + PERSIST_DELAY, "job_id": job_id, "thread_id": thread_id}
    jobs[job_id] = {"status": "queued", "decision_set_id": ds_id, "thread_id": thread_id}
    asyncio.get_running_loop().create_task(_worker(job_id, ds_id))
    log.info("Job enqueued")
    return {"decision_set_id": ds_id, "thread_id": thread_id, "job_id": job_id, "status": "queued"}


@app.get("/api/jobs/{job_id}/status")
async def job_status(job_id: str):
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail="Job not found")
    return {"job_id": job_id, "status": job["status"], "decision_set_id": job["decision_set_id"], "thread_id": job["thread_id"]}


async def _lookup(ds_id):
    """The origin's time-based window (main.py:569-607): poll every RETRY_DELAY until MAX_WAIT, then 404."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    attempts = 0
    while True:
        found = decision_sets.get(ds_id)
        if found is not None and loop.time() >= found["visible_at"]:
            break
        attempts += 1
        elapsed = loop.time() - start
        if elapsed >= MAX_WAIT:
            log.warning(f"Decision set not found after waiting (attempts={attempts} wait_seconds={round(elapsed, 3)})")
            raise HTTPException(status_code=404, detail="Decision set not found")
        await asyncio.sleep(RETRY_DELAY)
    if attempts:
        log.info(f"Decision set lookup succeeded after retries (attempts={attempts} wait_seconds={round(loop.time() - start, 3)})")


async def _subscribe(ds_id, replay):
    """Frames for one connection: replayed history, live events, pings and idle heartbeats, merged in time."""
    queue = asyncio.Queue()
    subscribers.setdefault(ds_id, set()).add(queue)
    loop = asyncio.get_running_loop()
    try:
        if replay:
            for event_type, text in list(history.get(ds_id, ())):
                yield _frame(event_type, text)
        next_ping = loop.time() + PING_INTERVAL
        last_event = loop.time()
        while True:
            next_heartbeat = last_event + HEARTBEAT_INTERVAL
            timeout = max(0.0, min(next_ping, next_heartbeat) - loop.time())
            try:
                event_type, text = await asyncio.wait_for(queue.get(), timeout)
            except asyncio.TimeoutError:
                now = loop.time()
                if now >= next_ping:
                    next_ping += PING_INTERVAL
                    # sse-starlette's ping text: str(datetime.now(utc)), a space and +00:00.
                    yield f": ping - {datetime.now(timezone.utc)}\r\n\r\n"
                if now >= last_event + HEARTBEAT_INTERVAL:
                    last_event = now
                    stamp = _now_iso()
                    envelope = {"type": "heartbeat", "decision_set_id": ds_id, "timestamp": stamp, "data": {"timestamp": stamp}}
                    yield _frame("heartbeat", json.dumps(envelope))
                continue
            last_event = loop.time()
            log.info(f"SSE yielding event: {event_type}")
            yield _frame(event_type, text)
            if END_AFTER_COMPLETE and event_type == "workflow-complete":
                return
    finally:
        subscribers.get(ds_id, set()).discard(queue)


class HeldHeadStreamingResponse(StreamingResponse):
    """Sends the response head only together with the first body frame: an app that never flushes early."""

    async def stream_response(self, send):
        iterator = self.body_iterator.__aiter__()
        first = await iterator.__anext__()
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": first.encode(self.charset), "more_body": True})
        async for chunk in iterator:
            await send({"type": "http.response.body", "body": chunk.encode(self.charset), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


@app.get("/api/streams/{decision_set_id}")
async def stream(decision_set_id: str, replay: bool = True):
    log.info(f"SSE connection established for decision_set_id: {decision_set_id}")
    await _lookup(decision_set_id)
    headers = {"Cache-Control": "no-cache", "Connection": "keep-alive"}
    if ACCEL_HEADER:
        headers["X-Accel-Buffering"] = "no"
    response_class = HeldHeadStreamingResponse if HOLD_HEAD else StreamingResponse
    return response_class(_subscribe(decision_set_id, replay), media_type="text/event-stream", headers=headers)
