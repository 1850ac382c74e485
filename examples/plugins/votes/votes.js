// The browser side of the `votes` plugin: a plugin class from definePlugin,
// no build step. State `{tally: {yes, no}}`; `votes.vote("yes")`.
//
//   import {connect} from "/switchboard.js";
//   import {Votes} from "./votes.js";
//   const votes = new Votes({stream: "poll:lunch"});
//   connect({clients: [votes], name: "Ada"});
//   votes.subscribe(({tally}) => render(tally));
//   await votes.vote("yes");
import {definePlugin} from "/switchboard.js";

export const Votes = definePlugin({
  name: "votes",
  initial: {tally: {yes: 0, no: 0}},
  events: {
    tally: (state, data) => ({...state, tally: data}),
  },
  actions: {
    vote: (plugin, choice) => plugin.command("vote", {choice}),
  },
});
