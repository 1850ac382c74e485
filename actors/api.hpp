#pragma once
// The server HTTP API (PROTOCOL §5) under /api/: publish, history, presence
// and disconnect, behind `Authorization: Bearer <api.key>` (off without a
// key). Called on an event-loop thread; anything that needs the broker runs
// in a short-lived actor, and the reply goes back through `respond`.

#include <caf/fwd.hpp>
#include <functional>
#include <memory>
#include <string>

#include "actors/api_body.hpp"
#include "actors/connection.hpp"
#include "net/server.hpp"

namespace sb {

class server;

class api_handler {
public:
  api_handler(caf::actor_system& sys, node_context node, server& srv);

  void handle(const api_request& req, api_responder respond);

private:
  void publish(const std::string& body, api_responder respond);
  void publish_parsed(publish_body req, api_responder respond);
  void demo_notify(const std::string& body, api_responder respond);
  void history(const std::string& target, api_responder respond);
  void presence(const std::string& target, api_responder respond);
  void disconnect(const std::string& body, api_responder respond);

  caf::actor_system& sys_;
  node_context node_;
  server& server_;
};

} // namespace sb
