// Switchboard browser/Node client: one WebSocket, many plugins.
//
//   import {connect, Chat, Presence, Notifications, Typing} from "/switchboard.js";
//   const chat = new Chat({stream: "stream:123", strategy: "streams"});
//   const presence = new Presence({stream: "stream:123"});
//   const connection = connect({clients: [chat, presence], name: "Ada"});
//   chat.subscribe(({messages}) => render(messages));
//   await chat.send("hello");
//
// Every plugin and the connection is a Svelte-compatible store
// (`subscribe(fn) -> unsubscribe`, fn called at once with the current value).
// No dependencies; runs in browsers and in Node (pass `WebSocket` and `url`).
// The wire protocol is described in PROTOCOL.md (version 1).

export const PROTOCOL_VERSION = 1;

/** Close codes after which the client does not reconnect. */
export const FATAL_CLOSE_CODES = Object.freeze([1008, 4401]);

const STREAM_RE = /^[A-Za-z0-9_.:-]{1,200}$/;
const STRATEGIES = ["pub-sub", "streams"];
const OPEN = 1; // WebSocket.OPEN

/** An error reported by the server (`.code` is the protocol's error code) or by the client. */
export class SwitchboardError extends Error {
  constructor(code, message, frame) {
    super(message || code);
    this.name = "SwitchboardError";
    this.code = code;
    if (frame !== undefined) this.frame = frame;
  }
}

// ---------------------------------------------------------------------------
// Small helpers

/**
 * Compares two stream positions (`<ms>-<seq>`). Returns <0, 0 or >0.
 * A missing position sorts before every other one.
 */
export function compareIds(a, b) {
  if (a === b) return 0;
  if (a == null) return -1;
  if (b == null) return 1;
  const [am, as = "0"] = String(a).split("-");
  const [bm, bs = "0"] = String(b).split("-");
  const d = cmpDigits(am, bm);
  return d !== 0 ? d : cmpDigits(as, bs);
}

function cmpDigits(x, y) {
  // Compare non-negative integers given as decimal strings, without
  // losing precision past 2^53.
  x = x.replace(/^0+(?=\d)/, "");
  y = y.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether `stream` is a valid stream name (`[A-Za-z0-9_.:-]`, 1..200). */
export function isValidStream(stream) {
  return typeof stream === "string" && STREAM_RE.test(stream);
}

/**
 * Delay before reconnect attempt number `attempt` (0-based): capped
 * exponential backoff with jitter. With jitter j the delay is uniformly
 * distributed in [base * (1 - j), base], base = min(max, initial * factor^attempt).
 */
export function backoffDelay(attempt, options = {}, random = Math.random) {
  const {initial = 500, max = 30000, factor = 2, jitter = 0.5} = options;
  const base = Math.min(max, initial * Math.pow(factor, Math.max(0, attempt)));
  const j = Math.min(1, Math.max(0, jitter));
  return Math.round(base * (1 - j * random()));
}

/** A minimal Svelte-compatible readable store with a settable value. */
class Store {
  constructor(value) {
    this._value = value;
    this._subscribers = new Set();
  }
  get value() {
    return this._value;
  }
  set(value) {
    this._value = value;
    for (const fn of [...this._subscribers]) fn(value);
  }
  subscribe(fn) {
    if (typeof fn !== "function") throw new TypeError("subscribe needs a function");
    // Wrap so the same function may subscribe twice and unsubscribe once.
    const entry = (v) => fn(v);
    this._subscribers.add(entry);
    fn(this._value);
    return () => {
      this._subscribers.delete(entry);
    };
  }
}

/** Tiny event emitter mixed into plugins and the connection. */
class Emitter {
  constructor() {
    this._listeners = new Map();
  }
  /** Listens to `event`; returns a function that stops listening. */
  on(event, fn) {
    let set = this._listeners.get(event);
    if (!set) this._listeners.set(event, (set = new Set()));
    const entry = (...args) => fn(...args);
    set.add(entry);
    return () => set.delete(entry);
  }
  /** Listens to `event` once. */
  once(event, fn) {
    const off = this.on(event, (...args) => {
      off();
      fn(...args);
    });
    return off;
  }
  emit(event, ...args) {
    const set = this._listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (e) {
        reportError(e);
      }
    }
  }
}

function reportError(e) {
  // A listener's exception must not break frame processing.
  if (typeof globalThis.reportError === "function") globalThis.reportError(e);
  else if (typeof console !== "undefined") console.error(e);
}

function camel(event) {
  return String(event)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}

function resolveStorage(persist) {
  if (!persist) return null;
  if (persist === true) {
    try {
      return globalThis.sessionStorage || null;
    } catch {
      return null; // storage disabled
    }
  }
  return typeof persist.getItem === "function" ? persist : null;
}

// ---------------------------------------------------------------------------
// Plugins

/**
 * Base class of every plugin. A subclass names its plugin, gives its initial
 * state and handles events with `on<Event>(data, frame)` methods (event
 * `message` -> `onMessage`, `read-all` -> `onReadAll`), or overrides
 * `handle(event, data, frame)`. Every event is also emitted, so
 * `plugin.on("joined", ({user}) => ...)` works for any event.
 */
export class Plugin extends Emitter {
  constructor(options = {}, initialState = {}) {
    super();
    const {name, stream, strategy = "pub-sub", since, persist, persistKey} = options;
    if (!name || typeof name !== "string") throw new TypeError("a plugin needs a name");
    if (!isValidStream(stream))
      throw new TypeError(`invalid stream ${JSON.stringify(stream)}: use [A-Za-z0-9_.:-], 1..200 characters`);
    if (!STRATEGIES.includes(strategy))
      throw new TypeError(`invalid strategy ${JSON.stringify(strategy)}: use "pub-sub" or "streams"`);
    this.name = name;
    this.stream = stream;
    this.strategy = strategy;
    /** Last stream position seen (`streams` only); sent as `since` on (re)connect. */
    this.lastId = strategy === "streams" && since ? String(since) : null;
    /** The connection carrying this plugin, once connected. */
    this.connection = null;
    /** True between `welcome` (listing this plugin) and the socket closing. */
    this.started = false;
    /** `recovered` from the last `welcome` (undefined when no `since` was sent). */
    this.recovered = undefined;
    this._store = new Store({...initialState, error: null});
    this._storage = resolveStorage(persist);
    this._storageKey = persistKey || `switchboard:${name}:${stream}:${strategy}`;
    if (this._storage) this._load();
  }

  /** `name` + `stream`: what identifies this plugin on a socket. */
  get key() {
    return `${this.name}\n${this.stream}`;
  }
  /** The current state (the store value). */
  get state() {
    return this._store.value;
  }
  /** `{code, message}` of the last error not tied to a command, or null. */
  get error() {
    return this._store.value.error;
  }

  /** Svelte store contract. */
  subscribe(fn) {
    return this._store.subscribe(fn);
  }

  /** Replaces part of the state (an object, or a function of the old state). */
  update(patch) {
    const prev = this._store.value;
    const next = typeof patch === "function" ? patch(prev) : {...prev, ...patch};
    this._store.set(next);
    this._save();
  }

  /** The spec sent in the `clients` query parameter. */
  spec() {
    const spec = {name: this.name, stream: this.stream, strategy: this.strategy};
    if (this.strategy === "streams" && this.lastId) spec.since = this.lastId;
    return spec;
  }

  /**
   * Sends a command to this plugin on the server. Resolves with the `ack`
   * frame, rejects with a SwitchboardError whose `.code` is the server's.
   */
  command(event, data) {
    if (!this.connection)
      return Promise.reject(new SwitchboardError("not_connected", `${this.name} is not on a connection`));
    return this.connection._command(this, event, data);
  }

  /** Whether an event frame carries a stream position this plugin tracks. */
  isPositional(event, frame) {
    return frame.id != null && event !== "history";
  }

  /** Default dispatch: `on<Event>(data, frame)` when the subclass defines it. */
  handle(event, data, frame) {
    const fn = this["on" + camel(event)];
    if (typeof fn === "function") fn.call(this, data, frame);
  }

  /** Records a position as seen (keeps the largest). */
  markSeen(id) {
    if (this.strategy !== "streams" || id == null) return;
    if (compareIds(id, this.lastId) > 0) this.lastId = String(id);
  }

  /** Persisted part of the state; override together with restore(). */
  serialize() {
    return null;
  }
  restore(_saved) {}

  // -- called by the connection --

  _attach(connection) {
    if (this.connection && this.connection !== connection && !this.connection._closedForGood)
      throw new Error(`${this.name} on ${this.stream} is already on another open connection`);
    this.connection = connection;
  }

  _welcome(info) {
    this.started = true;
    this.recovered = info && "recovered" in info ? info.recovered : undefined;
    if (this.error) this.update({error: null});
    this.emit("welcome", info);
  }

  _errorFrame(frame) {
    const error = {code: frame.code, message: frame.message || frame.code};
    this.update({error});
    this.emit("error", error, frame);
  }

  _event(frame) {
    const event = frame.event;
    const data = frame.data && typeof frame.data === "object" ? frame.data : {};
    if (this.strategy === "streams" && this.isPositional(event, frame)) {
      // Ordered, resumable stream: anything at or before the last seen
      // position was already delivered (e.g. replayed after a reconnect).
      if (this.lastId && compareIds(frame.id, this.lastId) <= 0) return;
      this.lastId = String(frame.id);
    }
    this.handle(event, data, frame);
    this._save();
    this.emit(event, data, frame);
    this.emit("event", frame);
  }

  _socketClosed() {
    this.started = false;
  }

  _save() {
    if (!this._storage) return;
    const state = this.serialize();
    if (state == null) return;
    try {
      this._storage.setItem(this._storageKey, JSON.stringify({lastId: this.lastId, state}));
    } catch {
      // quota exceeded or storage disabled: persistence is best effort
    }
  }

  _load() {
    try {
      const raw = this._storage.getItem(this._storageKey);
      if (!raw) return;
      const saved = JSON.parse(raw);
      if (this.strategy === "streams" && saved.lastId && compareIds(saved.lastId, this.lastId) > 0)
        this.lastId = String(saved.lastId);
      if (saved.state) this.restore(saved.state);
    } catch {
      // corrupt entry: start afresh
    }
  }

  /** Forgets persisted state (e.g. when the user leaves). */
  clearPersisted() {
    try {
      this._storage?.removeItem(this._storageKey);
    } catch {
      // ignore
    }
  }
}

/**
 * Defines a custom plugin class without writing one:
 *
 *   const Typing = definePlugin({
 *     name: "typing",
 *     initial: () => ({typing: []}),
 *     events: {typing: (state, data) => ({...state, typing: [...state.typing, data.user]})},
 *     actions: {start: (plugin) => plugin.command("start", {})},
 *   });
 *   const typing = new Typing({stream: "stream:123"});
 *
 * An event handler returns the next state (or undefined to keep it).
 */
export function definePlugin({name, initial = {}, strategy, events = {}, actions = {}}) {
  if (!name) throw new TypeError("definePlugin needs a name");
  class DefinedPlugin extends Plugin {
    constructor(options = {}) {
      const init = typeof initial === "function" ? initial() : JSON.parse(JSON.stringify(initial));
      super({strategy, ...options, name}, init);
    }
    handle(event, data, frame) {
      const fn = events[event];
      if (typeof fn !== "function") return;
      const next = fn(this.state, data, frame, this);
      if (next !== undefined && next !== this.state) this.update(next);
    }
  }
  for (const [key, fn] of Object.entries(actions)) {
    Object.defineProperty(DefinedPlugin.prototype, key, {
      value(...args) {
        return fn(this, ...args);
      },
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(DefinedPlugin, "name", {value: camel(name) + "Plugin"});
  return DefinedPlugin;
}

function normalizeMessage(m, id) {
  return {id: id ?? m.id ?? null, user: m.user ?? null, text: m.text ?? "", ts: m.ts ?? null};
}

/**
 * The chat plugin. State `{messages, error}`; `messages` oldest first, each
 * `{id, user: {id, name}, text, ts}` (`id` is null for live `pub-sub`
 * messages). Events `joined` / `left` are emitted: `chat.on("joined", ({user}) => ...)`.
 */
export class Chat extends Plugin {
  constructor(options = {}) {
    super({...options, name: "chat"}, {messages: []});
    this.maxMessages = options.maxMessages ?? 1000;
    this._persistLimit = options.persistLimit ?? 200;
  }
  get messages() {
    return this.state.messages;
  }

  /** Sends a message; resolves with the ack (`{type, ref, id}`). */
  send(text) {
    if (typeof text !== "string" || text.length === 0)
      return Promise.reject(new SwitchboardError("invalid_frame", "text must be a non-empty string"));
    return this.command("send", {text});
  }

  isPositional(event, frame) {
    return event === "message" && frame.id != null;
  }

  onHistory(data) {
    const messages = (Array.isArray(data.messages) ? data.messages : []).map((m) => normalizeMessage(m));
    // A fresh history replaces the list and resets the position.
    let last = null;
    for (const m of messages) if (m.id && compareIds(m.id, last) > 0) last = m.id;
    if (this.strategy === "streams") this.lastId = last;
    this.update({messages: this._cap(messages)});
  }

  onMessage(data, frame) {
    const message = normalizeMessage(data, frame.id);
    if (message.id != null && this.messages.some((m) => m.id === message.id)) return;
    this.update({messages: this._cap([...this.messages, message])});
  }

  _cap(list) {
    return this.maxMessages > 0 && list.length > this.maxMessages ? list.slice(-this.maxMessages) : list;
  }

  serialize() {
    return {messages: this.messages.filter((m) => m.id != null).slice(-this._persistLimit)};
  }
  restore(saved) {
    if (Array.isArray(saved.messages)) this._store.set({...this.state, messages: saved.messages.map((m) => normalizeMessage(m))});
  }
}

/**
 * The presence plugin. State `{users, error}`; `users` = `[{id, name, connections}]`.
 * Emits `join` / `leave` with `{user}`.
 */
export class Presence extends Plugin {
  constructor(options = {}) {
    super({...options, name: "presence"}, {users: []});
  }
  get users() {
    return this.state.users;
  }
  onState(data) {
    this.update({users: (Array.isArray(data.users) ? data.users : []).map((u) => ({...u}))});
  }
  onJoin(data) {
    const user = data.user;
    if (!user || this.users.some((u) => u.id === user.id)) return;
    this.update({users: [...this.users, {connections: 1, ...user}]});
  }
  onLeave(data) {
    const user = data.user;
    if (!user) return;
    this.update({users: this.users.filter((u) => u.id !== user.id)});
  }
}

/**
 * The typing indicator: "Ada is typing…". Needs a `typing` plugin on the
 * server: the example C++ plugin (examples/plugins/typing) or a relay
 * (`--plugins.typing.relay --plugins.typing.events=typing,stopped`).
 * State `{users, error}`: the other users typing now, `[{id, name}]`,
 * longest first. Call `start()` on every keystroke (sent at most every
 * `throttle` ms, default 2000) and `stop()` when the user sends or clears
 * the input. An indicator that is not refreshed within `expire` ms
 * (default 5000) goes away by itself: a peer that vanished shows no
 * typing forever. Best effort: nothing is sent while not connected, and
 * failures are ignored.
 */
export class Typing extends Plugin {
  constructor(options = {}) {
    super({...options, name: options.name ?? "typing"}, {users: []});
    this.throttle = options.throttle ?? 2000;
    this.expire = options.expire ?? 5000;
    this._setTimeout = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this._clearTimeout = options.clearTimeout ?? ((id) => globalThis.clearTimeout(id));
    this._now = options.now ?? (() => Date.now());
    this._lastSent = -Infinity;
    this._announced = false; // the others were told we type
    this._expiry = new Map(); // user id -> timer
  }
  get users() {
    return this.state.users;
  }

  /** The user typed. Resolves with the ack, or null when nothing was sent. */
  start() {
    const now = this._now();
    if (!this.started || (this._announced && now - this._lastSent < this.throttle)) return Promise.resolve(null);
    this._lastSent = now;
    this._announced = true;
    return this.command("typing", {}).catch(() => null);
  }

  /** The user stopped typing (sent, cleared the input, left the field). */
  stop() {
    if (!this._announced) return Promise.resolve(null);
    this._announced = false;
    if (!this.started) return Promise.resolve(null);
    return this.command("stopped", {}).catch(() => null);
  }

  onTyping(data) {
    const user = data.user;
    // Our own user (another tab, or a relay on `streams`) is not "someone".
    if (!user || user.id == null || user.id === this.connection?.user?.id) return;
    this._clearExpiry(user.id);
    this._expiry.set(user.id, this._setTimeout(() => this._remove(user.id), this.expire));
    if (!this.users.some((u) => u.id === user.id)) this.update({users: [...this.users, {id: user.id, name: user.name}]});
  }

  onStopped(data) {
    if (data.user?.id != null) this._remove(data.user.id);
  }

  _remove(id) {
    this._clearExpiry(id);
    if (this.users.some((u) => u.id === id)) this.update({users: this.users.filter((u) => u.id !== id)});
  }

  _clearExpiry(id) {
    const timer = this._expiry.get(id);
    if (timer != null) this._clearTimeout(timer);
    this._expiry.delete(id);
  }

  _socketClosed() {
    super._socketClosed();
    // What we saw belongs to the socket that is gone.
    for (const id of [...this._expiry.keys()]) this._clearExpiry(id);
    this._announced = false;
    if (this.users.length) this.update({users: []});
  }
}

function normalizeNotification(entry, id) {
  let payload = entry;
  // Accept both `{id, ...payload}` and `{id, data: {...payload}}`.
  if (entry && typeof entry.data === "object" && entry.data !== null &&
      Object.keys(entry).every((k) => k === "id" || k === "data"))
    payload = entry.data;
  const item = {...payload, id: id ?? entry?.id ?? payload?.id ?? null};
  item.read = Boolean(payload?.read);
  return item;
}

/**
 * The notifications plugin. State `{items, unread, error}`; `items` oldest
 * first, each `{id, ...payload, read}`. `markRead(id)` marks everything up to
 * `id` as read (here, on the server and on the user's other connections).
 */
export class Notifications extends Plugin {
  constructor(options = {}) {
    super({...options, name: "notifications"}, {items: [], unread: 0});
  }
  get items() {
    return this.state.items;
  }
  get unread() {
    return this.state.unread;
  }
  isPositional(event, frame) {
    return event === "notification" && frame.id != null;
  }
  onHistory(data) {
    const list = data.notifications ?? data.items ?? data.entries ?? data.messages ?? [];
    const items = (Array.isArray(list) ? list : []).map((e) => normalizeNotification(e));
    let last = null;
    for (const n of items) if (n.id && compareIds(n.id, last) > 0) last = n.id;
    if (this.strategy === "streams" && compareIds(last, this.lastId) > 0) this.lastId = last;
    this._setItems(items);
  }
  onNotification(data, frame) {
    const item = normalizeNotification(data, frame.id);
    if (item.id != null && this.items.some((n) => n.id === item.id)) return;
    this._setItems([...this.items, item]);
  }
  onRead(data) {
    if (data.id != null) this._markLocal(data.id);
  }
  /** Marks every notification up to `id` (default: the newest) as read. */
  markRead(id) {
    if (id == null) {
      const last = this.items[this.items.length - 1];
      if (!last || last.id == null) return Promise.resolve(null);
      id = last.id;
    }
    this._markLocal(id);
    return this.command("read", {id: String(id)});
  }
  /** Same as markRead() with no id. */
  markAllRead() {
    return this.markRead();
  }
  _markLocal(id) {
    this._setItems(this.items.map((n) => (n.id != null && compareIds(n.id, id) <= 0 && !n.read ? {...n, read: true} : n)));
  }
  _setItems(items) {
    this.update({items, unread: items.filter((n) => !n.read).length});
  }
  serialize() {
    return {items: this.items.slice(-200)};
  }
  restore(saved) {
    if (Array.isArray(saved.items))
      this._store.set({...this.state, items: saved.items, unread: saved.items.filter((n) => !n.read).length});
  }
}

// ---------------------------------------------------------------------------
// URL

/**
 * The WebSocket URL for a set of plugins. Without `url` it is derived from
 * `location`: `ws:` (or `wss:` on https), same host, `path` (default `/ws`).
 * `url` may be absolute (`ws:`, `wss:`, `http:`, `https:`) or a path.
 */
export function buildUrl({url, path = "/ws", location, clients = [], token, name} = {}) {
  const loc = location ?? globalThis.location;
  const scheme = (l) => (l.protocol === "https:" ? "wss:" : "ws:");
  let base;
  if (url && /^wss?:\/\//i.test(url)) base = url;
  else if (url && /^https?:\/\//i.test(url)) base = url.replace(/^http/i, "ws");
  else {
    if (!loc || !loc.host)
      throw new TypeError("connect: give a url (no location to derive it from)");
    const p = url || path;
    base = `${scheme(loc)}//${loc.host}${p.startsWith("/") ? p : "/" + p}`;
  }
  const hash = base.indexOf("#");
  if (hash >= 0) base = base.slice(0, hash);
  const specs = clients.map((c) => (c && typeof c.spec === "function" ? c.spec() : c));
  const params = [`clients=${encodeURIComponent(JSON.stringify(specs))}`];
  if (token) params.push(`token=${encodeURIComponent(token)}`);
  if (name != null && name !== "") params.push(`name=${encodeURIComponent(name)}`);
  return base + (base.includes("?") ? "&" : "?") + params.join("&");
}

// ---------------------------------------------------------------------------
// Connection

/**
 * One WebSocket carrying every plugin, reconnecting until closed.
 * Store value `{status, error, user, socket, lastClose}`; `status` is
 * `connecting | open | reconnecting | closed`.
 */
export class Connection extends Emitter {
  constructor(options = {}) {
    super();
    const {
      clients = [],
      url,
      path = "/ws",
      token,
      name,
      WebSocket: WS = globalThis.WebSocket,
      location = globalThis.location,
      setTimeout: setT = (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: clearT = (id) => globalThis.clearTimeout(id),
      random = Math.random,
      backoff = {},
      ackTimeout = 10000,
      maxQueue = 1000,
      reconnect = true,
    } = options;
    if (!Array.isArray(clients) || clients.length === 0) throw new TypeError("connect: give at least one client");
    if (typeof WS !== "function") throw new TypeError("connect: no WebSocket implementation (pass options.WebSocket)");
    this.clients = clients;
    this._byKey = new Map();
    for (const c of clients) {
      if (!(c instanceof Plugin)) throw new TypeError("connect: clients must be plugin objects (Chat, Presence, ...)");
      if (this._byKey.has(c.key)) throw new TypeError(`connect: ${c.name} on ${c.stream} given twice`);
      this._byKey.set(c.key, c);
    }
    this.options = {url, path, token, name, location, backoff, ackTimeout, maxQueue, reconnect};
    this._WS = WS;
    this._setTimeout = setT;
    this._clearTimeout = clearT;
    this._random = random;
    this._store = new Store({status: "connecting", error: null, user: null, socket: null, lastClose: null});
    this._ws = null;
    this._welcomed = false;
    this._attempt = 0;
    this._expiryRetries = 0; // 4401s still retried after a token expired
    this._timer = null;
    this._refCounter = 0;
    this._pending = new Map(); // ref -> entry (sent or queued)
    this._queue = []; // entries not yet sent
    this._closedForGood = false;
    this._generation = 0;
    for (const c of clients) c._attach(this);
    this._onOnline = () => {
      if (this.status === "reconnecting") this.reconnect();
    };
    if (typeof globalThis.addEventListener === "function" && typeof globalThis.document === "object")
      globalThis.addEventListener("online", this._onOnline);
    this._open();
  }

  get state() {
    return this._store.value;
  }
  get status() {
    return this._store.value.status;
  }
  get error() {
    return this._store.value.error;
  }
  get user() {
    return this._store.value.user;
  }
  /** The socket id from `welcome`. */
  get socket() {
    return this._store.value.socket;
  }
  /** The URL the next (re)connect will use. */
  get url() {
    return buildUrl({...this.options, token: typeof this.options.token === "function" ? undefined : this.options.token, clients: this.clients});
  }

  subscribe(fn) {
    return this._store.subscribe(fn);
  }

  /** Closes for good (close code 1000): no reconnect; pending commands reject with `closed`. */
  close(code = 1000, reason = "") {
    if (this._closedForGood) return;
    this._finish(null);
    const ws = this._ws;
    this._ws = null;
    if (ws && ws.readyState <= OPEN) {
      try {
        ws.close(code, reason);
      } catch {
        // ignore
      }
    }
  }

  /** Reconnects now (skipping the backoff wait), e.g. when the network returns. */
  reconnect() {
    if (this._closedForGood) return;
    if (this._timer != null) {
      this._clearTimeout(this._timer);
      this._timer = null;
    }
    const ws = this._ws;
    if (ws) {
      this._detachSocket(ws);
      try {
        ws.close(1000, "reconnect");
      } catch {
        // ignore
      }
      this._socketGone({code: 1006, reason: "reconnect", wasClean: false}, false);
    }
    this._open();
  }

  _set(patch) {
    this._store.set({...this._store.value, ...patch});
    this.emit("status", this._store.value);
  }

  async _open() {
    const generation = ++this._generation;
    if (this.status === "open") this._set({status: "reconnecting"});
    let token = this.options.token;
    if (typeof token === "function") {
      try {
        token = await token();
      } catch (e) {
        if (generation !== this._generation || this._closedForGood) return;
        this._scheduleReconnect();
        return;
      }
      if (generation !== this._generation || this._closedForGood) return;
    }
    let ws;
    try {
      const url = buildUrl({...this.options, token, clients: this.clients});
      ws = new this._WS(url);
    } catch (e) {
      this._finish({code: "invalid_url", message: String(e && e.message ? e.message : e)});
      return;
    }
    this._ws = ws;
    this._welcomed = false;
    ws.onopen = () => this.emit("open");
    ws.onmessage = (ev) => this._onMessage(ev.data);
    ws.onerror = () => {}; // the close event follows and carries the details
    ws.onclose = (ev) => {
      if (this._ws !== ws) return;
      this._ws = null;
      this._socketGone({code: ev.code, reason: ev.reason || "", wasClean: ev.wasClean}, true);
    };
  }

  _detachSocket(ws) {
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    if (this._ws === ws) this._ws = null;
  }

  _socketGone(close, schedule) {
    const wasWelcomed = this._welcomed;
    this._welcomed = false;
    for (const c of this.clients) c._socketClosed();
    // Commands in flight have no answer coming: reject them; unsent ones wait.
    for (const [ref, entry] of this._pending) {
      if (!entry.sent) continue;
      this._pending.delete(ref);
      if (entry.timer != null) this._clearTimeout(entry.timer);
      entry.reject(new SwitchboardError("disconnected", "the connection dropped before the server answered"));
    }
    this.emit("close", close);
    if (this._closedForGood) return;
    // 4401 on a socket that was welcomed means its token expired: with a
    // token function there is a fresh one to fetch, so reconnect. One more
    // 4401 before the next welcome is retried too (with backoff): a function
    // that caches its token until `exp` by a clock running a little behind
    // the server's hands out the expired one once more.
    let retryUnauthorized = false;
    if (close.code === 4401 && typeof this.options.token === "function") {
      retryUnauthorized = wasWelcomed || this._expiryRetries > 0;
      this._expiryRetries = wasWelcomed ? 1 : Math.max(0, this._expiryRetries - 1);
    }
    if (FATAL_CLOSE_CODES.includes(close.code) && !retryUnauthorized) {
      this._finish({code: close.code, message: close.reason || (close.code === 4401 ? "Unauthorized" : "Policy violation")}, close);
      return;
    }
    this._set({lastClose: close});
    if (schedule) this._scheduleReconnect();
  }

  _scheduleReconnect() {
    if (!this.options.reconnect) {
      this._finish(null);
      return;
    }
    const delay = backoffDelay(this._attempt++, this.options.backoff, this._random);
    this._set({status: "reconnecting"});
    this.emit("reconnecting", {attempt: this._attempt, delay});
    this._timer = this._setTimeout(() => {
      this._timer = null;
      this._open();
    }, delay);
  }

  _finish(error, close = null) {
    this._closedForGood = true;
    this._generation++;
    if (this._timer != null) {
      this._clearTimeout(this._timer);
      this._timer = null;
    }
    for (const c of this.clients) c._socketClosed();
    for (const entry of this._pending.values()) {
      if (entry.timer != null) this._clearTimeout(entry.timer);
      entry.reject(new SwitchboardError("closed", "the connection is closed"));
    }
    this._pending.clear();
    this._queue = [];
    if (typeof globalThis.removeEventListener === "function")
      globalThis.removeEventListener("online", this._onOnline);
    this._set({status: "closed", error, ...(close ? {lastClose: close} : {})});
  }

  _onMessage(raw) {
    let frame;
    try {
      frame = JSON.parse(typeof raw === "string" ? raw : String(raw));
    } catch {
      return; // not ours to fix; the protocol only sends JSON text
    }
    if (!frame || typeof frame !== "object") return;
    this.emit("frame", frame);
    if (frame.type === "welcome") return this._onWelcome(frame);
    if (frame.type === "ack") return this._settle(frame, null);
    if (frame.type === "error") {
      if (frame.ref != null && this._pending.has(String(frame.ref)))
        return this._settle(frame, new SwitchboardError(frame.code, frame.message, frame));
      const plugin = this._byKey.get(`${frame.client}\n${frame.stream}`);
      if (plugin) plugin._errorFrame(frame);
      this.emit("error", frame);
      return;
    }
    if (frame.event) {
      const plugin = this._byKey.get(`${frame.client}\n${frame.stream}`);
      if (plugin) plugin._event(frame);
    }
  }

  _onWelcome(frame) {
    this._welcomed = true;
    this._attempt = 0;
    this._expiryRetries = 0;
    for (const info of Array.isArray(frame.clients) ? frame.clients : []) {
      const plugin = this._byKey.get(`${info.name}\n${info.stream}`);
      if (plugin) plugin._welcome(info);
    }
    this._set({status: "open", error: null, user: frame.user ?? null, socket: frame.socket ?? null});
    this.emit("welcome", frame);
    const queue = this._queue;
    this._queue = [];
    for (const entry of queue) if (this._pending.has(entry.ref)) this._transmit(entry);
  }

  _settle(frame, error) {
    const ref = String(frame.ref);
    const entry = this._pending.get(ref);
    if (!entry) return;
    this._pending.delete(ref);
    if (entry.timer != null) this._clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve(frame);
  }

  _command(plugin, event, data) {
    if (this._closedForGood) return Promise.reject(new SwitchboardError("closed", "the connection is closed"));
    if (this._queue.length >= this.options.maxQueue)
      return Promise.reject(new SwitchboardError("queue_full", "too many commands waiting for the connection"));
    const ref = String(++this._refCounter);
    const frame = {client: plugin.name, stream: plugin.stream, event, ref};
    if (data !== undefined) frame.data = data;
    return new Promise((resolve, reject) => {
      const entry = {ref, frame, resolve, reject, sent: false, timer: null};
      this._pending.set(ref, entry);
      if (this._welcomed && this._ws && this._ws.readyState === OPEN) this._transmit(entry);
      else this._queue.push(entry);
    });
  }

  _transmit(entry) {
    try {
      this._ws.send(JSON.stringify(entry.frame));
    } catch (e) {
      this._queue.push(entry); // socket is closing; retry after reconnect
      return;
    }
    entry.sent = true;
    const ms = this.options.ackTimeout;
    if (ms > 0) {
      entry.timer = this._setTimeout(() => {
        if (!this._pending.has(entry.ref)) return;
        this._pending.delete(entry.ref);
        entry.reject(new SwitchboardError("timeout", `no answer to ${entry.frame.event} within ${ms} ms`));
      }, ms);
    }
  }
}

/**
 * Opens one socket for `clients` (plugin objects) and returns the connection.
 * Options: `url` (default: same host, `/ws`), `token` (string or function,
 * may be async), `name` (guest name when auth is off), `backoff`
 * (`{initial, max, factor, jitter}`), `ackTimeout` (ms, 0 = none),
 * `WebSocket`, `location`, `setTimeout`, `clearTimeout`, `random`.
 */
export function connect(options) {
  return new Connection(options);
}
