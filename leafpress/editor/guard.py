"""Who may talk to the editor: requests for the address it listens on, and writes that come
from its own pages.

``serve`` listens on 127.0.0.1 only, but a web page in any other tab can still send
requests there. So every request must name that address in its ``Host`` (a page of
another site that DNS-rebinds its name to 127.0.0.1 sends its own name), and every
request that writes must carry the token its page was given and an ``Origin`` of the
editor itself (a form of another site posts with that site's origin, and cannot read
the token). Each refusal says why, in one line.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

from werkzeug.exceptions import BadRequest, Forbidden
from werkzeug.wrappers import Request

# The header a page's scripts send the token in (forms send it as the field ``token``).
TOKEN_HEADER = "X-Leafpress-Token"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Guard:
    """The editor's address and its token, and the checks each request must pass."""

    port: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def hosts(self) -> frozenset[str]:
        """The ``Host`` values that name this server."""
        return frozenset({f"127.0.0.1:{self.port}", f"localhost:{self.port}"})

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(f"http://{host}" for host in self.hosts)

    def check_host(self, request: Request) -> None:
        """Refuse a request whose ``Host`` is not this server's address (DNS rebinding)."""
        if request.host not in self.hosts:
            raise BadRequest(f"refused: the request is for {request.host!r}, not for this "
                             f"server ({', '.join(sorted(self.hosts))})")

    def check_write(self, request: Request) -> None:
        """Refuse a write without this editor's token or from another origin."""
        if request.method not in WRITES:
            return
        origin = request.headers.get("Origin")
        if origin not in self.origins:
            raise Forbidden(f"refused: a change must come from the editor's own page, but "
                            f"this one comes from {origin or 'no page'} (Origin)")
        given = request.headers.get(TOKEN_HEADER) or request.form.get("token", "")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise Forbidden("refused: the change does not carry the editor's token; reload "
                            "the page and try again")
