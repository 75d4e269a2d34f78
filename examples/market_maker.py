#!/usr/bin/env python3
"""A small market-making bot for marketroom's API for programs (docs/algo-trading.md), in Python.

It keeps the order book from the stream (snapshot + numbered updates, resubscribing on a gap), quotes
one lot on each side around the mid every second over REST (post-only, with a clientOrderId), reports
its fills, and cancels everything at the end. Prices in ticks, quantities in lots.

    python3 examples/market_maker.py --key mrk_... [--base http://127.0.0.1:2567] [--security 1] [--seconds 30] [--spread 2]

Standard library only (Python 3.8+): urllib for REST and a minimal WebSocket client over a socket
(RFC 6455: text frames, ping/pong, close; no extensions, no TLS), so it runs wherever python3 does.
The last line it prints is a JSON summary: {"quotes", "fills", "gaps", "errors"}.
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class ApiError(Exception):
    """An error answer of the REST API: {code, message} with an HTTP status."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class Rest:
    """JSON calls to /api/v1 with the API key; waits and retries once on 429 (Retry-After)."""

    def __init__(self, base, key):
        self.base = base.rstrip("/") + "/api/v1"
        self.key = key

    def call(self, method, path, body=None):
        for attempt in range(2):
            data = json.dumps(body).encode() if body is not None else None
            req = urllib.request.Request(self.base + path, data=data, method=method)
            req.add_header("Authorization", "Bearer " + self.key)
            if data is not None:
                req.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(req, timeout=10) as res:
                    text = res.read()
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as e:
                err = json.loads(e.read() or b"{}")
                if e.code == 429 and attempt == 0:
                    time.sleep(int(e.headers.get("Retry-After", "1")))
                    continue
                raise ApiError(e.code, err.get("code", "HTTP_%d" % e.code), err.get("message", "")) from None


class WebSocket:
    """A minimal RFC 6455 client: connect with extra headers, send text, receive text (answers pings)."""

    def __init__(self, url, headers):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "ws":
            raise ValueError("only ws:// URLs (no TLS in this example)")
        port = u.port or 80
        self.sock = socket.create_connection((u.hostname, port), timeout=10)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {u.path or '/'}{'?' + u.query if u.query else ''} HTTP/1.1",
            f"Host: {u.hostname}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ] + [f"{k}: {v}" for k, v in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection during the handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status, *fields = head.decode("latin-1").split("\r\n")
        if " 101 " not in status + " ":
            raise ConnectionError(f"upgrade refused: {status}")
        accept = dict(f.split(": ", 1) for f in fields if ": " in f)
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        if {k.lower(): v for k, v in accept.items()}.get("sec-websocket-accept") != expected:
            raise ConnectionError("bad Sec-WebSocket-Accept")

    def _send_frame(self, opcode, payload):
        n = len(payload)
        header = bytes([0x80 | opcode])
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)  # a client masks every frame
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + body)

    def send(self, obj):
        self._send_frame(0x1, json.dumps(obj).encode())

    def _frame(self):
        """One whole frame from the buffer (fin, opcode, payload), or None if it has not all arrived."""
        b = self.buf
        if len(b) < 2:
            return None
        fin, opcode, n, at = b[0] & 0x80, b[0] & 0x0F, b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, at = struct.unpack("!H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, at = struct.unpack("!Q", b[2:10])[0], 10
        if len(b) < at + n:  # the server never masks
            return None
        self.buf = b[at + n :]
        return fin, opcode, b[at : at + n]

    def recv(self, timeout):
        """The next text message (str), or None when none arrived within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        parts = []
        while True:
            frame = self._frame()
            if frame is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.sock.settimeout(left)
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    return None
                if not chunk:
                    raise ConnectionError("the stream closed")
                self.buf += chunk
                continue
            fin, opcode, payload = frame
            if opcode == 0x9:
                self._send_frame(0xA, payload)  # pong
            elif opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                raise ConnectionError(f"the stream closed: {code} {payload[2:].decode(errors='replace')}")
            elif opcode in (0x1, 0x0):
                parts.append(payload)
                if fin:
                    return b"".join(parts).decode()

    def close(self):
        try:
            self._send_frame(0x8, struct.pack("!H", 1000))
        finally:
            self.sock.close()


class Book:
    """The book of one security from the stream: price -> level, per side; `seq` of the last message."""

    def __init__(self):
        self.bids, self.asks, self.seq = {}, {}, 0

    def apply(self, m):
        """Applies a book message; False when it is not the next one (a gap: resubscribe)."""
        if m["action"] == "snapshot":
            self.bids.clear()
            self.asks.clear()
        elif m["seq"] != self.seq + 1:
            return False
        self.seq = m["seq"]
        for side, levels in (("bids", self.bids), ("asks", self.asks)):
            for lvl in m[side]:
                if lvl["qty"] == 0:
                    levels.pop(lvl["price"], None)
                else:
                    levels[lvl["price"]] = lvl
        return True

    def mid(self, fallback):
        bid = max(self.bids) if self.bids else None
        ask = min(self.asks) if self.asks else None
        if bid is not None and ask is not None:
            return round((bid + ask) / 2)
        return bid if bid is not None else ask if ask is not None else fallback


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--key", required=True, help="an API key (mrk_...): the player view's API keys panel")
    p.add_argument("--base", default="http://127.0.0.1:2567")
    p.add_argument("--security", type=int, default=1)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--spread", type=int, default=2, help="ticks each side of the mid")
    opt = p.parse_args()
    stats = {"quotes": 0, "fills": 0, "gaps": 0, "errors": 0}
    rest = Rest(opt.base, opt.key)

    sec = next((s for s in rest.call("GET", "/securities")["securities"] if s["securityId"] == opt.security), None)
    if sec is None:
        sys.exit(f"no security {opt.security}")
    ws_url = opt.base.rstrip("/").replace("http://", "ws://", 1) + "/api/v1/stream"
    ws = WebSocket(ws_url, {"Authorization": "Bearer " + opt.key})
    book = Book()

    def subscribe():
        ws.send({"op": "subscribe", "channel": "book", "securityId": opt.security, "depth": 10})

    subscribe()
    ws.send({"op": "subscribe", "channel": "executions"})

    def handle(text):
        m = json.loads(text)
        if m["type"] == "book" and m["securityId"] == opt.security:
            if not book.apply(m):
                stats["gaps"] += 1
                subscribe()  # lost an update: start over from a snapshot
        elif m["type"] == "execution" and m["kind"] == "fill":
            stats["fills"] += 1
            print(f"fill {m['side']} {m['qty']} @ {m['price']} ({m['role']})", flush=True)
        elif m["type"] == "error":
            stats["errors"] += 1
            print(f"stream: {m['code']} {m['message']}", file=sys.stderr, flush=True)

    until = time.monotonic() + opt.seconds
    n = 0
    try:
        while time.monotonic() < until:
            mid = book.mid(sec["refPrice"])
            try:
                rest.call("DELETE", f"/orders?securityId={opt.security}")
                n += 1
                # post-only: a quote never takes; one that would is refused (POST_ONLY_WOULD_TAKE) and skipped.
                for side, price in (("buy", mid - opt.spread), ("sell", mid + opt.spread)):
                    try:
                        rest.call(
                            "POST",
                            "/orders",
                            {
                                "securityId": opt.security,
                                "side": side,
                                "price": max(1, price),
                                "qty": 1,
                                "postOnly": True,
                                "clientOrderId": f"py-mm-{os.getpid()}-{n}-{side}",
                            },
                        )
                        stats["quotes"] += 1
                    except ApiError as e:
                        if e.code != "POST_ONLY_WOULD_TAKE":
                            raise
            except ApiError as e:
                stats["errors"] += 1
                print(str(e), file=sys.stderr, flush=True)
                if e.code in ("MARKET_CLOSED", "UNAUTHORIZED"):
                    break
            # Read the stream until the next quote (one second).
            next_quote = min(until, time.monotonic() + 1)
            while True:
                left = next_quote - time.monotonic()
                if left <= 0:
                    break
                text = ws.recv(left)
                if text is not None:
                    handle(text)
    finally:
        try:
            rest.call("DELETE", f"/orders?securityId={opt.security}")
        except (ApiError, OSError) as e:
            print(f"final cancel: {e}", file=sys.stderr)
        ws.close()
    print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    main()
