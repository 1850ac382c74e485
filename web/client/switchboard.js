// Switchboard browser/Node client: one WebSocket, many plugins.
//
//   import {connect, wsStore, Chat, Presence, Notifications, Typing} from "/switchboard.js";
//   const chat = new Chat({strategy: "streams"});
//   const presence = new Presence({strategy: "pub-sub"});
//   const ws = wsStore({stream: "stream:123", clients: [chat, presence]});
//   chat.subscribe(({messages}) => render(messages));   // connects (browser)
//   await chat.send("hello");
//   ws.connection.remove(presence);                      // same socket
//
// Every plugin, the connection and wsStore are Svelte-compatible stores
// (`subscribe(fn) -> unsubscribe`, fn called at once with the current value).
// No dependencies; runs in browsers and in Node (pass `WebSocket` and `url`);
// safe to import and call during server-side rendering (it stays idle).
// The wire protocol is described in PROTOCOL.md (version 2).

export const PROTOCOL_VERSION = 2;

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

function checkStream(stream) {
  if (!isValidStream(stream))
    throw new TypeError(`invalid stream ${JSON.stringify(stream)}: use [A-Za-z0-9_.:-], 1..200 characters`);
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

/**
 * A minimal Svelte-compatible readable store with a settable value.
 * `watch.first()` runs when it gains its first subscriber, `watch.last()`
 * when it loses its last one (Svelte's readable(start) contract).
 */
class Store {
  constructor(value, watch = null) {
    this._value = value;
    this._subscribers = new Set();
    this._watch = watch;
  }
  get value() {
    return this._value;
  }
  get size() {
    return this._subscribers.size;
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
    if (this._subscribers.size === 1) this._watch?.first();
    fn(this._value);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this._subscribers.delete(entry);
      if (this._subscribers.size === 0) this._watch?.last();
    };
  }
}

/** True in a browser (a document to render into), false in Node and during SSR. */
function inBrowser() {
  return typeof globalThis.document === "object" && globalThis.document !== null;
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
    if (stream != null) checkStream(stream);
    if (!STRATEGIES.includes(strategy))
      throw new TypeError(`invalid strategy ${JSON.stringify(strategy)}: use "pub-sub" or "streams"`);
    this.name = name;
    /** The stream; may be left out and given by wsStore's `stream`. */
    this.stream = stream ?? null;
    this.strategy = strategy;
    /** Last stream position seen (`streams` only); sent as `since` on (re)connect. */
    this.lastId = strategy === "streams" && since ? String(since) : null;
    /** The connection carrying this plugin, once connected. */
    this.connection = null;
    /** True between `welcome` (or its subscribe's reply) and the socket closing. */
    this.started = false;
    /** `recovered` from the last `welcome` (undefined when no `since` was sent). */
    this.recovered = undefined;
    this._initial = JSON.stringify(initialState);
    // A subscriber anywhere keeps a lazy connection (wsStore) open.
    this._store = new Store({...initialState, error: null}, {
      first: () => this.connection?._retain(),
      last: () => this.connection?._release(),
    });
    this._storage = resolveStorage(persist);
    this._persistKey = persistKey || null;
    if (this.stream) this._loadFor(this.stream);
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
    if (this.connection === connection) return;
    this.connection = connection;
    if (this._store.size > 0) connection._retain();
  }

  _detach(connection) {
    if (this.connection !== connection) return;
    this.started = false;
    this.connection = null;
    if (this._store.size > 0) connection._release();
  }

  /** Points this plugin at another stream with a fresh state (not on a socket). */
  _moveTo(stream) {
    checkStream(stream);
    this.stream = stream;
    this.lastId = null;
    this.recovered = undefined;
    this.started = false;
    this._store.set({...JSON.parse(this._initial), error: null});
    this._loadFor(stream);
  }

  _loadFor(stream) {
    this._storageKey = this._persistKey || `switchboard:${this.name}:${stream}:${this.strategy}`;
    if (this._storage) this._load();
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
    if (!this._storage || !this._storageKey) return;
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
 * The chat plugin. State `{messages, hasOlder, error}`; `messages` oldest
 * first, each `{id, user: {id, name}, text, ts}` (`id` is null for live
 * `pub-sub` messages); `hasOlder` is false once loadOlder() reached the start
 * of the stream. Events `joined` / `left` are emitted:
 * `chat.on("joined", ({user}) => ...)` (not sent in rooms above the server's
 * chat.max-join-leave).
 */
export class Chat extends Plugin {
  constructor(options = {}) {
    super({...options, name: "chat"}, {messages: [], hasOlder: true});
    this.maxMessages = options.maxMessages ?? 1000;
    this._persistLimit = options.persistLimit ?? 200;
    this._next = null; // where the next loadOlder() starts, from the last page
  }
  get messages() {
    return this.state.messages;
  }
  get hasOlder() {
    return this.state.hasOlder;
  }

  /**
   * Fetches up to `limit` messages older than the oldest one held (the
   * `history` command) and puts them in front. Resolves with
   * `{messages, more}`: the ones added, and whether anything older is left.
   * Repeated calls reach the start of the stream with no gap and no duplicate.
   */
  async loadOlder(limit = 50) {
    if (!this.hasOlder) return {messages: [], more: false};
    const before = this._next ?? this.messages.find((m) => m.id != null)?.id;
    const data = {limit};
    if (before != null) data.before = before;
    const reply = await this.command("history", data);
    const page = reply.data ?? {};
    const held = new Set(this.messages.map((m) => m.id).filter((id) => id != null));
    const oldest = this.messages.find((m) => m.id != null)?.id ?? null;
    const older = (Array.isArray(page.messages) ? page.messages : [])
      .map((m) => normalizeMessage(m))
      .filter((m) => m.id != null && !held.has(m.id) && (oldest == null || compareIds(m.id, oldest) < 0));
    this._next = page.more ? page.next ?? older[0]?.id ?? null : null;
    const messages = [...older, ...this.messages];
    // What the user paged in stays: the cap grows with it.
    if (this.maxMessages > 0) this.maxMessages = Math.max(this.maxMessages, messages.length);
    this.update({messages, hasOlder: Boolean(page.more)});
    return {messages: older, more: Boolean(page.more)};
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
    this._next = null;
    this.update({messages: this._cap(messages), hasOlder: true});
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
 * The presence plugin. State `{users, count, listed, error}`: `users` =
 * `[{id, name, connections}]`, `count` = how many users are online. A room
 * above the server's presence.max-list sends a count only: `listed` is then
 * false, `users` empty, and `count` follows the server's `count` events.
 * Emits `join` / `leave` with `{user, count}`, and `count` with `{count}`.
 */
export class Presence extends Plugin {
  constructor(options = {}) {
    super({...options, name: "presence"}, {users: [], count: 0, listed: true});
  }
  get users() {
    return this.state.users;
  }
  get count() {
    return this.state.count;
  }
  onState(data) {
    const listed = Array.isArray(data.users);
    const users = listed ? data.users.map((u) => ({...u})) : [];
    this.update({users, listed, count: typeof data.count === "number" ? data.count : users.length});
  }
  onJoin(data) {
    const user = data.user;
    const known = user && this.users.some((u) => u.id === user.id);
    const users = user && !known ? [...this.users, {connections: 1, ...user}] : this.users;
    this.update({users, count: countOf(data, this.count + (user && !known ? 1 : 0))});
  }
  onLeave(data) {
    const user = data.user;
    const known = user && this.users.some((u) => u.id === user.id);
    const users = user ? this.users.filter((u) => u.id !== user.id) : this.users;
    this.update({users, count: countOf(data, Math.max(0, this.count - (known || !this.state.listed ? 1 : 0)))});
  }
  onCount(data) {
    // The server stopped listing: a list kept from before would go stale.
    this.update({users: [], listed: false, count: countOf(data, this.count)});
  }
}

function countOf(data, fallback) {
  return typeof data.count === "number" ? data.count : fallback;
}

/**
 * The typing indicator: "Ada is typing…". Needs a `typing` plugin on the
 * server: the example C++ plugin (examples/plugins/typing) or a relay
 * (`--plugins.typing.relay --plugins.typing.events=typing,stopped`).
 * State `{users, error}`: the other users typing now, `[{id, name}]`,
 * longest first; `Typing.text(users)` puts them in a line. Call `start()`
 * on every keystroke (sent at most every `throttle` ms, default 2000) and
 * `stop()` when the user sends or clears the input. An indicator that is not refreshed within `expire` ms
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

  /**
   * The line to show for `users`: "" for none, "Ada is typing…", "Ada and
   * Grace are typing…", "Ada, Grace and 2 more are typing…".
   */
  static text(users) {
    const names = users.map((u) => u.name || "Someone");
    if (names.length === 0) return "";
    if (names.length === 1) return `${names[0]} is typing…`;
    if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
    return `${names[0]}, ${names[1]} and ${names.length - 2} more are typing…`;
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
    this._forget();
  }

  _detach(connection) {
    const was = this.connection;
    super._detach(connection);
    if (was === connection) this._forget();
  }

  _moveTo(stream) {
    this._forget();
    super._moveTo(stream);
  }

  // What we saw belongs to the socket (or stream) we are no longer on.
  _forget() {
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
 * `url` may be absolute (`ws:`, `wss:`, `http:`, `https:`) or a path. It
 * announces protocol version 2 (`v=2`), so `clients` may be empty.
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
  const params = [`clients=${encodeURIComponent(JSON.stringify(specs))}`, `v=${PROTOCOL_VERSION}`];
  if (token) params.push(`token=${encodeURIComponent(token)}`);
  if (name != null && name !== "") params.push(`name=${encodeURIComponent(name)}`);
  return base + (base.includes("?") ? "&" : "?") + params.join("&");
}

// ---------------------------------------------------------------------------
// Connection

/**
 * One WebSocket carrying every plugin, reconnecting until closed. Plugins
 * come and go with add() and remove() on the open socket (protocol
 * version 2's subscribe/unsubscribe); a reconnect's URL carries the current
 * set. Store value `{status, error, user, socket, lastClose}`; `status` is
 * `idle | connecting | open | reconnecting | closed`.
 *
 * `idle`: not connected and not trying: no WebSocket implementation or no
 * URL yet (server-side rendering), or a `lazy` connection nobody subscribes
 * to. A lazy connection opens on its first subscriber (to it or to one of
 * its plugins) in a browser, and closes `grace` ms after its last one left.
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
      lazy = false,
      grace = 1000,
    } = options;
    if (!Array.isArray(clients)) throw new TypeError("connect: clients must be an array of plugins");
    this.clients = [];
    this._byKey = new Map();
    const keys = new Set();
    for (const c of clients) {
      this._check(c);
      if (keys.has(c.key)) throw new TypeError(`connect: ${c.name} on ${c.stream} given twice`);
      keys.add(c.key);
    }
    this.options = {url, path, token, name, location, backoff, ackTimeout, maxQueue, reconnect, lazy, grace};
    this._WS = typeof WS === "function" ? WS : null;
    // Node users pass their WebSocket class: they want a socket even without a document.
    this._explicitWS = typeof options.WebSocket === "function";
    this._setTimeout = setT;
    this._clearTimeout = clearT;
    this._random = random;
    this._store = new Store({status: "idle", error: null, user: null, socket: null, lastClose: null}, {
      first: () => this._retain(),
      last: () => this._release(),
    });
    this._ws = null;
    this._welcomed = false;
    this._attempt = 0;
    this._expiryRetries = 0; // 4401s still retried after a token expired
    this._timer = null;
    this._graceTimer = null;
    this._interest = 0; // subscribers of this store and of its plugins' stores
    this._refCounter = 0;
    this._pending = new Map(); // ref -> entry (sent or queued)
    this._queue = []; // entries not yet sent, in order
    this._onSocket = new Set(); // keys the server runs on this socket (as sent)
    this._retrying = new Set(); // keys the server stopped, to subscribe again (unavailable)
    this._closedForGood = false;
    this._generation = 0;
    for (const c of clients) this._adopt(c);
    this._onOnline = () => {
      if (this.status === "reconnecting") this.reconnect();
    };
    this._listening = false;
    if (!lazy) this._start();
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

  /**
   * Adds a plugin to this connection: subscribed on the open socket at once,
   * or queued while connecting or offline and replayed in order. Resolves
   * with the server's outcome `{name, stream, strategy, ok, recovered?}`;
   * rejects with a SwitchboardError (`.code` e.g. `forbidden`, `timeout`,
   * `removed` when a later remove() came first). The plugin stays in
   * `clients` either way, as a plugin the server refused at connect does.
   */
  add(plugin) {
    if (this._closedForGood) return Promise.reject(new SwitchboardError("closed", "the connection is closed"));
    this._check(plugin);
    this._adopt(plugin);
    return this._control("subscribe", plugin);
  }

  /**
   * Removes a plugin: unsubscribed on the open socket (the server runs its
   * close hook: chat `left`, presence `leave`), or queued. Its events stop
   * at once. Resolves with the server's outcome once no event of it can
   * follow.
   */
  remove(plugin) {
    if (!this.clients.includes(plugin)) return Promise.resolve({name: plugin?.name, stream: plugin?.stream, ok: true});
    this.clients = this.clients.filter((c) => c !== plugin);
    this._byKey.delete(plugin.key);
    plugin._detach(this);
    if (this._closedForGood) return Promise.resolve({name: plugin.name, stream: plugin.stream, ok: true});
    return this._control("unsubscribe", plugin);
  }

  /** Closes for good (close code 1000): no reconnect; pending commands reject with `closed`. */
  close(code = 1000, reason = "") {
    if (this._closedForGood) return;
    this._finish(null);
    this._dropSocket(code, reason);
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

  // -- the plugin set --

  _check(plugin) {
    if (!(plugin instanceof Plugin)) throw new TypeError("connect: clients must be plugin objects (Chat, Presence, ...)");
    if (!plugin.stream) throw new TypeError(`connect: ${plugin.name} has no stream (give one, or use wsStore's stream)`);
    if (this._byKey.has(plugin.key) || this.clients.includes(plugin))
      throw new TypeError(`connect: ${plugin.name} on ${plugin.stream} given twice`);
  }

  _adopt(plugin) {
    plugin._attach(this);
    this.clients.push(plugin);
    this._byKey.set(plugin.key, plugin);
  }

  // -- lazy connections: open while someone listens --

  _retain() {
    this._interest++;
    if (this._graceTimer != null) {
      this._clearTimeout(this._graceTimer);
      this._graceTimer = null;
    }
    if (this.options.lazy && this.status === "idle") this._start();
  }

  _release() {
    this._interest = Math.max(0, this._interest - 1);
    if (!this.options.lazy || this._interest > 0 || this._closedForGood || this._graceTimer != null) return;
    // Svelte tears components down and up again on navigation: a short wait
    // lets the next page's subscription keep this socket.
    this._graceTimer = this._setTimeout(() => {
      this._graceTimer = null;
      if (this._interest === 0) this._sleep();
    }, this.options.grace);
  }

  /** Whether this connection may open a socket here and now. */
  _canOpen() {
    if (!this._WS) return false;
    if (this.options.lazy && !inBrowser() && !this._explicitWS) return false; // server-side rendering
    const loc = this.options.location ?? globalThis.location;
    return Boolean(this.options.url && /^(wss?|https?):\/\//i.test(this.options.url)) || Boolean(loc && loc.host);
  }

  _start() {
    if (this._closedForGood || this.status !== "idle" || !this._canOpen()) return;
    if (!this._listening && typeof globalThis.addEventListener === "function" && inBrowser()) {
      globalThis.addEventListener("online", this._onOnline);
      this._listening = true;
    }
    this._set({status: "connecting"});
    this._open();
  }

  /** Back to idle: the socket closes, commands waiting for it reject with `closed`. */
  _sleep() {
    if (this._closedForGood || this.status === "idle") return;
    this._generation++;
    if (this._timer != null) {
      this._clearTimeout(this._timer);
      this._timer = null;
    }
    this._dropSocket(1000, "");
    this._welcomed = false;
    this._onSocket.clear();
    for (const c of this.clients) c._socketClosed();
    // Commands reject; adds and removes settle against the next socket.
    this._rejectAll("closed", "the connection went idle (no subscriber)", true);
    this._set({status: "idle"});
  }

  _dropSocket(code, reason) {
    const ws = this._ws;
    this._ws = null;
    if (!ws) return;
    this._detachSocket(ws);
    if (ws.readyState <= OPEN) {
      try {
        ws.close(code, reason);
      } catch {
        // ignore
      }
    }
  }

  // -- status --

  _set(patch) {
    const before = this._store.value.status;
    this._store.set({...this._store.value, ...patch});
    // Once per change of status, whatever else changed with it.
    if (this._store.value.status !== before) this.emit("status", this._store.value);
  }

  // -- the socket --

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
    this._onSocket.clear();
    for (const c of this.clients) c._socketClosed();
    // Commands in flight have no answer coming: reject them; unsent ones
    // wait. Subscribes and unsubscribes in flight go back to the queue: the
    // next socket's URL carries the current set, and they settle against it.
    const requeue = [];
    for (const [ref, entry] of this._pending) {
      if (!entry.sent) continue;
      if (entry.control) {
        entry.sent = false;
        requeue.push(entry);
        continue;
      }
      this._pending.delete(ref);
      if (entry.timer != null) this._clearTimeout(entry.timer);
      entry.reject(new SwitchboardError("disconnected", "the connection dropped before the server answered"));
    }
    this._queue = [...requeue, ...this._queue];
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
    if (schedule) this._scheduleReconnect(close);
    else this._set({lastClose: close});
  }

  _scheduleReconnect(close) {
    if (!this.options.reconnect) {
      this._finish(null, close);
      return;
    }
    const delay = backoffDelay(this._attempt++, this.options.backoff, this._random);
    this._set({status: "reconnecting", ...(close ? {lastClose: close} : {})});
    this.emit("reconnecting", {attempt: this._attempt, delay});
    this._timer = this._setTimeout(() => {
      this._timer = null;
      this._open();
    }, delay);
  }

  _finish(error, close = null) {
    this._closedForGood = true;
    this._generation++;
    for (const t of ["_timer", "_graceTimer"]) {
      if (this[t] != null) {
        this._clearTimeout(this[t]);
        this[t] = null;
      }
    }
    for (const c of this.clients) c._socketClosed();
    this._rejectAll("closed", "the connection is closed");
    if (this._listening) globalThis.removeEventListener("online", this._onOnline);
    this._listening = false;
    this._set({status: "closed", error, ...(close ? {lastClose: close} : {})});
  }

  _rejectAll(code, message, keepControl = false) {
    const kept = [];
    for (const entry of this._pending.values()) {
      if (keepControl && entry.control) {
        entry.sent = false;
        kept.push(entry);
        continue;
      }
      if (entry.timer != null) this._clearTimeout(entry.timer);
      if (!entry.settled) entry.reject(new SwitchboardError(code, message));
    }
    this._pending = new Map(kept.map((e) => [e.ref, e]));
    this._queue = kept;
  }

  // -- frames in --

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
    if (frame.type === "ack" || frame.type === "history") return this._settle(frame, null);
    if (frame.type === "error") {
      if (frame.ref != null && this._pending.has(String(frame.ref)))
        return this._settle(frame, new SwitchboardError(frame.code, frame.message, frame));
      const plugin = this._byKey.get(`${frame.client}\n${frame.stream}`);
      if (plugin) plugin._errorFrame(frame);
      if (plugin && frame.ref == null) this._pluginStopped(plugin, frame);
      this.emit("error", frame);
      return;
    }
    if (frame.event) {
      const plugin = this._byKey.get(`${frame.client}\n${frame.stream}`);
      if (plugin) plugin._event(frame);
    }
  }

  /**
   * An error naming a plugin, and no command: the server refused it at
   * welcome, or stopped it (PROTOCOL notes: the worker hosting it died, or
   * it failed). Either way it is not on the socket. `unavailable` may pass
   * (the broker comes back, a worker joins), so the plugin is subscribed
   * again with the reconnect backoff until it is back or removed.
   */
  _pluginStopped(plugin, frame) {
    this._onSocket.delete(plugin.key);
    if (frame.code === "unavailable" && !this._retrying.has(plugin.key)) this._resubscribeLater(plugin, 0);
  }

  _resubscribeLater(plugin, attempt) {
    const generation = this._generation;
    const delay = backoffDelay(attempt, this.options.backoff, this._random);
    this._retrying.add(plugin.key);
    this._setTimeout(() => {
      this._retrying.delete(plugin.key);
      // A new socket subscribes every plugin anyway; a removed one is gone.
      if (this._closedForGood || generation !== this._generation) return;
      if (this._byKey.get(plugin.key) !== plugin || this._onSocket.has(plugin.key)) return;
      this._control("subscribe", plugin).catch((e) => {
        if (e && e.code === "unavailable" && this._byKey.get(plugin.key) === plugin && !this._retrying.has(plugin.key))
          this._resubscribeLater(plugin, attempt + 1);
      });
    }, delay);
  }

  _onWelcome(frame) {
    this._welcomed = true;
    this._attempt = 0;
    this._expiryRetries = 0;
    this._onSocket.clear();
    for (const info of Array.isArray(frame.clients) ? frame.clients : []) {
      const key = `${info.name}\n${info.stream}`;
      this._onSocket.add(key);
      const plugin = this._byKey.get(key);
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
    if (entry.control) return this._settleControl(entry, frame, error);
    if (error) entry.reject(error);
    else entry.resolve(frame);
  }

  _settleControl(entry, frame, error) {
    const outcome = !error && Array.isArray(frame.clients) ? frame.clients[0] : null;
    const ok = Boolean(outcome && outcome.ok);
    // The socket set as the server has it now.
    if (entry.control === "subscribe" && !ok) this._onSocket.delete(entry.key);
    if (entry.control === "unsubscribe" && error) this._onSocket.add(entry.key);
    const plugin = this._byKey.get(entry.key);
    if (entry.control === "subscribe" && plugin === entry.plugin) {
      if (ok) plugin._welcome(outcome);
      else if (outcome) plugin._errorFrame(outcome);
    }
    if (entry.settled) return;
    if (error) entry.reject(error);
    else if (entry.control === "subscribe" && !ok)
      entry.reject(new SwitchboardError(outcome?.code ?? "internal", outcome?.message, outcome ?? frame));
    else entry.resolve(outcome ?? {name: entry.name, stream: entry.stream, ok: true});
  }

  // -- frames out --

  _command(plugin, event, data) {
    if (this._closedForGood) return Promise.reject(new SwitchboardError("closed", "the connection is closed"));
    const frame = {client: plugin.name, stream: plugin.stream, event};
    if (data !== undefined) frame.data = data;
    return this._enqueue({frame});
  }

  _control(type, plugin) {
    return this._enqueue({control: type, plugin, key: plugin.key, name: plugin.name, stream: plugin.stream});
  }

  _enqueue(fields) {
    if (this._queue.length >= this.options.maxQueue)
      return Promise.reject(new SwitchboardError("queue_full", "too many commands waiting for the connection"));
    const ref = String(++this._refCounter);
    return new Promise((resolve, reject) => {
      const entry = {...fields, ref, resolve, reject, sent: false, settled: false, timer: null};
      this._pending.set(ref, entry);
      this._startTimer(entry);
      if (this._welcomed && this._ws && this._ws.readyState === OPEN) this._transmit(entry);
      else this._queue.push(entry);
    });
  }

  /** ackTimeout runs from the call, queued or not. */
  _startTimer(entry) {
    const ms = this.options.ackTimeout;
    if (!(ms > 0)) return;
    entry.timer = this._setTimeout(() => {
      entry.timer = null;
      if (!this._pending.has(entry.ref) || entry.settled) return;
      const what = entry.control ?? entry.frame.event;
      const error = new SwitchboardError("timeout", `no answer to ${what} within ${ms} ms`);
      if (entry.control) {
        // The change itself is never dropped: it still goes out (or is
        // bookkept when its reply comes); only the caller stops waiting.
        entry.settled = true;
        entry.reject(error);
        return;
      }
      this._pending.delete(entry.ref);
      this._queue = this._queue.filter((e) => e !== entry);
      entry.reject(error);
    }, ms);
  }

  _transmit(entry) {
    const frame = entry.control ? this._controlFrame(entry) : {...entry.frame, ref: entry.ref};
    if (!frame) return; // settled without a round trip
    try {
      this._ws.send(JSON.stringify(frame));
    } catch (e) {
      this._queue.push(entry); // socket is closing; retry after reconnect
      return;
    }
    entry.sent = true;
    if (entry.control === "subscribe") this._onSocket.add(entry.key);
    if (entry.control === "unsubscribe") this._onSocket.delete(entry.key);
  }

  /** The subscribe/unsubscribe frame, or null when the socket already agrees. */
  _controlFrame(entry) {
    const onSocket = this._onSocket.has(entry.key);
    const wanted = this._byKey.get(entry.key) === entry.plugin;
    if (entry.control === "subscribe" && onSocket && wanted) {
      // The URL carried it: the welcome answered for it.
      this._settleLocal(entry, () => entry.resolve({name: entry.name, stream: entry.stream, strategy: entry.plugin.strategy, ok: true,
        ...(entry.plugin.recovered !== undefined ? {recovered: entry.plugin.recovered} : {})}));
      return null;
    }
    if (entry.control === "subscribe" && !wanted) {
      this._settleLocal(entry, () => entry.reject(new SwitchboardError("removed", `${entry.name} on ${entry.stream} was removed before the server had it`)));
      return null;
    }
    if (entry.control === "unsubscribe" && !onSocket) {
      this._settleLocal(entry, () => entry.resolve({name: entry.name, stream: entry.stream, ok: true}));
      return null;
    }
    const clients = entry.control === "subscribe" ? [entry.plugin.spec()] : [{name: entry.name, stream: entry.stream}];
    return {type: entry.control, ref: entry.ref, clients};
  }

  _settleLocal(entry, settle) {
    this._pending.delete(entry.ref);
    if (entry.timer != null) this._clearTimeout(entry.timer);
    if (!entry.settled) settle();
    entry.settled = true;
  }
}

/**
 * Opens one socket for `clients` (plugin objects, possibly none: add them
 * later) and returns the connection. Options: `url` (default: same host,
 * `/ws`), `token` (string or function, may be async), `name` (guest name
 * when auth is off), `backoff` (`{initial, max, factor, jitter}`),
 * `ackTimeout` (ms, 0 = none), `lazy` (open on the first subscriber, close
 * `grace` ms after the last), `WebSocket`, `location`, `setTimeout`,
 * `clearTimeout`, `random`. Never throws for a missing WebSocket or URL: the
 * connection stays `idle` (server-side rendering).
 */
export function connect(options) {
  return new Connection(options);
}

// ---------------------------------------------------------------------------
// wsStore: the seed's API

/**
 * The seed's store: `wsStore({stream, clients})`. `stream` is the default
 * stream of every client created without one; each client is reachable by
 * name (`ws.chat`, and `$ws.chat` in Svelte). The store's value is the
 * connection's state plus the clients by name, and it changes when either
 * does. Lazy: idle until something subscribes in a browser (so it is safe
 * in server-side rendering), closed `grace` ms (default 1000) after the last
 * subscriber left. Any connect() option may be given too.
 *
 *   const ws = wsStore({stream: "stream:123", clients: [chat, presence]});
 *   ws.setStream("stream:456");   // moves chat and presence, same socket
 */
export function wsStore({stream, clients = [], ...options} = {}) {
  if (stream != null) checkStream(stream);
  const defaulted = new Set(clients.filter((c) => c instanceof Plugin && !c.stream));
  if (stream) for (const c of defaulted) c._moveTo(stream);
  const connection = new Connection({...options, clients, lazy: options.lazy ?? true});
  const byName = () => Object.fromEntries(connection.clients.map((c) => [c.name, c]));
  const value = () => ({...connection.state, ...byName(), clients: connection.clients});
  let offs = [];
  const watched = new Set();
  const watch = (plugin) => {
    if (watched.has(plugin)) return;
    watched.add(plugin);
    offs.push(plugin.subscribe(() => store.set(value())));
  };
  const store = new Store(value(), {
    first: () => {
      offs.push(connection.subscribe(() => store.set(value())));
      for (const c of connection.clients) watch(c);
    },
    last: () => {
      for (const off of offs) off();
      offs = [];
      watched.clear();
    },
  });
  const api = {
    subscribe: (fn) => store.subscribe(fn),
    connection,
    get stream() {
      return stream;
    },
    /** Adds a client (with the store's stream when it has none). */
    add(plugin) {
      if (plugin instanceof Plugin && !plugin.stream && stream) {
        plugin._moveTo(stream);
        defaulted.add(plugin);
      }
      const done = connection.add(plugin);
      api[plugin.name] = plugin;
      if (store.size > 0) watch(plugin);
      store.set(value());
      return done;
    },
    remove(plugin) {
      const done = connection.remove(plugin);
      defaulted.delete(plugin);
      if (api[plugin.name] === plugin) delete api[plugin.name];
      store.set(value());
      return done;
    },
    /**
     * Moves every client on the default stream to `next` on the same
     * socket (unsubscribe, then subscribe, each with a fresh state).
     * Resolves when the server has them all.
     */
    setStream(next) {
      checkStream(next);
      if (next === stream) return Promise.resolve([]);
      stream = next;
      const moving = [...defaulted].filter((c) => connection.clients.includes(c));
      const done = [];
      for (const c of moving) done.push(connection.remove(c).catch(() => null));
      for (const c of moving) {
        c._moveTo(next);
        done.push(connection.add(c));
      }
      store.set(value());
      return Promise.all(done);
    },
    close: (code, reason) => connection.close(code, reason),
  };
  for (const c of connection.clients) api[c.name] = c;
  return api;
}
