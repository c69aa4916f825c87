"""The dashboard: server-rendered pages over the same library calls as the API.

A page loads as a shell (navigation, filters in the URL, a loading note), then fetches
its sections as an HTML fragment: figures travel as Plotly JSON and are drawn by the
plotly.js of the installed package (no CDN), tables sort on a click and download as CSV.
The browser proves itself with the read key once (a cookie); scripts can send it as a
header like the API.
"""

from __future__ import annotations

import hmac
import html
import json
import posixpath
import secrets
from collections.abc import Callable
from datetime import UTC
from functools import cache
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

import ibis
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from plotly.offline import get_plotlyjs

from jejak import language
from jejak.report import formatting as fmt
from jejak.report import html as report
from jejak.report.html import Section
from jejak.report.plotly_words import plotly_locale
from jejak.server import keys, sessions
from jejak.server.answers import answer, headers, question_of
from jejak.server.api import Scope
from jejak.server.pages import CHOICE_WORDS, PAGES, Page, build, funnel_steps
from jejak.server.period import period_words
from jejak.server.state import SESSION_COOKIE, ServerState, require_key, state_of
from jejak.store.results import Kept

router = APIRouter(include_in_schema=False)
STALE_SECONDS = 300.0  # a page kept this recently is shown while newer data is counted
CSRF_COOKIE = "jejak_signin"  # the sign-in form's own token (double submit)
SCOPE_FIELDS = ("since", "until", "segment")


@cache
def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("jejak.server", "templates"), autoescape=select_autoescape()
    )
    env.globals["_"] = _words
    env.globals["lang"] = language.current  # called per render: {{ lang() }}
    return env


def _words(message: str) -> Markup:
    """``message`` in the page's language, as HTML (its ``{...}`` filled with
    ``.format()``, whose values are escaped unless they are Markup)."""
    return Markup(escape(language.gettext(message)))


def _page(slug: str):
    for page in PAGES:
        if page.slug == slug:
            return page
    raise HTTPException(404, detail=language.gettext("no page {slug}").format(slug=repr(slug)))


def _signed_in(request: Request) -> bool:
    """A dashboard session (see :mod:`.sessions`), or the read key in a header."""
    try:
        require_key(request, "read")
    except HTTPException:
        return False
    return True


def _next_page(wanted: str) -> str:
    """The dashboard page to open after signing in: ``wanted`` when it is one of this
    server's (dot segments resolved, nothing of another host), else the overview."""
    parts = urlsplit(wanted)
    path = posixpath.normpath(unquote(parts.path)) if parts.path.startswith("/") else ""
    if parts.scheme or parts.netloc or not path.startswith("/dashboard/") or "\\" in path:
        return "/dashboard/overview"
    return path + ("?" + parts.query if parts.query else "")


def _secure(request: Request) -> bool:
    """Whether the browser reached the server over https (behind a proxy: its forwarded
    protocol, which uvicorn reads from the proxies it trusts)."""
    return request.url.scheme == "https"


def _fragment(sections: list[Section], saving: bool = True, dated: bool = False) -> str:
    """The sections as HTML; ``saving``: with a button where a row or cell saves as a
    segment. Not on a page narrowed to dates or a segment: a saved segment holds its
    people on all the data, so its size would not be the number shown; except, on a page
    narrowed to dates only (``dated``), the saves that carry those dates (a funnel's)."""
    parts = []
    for number, section in enumerate(sections, start=1):
        saves = saving or (dated and section.saves_dated)
        body = [
            f"<h2>{html.escape(section.heading)}</h2>",
            report.notes_html(section.notes, section.notes_heading),
        ]
        body.append(report.intro_html(section.intro))
        body.append(section.html)
        for figure in section.figures:
            data = html.escape(figure.to_json(), quote=True)
            height = figure.layout.height or 450
            body.append(
                f'<figure class="chart" data-figure="{data}" style="height:{height}px"></figure>'
            )
        if section.table is not None:
            words = html.escape(language.gettext("Download CSV"))
            body.append(f'<button class="csv" type="button">{words}</button>')
            body.append(
                report.table_html(
                    section.table,
                    section.columns,
                    _save_buttons(section.saves) if saves else None,
                    _save_cells(section.cell_saves) if saves else None,
                )
            )
        wide = " wide" if section.wide else ""
        inner = "".join(body)
        parts.append(f'<section class="panel{wide}" id="section-{number}">{inner}</section>')
    return "".join(parts)


def _save_buttons(saves: list[dict[str, Any] | None] | None) -> list[str] | None:
    """A "save as segment" button for each row that is a cell of an analysis (its
    definition in the button: dashboard.js posts it to ``POST /v1/segments``)."""
    if not saves:
        return None
    words = html.escape(language.gettext("Save as segment"))
    return [
        ""
        if definition is None
        else f'<button class="save-segment" type="button" data-definition='
        f'"{html.escape(json.dumps(definition), quote=True)}">{words}</button>'
        for definition in saves
    ]


def _save_cells(
    saves: list[dict[str, dict[str, Any]]] | None,
) -> Callable[[int, str, str], str] | None:
    """For a table whose cells are cells of an analysis (a retention table), each such
    cell as a button holding its text that saves its people (as :func:`_save_buttons`)."""
    if not saves:
        return None
    words = html.escape(language.gettext("Save as segment"), quote=True)

    def cell(number: int, source: str, text: str) -> str:
        definition = saves[number].get(source) if number < len(saves) else None
        if definition is None:
            return text
        held = html.escape(json.dumps(definition), quote=True)
        return (
            f'<button class="save-segment in-cell" type="button" title="{words}"'
            f' data-definition="{held}">{text}</button>'
        )

    return cell


def _params(request: Request) -> dict[str, Any]:
    """The query's parameters; ``step`` (repeated by the funnel builder) as a list."""
    params: dict[str, Any] = dict(request.query_params)
    params["step"] = request.query_params.getlist("step")
    return params


def _step_choices(source: Any, limit: int = 200) -> list[str]:
    """What a step can be: the touchpoints in the data (most frequent first), then the
    journey's stages."""
    events = source.touchpoints()
    counts = events.group_by("event").agg(n=events.count()).order_by([ibis.desc("n"), "event"])
    names = counts.limit(limit).to_pandas()["event"].dropna().tolist()
    return [*names, *(f"stage:{name}" for name in source.journey.stage_names)]


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/dashboard/overview", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/dashboard/overview", wrong: int = 0) -> Response:
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    form = _templates().get_template("login.html")
    response = HTMLResponse(form.render(next=_next_page(next), wrong=bool(wrong), token=token))
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


@router.post("/login")
def login(
    request: Request,
    key: str = Form(...),
    next: str = Form("/dashboard/overview"),
    token: str = Form(""),
) -> Response:
    """Sign in: a session for a read key, sent from this server's own sign-in form (its
    token equals the form's cookie, which a page on another origin cannot read)."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not (expected and hmac.compare_digest(token.encode(), expected.encode())):
        words = language.gettext(
            "This sign-in did not come from this server's sign-in page. {link}Open it{end} and"
            " sign in there."
        )
        link = words.format(link='<a href="/login">', end="</a>")
        return HTMLResponse(f"<p>{link}</p>", status_code=403)
    state, key = state_of(request), key.strip()
    if not keys.matches(key, state.hashes()["read"]):
        query = urlencode({"next": _next_page(next), "wrong": 1})
        return RedirectResponse(f"/login?{query}", status_code=303)
    with state.using(keys=False) as ws:  # a session changes no key
        session = sessions.start(ws.con, key)
    response = RedirectResponse(_next_page(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=int(sessions.SESSION_HOURS * 3600),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign out: the session ends (its cookie would not sign in again)."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        with state_of(request).using(keys=False) as ws:
            sessions.end(ws.con, session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _missing(slug: str) -> HTMLResponse:
    """An address that is no page (an old link, a guess): 404 as a page a person reads,
    with the pages there are, not a JSON error."""
    html = _templates().get_template("missing.html").render(slug=slug, pages=PAGES)
    return HTMLResponse(html, status_code=404)


@router.get("/dashboard/{slug}", response_class=HTMLResponse)
def page(request: Request, slug: str) -> Response:
    chosen = next((p for p in PAGES if p.slug == slug), None)
    if chosen is None:
        return _missing(slug)
    if not _signed_in(request):
        back = str(request.url.path) + ("?" + request.url.query if request.url.query else "")
        query = urlencode({"next": back})
        return RedirectResponse(f"/login?{query}", status_code=303)
    params = _params(request)
    with state_of(request).reading() as source:
        segment_names = list(source.segment_definitions())
        empty = source.count() == 0 if hasattr(source, "count") else False
        builds_steps = any(f.kind in ("step", "steps") for f in chosen.fields)
        suggestions = []
        if builds_steps and not empty:  # kept like an answer: a group-by of every touchpoint
            kept = answer(
                source,
                "/dashboard/step-choices",
                lambda: json.dumps(_step_choices(source)),
                stale_seconds=STALE_SECONDS,
            )
            suggestions = json.loads(kept.body)
        shown_steps = funnel_steps(source, params) if chosen.slug == "funnels" else []
    return HTMLResponse(
        _templates()
        .get_template("page.html")
        .render(
            pages=PAGES,
            page=chosen,
            params=params,
            segments=segment_names,
            empty=empty,
            step_choices=suggestions,
            shown_steps=shown_steps,
            period=period_words(params.get("since"), params.get("until")),
            query=request.url.query,
            choice_words=CHOICE_WORDS,
            script_words=json.dumps(_script_words()),
        )
    )


def _script_words() -> dict[str, Any]:
    """What the page's script may say, in the page's language (dashboard.js reads them
    from the page: no script is written into it), and plotly.js's own words outside
    English (a locale the script registers)."""
    marks = fmt.localised(",.")
    words: dict[str, Any] = {
        "group": marks[0],
        "decimal": marks[1],
        "sort": language.gettext("Sort"),
        "step": language.gettext("Step {number}"),
        "expired": language.gettext("Your sign-in has expired; sign in again with the read key."),
        "answered": language.gettext("The server answered {status}; try again shortly."),
        "failed": language.gettext("This page could not load"),
        "name": language.gettext("Name the segment (letters, digits, spaces, _ . -):"),
        "saved": language.gettext("Saved as {name}: {people} people"),
        "unsaved": language.gettext("Not saved: {problem}"),
        "unreachable": language.gettext(
            "The server could not be reached; check that jejak serve is running, then reload."
        ),
    }
    locale = plotly_locale()
    if locale is not None:
        words["plotly"] = locale
    return words


@router.get("/dashboard/{slug}/content", response_class=HTMLResponse)
def content(
    request: Request,
    slug: str,
    since: str | None = None,
    until: str | None = None,
    segment: str | None = None,
) -> HTMLResponse:
    chosen = _page(slug)
    if not _signed_in(request):
        raise HTTPException(401, detail=language.gettext("sign in with the read key"))
    scope = Scope(since=since or None, until=until or None, segment=segment or None)
    kept = page_answer(state_of(request), chosen, question_of(request), _params(request), scope)
    return HTMLResponse(kept.body + _computed(kept), headers=headers(kept))


def page_answer(
    state: ServerState,
    page: Page,
    question: str,
    params: dict[str, Any],
    scope: Scope,
    stale_seconds: float = STALE_SECONDS,
) -> Kept:
    """A page's sections as HTML: kept for the data as it is, or built now. While a
    collector brings new touchpoints, the page kept in the last ``stale_seconds`` is
    shown (it says so) and built anew in the background."""
    settings = state.workspace.settings
    dated = bool(scope.since or scope.until)
    narrowed = dated or bool(scope.segment)
    with (
        language.speaking(settings.language, settings.stage_names),
        state.answering(question) as source,
    ):
        kept = answer(
            source,
            question,
            lambda: _fragment(
                build(page, scope.apply(source), params),
                saving=not narrowed,
                dated=dated and not scope.segment,
            ),
            stale_seconds=0 if page.current else stale_seconds,
        )
    if kept.stale:
        state.warmer.refresh(
            question, lambda: page_answer(state, page, question, params, scope, stale_seconds=0)
        )
    return kept


def warm(state: ServerState, slug: str) -> Kept:
    """Build a page as a browser first opening it asks for it (no filters), and keep it."""
    question = f"/dashboard/{slug}/content"
    return page_answer(state, _page(slug), question, {"step": []}, Scope(), stale_seconds=0)


def _computed(kept: Kept) -> str:
    """When, and on which data, the page's numbers were computed."""
    if kept.load_id < 0:  # another engine: computed for this request
        words = language.gettext("Computed just now, on the touchpoints in Spark.")
        return f'<p class="computed">{html.escape(words)}</p>'
    words = language.ngettext(
        "Computed {moment} UTC on {count} touchpoint (up to load {load}).",
        "Computed {moment} UTC on {count} touchpoints (up to load {load}).",
        kept.touchpoints,
    ).format(
        moment=fmt.when(kept.computed_at.astimezone(UTC)),
        count=fmt.people(kept.touchpoints),
        load=fmt.people(kept.load_id),
    )
    if kept.stale:
        words += " " + language.gettext(
            "Newer touchpoints have come in since; they are being counted: reload in a minute."
        )
    return f'<p class="computed">{html.escape(words)}</p>'


@router.get("/static/plotly.min.js")
def plotly_js() -> Response:
    return Response(
        _plotly(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )


@cache
def _plotly() -> str:
    return get_plotlyjs()


@router.get("/t.js")
def tracker() -> Response:
    """The website tracker (see the snippet at its top)."""
    from importlib import resources

    text = resources.files("jejak.server").joinpath("static/t.js").read_text("utf-8")
    return Response(text, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})


@router.get("/static/journey-wall.css")
def wall_css() -> Response:
    """The journey map's wall chart looks as in the report."""
    from jejak.report import journey_wall

    return Response(journey_wall.CSS, media_type="text/css")


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in ("dashboard.js", "dashboard.css"):
        raise HTTPException(404)
    from importlib import resources

    text = resources.files("jejak.server").joinpath(f"static/{name}").read_text("utf-8")
    kind = "text/javascript" if name.endswith(".js") else "text/css"
    return Response(text, media_type=kind)
