// Types for @switchboard/vite.
import type {Plugin} from "vite";

export interface SwitchboardPluginOptions {
  /** The switchboard executable (default `$SWITCHBOARD_BIN`, else `switchboard` on PATH). */
  binary?: string;
  /** Its INI file, relative to Vite's root. Watched: a change restarts the server. */
  config?: string;
  /** More command-line options for the server, e.g. `["--demo.enabled"]`. */
  args?: string[];
  /** Where it listens (default: `args`, then the config file, then 127.0.0.1). */
  host?: string;
  /** Default: `args`, then the config file, then 8080. */
  port?: number;
  /** The WebSocket path to proxy (default: `args`, then the config file, then `/ws`). */
  wsPath?: string;
  /** More paths to forward to the server, e.g. `["/api"]`. */
  proxy?: string[];
  /** false: never start a server, only proxy to one already running (default true). */
  start?: boolean;
  /** ms to wait for the started server's /healthz (default 10000). */
  startTimeout?: number;
  /** Prefix of the server's log lines (default `[switchboard]`). */
  prefix?: string;
}

/**
 * The `configure` hook the plugin gives its WebSocket proxy: a browser that
 * goes away (EPIPE, ECONNRESET) is not logged as a proxy error. Exported for
 * a proxy of your own to the same server.
 */
export declare function quietDisconnects(proxy: import("node:events").EventEmitter): void;

/** Runs (or finds) a switchboard during `vite dev` and proxies its WebSocket path. */
export declare function switchboard(options?: SwitchboardPluginOptions): Plugin;
export default switchboard;
