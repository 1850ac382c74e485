#!/usr/bin/env python3
"""Chat send -> ack latency, one send at a time, on one `streams` socket:
what bench/wait_replicas.sh runs against a node with and without
redis.wait-replicas. Python standard library only (a minimal WebSocket
client: text frames, masked as RFC 6455 wants from a client).
   wait_replicas.py PORT COUNT LABEL"""
import json, os, socket, struct, sys, time, urllib.parse

def connect(port, stream):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    clients = json.dumps([{"name": "chat", "stream": stream, "strategy": "streams"}])
    s.sendall((f"GET /ws?clients={urllib.parse.quote(clients)} HTTP/1.1\r\n"
               f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
              .encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        sys.exit(f"upgrade refused: {head!r}")
    return s

def read_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            sys.exit("the server closed the socket")
        out += chunk
    return out

def read_frame(s):
    b0, b1 = read_exact(s, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", read_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", read_exact(s, 8))[0]
    payload = read_exact(s, n)
    return b0 & 0x0F, payload

def send_text(s, text):
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n))
    s.sendall(head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(data)))

def main():
    port, count, label = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    stream = f"bench:wait:{os.getpid()}"
    s = connect(port, stream)
    took, errors = [], 0
    for i in range(count):
        ref = f"r{i}"
        start = time.perf_counter()
        send_text(s, json.dumps({"client": "chat", "stream": stream, "event": "send",
                                 "data": {"text": f"m{i}"}, "ref": ref}))
        while True:
            op, payload = read_frame(s)
            if op != 1:
                continue
            frame = json.loads(payload)
            if frame.get("ref") == ref and frame.get("type") in ("ack", "error"):
                errors += frame["type"] == "error"
                break
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    pick = lambda q: took[min(len(took) - 1, int(q * len(took)))]
    print(f"{label}: {count} sends, ack latency ms p50 {pick(0.5):.2f} p90 {pick(0.9):.2f} "
          f"p99 {pick(0.99):.2f} max {took[-1]:.2f} mean {sum(took) / len(took):.2f}; "
          f"errors {errors}")

main()
