"""Redis URLs: where the password goes in, and the one way a URL is shown without it.

A password reaches a client in the URL (`redis://:PASSWORD@host:6379/0`, `rediss://` for TLS)
or from `CRL_REDIS_PASSWORD`, which `with_password` puts into the URL, so every client is built
from one string. That string is a secret: logs, `crystal-rl status`, the dashboard and events
show `redact(url)`, never the URL itself.
"""

from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit

SCHEMES = ("redis", "rediss", "unix")
"""What redis-py connects to: plain TCP, TLS, a Unix socket."""

MASK = "***"
SECRET_QUERY_ARGS = ("password",)
"""redis-py also reads the password from the query string (`?password=`)."""


def has_password(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.password) or any(k in SECRET_QUERY_ARGS for k, _ in parse_qsl(parts.query))


def redact(url: str) -> str:
    """`url` with its password (in the user part or the query) replaced by `***`: what may be printed."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, host = netloc.rsplit("@", 1)
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{MASK}@{host}"
        query = parts.query
        if query:
            pairs = [(k, MASK if k in SECRET_QUERY_ARGS else v) for k, v in parse_qsl(query, keep_blank_values=True)]
            query = urlencode(pairs, safe="*/")
        return _join(parts, netloc=netloc, query=query)
    except ValueError:
        return f"<a Redis URL that cannot be parsed ({len(url)} characters)>"


def with_password(url: str, password: str | None) -> str:
    """`url` with `password` in its user part, unless it has a password already (the URL wins) or none is given."""
    if not password or has_password(url):
        return url
    parts = urlsplit(url)
    if parts.scheme == "unix":
        pairs = [*parse_qsl(parts.query, keep_blank_values=True), ("password", password)]
        return _join(parts, query=urlencode(pairs))
    user = quote(parts.username or "", safe="")
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{user}:{quote(password, safe='')}@{host}"
    return _join(parts, netloc=netloc)


def check_url(url: str) -> str:
    """`url` when redis-py can connect to it; else ValueError naming the schemes (and the URL without its password)."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError as exc:
        raise ValueError(f"not a URL ({exc})") from None
    if scheme not in SCHEMES:
        raise ValueError(
            f"{redact(url)} is not a Redis URL: use redis://[:PASSWORD@]HOST:PORT/DB, rediss://... for TLS, "
            "or unix:///path/to/redis.sock"
        )
    return url


def _join(parts: SplitResult, netloc: str | None = None, query: str | None = None) -> str:
    """The URL back together, keeping `//` with an empty host (`unix:///path`), which urlunsplit drops."""
    query = parts.query if query is None else query
    out = f"{parts.scheme}://{parts.netloc if netloc is None else netloc}{parts.path}"
    return out + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")
