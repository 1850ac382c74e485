// Production: the adapter-node build behind one origin with switchboard.
// Pages and the WebSocket path share this host, as in development (where the
// Vite plugin proxies), so the default URL (same host, /ws) and the
// switchboard_token cookie work unchanged. Behind nginx or another proxy,
// route /ws there instead and run `node build` alone.
//
//   SWITCHBOARD_URL=http://127.0.0.1:8080 PORT=3000 node server.js
import http from "node:http";
import net from "node:net";
import {handler} from "./build/handler.js";

const target = new URL(process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8080");
const wsPath = process.env.SWITCHBOARD_WS_PATH ?? "/ws";
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

const server = http.createServer(handler);

// Hands the upgrade request, as received, to switchboard and joins the two
// sockets. The Host header stays: switchboard checks Origin against it.
server.on("upgrade", (req, socket, head) => {
  if (new URL(req.url, "http://x").pathname !== wsPath) return socket.destroy();
  const upstream = net.connect(Number(target.port || 80), target.hostname, () => {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(lines.join("\r\n") + "\r\n\r\n");
    if (head.length) upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  upstream.on("error", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
});

server.listen(port, host, () => console.log(`listening on http://${host}:${port}, ${wsPath} -> ${target.origin}`));
