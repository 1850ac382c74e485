// Switchboard demo: chat + "online now" + notifications + who is typing, on one socket.
// Plain DOM code on top of the client's stores; no framework, no build step.
import {connect, Chat, Presence, Notifications, Typing} from "/switchboard.js";

const ROOMS = [
  {stream: "stream:lobby", label: "Lobby"},
  {stream: "stream:random", label: "Random"},
  {stream: "stream:help", label: "Help desk"},
];
const SESSION_KEY = "switchboard-demo:session";
const MY_IDS_KEY = "switchboard-demo:my-ids";
const STATUS_LABELS = {
  idle: "Not connected",
  connecting: "Connecting…",
  open: "Online",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};
const ERROR_TEXT = {
  rate_limited: "You are sending too fast. Wait a moment and try again.",
  too_large: "That message is too long (4 KB at most).",
  unavailable: "The server's message store is unavailable right now. Try again shortly.",
  disconnected: "The connection dropped before the server confirmed. Your message may not have been sent.",
  closed: "Not connected.",
  timeout: "The server did not answer in time.",
  invalid_frame: "The server rejected that message.",
  unknown_client: "Chat is not running on this connection.",
};

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "class") node.className = v;
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
};

const storage = {
  get(key) {
    try {
      return JSON.parse(sessionStorage.getItem(key));
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      sessionStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* private mode: no persistence */
    }
  },
  remove(key) {
    try {
      sessionStorage.removeItem(key);
    } catch {
      /* ignore */
    }
  },
};

const params = new URLSearchParams(location.search);
let session = null; // {name, stream}
let connection = null;
let chat = null;
let presence = null;
let notifications = null;
let typing = null; // needs a typing plugin on the server; hidden without one
let unsubscribers = [];
let systemLines = []; // [{ts, text}] joined/left lines, not stored
let seenInRoom = new Map(); // id -> user: presence fallback from chat joined/left
const myIds = new Set(storage.get(MY_IDS_KEY) || []);

// ---------------------------------------------------------------------------
// Join form

function roomLabel(stream) {
  return ROOMS.find((r) => r.stream === stream)?.label ?? stream.replace(/^stream:/, "");
}

function allRooms() {
  const rooms = [...ROOMS];
  for (const s of [params.get("stream"), session?.stream]) {
    if (s && !rooms.some((r) => r.stream === s)) rooms.push({stream: s, label: roomLabel(s)});
  }
  return rooms;
}

function fillRoomPicker() {
  const select = $("stream-select");
  select.replaceChildren(...allRooms().map((r) => el("option", {value: r.stream, textContent: `# ${r.label}`})));
  select.value = session?.stream || params.get("stream") || ROOMS[0].stream;
}

function slug(name) {
  const s = name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9_.-]+/g, "-").replace(/^-+|-+$/g, "");
  return s.slice(0, 60) || "guest";
}

$("join-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const name = $("name-input").value.trim();
  if (!name) {
    showJoinError("Please enter a name.");
    return;
  }
  join({name, stream: $("stream-select").value});
});

function showJoinError(text) {
  const p = $("join-error");
  p.textContent = text;
  p.hidden = !text;
}

$("leave").addEventListener("click", () => {
  chat?.clearPersisted();
  notifications?.clearPersisted();
  leave();
  session = null;
  storage.remove(SESSION_KEY);
  showJoin();
});

function showJoin() {
  fillRoomPicker();
  $("app").hidden = true;
  $("join").hidden = false;
  $("leave").hidden = true;
  $("room-title").hidden = true;
  document.querySelector(".bell-wrap").hidden = true;
  togglePanel(false);
  setStatus("idle");
  $("name-input").focus();
}

// ---------------------------------------------------------------------------
// Connecting

function leave() {
  for (const u of unsubscribers) u();
  unsubscribers = [];
  connection?.close();
  connection = chat = presence = notifications = typing = null;
  systemLines = [];
  seenInRoom = new Map();
}

function join(next) {
  leave();
  session = next;
  storage.set(SESSION_KEY, session);
  showJoinError("");

  chat = new Chat({stream: session.stream, strategy: "streams", persist: true});
  presence = new Presence({stream: session.stream});
  notifications = new Notifications({stream: `user:${slug(session.name)}`, strategy: "streams", persist: true});
  typing = new Typing({stream: session.stream});
  connection = connect({clients: [chat, presence, notifications, typing], name: session.name});
  window.switchboard = {connection, chat, presence, notifications, typing};

  $("join").hidden = true;
  $("app").hidden = false;
  $("leave").hidden = false;
  $("room-title").hidden = false;
  document.querySelector(".bell-wrap").hidden = false;
  $("room-title").textContent = `# ${roomLabel(session.stream)}`;
  document.title = `${roomLabel(session.stream)} · Switchboard demo`;
  renderRooms();

  unsubscribers.push(
    connection.subscribe(renderConnection),
    chat.subscribe(renderChat),
    presence.subscribe(renderPresence),
    notifications.subscribe(renderNotifications),
    typing.subscribe(renderTyping),
    chat.on("joined", ({user}) => noteMember(user, true)),
    chat.on("left", ({user}) => noteMember(user, false)),
  );
  $("message-input").focus();
}

function renderConnection(state) {
  setStatus(state.status);
  $("app").classList.toggle("stale", state.status !== "open");
  if (state.user?.id && !myIds.has(state.user.id)) {
    myIds.add(state.user.id);
    storage.set(MY_IDS_KEY, [...myIds].slice(-50));
  }
  const banner = $("banner");
  if (state.status === "reconnecting") {
    banner.textContent = "Connection lost. Reconnecting… messages you send now go out once it is back.";
    banner.hidden = false;
  } else if (state.status === "closed" && state.error) {
    banner.textContent = `Disconnected: ${state.error.message} (${state.error.code}).`;
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
  renderChat(chat?.state);
}

function setStatus(status) {
  const s = document.querySelector('[data-testid="status"]');
  s.dataset.status = status;
  s.textContent = STATUS_LABELS[status] ?? status;
}

// ---------------------------------------------------------------------------
// Rooms

function renderRooms() {
  $("rooms").replaceChildren(
    ...allRooms().map((r) => {
      const b = el("button", {type: "button", class: "room", textContent: `# ${r.label}`});
      if (r.stream === session?.stream) b.setAttribute("aria-current", "true");
      b.addEventListener("click", () => {
        if (r.stream !== session.stream) join({...session, stream: r.stream});
      });
      return el("li", {}, b);
    }),
  );
}

// ---------------------------------------------------------------------------
// Chat

function hue(s) {
  let h = 0;
  for (const c of String(s)) h = (h * 31 + c.codePointAt(0)) % 360;
  return h;
}

function avatar(user) {
  const name = user?.name || "?";
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]).join("").toUpperCase();
  const a = el("span", {class: "avatar", textContent: initials || "?", "aria-hidden": "true"});
  a.style.setProperty("--h", hue(name));
  return a;
}

const timeFmt = new Intl.DateTimeFormat(undefined, {hour: "2-digit", minute: "2-digit"});

function isMine(user) {
  return Boolean(user?.id && myIds.has(user.id));
}

function noteMember(user, joined) {
  if (!user) return;
  if (joined) seenInRoom.set(user.id, user);
  else seenInRoom.delete(user.id);
  if (presence?.error) renderPresence(presence.state);
  if (connection?.user?.id === user.id) return; // no "you joined" line
  systemLines.push({ts: Date.now(), text: `${user.name} ${joined ? "joined" : "left"}`});
  systemLines = systemLines.slice(-20);
  renderChat(chat.state);
}

function renderChat(state) {
  if (!state) return;
  const list = $("messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const items = [
    ...state.messages.map((m) => ({ts: m.ts ?? 0, m})),
    ...systemLines.map((s) => ({ts: s.ts, s})),
  ].sort((a, b) => a.ts - b.ts);

  let prevUser = null;
  const nodes = items.map(({m, s}) => {
    if (s) {
      prevUser = null;
      return el("li", {class: "system", textContent: s.text});
    }
    const mine = isMine(m.user);
    const grouped = prevUser === (m.user?.id ?? m.user?.name);
    prevUser = m.user?.id ?? m.user?.name;
    const li = el("li", {class: `msg${mine ? " mine" : ""}${grouped ? " grouped" : ""}`, dataset: {id: m.id ?? ""}});
    li.append(
      avatar(m.user),
      el(
        "div",
        {class: "bubble"},
        el(
          "div",
          {class: "meta"},
          el("span", {class: "who", textContent: mine ? `${m.user?.name ?? "?"} (you)` : m.user?.name ?? "?"}),
          m.ts ? el("time", {dateTime: new Date(m.ts).toISOString(), textContent: timeFmt.format(m.ts)}) : null,
        ),
        el("p", {class: "text", textContent: m.text, dataset: {testid: "message"}}),
      ),
    );
    return li;
  });
  list.replaceChildren(...nodes);
  $("chat-empty").hidden = state.messages.length > 0;
  if (nearBottom || state.messages.length <= 1) list.scrollTop = list.scrollHeight;

  const chatError = state.error;
  if (chatError) showSendError(`Chat is unavailable: ${chatError.message} (${chatError.code}).`);
}

const input = $("message-input");
const sendButton = $("send-button");
let idleTimer = null;
input.addEventListener("input", () => {
  const empty = input.value.trim() === "";
  sendButton.disabled = empty;
  // Others see "… is typing" while we type, until we send, clear, or pause.
  clearTimeout(idleTimer);
  if (empty) return void typing?.stop();
  typing?.start();
  idleTimer = setTimeout(() => typing?.stop(), 3000);
});
input.addEventListener("blur", () => typing?.stop());

// ---------------------------------------------------------------------------
// Who is typing

function renderTyping(state) {
  const p = $("typing");
  p.textContent = Typing.text(state.users);
  p.hidden = state.users.length === 0;
}

$("composer").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || !chat) return;
  input.value = "";
  sendButton.disabled = true;
  clearTimeout(idleTimer);
  typing?.stop();
  showSendError("");
  try {
    await chat.send(text);
  } catch (err) {
    if (!input.value) input.value = text; // give the text back
    sendButton.disabled = false;
    showSendError(`${ERROR_TEXT[err.code] ?? err.message} ${err.code ? `(${err.code})` : ""}`.trim());
  }
});

function showSendError(text) {
  const p = $("send-error");
  p.textContent = text;
  p.hidden = !text;
}

// ---------------------------------------------------------------------------
// Presence

function renderPresence(state) {
  const list = $("presence-list");
  const note = $("presence-note");
  let users = state.users;
  if (state.error) {
    // The server does not run presence (yet): show who we saw join instead.
    users = [...seenInRoom.values()];
    note.textContent =
      state.error.code === "unknown_plugin"
        ? "Live presence is not enabled on this server yet; showing people who joined since you arrived."
        : `Presence unavailable (${state.error.code}); showing people who joined since you arrived.`;
    note.hidden = false;
  } else {
    note.hidden = true;
  }
  const me = connection?.user?.id;
  const sorted = [...users].sort((a, b) => (a.id === me ? -1 : b.id === me ? 1 : String(a.name).localeCompare(String(b.name))));
  list.replaceChildren(
    ...sorted.map((u) => {
      const li = el("li", {class: "person", dataset: {testid: "presence-user", userId: u.id}});
      li.append(
        ...[
          avatar(u),
          el("span", {class: "person-name", textContent: u.name}),
          u.id === me ? el("span", {class: "tag", textContent: "you"}) : null,
          u.connections > 1 ? el("span", {class: "tag", textContent: `${u.connections} tabs`}) : null,
        ].filter(Boolean),
      );
      return li;
    }),
  );
  $("online-count").textContent = users.length ? String(users.length) : "";
}

// ---------------------------------------------------------------------------
// Notifications

const bell = $("bell");
const panel = $("notif-panel");

function togglePanel(open = panel.hidden) {
  panel.hidden = !open;
  bell.setAttribute("aria-expanded", String(open));
}

bell.addEventListener("click", (e) => {
  e.stopPropagation();
  togglePanel();
});
document.addEventListener("click", (e) => {
  if (!panel.hidden && !panel.contains(e.target)) togglePanel(false);
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !panel.hidden) togglePanel(false);
});

$("mark-read").addEventListener("click", () => {
  notifications?.markAllRead().catch(() => {});
});

function renderNotifications(state) {
  const badge = document.querySelector('[data-testid="unread-count"]');
  badge.textContent = String(state.unread);
  badge.dataset.count = String(state.unread);
  bell.setAttribute("aria-label", `Notifications (${state.unread} unread)`);
  const note = $("notif-note");
  if (state.error) {
    note.textContent =
      state.error.code === "unknown_plugin"
        ? "Notifications are not enabled on this server yet. Chat works as usual."
        : `Notifications unavailable: ${state.error.message} (${state.error.code}).`;
    note.hidden = false;
  } else {
    note.hidden = true;
  }
  bell.classList.toggle("disabled", Boolean(state.error));
  const items = [...state.items].reverse(); // newest first
  $("notif-list").replaceChildren(
    ...items.map((n) => {
      const title = n.title ?? n.text ?? n.message ?? n.body ?? "Notification";
      const body = n.title && (n.body ?? n.text);
      const li = el("li", {class: `notif${n.read ? "" : " unread"}`, dataset: {testid: "notification", id: n.id ?? ""}});
      li.append(el("strong", {textContent: String(title)}));
      if (body) li.append(el("span", {textContent: String(body)}));
      const ts = Number(n.ts ?? String(n.id ?? "").split("-")[0]);
      if (ts > 0) li.append(el("time", {dateTime: new Date(ts).toISOString(), textContent: timeFmt.format(ts)}));
      return li;
    }),
  );
  $("notif-empty").hidden = state.items.length > 0 || Boolean(state.error);
  $("mark-read").disabled = state.unread === 0;
}

$("test-notify").addEventListener("click", async () => {
  if (!notifications) return;
  const hint = $("notify-hint");
  const payload = {title: "Test notification", body: `Sent at ${timeFmt.format(Date.now())}`};
  hint.hidden = true;
  let res = null;
  try {
    res = await fetch("/api/demo/notify", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({stream: notifications.stream, data: payload}),
    });
  } catch {
    // network error: handled below like a missing route
  }
  if (res?.ok) return; // it arrives through the socket
  const origin = location.origin;
  hint.replaceChildren(
    el("p", {textContent: "This server has no demo route for test notifications. Publish one from a backend with the HTTP API:"}),
    el("pre", {
      textContent:
        `curl -X POST ${origin}/api/publish \\\n` +
        `  -H "Authorization: Bearer $SWITCHBOARD_API_KEY" \\\n` +
        `  -H "Content-Type: application/json" \\\n` +
        `  -d '${JSON.stringify({stream: notifications.stream, client: "notifications", event: "notification", data: {title: "Hello"}})}'`,
    }),
  );
  hint.hidden = false;
});

// ---------------------------------------------------------------------------
// Start

session = storage.get(SESSION_KEY);
if (params.get("name")) $("name-input").value = params.get("name");
if (session?.name && session?.stream) {
  $("name-input").value = session.name;
  fillRoomPicker();
  join(session);
} else {
  showJoin();
}
