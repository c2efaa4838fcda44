"""A minimal Streamlit client that speaks the app's own websocket protocol, for load tests.

A browser per simulated person would spend the machine's cores on layout and painting, and the
figure would mix their cost with the server's. This client sends what Chromium sends when someone
types into the form and presses "Find support" (the widget values and the button's trigger) and
reads the server's element messages, so a load test measures the server alone.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

#: Text on every result card: a search has answered when the run that follows it shows this.
RESULT_MARK = "Why this was suggested"
ERROR_MARKS = ("Something went wrong", "Traceback")


@dataclass
class Run:
    """What one script run sent: every widget by label, the text shown, and how it ended."""

    widgets: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (element type, widget id)
    fragment_of: dict[str, str] = field(default_factory=dict)  # widget id -> fragment id
    text: list[str] = field(default_factory=list)
    exception: bool = False
    seconds: float = 0.0

    @property
    def answered(self) -> bool:
        return any(RESULT_MARK in text for text in self.text)

    @property
    def failed(self) -> bool:
        return self.exception or any(mark in text for text in self.text for mark in ERROR_MARKS)


class Session:
    """One browser-less session of the app at ``url`` (``http://host:port``)."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        self.socket: websockets.ClientConnection | None = None
        self.page: Run = Run()

    async def open(self, timeout: float = 120) -> Run:
        """Connect and run the page once, as a browser does on load."""
        self.socket = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None)
        self.page = await self._run(BackMsg(), timeout)
        return self.page

    async def search(self, text: str, timeout: float = 60) -> Run:
        """Type ``text`` into the problem box and press "Find support"; the run that answers."""
        box = self.page.widgets["What's going on?"][1]
        button = self.page.widgets["Find support"][1]
        message = BackMsg()
        message.rerun_script.widget_states.widgets.add(id=box, string_value=text)
        message.rerun_script.widget_states.widgets.add(id=button, trigger_value=True)
        message.rerun_script.fragment_id = self.page.fragment_of.get(button, "")
        run = await self._run(message, timeout)
        for label, widget in run.widgets.items():  # a fragment run only re-sends its own widgets
            self.page.widgets[label] = widget
        self.page.fragment_of.update(run.fragment_of)
        return run

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def _run(self, message: BackMsg, timeout: float) -> Run:
        """Send one rerun request and collect the messages until the server says the run finished."""
        assert self.socket is not None, "open() first"
        if not message.HasField("rerun_script"):
            message.rerun_script.query_string = ""
        started = time.monotonic()
        await self.socket.send(message.SerializeToString())
        run = Run()
        while True:
            remaining = timeout - (time.monotonic() - started)
            if remaining <= 0:
                raise TimeoutError("the app did not finish its run in time")
            reply = ForwardMsg()
            reply.ParseFromString(await _receive(self.socket, remaining))
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                _read_element(reply.delta, run)
            elif kind == "script_finished":
                if reply.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    run = Run()  # a callback asked for another run: the answer is the next one
                    continue
                run.seconds = time.monotonic() - started
                return run


async def _receive(socket: websockets.ClientConnection, timeout: float) -> bytes:
    data = await asyncio.wait_for(socket.recv(), timeout)
    return data if isinstance(data, bytes) else data.encode()


def _read_element(delta, run: Run) -> None:
    element = delta.new_element
    kind = element.WhichOneof("type")
    body = getattr(element, kind)
    if kind == "exception":
        run.exception = True
    if hasattr(body, "id") and hasattr(body, "label") and body.id:
        run.widgets[body.label] = (kind, body.id)
        if delta.fragment_id:
            run.fragment_of[body.id] = delta.fragment_id
    for name in ("body", "label"):
        if isinstance(getattr(body, name, None), str):
            run.text.append(getattr(body, name))
