"""A loopback ESC/POS network printer for tests, and a parser of ESC/POS bytes.

    printer = FakePrinter()          # mode "online"
    port = printer.start()           # listens on 127.0.0.1:<port>
    ...                              # point a Printer(connection="network") at it
    printer.mode = "paper_out"       # or "offline", "drop_connection", "unreachable"
    printer.jobs                     # bytes it printed, one entry per connection
    parse_escpos(printer.jobs[0])    # what it would do: text lines, cut, drawer kick...
    printer.stop()

Modes:
- ``online``: prints what it receives; answers DLE EOT n with "all well".
- ``offline``: answers DLE EOT 1 with the offline bit (cover open), prints nothing.
- ``paper_out``: answers DLE EOT 1 offline, DLE EOT 2 "stopped: paper end" and
  DLE EOT 4 "paper end", prints nothing.
- ``drop_connection``: reads the first bytes and resets the connection.
- ``unreachable``: stops listening (connections are refused) until the mode changes.

``answer_status = False`` makes it ignore DLE EOT (printers that never answer).
"""

import contextlib
import socket
import struct
import threading

DLE, EOT, ESC, GS, FS, LF = 0x10, 0x04, 0x1B, 0x1D, 0x1C, 0x0A

MODES = ("online", "offline", "paper_out", "drop_connection", "unreachable")

# DLE EOT answers: bits 1 and 4 always set.
_STATUS = {
    "online": {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
    "offline": {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12},  # offline, cover open
    "paper_out": {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E},  # offline, paper end
}


class FakePrinter:
    def __init__(self, mode="online", host="127.0.0.1"):
        self.host = host
        self.port = 0
        self._mode = mode
        self.answer_status = True
        # What was printed and every byte received, per connection, by the order the
        # connections were accepted (a real printer serves one connection after the
        # other; here each has its thread, and a later one can finish first).
        self._jobs: list[tuple[int, bytes]] = []
        self._received: list[tuple[int, bytes]] = []
        self.status_queries: list[int] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active = 0
        self._listener = None
        self._thread = None
        self._stopping = False
        self._clients: list[socket.socket] = []

    # -- control -------------------------------------------------------------------

    @property
    def mode(self):
        return self._mode

    @mode.setter
    def mode(self, value):
        if value not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        was = self._mode
        self._mode = value
        if value == "unreachable" and was != "unreachable":
            self._close_listener()
        elif was == "unreachable" and value != "unreachable" and self.port:
            self._listen(self.port)

    def start(self) -> int:
        """Listen on a free loopback port; returns it."""
        self._stopping = False
        self._listen(self.port or 0)
        return self.port

    def stop(self):
        self._stopping = True
        self._close_listener()
        for client in list(self._clients):
            _close_quietly(client)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def settle(self, timeout=10.0) -> None:
        """Wait until every connection made so far has been closed and recorded."""
        with self._idle:
            self._idle.wait_for(lambda: self._active == 0, timeout=timeout)

    @property
    def jobs(self) -> list[bytes]:
        """What it printed, one entry per connection in the order they were accepted
        (after the connections closed)."""
        self.settle()
        with self._lock:
            return [data for _seq, data in sorted(self._jobs, key=lambda job: job[0])]

    @property
    def received(self) -> list[bytes]:
        """Every byte received, one entry per connection in the order accepted."""
        with self._lock:
            return [data for _seq, data in sorted(self._received, key=lambda got: got[0])]

    @property
    def printed(self) -> bytes:
        return b"".join(self.jobs)

    def events(self):
        return parse_escpos(self.printed)

    def lines(self) -> list[str]:
        return text_lines(self.printed)

    # -- the server ----------------------------------------------------------------

    def _listen(self, port):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(target=self._accept_loop, args=(listener,), daemon=True)
        self._thread.start()

    def _close_listener(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            _close_quietly(listener)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _accept_loop(self, listener):
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                seq = self.connections
                self._active += 1
                self._clients.append(conn)
            threading.Thread(target=self._serve, args=(conn, seq), daemon=True).start()

    def _serve(self, conn, seq):
        received = bytearray()
        printed = bytearray()
        pending = b""
        try:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                received += data
                if self._mode == "drop_connection":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    break
                data, pending = pending + data, b""
                out = bytearray()
                i = 0
                while i < len(data):
                    if data[i] == DLE and i + 1 < len(data) and data[i + 1] == EOT:
                        if i + 2 >= len(data):
                            pending = data[i:]
                            break
                        n = data[i + 2]
                        self.status_queries.append(n)
                        if self.answer_status:
                            mode = self._mode if self._mode in _STATUS else "online"
                            conn.sendall(bytes([_STATUS[mode].get(n, 0x12)]))
                        i += 3
                        continue
                    out.append(data[i])
                    i += 1
                if self._mode == "online":
                    printed += out
        finally:
            _close_quietly(conn)
            with self._idle:
                self._received.append((seq, bytes(received)))
                if printed:
                    self._jobs.append((seq, bytes(printed)))
                self._active -= 1
                if conn in self._clients:
                    self._clients.remove(conn)
                self._idle.notify_all()


def _close_quietly(sock):
    with contextlib.suppress(OSError):
        sock.close()


# --- the parser -----------------------------------------------------------------------

CODE_PAGES = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
}


def parse_escpos(data: bytes) -> list[dict]:
    """What a printer would do with ``data``, as a list of events (dicts with ``type``):

    ``init``; ``codepage`` (number); ``bold`` (on); ``size`` (double_height,
    double_width); ``align`` (value); ``text`` (text, bold, double_height,
    double_width, align) for each printed line; ``feed`` (lines); ``cut`` (mode);
    ``drawer`` (pin, on_ms, off_ms); ``qr`` (data); ``barcode`` (system, data);
    ``image`` (width, height in dots); ``status_query`` (n); ``unknown`` (byte).
    """
    events: list[dict] = []
    state = {
        "bold": False,
        "double_height": False,
        "double_width": False,
        "align": "left",
        "codepage": 0,
    }
    text = bytearray()
    qr_store = {"data": b""}
    n = len(data)
    i = 0

    def flush(force=False):
        if text or force:
            codec = CODE_PAGES.get(state["codepage"], "latin-1")
            events.append(
                {
                    "type": "text",
                    "text": bytes(text).decode(codec, errors="replace"),
                    "bold": state["bold"],
                    "double_height": state["double_height"],
                    "double_width": state["double_width"],
                    "align": state["align"],
                }
            )
            text.clear()

    def need(count):
        if i + count > n:
            raise _Truncated()

    try:
        while i < n:
            b = data[i]
            if b == LF:
                flush(force=True)
                i += 1
            elif b == 0x0D:
                i += 1
            elif b == 0x09:
                text.append(0x20)
                i += 1
            elif b >= 0x20 and b != 0x7F:
                text.append(b)
                i += 1
            elif b == ESC:
                need(2)
                c = data[i + 1]
                i += 2
                if c == ord("@"):
                    flush()
                    state.update(
                        bold=False,
                        double_height=False,
                        double_width=False,
                        align="left",
                        codepage=0,
                    )
                    events.append({"type": "init"})
                elif c == ord("t"):
                    need(1)
                    state["codepage"] = data[i]
                    events.append({"type": "codepage", "number": data[i]})
                    i += 1
                elif c == ord("E"):
                    need(1)
                    state["bold"] = bool(data[i] & 1)
                    events.append({"type": "bold", "on": state["bold"]})
                    i += 1
                elif c == ord("!"):
                    need(1)
                    mode = data[i]
                    state.update(
                        bold=bool(mode & 0x08),
                        double_height=bool(mode & 0x10),
                        double_width=bool(mode & 0x20),
                    )
                    events.append(
                        {
                            "type": "size",
                            "double_height": state["double_height"],
                            "double_width": state["double_width"],
                        }
                    )
                    i += 1
                elif c == ord("a"):
                    need(1)
                    state["align"] = {
                        0: "left",
                        1: "center",
                        2: "right",
                        48: "left",
                        49: "center",
                        50: "right",
                    }.get(data[i], "left")
                    events.append({"type": "align", "value": state["align"]})
                    i += 1
                elif c == ord("d"):
                    need(1)
                    flush()
                    events.append({"type": "feed", "lines": data[i]})
                    i += 1
                elif c == ord("p"):
                    need(3)
                    m, t1, t2 = data[i], data[i + 1], data[i + 2]
                    events.append(
                        {
                            "type": "drawer",
                            "pin": 5 if m in (1, 49) else 2,
                            "on_ms": t1 * 2,
                            "off_ms": t2 * 2,
                        }
                    )
                    i += 3
                elif c == ord("*"):
                    need(3)
                    m, width = data[i], data[i + 1] + 256 * data[i + 2]
                    size = width * (3 if m in (32, 33) else 1)
                    need(3 + size)
                    flush()
                    events.append(
                        {"type": "image", "width": width, "height": 24 if size > width else 8}
                    )
                    i += 3 + size
                elif c == ord("c") or c == ord("B"):
                    need(2)
                    i += 2
                elif c in b"-MG{VrJ3R SU":
                    need(1)
                    i += 1
                elif c == ord("2"):
                    pass
                else:
                    events.append({"type": "unknown", "byte": f"ESC {c:#04x}"})
            elif b == GS:
                need(2)
                c = data[i + 1]
                i += 2
                if c == ord("V"):
                    need(1)
                    m = data[i]
                    i += 1
                    if m in (65, 66):
                        need(1)
                        i += 1
                    flush()
                    events.append(
                        {"type": "cut", "mode": "full" if m in (0, 48, 65) else "partial"}
                    )
                elif c == ord("!"):
                    need(1)
                    size = data[i]
                    state.update(double_width=(size >> 4) > 0, double_height=(size & 0x0F) > 0)
                    events.append(
                        {
                            "type": "size",
                            "double_height": state["double_height"],
                            "double_width": state["double_width"],
                        }
                    )
                    i += 1
                elif c in b"hwHfBbra":
                    need(1)
                    i += 1
                elif c in b"LWP":
                    need(2)
                    i += 2
                elif c == ord("k"):
                    need(1)
                    m = data[i]
                    i += 1
                    if m <= 6:
                        end = data.index(b"\x00", i)
                        code = data[i:end]
                        i = end + 1
                    else:
                        need(1)
                        length = data[i]
                        need(1 + length)
                        code = data[i + 1 : i + 1 + length]
                        i += 1 + length
                    flush()
                    events.append(
                        {
                            "type": "barcode",
                            "system": m,
                            "data": code.decode("ascii", errors="replace"),
                        }
                    )
                elif c == ord("("):
                    need(3)
                    fn_class = data[i]
                    length = data[i + 1] + 256 * data[i + 2]
                    need(3 + length)
                    body = data[i + 3 : i + 3 + length]
                    i += 3 + length
                    if fn_class == ord("k") and len(body) >= 2 and body[0] == ord("1"):
                        fn = body[1]
                        if fn == 80:
                            qr_store["data"] = body[3:]
                        elif fn == 81:
                            flush()
                            events.append(
                                {"type": "qr", "data": qr_store["data"].decode("utf-8", "replace")}
                            )
                    elif fn_class == ord("L") and len(body) >= 2 and body[1] in (50, 2):
                        flush()
                        events.append({"type": "image", "width": None, "height": None})
                elif c == ord("v"):
                    need(6)
                    x = data[i + 2] + 256 * data[i + 3]
                    y = data[i + 4] + 256 * data[i + 5]
                    need(6 + x * y)
                    flush()
                    events.append({"type": "image", "width": x * 8, "height": y})
                    i += 6 + x * y
                else:
                    events.append({"type": "unknown", "byte": f"GS {c:#04x}"})
            elif b == DLE:
                need(2)
                c = data[i + 1]
                if c == EOT:
                    need(3)
                    events.append({"type": "status_query", "n": data[i + 2]})
                    i += 3
                elif c == 0x14:
                    need(5)
                    i += 5
                else:
                    i += 2
            elif b == FS:
                need(2)
                i += 2
            else:
                i += 1
    except (_Truncated, ValueError):
        events.append({"type": "truncated", "at": i})
    flush()
    return events


class _Truncated(Exception):
    pass


def text_lines(data: bytes) -> list[str]:
    """The printed text lines of ``data``, in order."""
    return [e["text"] for e in parse_escpos(data) if e["type"] == "text"]
