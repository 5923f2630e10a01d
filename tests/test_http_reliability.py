"""HTTP reads and waits that cannot go wrong quietly: pages that do not add up fail the read (never
phantom creates), every request has an overall deadline, Retry-After is capped, Ctrl-C and SIGTERM
end a read within a second with the lock released."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from adapters.emulator import Emulator, EmulatorServer, Settings
from adapters.emulator.server import Handler, serving
from adapters.store import Store
from crmdeploy.errors import MalformedAnswer
from crmdeploy.kinds import BY_NAME

from .safe_helpers import invoke

FIELDS = 150  # two pages of 100


def fields_spec(count: int = FIELDS) -> str:
    lines = ["version: 1", "custom_fields:"]
    lines += [f"  - {{code: f{i:03d}, entity: order, name: Field {i}, type: string}}" for i in range(count)]
    return "\n".join(lines) + "\n"


class PageMangler(Handler):
    """A server (or a proxy in front of it) that gets paging wrong in the way `server.mangle` says."""

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        mangle = getattr(self.server, "mangle", None)
        if self.command == "GET" and parts.path == "/api/v5/custom-fields" and mangle:
            query = parse_qs(parts.query)
            query["page"] = [str(mangle(int(query.get("page", ["1"])[0])))]
            self.path = parts.path + "?" + urlencode(query, doseq=True)
        super()._serve()


@pytest.fixture
def mangler(api_key):
    server = EmulatorServer(Emulator(Store(), Settings(api_key=api_key, rate_limit=0)))
    server.RequestHandlerClass = PageMangler
    with serving(server):
        yield server


@pytest.mark.parametrize("mangle", [lambda page: 1, lambda page: max(1, page - 1)],
                         ids=["ignores-page", "repeats-a-page"])
def test_a_server_that_ignores_page_fails_the_read_and_writes_nothing(mangle, mangler, runner, http_env,
                                                                      write_spec):
    spec = write_spec(fields_spec())
    assert invoke(runner, "apply", spec, "-t", mangler.url, "--yes").exit_code == 0
    writes = mangler.emulator.store.writes
    mangler.mangle = mangle
    planned = invoke(runner, "plan", spec, "-t", mangler.url)
    assert planned.exit_code == 1
    assert "GET /api/v5/custom-fields: the pages do not add up" in planned.stderr
    assert "to create" not in planned.stdout  # before: 50 phantom creates
    applied = invoke(runner, "apply", spec, "-t", mangler.url, "--yes")
    assert applied.exit_code == 1 and mangler.emulator.store.writes == writes


def _page(items, page, pages, total, current=True):
    pagination = {"limit": 100, "totalCount": total, "totalPageCount": pages}
    if current:
        pagination["currentPage"] = page
    return {"success": True, "customFields": items, "pagination": pagination}


def _items(start, stop):
    return [{"code": f"f{i:03d}", "name": f"F{i}", "entity": "order", "type": "string"} for i in range(start, stop)]


@pytest.mark.parametrize("pages, problem", [
    ([_page(_items(0, 100), 1, 2, 150, False), _page(_items(99, 149), 2, 2, 150, False)],
     "page 2 repeats an item of an earlier page"),
    ([_page(_items(0, 100), 1, 2, 180), _page(_items(100, 150), 2, 2, 180)],
     "the pages hold 150 items but totalCount says 180"),
    ([_page(_items(0, 100), 1, 2, 150), _page(_items(100, 150), 1, 2, 150)],
     "page 2 was asked for and page 1 answered"),
    ([_page(_items(0, 100), 1, 2, 150), _page(_items(100, 150), 2, 3, 150)],
     "totalPageCount changed from 2 to 3"),
    ([_page(_items(0, 100), 1, 3, 300), _page([], 2, 3, 300)], "page 2 of 3 is empty"),
])
def test_pages_that_do_not_add_up_fail_the_read(pages, problem, connect, emulator, monkeypatch):
    adapter = connect(emulator.url)
    answers = iter(pages)
    monkeypatch.setattr(adapter.transport, "get", lambda *a, **k: next(answers))
    with pytest.raises(MalformedAnswer, match=problem):
        adapter.fetch(BY_NAME["custom_fields"])
