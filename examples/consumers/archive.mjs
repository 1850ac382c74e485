// A webhook for a stream consumer: keeps every chat message it is sent,
// once, in a JSON-lines file. Plain Node.js, no dependencies.
//
//   SWITCHBOARD_API_KEY=dev-key node examples/consumers/archive.mjs 3000 /tmp/chat.jsonl
//   switchboard worker --broker=redis --api.key=dev-key \
//     --consumers.archive.streams='room:*:chat' \
//     --consumers.archive.webhook=http://127.0.0.1:3000/chat
//
// Switchboard POSTs each entry as {stream, client, id, event, data} with
// `Authorization: Bearer <api.key>`, and acknowledges it after a 2xx.
// Delivery is at least once: after a worker dies, or when an answer is
// lost, the same entry comes again. So the archive dedupes by (stream,
// client, id), which is what a database's unique key would do.
import {createServer} from "node:http";
import {appendFileSync, existsSync, readFileSync} from "node:fs";

const KEY = process.env.SWITCHBOARD_API_KEY ?? "";
const PORT = Number(process.argv[2] ?? 3000);
const FILE = process.argv[3] ?? "chat.jsonl";

const seen = new Set();
if (existsSync(FILE))
  for (const line of readFileSync(FILE, "utf8").split("\n").filter(Boolean)) {
    const e = JSON.parse(line);
    seen.add(`${e.stream}:${e.client}/${e.id}`);
  }

createServer((req, res) => {
  if (KEY && req.headers.authorization !== `Bearer ${KEY}`) {
    res.writeHead(401).end();
    return;
  }
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const entry = JSON.parse(body); // {stream, client, id, event, data}
    const id = `${entry.stream}:${entry.client}/${entry.id}`;
    if (!seen.has(id)) { // a redelivery is acknowledged, not stored twice
      seen.add(id);
      appendFileSync(FILE, JSON.stringify(entry) + "\n");
      console.log(`${entry.stream} ${entry.id} ${entry.event} ${JSON.stringify(entry.data)}`);
    }
    res.writeHead(204).end(); // any 2xx acknowledges; anything else is retried
  });
}).listen(PORT, "127.0.0.1", () => console.log(`archive webhook on http://127.0.0.1:${PORT}`));
