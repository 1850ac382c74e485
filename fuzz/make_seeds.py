#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ (docs/fuzzing.md).

The seeds are what the server really reads: the frames, specs, commands and
tokens of the protocol docs (docs/PROTOCOL.md, docs/protocol-notes.md), the
upgrade request a browser sends, config/switchboard.ini, and the replies of
a real redis-server to the commands the node sends (recorded from one
started here on a free port). The files are committed; run this again only
to change them:

    python3 fuzz/make_seeds.py [TARGET...]   # needs openssl and redis-server

It also writes fuzz/jwt_test_keys.hpp: the secret and the public keys the
JWT target verifies with; the private keys that signed the seed tokens are
thrown away.
"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
SECRET = "fuzz-secret-0123456789abcdef"


def write(target, name, data):
    path = os.path.join(CORPUS, target)
    os.makedirs(path, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


# --- WebSocket frames, as a client masks them (RFC 6455 §5.2) ---------------

MASK = bytes([0x37, 0xFA, 0x21, 0x3D])


def frame(first, payload, mask=True):
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload)
    head = bytes([first])
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n <= 0xFFFF:
        head += bytes([bit | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([bit | 127]) + n.to_bytes(8, "big")
    if not mask:
        return head + payload
    return head + MASK + bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))


def text(payload, fin=True):
    return frame((0x80 if fin else 0) | 0x1, payload)


def cont(payload, fin):
    return frame((0x80 if fin else 0) | 0x0, payload)


def close(code, reason=""):
    return frame(0x88, code.to_bytes(2, "big") + reason.encode())


SEND = {"client": "chat", "stream": "stream:123", "event": "send", "ref": "7",
        "data": {"text": "hi"}}
READ = {"client": "notifications", "stream": "user:u42", "event": "read", "ref": 8,
        "data": {"id": "1718000000000-0"}}


def ws_reader_seeds():
    send = json.dumps(SEND, separators=(",", ":"))
    seeds = {
        "send": text(send),
        "read": text(json.dumps(READ)),
        "ping-pong": frame(0x89, "hello") + frame(0x8A, ""),
        "fragmented": text(send[:10], False) + frame(0x89, "x") + cont(send[10:], True),
        "binary": frame(0x82, bytes(range(40))),
        "close": text("{}") + close(1000, "bye"),
        "close-empty": frame(0x88, b""),
        "utf8": text("caf\u00e9 \u2603 \U0001F600"),
        "long16": text("x" * 300),
        "long64": text("y" * 70000),
        "unmasked": frame(0x81, "nope", mask=False),
        "reserved": frame(0xC1, "rsv"),
        "bad-utf8": text(b"\xc3\x28"),
    }
    # First byte: the message size limit; second: how the rest is cut.
    for name, data in seeds.items():
        write("ws_reader", name, bytes([4, 0]) + data)
    write("ws_reader", "send-small-limit", bytes([1, 3]) + seeds["send"])
    write("ws_reader", "send-chopped", bytes([3, 1]) + seeds["fragmented"])


# --- the HTTP upgrade ----------------------------------------------------------

CLIENTS = [{"name": "chat", "stream": "stream:123", "strategy": "streams"},
           {"name": "presence", "stream": "stream:123"}]
CLIENTS_SINCE = [{"name": "chat", "stream": "stream:123", "strategy": "streams",
                  "since": "1718000000000-0"},
                 {"name": "notifications", "stream": "user:u42", "strategy": "streams"}]


def upgrade_request(query, extra=""):
    return ("GET /ws?" + query + " HTTP/1.1\r\n"
            "Host: localhost:8080\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "Origin: http://localhost:8080\r\n" + extra + "\r\n")


def http_seeds():
    q = "clients=" + urllib.parse.quote(json.dumps(CLIENTS))
    write("http_upgrade", "upgrade", upgrade_request(q))
    write("http_upgrade", "upgrade-token",
          upgrade_request(q + "&token=" + hs_token("HS256", CLAIMS) + "&name=Ada"))
    write("http_upgrade", "upgrade-cookie",
          upgrade_request(q, "Cookie: theme=dark; switchboard_token=abc.def.ghi\r\n"))
    write("http_upgrade", "upgrade-foreign-origin",
          upgrade_request(q).replace("Origin: http://localhost:8080",
                                     "Origin: https://evil.example"))
    write("http_upgrade", "upgrade-bad-version",
          upgrade_request(q).replace("Version: 13", "Version: 8"))
    write("http_upgrade", "healthz", "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    body = json.dumps({"stream": "stream:123", "client": "chat", "data": {"text": "hi"}})
    write("http_upgrade", "publish",
          "POST /api/publish HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer k\r\n"
          "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    write("http_upgrade", "chunked",
          "POST /api/publish HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5\r\nhello\r\n0\r\n\r\n")


# --- `clients` -------------------------------------------------------------------

def clients_seeds():
    docs = {
        "protocol": CLIENTS,
        "since": CLIENTS_SINCE,
        "bad-specs": [{"name": "chat"}, {"name": "nope", "stream": "stream:1"},
                      {"name": "chat", "stream": "bad stream!"},
                      {"name": "chat", "stream": "stream:1", "strategy": "carrier-pigeon"},
                      {"name": "chat", "stream": "stream:1", "since": "1-0"},
                      {"name": "chat", "stream": "stream:123"},
                      {"name": "chat", "stream": "stream:123"}],
        "not-objects": [1, "chat", None],
        "empty": [],
        "object": {"name": "chat"},
        "nested": [{"name": "chat", "stream": "stream:1", "x": [[[[[[[[1]]]]]]]]}],
    }
    for name, doc in docs.items():
        raw = json.dumps(doc)
        write("clients", name, b"\x02" + raw.encode())
        write("clients", name + "-query",
              b"\x03clients=" + urllib.parse.quote_plus(raw).encode() + b"&token=x")
    write("clients", "deep", b"\x02" + b"[" * 70 + b"]" * 70)
    # Bit 4: the rules of a version 2 socket with chat on stream:1 already on it.
    write("clients", "v2-empty", b"\x06")
    write("clients", "v2-taken", b"\x06" + json.dumps(
        [{"name": "chat", "stream": "stream:1"}, {"name": "chat", "stream": "stream:12"},
         {"name": "presence", "stream": "stream:12"}]).encode())


# --- commands ----------------------------------------------------------------------

def envelope_seeds():
    docs = {
        "send": SEND,
        "read": READ,
        "no-ref": {"client": "chat", "stream": "stream:123", "event": "send",
                   "data": {"text": "hi"}},
        "float-ref": {"client": "chat", "stream": "stream:1", "event": "send", "ref": 1.5e300,
                      "data": {}},
        "bad-ref": {"client": "chat", "stream": "s", "event": "send", "ref": [1]},
        "bad-data": {"client": "chat", "stream": "s", "event": "send", "data": "text"},
        "unicode": {"client": "chat", "stream": "stream:1", "event": "s\u00e9nd",
                    "ref": "\u2603", "data": {"text": "\U0001F600"}},
        # Protocol version 2's control commands (PROTOCOL.md 2.1).
        "subscribe": {"type": "subscribe", "ref": "8",
                      "clients": [{"name": "chat", "stream": "stream:456",
                                   "strategy": "streams", "since": "1718000000000-0"}]},
        "unsubscribe": {"type": "unsubscribe", "ref": 9,
                        "clients": [{"name": "chat", "stream": "stream:456"},
                                    {"name": "presence", "stream": "stream:1"}]},
        "subscribe-empty": {"type": "subscribe", "ref": "10", "clients": []},
        "subscribe-bad-type": {"type": "join", "clients": [{"name": "chat"}]},
    }
    for name, doc in docs.items():
        write("envelope", name, json.dumps(doc))
    write("envelope", "array", "[1,2,3]")
    write("envelope", "broken", '{"client":"chat",')
    write("envelope", "deep", '{"client":"chat","data":' + "[" * 70 + "]" * 70 + "}")


# --- API bodies ------------------------------------------------------------------------

def api_body_seeds():
    docs = {
        "publish": {"stream": "stream:123", "client": "chat", "event": "message",
                    "data": {"user": {"id": "bot", "name": "Bot"}, "text": "hi"}},
        "publish-pubsub": {"stream": "user:u42", "client": "notifications",
                           "strategy": "pub-sub", "data": {"title": "Build done"}},
        "publish-minimal": {"stream": "stream:1", "client": "chat"},
        "demo": {"stream": "user:guest-1", "data": {"title": "test"}},
        "disconnect-user": {"user": "u42"},
        "disconnect-socket": {"socket": "n1-7f3a9c"},
        "disconnect-broker": {"origin": "n2", "user": "u42"},
        "wrong-types": {"stream": 5, "client": ["chat"], "event": None, "user": {}},
    }
    for name, doc in docs.items():
        write("api_body", name, json.dumps(doc))
    write("api_body", "not-json", "stream=1")


# --- JWTs --------------------------------------------------------------------------

CLAIMS = {"sub": "u42", "name": "Ada", "exp": 1718003600, "iat": 1718000000,
          "streams": ["stream:123", "stream:123:*", "user:u42"]}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_input(alg, claims, header=None):
    header = header or {"alg": alg, "typ": "JWT"}
    return (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode()))


def hs_token(alg, claims, header=None):
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    head = signing_input(alg, claims, header)
    sig = hmac.new(SECRET.encode(), head.encode(), digest).digest()
    return head + "." + b64url(sig)


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True,
                          capture_output=True).stdout


def der_to_raw(der, size):
    """An ECDSA signature from DER (openssl) to r||s (JWS, RFC 7518 §3.4)."""
    assert der[0] == 0x30
    pos = 2 if der[1] < 0x80 else 3
    out = b""
    for _ in range(2):
        assert der[pos] == 0x02
        n = der[pos + 1]
        value = der[pos + 2:pos + 2 + n].lstrip(b"\x00")
        out += value.rjust(size, b"\x00")
        pos += 2 + n
    return out


def jwt_seeds():
    tmp = tempfile.mkdtemp()
    try:
        rsa = os.path.join(tmp, "rsa.pem")
        ec = os.path.join(tmp, "ec.pem")
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa)
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ec)
        rsa_pub = openssl("pkey", "-in", rsa, "-pubout").decode()
        ec_pub = openssl("pkey", "-in", ec, "-pubout").decode()
        head = signing_input("RS256", CLAIMS)
        rs = head + "." + b64url(openssl("dgst", "-sha256", "-sign", rsa, data=head.encode()))
        head = signing_input("ES256", CLAIMS)
        der = openssl("dgst", "-sha256", "-sign", ec, data=head.encode())
        es = head + "." + b64url(der_to_raw(der, 32))
    finally:
        shutil.rmtree(tmp)
    with open(os.path.join(ROOT, "fuzz", "jwt_test_keys.hpp"), "w") as f:
        f.write("#pragma once\n"
                "// The keys the JWT fuzz target verifies with; written by fuzz/make_seeds.py\n"
                "// with the seed tokens of fuzz/corpus/jwt (their private keys are gone).\n\n"
                "namespace sb::fuzz {\n\n"
                "constexpr const char* jwt_secret = \"%s\";\n\n"
                "constexpr const char* rsa_public_pem = R\"(%s)\";\n\n"
                "constexpr const char* ec_public_pem = R\"(%s)\";\n\n"
                "} // namespace sb::fuzz\n" % (SECRET, rsa_pub, ec_pub))
    # Tokens (even first byte: verified as a client sends them).
    tokens = {
        "hs256": hs_token("HS256", CLAIMS),
        "hs384": hs_token("HS384", CLAIMS),
        "hs512": hs_token("HS512", CLAIMS),
        "rs256": rs,
        "es256": es,
        "expired": hs_token("HS256", dict(CLAIMS, exp=1600000000)),
        "nbf": hs_token("HS256", dict(CLAIMS, nbf=1800000000)),
        "iss-aud": hs_token("HS256", dict(CLAIMS, iss="https://issuer.example",
                                          aud=["other", "switchboard"])),
        "none": signing_input("none", CLAIMS, {"alg": "none"}) + ".",
        "typ": hs_token("HS256", CLAIMS, {"alg": "HS256", "typ": "at+jwt"}),
        "forged": hs_token("HS256", CLAIMS)[:-4] + "AAAA",
    }
    for name, token in tokens.items():
        write("jwt", name, b"\x06" + token.encode())
    # Claims (odd first byte: signed with the secret, then verified).
    claims = {
        "claims": CLAIMS,
        "claims-iss-aud": dict(CLAIMS, iss="https://issuer.example", aud="switchboard"),
        "claims-no-sub": {"exp": 1718003600},
        "claims-big-exp": dict(CLAIMS, exp=9.2e18, nbf=-9.2e18),
        "claims-streams": dict(CLAIMS, streams="stream:*"),
    }
    for name, doc in claims.items():
        write("jwt", name, b"\x07" + json.dumps(doc).encode())


# --- Redis replies, recorded from a real redis-server --------------------------------

def resp_command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_reply(sock, buf):
    """Reads one complete RESP reply from sock; returns (raw bytes, rest)."""
    def parse(pos):
        while True:
            end = buf[0].find(b"\r\n", pos)
            if end >= 0:
                break
            buf[0] += sock.recv(65536)
        kind, line = buf[0][pos:pos + 1], buf[0][pos + 1:end]
        pos = end + 2
        if kind in b"+-:":
            return pos
        n = int(line)
        if kind == b"$":
            if n < 0:
                return pos
            while len(buf[0]) < pos + n + 2:
                buf[0] += sock.recv(65536)
            return pos + n + 2
        for _ in range(max(n, 0)):
            pos = parse(pos)
        return pos
    end = parse(0)
    raw, buf[0] = buf[0][:end], buf[0][end:]
    return raw


def redis_seeds():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.mkdtemp()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--dir", tmp],
                              stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                conn = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        buf = [b""]

        def run(*args):
            conn.sendall(resp_command(*args))
            return read_reply(conn, buf)

        key = "stream:123:chat"
        msg = json.dumps({"user": {"id": "u42", "name": "Ada"}, "text": "hi", "ts": 1718000000000})
        ids = []
        for i in range(3):
            ids.append(run("XADD", key, "MAXLEN", "~", "10000", "*", "event", "message",
                           "data", msg.replace("hi", "hi %d" % i)))
        run("XADD", "user:u42:notifications", "*", "data", '{"title":"Welcome"}')
        run("XADD", "user:u42:notifications", "*", "data", "not json")
        write("redis_reply", "xadd", ids[0])
        write("redis_reply", "xrange", run("XRANGE", key, "-", "+", "COUNT", "50"))
        write("redis_reply", "xrevrange", run("XREVRANGE", key, "+", "-", "COUNT", "2"))
        write("redis_reply", "xread",
              run("XREAD", "COUNT", "512", "STREAMS", key, "user:u42:notifications", "0-0", "0-0"))
        write("redis_reply", "xinfo", run("XINFO", "STREAM", key))
        write("redis_reply", "xinfo-missing", run("XINFO", "STREAM", "stream:none:chat"))
        run("XDEL", key, ids[1].split(b"\r\n")[1])
        write("redis_reply", "xinfo-deleted", run("XINFO", "STREAM", key))
        run("HSET", "stream:123:presence", "n1-1", '{"id":"u42","name":"Ada"}',
            "n1-2", '{"id":"u42","name":"Ada"}', "n2-1", '{"id":"u7","name":"Bob"}')
        write("redis_reply", "hvals", run("HVALS", "stream:123:presence"))
        write("redis_reply", "client-id", run("CLIENT", "ID"))
        write("redis_reply", "ping", run("PING"))
        write("redis_reply", "error", run("EVALSHA", "0" * 40, "0"))
        write("redis_reply", "nil", run("HGET", "nothing", "here"))
        write("redis_reply", "subscribe", run("SUBSCRIBE", key))
        # A push on the subscribed connection, from another connection.
        other = socket.create_connection(("127.0.0.1", port))
        payload = json.dumps({"event": "message", "id": "1718000000000-0",
                              "data": json.loads(msg)}, separators=(",", ":"))
        for p in [payload, '{"event":"join","data":{"user":{"id":"u7"}}}', "plain text"]:
            other.sendall(resp_command("PUBLISH", key, p))
            other.recv(100)
            write("redis_reply", "message-%d" % len(p), read_reply(conn, buf))
        other.close()
        conn.close()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp)
    write("redis_reply", "pipeline", b"+OK\r\n:1\r\n$-1\r\n*-1\r\n*0\r\n-ERR x\r\n")
    # What a 3-master Redis 7.0 cluster answered (`redis-cli --cluster
    # create`, then CLUSTER SLOTS and GET foo on the first master).
    write("redis_reply", "cluster-slots", b'*3\r\n*3\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:17001\r\n$40\r\n69b91be909cd113887829a516ef2f8476a45bebc\r\n*0\r\n*3\r\n:5461\r\n:10922\r\n*4\r\n$9\r\n127.0.0.1\r\n:17002\r\n$40\r\n11b64f088fe8fbe085d600f4b89c4448d803f241\r\n*0\r\n*3\r\n:10923\r\n:16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:17003\r\n$40\r\ncc5e7cba3e87dc4b21f0d1fcdeed97e62045a735\r\n*0\r\n')
    write("redis_reply", "moved", b"-MOVED 12182 127.0.0.1:17003\r\n")


# --- configuration ---------------------------------------------------------------------

def config_seeds():
    with open(os.path.join(ROOT, "config", "switchboard.ini"), "rb") as f:
        ini = f.read()
    write("config", "switchboard.ini", ini)
    write("config", "redis",
          b"broker = redis\n[redis]\nurl = \"redis://:pw@10.0.0.1:6380/2,unix:///run/r.sock?db=1\"\n"
          b"command-timeout = 500ms\nbackoff-max = 1min\n[http]\nport = 9000\n"
          b"allowed-origins = \"https://a.example https://b.example\"\n")
    write("config", "args",
          b"[http]\nhost = \"0.0.0.0\"\n\0--broker=redis\0--redis.url\0redis://127.0.0.1\0"
          b"--limits.frame-size=1024\0SWITCHBOARD_HTTP_PORT=8081\0SWITCHBOARD_NOPE=1")
    write("config", "bad", b"[nope]\nx = 1\n")
    write("config", "check-config", b"\0check-config\0--http.port=0")
    # Custom plugins (README, "Custom plugins"): a relay, a proxy, a library.
    write("config", "plugins",
          b"[plugins]\nload = [\"/usr/lib/switchboard/plugins/libtyping.so\"]\n"
          b"[plugins.typing]\nrelay = true\nevents = [\"typing\", \"stopped\"]\n"
          b"[plugins.votes]\nproxy = \"http://127.0.0.1:3000/hooks/votes\"\ntimeout = 2s\n"
          b"events = vote,tally\nmax-length = 500\n"
          b"\0--plugins.votes.rely=true\0SWITCHBOARD_PLUGINS_TYPING_EVENTS=typing")


GENERATORS = {
    "ws_reader": ws_reader_seeds,
    "http_upgrade": http_seeds,
    "clients": clients_seeds,
    "envelope": envelope_seeds,
    "api_body": api_body_seeds,
    "jwt": jwt_seeds,
    "redis_reply": redis_seeds,
    "config": config_seeds,
}

if __name__ == "__main__":
    import sys
    # Every target by default; or only those named (`make_seeds.py api_body`).
    for target in sys.argv[1:] or GENERATORS:
        shutil.rmtree(os.path.join(CORPUS, target), ignore_errors=True)
        GENERATORS[target]()
    for target in sorted(os.listdir(CORPUS)):
        print(target, len(os.listdir(os.path.join(CORPUS, target))), "seeds")
