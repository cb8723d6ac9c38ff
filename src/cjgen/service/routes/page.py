"""The review page: the map with review controls, in the browser, for `cjgen review` and `cjgen serve`.

The page runs no inline script: its policy allows only the files under /review/static, which ship in the
package. A browser gets a session from a login form (the API key, posted, never in a URL) or from the launch
link of `cjgen review`, whose token lives only as long as that server.
"""

from __future__ import annotations

import hmac
from importlib.resources import files
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import escape

from cjgen.render import ReviewPage, to_html
from cjgen.service.deps import Caller, StateDep, authorize, key_caller, page_session
from cjgen.service.sessions import COOKIE, SESSION_S

router = APIRouter(prefix="/review", tags=["review page"], include_in_schema=False)

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The page's own files, by name: nothing else under /review/static is served.
STATIC = {
    "map.js": "text/javascript; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "map.css": "text/css; charset=utf-8",
    "review.css": "text/css; charset=utf-8",
}
_PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
_LOGIN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Review · sign in</title>
<link rel="stylesheet" href="/review/static/review.css"></head>
<body class="login"><main><h1>Review a journey map</h1>
<form method="post" action="/review/login">
<input type="hidden" name="next" value="{next}">
<label for="key">API key</label> <input id="key" name="key" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>{problem}</main></body></html>
"""


def _local(target: str) -> str:
    """Only a path of the review page may follow a sign-in (never another site)."""
    return target if target.startswith("/review/") and not target.startswith("//") else "/review/"


def _signed_in(response: Response, session_id: str, request: Request) -> Response:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=SESSION_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.get("/open")
def open_launch_link(
    request: Request, state: StateDep, token: Annotated[str, Query(max_length=200)]
) -> Response:
    """`cjgen review`'s link: a session for its key, then the map without the token in the address bar."""
    launch = state.launch_token
    if launch is None or not hmac.compare_digest(token.encode(), launch.encode()):
        raise HTTPException(403, "this link is not valid (any more): run cjgen review again")
    keys = sorted(state.settings.keys())
    caller = key_caller(request, state, keys[0] if keys else None)
    session_id, _ = state.sessions.open(caller.owner, caller.admin)
    maps = state.store.list_maps(owner=caller.scope)
    target = f"/review/{quote(maps[0].id)}" if len(maps) == 1 else "/review/"
    return _signed_in(RedirectResponse(target, status_code=303), session_id, request)


@router.get("/login", response_class=HTMLResponse)
def login_form(next_path: Annotated[str, Query(alias="next", max_length=500)] = "/review/") -> HTMLResponse:
    return HTMLResponse(_LOGIN.format(next=escape(_local(next_path)), problem=""), headers=_PAGE_HEADERS)


@router.post("/login")
async def login(request: Request, state: StateDep) -> Response:
    """The API key, posted from the form: a session cookie and on to the page asked for."""
    try:
        form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=5)
    except ValueError:
        raise HTTPException(400, "send the sign-in form's two fields, key and next") from None
    key = (form.get("key") or [""])[0]
    target = _local((form.get("next") or ["/review/"])[0])
    try:
        caller = key_caller(request, state, key or None)
    except HTTPException as exc:
        if exc.status_code != 401:
            raise
        page = _LOGIN.format(
            next=escape(target), problem='<p class="problem" role="alert">Unknown API key.</p>'
        )
        return HTMLResponse(page, status_code=401, headers=_PAGE_HEADERS)
    session_id, _ = state.sessions.open(caller.owner, caller.admin)
    return _signed_in(RedirectResponse(target, status_code=303), session_id, request)


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        raise HTTPException(404, "no such file")
    text = files("cjgen").joinpath("templates", name).read_text(encoding="utf-8")
    return Response(text, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})


def _page_caller(request: Request, state: StateDep) -> Caller | None:
    if page_session(request, state) is None and not request.headers.get("x-api-key"):
        return None if state.settings.keys() else authorize(request, state)
    return authorize(request, state)


@router.get("/", response_class=HTMLResponse)
def list_page(request: Request, state: StateDep) -> Response:
    caller = _page_caller(request, state)
    if caller is None:
        return RedirectResponse("/review/login?next=/review/", status_code=303)
    rows = "".join(
        f'<li><a href="/review/{quote(m.id)}">{escape(m.title)}</a> · version {m.latest_version}</li>'
        for m in state.store.list_maps(owner=caller.scope)
    )
    body = f"<ul>{rows}</ul>" if rows else '<p class="none">No maps yet.</p>'
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Maps to review</title>'
        '<link rel="stylesheet" href="/review/static/review.css"></head>'
        f'<body class="login"><main><h1>Maps to review</h1>{body}</main></body></html>'
    )
    return HTMLResponse(page, headers=_PAGE_HEADERS)


@router.get("/{map_id}", response_class=HTMLResponse)
def review_page(map_id: str, request: Request, state: StateDep) -> Response:
    """The latest version of the map with its review controls and history."""
    caller = _page_caller(request, state)
    if caller is None:
        return RedirectResponse(f"/review/login?next=/review/{quote(map_id)}", status_code=303)
    journey = state.store.get_map(map_id, owner=caller.scope)
    events = state.store.review_events(map_id, owner=caller.scope)
    session_id = request.cookies.get(COOKIE)
    session = page_session(request, state)
    if session is None:
        # Without keys (or with a key header) the page still gets a session, so its changes need the token.
        session_id, session = state.sessions.open(caller.owner, caller.admin)
    page = to_html(journey, ReviewPage(csrf=session.csrf, events=events))
    response = HTMLResponse(page, headers={**_PAGE_HEADERS, "ETag": f'"{journey.version}"'})
    return _signed_in(response, session_id or "", request)
