#pragma once
// Which pages may open a WebSocket (cross-site WebSocket hijacking guard).
// A browser sends the page's Origin with every upgrade, and a cookie
// (switchboard_token) rides along whoever the page is; so by default only
// the server's own pages may upgrade: the Origin's host[:port] must equal
// the Host header. http.allowed-origins adds other origins, or `*` for any.
// Clients that are not browsers send no Origin and are not affected.

#include <string>
#include <string_view>
#include <vector>

namespace sb {

/// True when a page at `origin` may upgrade on a request for `host`.
bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed);

} // namespace sb
