// The backend of a `votes` proxy plugin: a poll per stream, one vote per
// user, the tally broadcast to everyone on the stream. Plain Node.js, no
// dependencies; any language that speaks HTTP and JSON does the same.
//
//   SWITCHBOARD_API_KEY=dev-key node examples/plugins/votes/backend.mjs 3000
//   switchboard --api.key=dev-key --plugins.votes.proxy=http://127.0.0.1:3000/hooks/votes \
//               --plugins.votes.events=vote
//
// Switchboard POSTs a hook on open, on each `vote` and on close, with
// `Authorization: Bearer <api.key>`; the answer says what to do.
import {createServer} from "node:http";

const KEY = process.env.SWITCHBOARD_API_KEY ?? "";
const PORT = Number(process.argv[2] ?? 3000);
const CHOICES = ["yes", "no"];
const polls = new Map(); // stream -> Map(user id -> choice)

function tally(stream) {
  const counts = Object.fromEntries(CHOICES.map((c) => [c, 0]));
  for (const choice of (polls.get(stream) ?? new Map()).values()) counts[choice]++;
  return counts;
}

function answer(hook) {
  switch (hook.hook) {
    case "open": // the state for this socket only, before anything live
      return {reply: [{event: "tally", data: tally(hook.stream)}]};
    case "message": {
      const choice = hook.data?.choice;
      if (!CHOICES.includes(choice))
        return {error: {code: "invalid_frame", message: `vote "yes" or "no"`}};
      if (!polls.has(hook.stream)) polls.set(hook.stream, new Map());
      polls.get(hook.stream).set(hook.user.id, choice); // one vote per user: the last counts
      return {broadcast: [{event: "tally", data: tally(hook.stream)}]};
    }
    default: // close: nothing to do
      return {};
  }
}

createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    if (!KEY || req.headers.authorization !== `Bearer ${KEY}`) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, {"Content-Type": "application/json"});
    res.end(JSON.stringify(answer(JSON.parse(body))));
  });
}).listen(PORT, "127.0.0.1", () => console.log(`votes backend on http://127.0.0.1:${PORT}/hooks/votes`));
