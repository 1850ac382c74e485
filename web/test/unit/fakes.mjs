// Test doubles for the client unit tests: a scriptable WebSocket, manual
// timers and an in-memory Storage.

/** Returns a fresh FakeWebSocket class with its own list of instances. */
export function fakeWebSocketClass() {
  class FakeWebSocket {
    static instances = [];
    static get last() {
      return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
    }
    constructor(url) {
      this.url = url;
      this.readyState = 0; // CONNECTING
      this.sent = [];
      this.closedWith = null;
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      FakeWebSocket.instances.push(this);
    }
    send(text) {
      if (this.readyState !== 1) throw new Error("InvalidStateError: not open");
      this.sent.push(JSON.parse(text));
    }
    close(code = 1000, reason = "") {
      this.closedWith = {code, reason};
      this.readyState = 2; // CLOSING; a real socket fires close later
    }
    /** The URL's `clients` parameter, parsed. */
    get specs() {
      return JSON.parse(new URL(this.url).searchParams.get("clients"));
    }
    // -- driven by the test, playing the server --
    open() {
      this.readyState = 1;
      this.onopen?.({type: "open"});
    }
    receive(frame) {
      this.onmessage?.({data: typeof frame === "string" ? frame : JSON.stringify(frame)});
    }
    welcome(clients, user = {id: "guest-1", name: "Ada"}, socket = "n1-1") {
      if (this.readyState === 0) this.open();
      this.receive({type: "welcome", socket, user, clients});
    }
    drop(code = 1006, reason = "") {
      this.readyState = 3;
      this.onclose?.({code, reason, wasClean: code !== 1006});
    }
  }
  return FakeWebSocket;
}

/** Manual timers: nothing runs until advance(). */
export function fakeTimers() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, {fn, at: now + ms, ms});
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    /** Delays of the timers still pending, in creation order. */
    pending() {
      return [...timers.values()].map((t) => t.ms);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let due = null;
        for (const [id, t] of timers) if (t.at <= until && (!due || t.at < due[1].at)) due = [id, t];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
    get now() {
      return now;
    },
  };
}

export function memoryStorage() {
  const map = new Map();
  return {
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => map.set(k, String(v)),
    removeItem: (k) => map.delete(k),
    map,
  };
}

/** Lets pending promise callbacks run. */
export const flush = () => new Promise((resolve) => setImmediate(resolve));

export const LOCATION = {protocol: "http:", host: "example.test:8080"};
