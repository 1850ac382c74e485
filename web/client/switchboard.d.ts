// Types for switchboard.js, the Switchboard client (protocol version 2).

export declare const PROTOCOL_VERSION: 2;
/** Close codes after which the client does not reconnect (1008, 4401; see `token` for the one 4401 that does). */
export declare const FATAL_CLOSE_CODES: readonly number[];

export type Strategy = "pub-sub" | "streams";
/** `idle`: not connected and not trying (server-side rendering, or a lazy store nobody subscribes to). */
export type Status = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** Svelte store contract. */
export interface Readable<T> {
  subscribe(run: (value: T) => void): () => void;
}

export interface User {
  id: string;
  name: string;
}

export interface PluginError {
  code: string;
  message: string;
}

/** Error codes from PROTOCOL.md §3, plus the client's own. */
export type ErrorCode =
  | "invalid_json" | "invalid_frame" | "unknown_client" | "unknown_plugin"
  | "invalid_stream" | "invalid_strategy" | "forbidden" | "rate_limited"
  | "too_large" | "unavailable" | "internal"
  // client side:
  | "not_connected" | "disconnected" | "closed" | "timeout" | "queue_full" | "removed";

export declare class SwitchboardError extends Error {
  constructor(code: string, message?: string, frame?: unknown);
  readonly code: ErrorCode | string;
  /** The server's error frame, when there was one. */
  readonly frame?: ErrorFrame;
}

export interface PluginSpec {
  name: string;
  stream: string;
  strategy?: Strategy;
  since?: string;
}

export interface AckFrame {
  type: "ack";
  ref: string;
  id?: string | null;
}
/** One spec's result in the reply to a subscribe or unsubscribe. */
export interface SpecOutcome {
  name: string;
  stream: string;
  ok: boolean;
  strategy?: Strategy;
  /** Subscribes that gave `since`: whether every entry after it was still there. */
  recovered?: boolean;
  /** When not ok: the protocol's error code and a message. */
  code?: string;
  message?: string;
}
/** The reply to chat's `history` command (Chat.loadOlder). */
export interface HistoryFrame {
  type: "history";
  ref: string;
  client: "chat";
  stream: string;
  data: {messages: ChatMessage[]; more: boolean; next: string | null};
}
export interface ErrorFrame {
  type: "error";
  code: string;
  message?: string;
  ref?: string | number;
  client?: string;
  stream?: string;
}
export interface EventFrame<D = any> {
  client: string;
  stream: string;
  event: string;
  id?: string;
  data: D;
}
export interface WelcomeFrame {
  type: "welcome";
  socket: string;
  user: User;
  clients: Array<{name: string; stream: string; strategy: Strategy; recovered?: boolean}>;
}

export interface PluginOptions {
  /** Required unless wsStore's `stream` gives it. */
  stream?: string;
  /** Default "pub-sub" (the protocol's default). */
  strategy?: Strategy;
  /** Initial position for `streams` (normally tracked for you). */
  since?: string;
  /**
   * Keep the state and last position across page reloads: `true` uses
   * sessionStorage, or pass any Storage-like object.
   */
  persist?: boolean | Pick<Storage, "getItem" | "setItem" | "removeItem">;
  persistKey?: string;
}

interface Emits {
  /** Listens to an event; returns a function that stops listening. */
  on(event: string, fn: (...args: any[]) => void): () => void;
  once(event: string, fn: (...args: any[]) => void): () => void;
}

/** Base class of every plugin; subclass it for custom plugins. */
export declare class Plugin<S extends object = Record<string, unknown>>
  implements Readable<S & {error: PluginError | null}>, Emits {
  constructor(options: PluginOptions & {name: string}, initialState?: S);
  readonly name: string;
  /** null until given (wsStore's `stream`). */
  readonly stream: string | null;
  readonly strategy: Strategy;
  /** Last stream position seen (`streams` only), sent as `since` on reconnect. */
  lastId: string | null;
  connection: Connection | null;
  /** True while the server runs this plugin on the current socket. */
  readonly started: boolean;
  /** `recovered` from the last welcome (undefined when no `since` was sent). */
  readonly recovered: boolean | undefined;
  readonly key: string;
  readonly state: S & {error: PluginError | null};
  readonly error: PluginError | null;
  subscribe(run: (value: S & {error: PluginError | null}) => void): () => void;
  update(patch: Partial<S> | ((state: S & {error: PluginError | null}) => S & {error: PluginError | null})): void;
  spec(): PluginSpec;
  /** Sends a command; resolves with the reply (ack), rejects with a SwitchboardError. */
  command(event: string, data?: object): Promise<AckFrame | HistoryFrame>;
  /** Whether this event frame carries a position to track (default: any with `id` but `history`). */
  isPositional(event: string, frame: EventFrame): boolean;
  /** Dispatches an event; default calls `on<Event>(data, frame)`. */
  handle(event: string, data: any, frame: EventFrame): void;
  markSeen(id: string): void;
  serialize(): unknown;
  restore(saved: any): void;
  clearPersisted(): void;
  on(event: string, fn: (...args: any[]) => void): () => void;
  once(event: string, fn: (...args: any[]) => void): () => void;
}

export interface ChatMessage {
  /** Stream position; null for live `pub-sub` messages. */
  id: string | null;
  user: User;
  text: string;
  ts: number;
}
export interface ChatState {
  messages: ChatMessage[];
  /** False once loadOlder() reached the start of the stream. */
  hasOlder: boolean;
}
export declare class Chat extends Plugin<ChatState> {
  constructor(options?: PluginOptions & {maxMessages?: number; persistLimit?: number});
  readonly messages: ChatMessage[];
  readonly hasOlder: boolean;
  /** Rejects with `.code` e.g. `rate_limited`, `too_large`, `unavailable`. */
  send(text: string): Promise<AckFrame>;
  /** Puts up to `limit` (default 50) older messages in front; no gap, no duplicate. */
  loadOlder(limit?: number): Promise<{messages: ChatMessage[]; more: boolean}>;
  on(event: "joined" | "left", fn: (data: {user: User}, frame: EventFrame) => void): () => void;
  on(event: "message", fn: (data: Omit<ChatMessage, "id">, frame: EventFrame) => void): () => void;
  on(event: string, fn: (...args: any[]) => void): () => void;
}

export interface PresenceUser extends User {
  connections: number;
}
export interface PresenceState {
  /** Empty when the room is above the server's presence.max-list (`listed` false). */
  users: PresenceUser[];
  /** Users online. */
  count: number;
  /** Whether `users` is the room's list (false: the server sends a count only). */
  listed: boolean;
}
export declare class Presence extends Plugin<PresenceState> {
  constructor(options?: PluginOptions);
  readonly users: PresenceUser[];
  readonly count: number;
  on(event: "join" | "leave", fn: (data: {user: User; count?: number}, frame: EventFrame) => void): () => void;
  on(event: "count", fn: (data: {count: number}, frame: EventFrame) => void): () => void;
  on(event: string, fn: (...args: any[]) => void): () => void;
}

export interface Notification {
  id: string | null;
  read: boolean;
  [key: string]: unknown;
}
export interface NotificationsState {
  items: Notification[];
  unread: number;
}
export declare class Notifications extends Plugin<NotificationsState> {
  constructor(options?: PluginOptions);
  readonly items: Notification[];
  readonly unread: number;
  /** Marks everything up to `id` (default: the newest) as read. */
  markRead(id?: string): Promise<AckFrame | null>;
  markAllRead(): Promise<AckFrame | null>;
}

export interface TypingState {
  /** The other users typing now, longest first. */
  users: User[];
}
export interface TypingOptions extends PluginOptions {
  /** The server plugin's name (default "typing"). */
  name?: string;
  /** Least time between two `typing` commands, in ms (default 2000). */
  throttle?: number;
  /** An indicator not refreshed within this many ms goes away (default 5000). */
  expire?: number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
  now?: () => number;
}
/** The typing indicator: "Ada is typing…" (a `typing` plugin on the server). */
export declare class Typing extends Plugin<TypingState> {
  constructor(options?: TypingOptions);
  /** "" for no one, "Ada is typing…", "Ada and Grace are typing…", "Ada, Grace and 2 more are typing…". */
  static text(users: User[]): string;
  readonly users: User[];
  /** The user typed: tells the others, at most every `throttle` ms; null when nothing was sent. */
  start(): Promise<AckFrame | null>;
  /** The user stopped typing; null when nothing was sent. */
  stop(): Promise<AckFrame | null>;
}

export interface DefinePluginOptions<S extends object> {
  name: string;
  strategy?: Strategy;
  initial?: S | (() => S);
  /** Event handlers: return the next state, or undefined to keep it. */
  events?: Record<string, (state: S & {error: PluginError | null}, data: any, frame: EventFrame, plugin: Plugin<S>) => (S & {error?: PluginError | null}) | void>;
  actions?: Record<string, (plugin: Plugin<S>, ...args: any[]) => any>;
}
export declare function definePlugin<S extends object>(
  options: DefinePluginOptions<S>,
): new (options: PluginOptions) => Plugin<S> & Record<string, (...args: any[]) => any>;

export interface BackoffOptions {
  /** First delay in ms (default 500). */
  initial?: number;
  /** Cap in ms (default 30000). */
  max?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** 0..1: the delay is uniform in [base*(1-jitter), base] (default 0.5). */
  jitter?: number;
}

export interface ConnectOptions {
  /** The plugins the socket starts with (may be empty: add() them later). */
  clients?: Plugin<any>[];
  /** ws:, wss:, http:, https: URL or a path; default `/ws` on the page's host. */
  url?: string;
  path?: string;
  /**
   * JWT, or a function returning one (may be async; called on every connect).
   * With a function, a socket closed with 4401 after its welcome (the token
   * expired) reconnects with a fresh token instead of closing for good.
   */
  token?: string | (() => string | Promise<string>);
  /** Guest name when the server runs without auth. */
  name?: string;
  backoff?: BackoffOptions;
  /** ms to wait for an ack before rejecting with `timeout` (default 10000, 0 = forever). */
  ackTimeout?: number;
  maxQueue?: number;
  /** Reconnect after unexpected closes (default true). */
  reconnect?: boolean;
  /** Open on the first subscriber, close `grace` ms after the last (default false; wsStore: true). */
  lazy?: boolean;
  /** ms a lazy connection waits after its last subscriber left (default 1000). */
  grace?: number;
  WebSocket?: new (url: string) => WebSocket;
  location?: {protocol: string; host: string};
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: any) => void;
  random?: () => number;
}

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean?: boolean;
}
export interface ConnectionState {
  status: Status;
  /** Set when the connection closed for good (e.g. `{code: 4401, message: "Unauthorized"}`). */
  error: {code: number | string; message: string} | null;
  user: User | null;
  /** Socket id from `welcome`. */
  socket: string | null;
  lastClose: CloseInfo | null;
}

export declare class Connection implements Readable<ConnectionState>, Emits {
  constructor(options: ConnectOptions);
  readonly clients: Plugin<any>[];
  readonly state: ConnectionState;
  readonly status: Status;
  readonly error: ConnectionState["error"];
  readonly user: User | null;
  readonly socket: string | null;
  /** The URL the next (re)connect uses. */
  readonly url: string;
  subscribe(run: (value: ConnectionState) => void): () => void;
  /** Adds a plugin on the open socket (subscribe), or queues it; resolves with the server's outcome. */
  add(plugin: Plugin<any>): Promise<SpecOutcome>;
  /** Removes a plugin (unsubscribe); resolves once none of its events can follow. */
  remove(plugin: Plugin<any>): Promise<SpecOutcome>;
  /** Clean close (1000); no reconnect. */
  close(code?: number, reason?: string): void;
  /** Reconnect now, skipping the backoff wait. */
  reconnect(): void;
  /** Events: welcome, frame, error, open, close, status, reconnecting. */
  on(event: string, fn: (...args: any[]) => void): () => void;
  once(event: string, fn: (...args: any[]) => void): () => void;
}

export declare function connect(options?: ConnectOptions): Connection;

/** wsStore's value: the connection's state, plus its clients by name. */
export type WsStoreValue = ConnectionState & {clients: Plugin<any>[]} & Record<string, any>;

export interface WsStore extends Readable<WsStoreValue> {
  readonly connection: Connection;
  /** The default stream of clients created without one. */
  readonly stream: string | undefined;
  add(plugin: Plugin<any>): Promise<SpecOutcome>;
  remove(plugin: Plugin<any>): Promise<SpecOutcome>;
  /** Moves every client on the default stream to `stream`, on the same socket. */
  setStream(stream: string): Promise<unknown[]>;
  close(code?: number, reason?: string): void;
  /** The clients by name (the seed's `api[client.name]`). */
  readonly [name: string]: any;
}

/**
 * The seed's store: `wsStore({stream, clients})`. Lazy (idle until a
 * browser-side subscriber, closed a grace period after the last one), so it
 * is safe to call during server-side rendering.
 */
export declare function wsStore(options: Omit<ConnectOptions, "clients"> & {
  stream?: string;
  clients?: Plugin<any>[];
}): WsStore;
export declare function buildUrl(options: {
  url?: string;
  path?: string;
  location?: {protocol: string; host: string};
  clients: Array<Plugin<any> | PluginSpec>;
  token?: string;
  name?: string;
}): string;
export declare function backoffDelay(attempt: number, options?: BackoffOptions, random?: () => number): number;
export declare function compareIds(a: string | null | undefined, b: string | null | undefined): number;
export declare function isValidStream(stream: unknown): boolean;
