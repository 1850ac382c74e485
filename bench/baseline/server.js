// The Node.js baseline for switchboard-bench: the chat subset of PROTOCOL.md
// (the /ws?clients=[...] handshake with chat specs, welcome, history, send ->
// XADD + ack, message/joined/left events on both strategies) on `ws` and
// `ioredis`, written the way a careful Node engineer would: one process, no
// compression, every broadcast serialized once and sent as the same Buffer to
// every socket, Redis auto-pipelining, one dedicated SUBSCRIBE connection and
// one dedicated XREAD BLOCK connection.
//
// usage: node server.js [--port=8090] [--host=127.0.0.1] [--redis=redis://127.0.0.1:6379]

'use strict';

const http = require('http');
const crypto = require('crypto');
const { WebSocketServer } = require('ws');
const Redis = require('ioredis');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, ...v] = a.replace(/^--/, '').split('=');
  return [k, v.join('=')];
}));
const PORT = Number(args.port || 8090);
const HOST = args.host || '127.0.0.1';
const REDIS_URL = args.redis || 'redis://127.0.0.1:6379';
const HISTORY = 50;
const MAX_LENGTH = 10000;
const MAX_TEXT_BYTES = 4096;
const STREAM_RE = /^[A-Za-z0-9_.:-]{1,200}$/;

const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
const subscriber = new Redis(REDIS_URL);
const reader = new Redis(REDIS_URL);

// --- topics: per Redis key, the local sockets that attached a chat to it ------------

/** key -> { stream, pubsub: Set<ws>, streams: Set<ws>, lastId } */
const topics = new Map();
let readerId = null;
let readerBlocked = false;

function topicFor(stream) {
  const key = `${stream}:chat`;
  let t = topics.get(key);
  if (!t) {
    t = { key, stream, pubsub: new Set(), streams: new Set(), lastId: null };
    topics.set(key, t);
    t.subscribed = subscriber.subscribe(key).catch((e) => console.error('subscribe', key, e.message));
  }
  return t;
}

function leaveTopic(t, ws) {
  t.pubsub.delete(ws);
  t.streams.delete(ws);
  if (t.pubsub.size === 0 && t.streams.size === 0) {
    topics.delete(t.key);
    subscriber.unsubscribe(t.key).catch(() => {});
  }
}

function sendAll(set, buf) {
  for (const ws of set) if (ws.readyState === 1) ws.send(buf, { binary: false });
}

function eventFrame(stream, event, id, dataJson) {
  const idPart = id ? `,"id":"${id}"` : '';
  return `{"client":"chat","stream":"${stream}","event":"${event}"${idPart},"data":${dataJson}}`;
}

// Pub-sub channel payloads: "m" + frame (a message: pub-sub members only) or
// "a" + frame (joined/left: every member). The frame is built by the
// publisher, so each node forwards the same bytes without parsing.
subscriber.on('message', (channel, payload) => {
  const t = topics.get(channel);
  if (!t) return;
  const buf = Buffer.from(payload.slice(1));
  sendAll(t.pubsub, buf);
  if (payload[0] === 'a') sendAll(t.streams, buf);
});

// --- the stream listener: one XREAD BLOCK over every key with streams members ---------

async function readLoop() {
  readerId = await reader.client('ID');
  for (;;) {
    const keys = [...topics.values()].filter((t) => t.streams.size > 0 && t.lastId);
    if (keys.length === 0) {
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    let res;
    try {
      readerBlocked = true;
      res = await reader.xread('COUNT', 1000, 'BLOCK', 250, 'STREAMS',
        ...keys.map((t) => t.key), ...keys.map((t) => t.lastId));
    } catch (e) {
      if (!/UNBLOCKED/.test(e.message)) console.error('xread', e.message);
      continue;
    } finally {
      readerBlocked = false;
    }
    if (!res) continue;
    for (const [key, entries] of res) {
      const t = topics.get(key);
      if (!t) continue;
      for (const [id, fields] of entries) {
        t.lastId = id;
        const data = fieldValue(fields, 'data');
        const event = fieldValue(fields, 'event') || 'message';
        sendAll(t.streams, Buffer.from(eventFrame(t.stream, event, id, data)));
      }
    }
  }
}

function fieldValue(fields, name) {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return null;
}

// A new key to read: wake the blocked XREAD so the next one includes it.
function wakeReader() {
  if (readerBlocked && readerId !== null)
    redis.client('UNBLOCK', readerId, 'ERROR').catch(() => {});
}

// --- sockets ---------------------------------------------------------------------------

function parseSpecs(raw) {
  if (raw === null || raw === '') return { close: [1008, 'No clients specified'] };
  let specs;
  try {
    specs = JSON.parse(raw);
  } catch (e) {
    return { close: [1008, `Invalid clients: ${e.message}`.slice(0, 120)] };
  }
  if (!Array.isArray(specs) || specs.some((s) => typeof s !== 'object' || s === null))
    return { close: [1008, 'Invalid clients: expected a JSON array of objects'] };
  if (specs.length === 0) return { close: [1008, 'No clients specified'] };
  return { specs };
}

function specError(spec) {
  if (spec.name !== 'chat') return ['unknown_plugin', `unknown plugin "${spec.name}"`];
  if (typeof spec.stream !== 'string' || !STREAM_RE.test(spec.stream))
    return ['invalid_stream', 'bad stream name'];
  const strategy = spec.strategy || 'pub-sub';
  if (strategy !== 'pub-sub' && strategy !== 'streams')
    return ['invalid_strategy', `unknown strategy "${strategy}"`];
  return null;
}

let socketCounter = 0;

async function onConnection(ws, req) {
  const url = new URL(req.url, 'http://x');
  const parsed = parseSpecs(url.searchParams.get('clients'));
  if (parsed.close) return ws.close(...parsed.close);
  const id = `guest-${crypto.randomBytes(4).toString('hex')}`;
  const user = { id, name: (url.searchParams.get('name') || id).slice(0, 64) };
  const userJson = JSON.stringify(user);
  const errors = [];
  const chats = new Map(); // stream -> { topic, strategy }
  for (const spec of parsed.specs) {
    const err = specError(spec);
    if (err) errors.push({ type: 'error', client: spec.name, stream: spec.stream, code: err[0], message: err[1] });
    else if (!chats.has(spec.stream)) chats.set(spec.stream, { strategy: spec.strategy || 'pub-sub' });
  }
  if (chats.size === 0) {
    for (const e of errors) ws.send(JSON.stringify(e));
    return ws.close(1008, 'No valid clients');
  }
  const held = []; // commands that arrive before the catch-up is sent
  let started = false;
  ws.on('message', (data, isBinary) => (started ? onCommand(ws, chats, user, data, isBinary) : held.push([data, isBinary])));
  ws.on('close', () => {
    for (const [stream, c] of chats) {
      if (!c.topic) continue;
      leaveTopic(c.topic, ws);
      publish(c.topic.key, 'a', eventFrame(stream, 'left', null, `{"user":${userJson}}`));
    }
  });
  ws.send(JSON.stringify({
    type: 'welcome', socket: `node-${(++socketCounter).toString(16)}`, user,
    clients: [...chats].map(([stream, c]) => ({ name: 'chat', stream, strategy: c.strategy })),
  }));
  for (const e of errors) ws.send(JSON.stringify(e));
  for (const [stream, c] of chats) await startChat(ws, stream, c, userJson);
  started = true;
  for (const [data, isBinary] of held) onCommand(ws, chats, user, data, isBinary);
}

// History first, then live: the topic's read position starts at the newest
// entry the history saw, so the stream listener leaves no gap.
async function startChat(ws, stream, c, userJson) {
  const key = `${stream}:chat`;
  const entries = await redis.xrevrange(key, '+', '-', 'COUNT', HISTORY);
  if (ws.readyState !== 1) return;
  const messages = [];
  for (let i = entries.length - 1; i >= 0; --i) {
    const [id, fields] = entries[i];
    try {
      messages.push({ id, ...JSON.parse(fieldValue(fields, 'data')) });
    } catch (_) { /* not a chat message */ }
  }
  ws.send(eventFrame(stream, 'history', null, JSON.stringify({ messages })));
  c.topic = topicFor(stream);
  if (c.strategy === 'streams') {
    if (!c.topic.lastId) {
      c.topic.lastId = entries.length ? entries[0][0] : '0-0';
      wakeReader();
    }
    c.topic.streams.add(ws);
  } else {
    c.topic.pubsub.add(ws);
  }
  await c.topic.subscribed; // so this socket hears its own `joined`
  publish(key, 'a', eventFrame(stream, 'joined', null, `{"user":${userJson}}`));
}

function publish(key, kind, frame) {
  redis.publish(key, kind + frame).catch((e) => console.error('publish', e.message));
}

function reply(ws, obj) {
  if (ws.readyState === 1) ws.send(JSON.stringify(obj));
}

function onCommand(ws, chats, user, data, isBinary) {
  if (isBinary) return reply(ws, { type: 'error', code: 'invalid_frame', message: 'binary frames are not supported' });
  let cmd;
  try {
    cmd = JSON.parse(data);
  } catch (_) {
    return reply(ws, { type: 'error', code: 'invalid_json', message: 'frame is not valid JSON' });
  }
  const ref = cmd && cmd.ref;
  const fail = (code, message) => reply(ws, ref === undefined ? { type: 'error', code, message } : { type: 'error', ref, code, message });
  if (!cmd || typeof cmd !== 'object' || typeof cmd.client !== 'string' || typeof cmd.stream !== 'string' || typeof cmd.event !== 'string')
    return fail('invalid_frame', 'client, stream and event must be strings');
  const chat = cmd.client === 'chat' && chats.get(cmd.stream);
  if (!chat || !chat.topic) return fail('unknown_client', 'no such client on this socket');
  if (cmd.event !== 'send') return fail('invalid_frame', `chat has no command "${cmd.event}"`);
  const text = cmd.data && cmd.data.text;
  if (typeof text !== 'string' || text.length === 0) return fail('invalid_frame', 'data.text must be a non-empty string');
  if (Buffer.byteLength(text) > MAX_TEXT_BYTES) return fail('too_large', `data.text is longer than ${MAX_TEXT_BYTES} bytes`);
  const msgJson = JSON.stringify({ user, text, ts: Date.now() });
  const key = `${cmd.stream}:chat`;
  redis.xadd(key, 'MAXLEN', '~', MAX_LENGTH, '*', 'event', 'message', 'data', msgJson).then((id) => {
    publish(key, 'm', eventFrame(cmd.stream, 'message', null, msgJson));
    if (ref !== undefined) reply(ws, { type: 'ack', ref, id });
  }, () => fail('unavailable', 'the broker is unavailable'));
}

// --- HTTP ------------------------------------------------------------------------------

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
wss.on('connection', (ws, req) => {
  ws.isAlive = true;
  ws.on('pong', () => { ws.isAlive = true; });
  onConnection(ws, req).catch((e) => {
    console.error('connection', e.message);
    ws.close(1011, 'internal');
  });
});

// Ping every 25 s; a socket that did not answer the previous ping is dropped.
setInterval(() => {
  for (const ws of wss.clients) {
    if (!ws.isAlive) { ws.terminate(); continue; }
    ws.isAlive = false;
    ws.ping();
  }
}, 25000).unref();

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  res.writeHead(req.url.startsWith('/ws') ? 426 : 404).end();
});
server.on('upgrade', (req, socket, head) => {
  if (!req.url.startsWith('/ws')) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
server.listen({ port: PORT, host: HOST, backlog: 4096 }, () => {
  console.log(`listening on http://${HOST}:${PORT}`);
});
readLoop().catch((e) => { console.error('reader', e); process.exit(1); });

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const ws of wss.clients) ws.close(1001, 'Server shutting down');
    setTimeout(() => process.exit(0), 500).unref();
    server.close();
  });
}
