"""Signing in to the console with a TestClient and reading the CSRF token of a page."""

import re

from fastapi.testclient import TestClient
from httpx import Response

from tests.factories import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form; the client keeps the session cookie."""
    response = client.post(
        "/console/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


def csrf_of(client: TestClient, page: str = "/console/") -> str:
    """The CSRF token the console embeds in `page`'s forms."""
    response = client.get(page)
    assert response.status_code == 200, response.text
    match = _CSRF.search(response.text)
    assert match, "page has no CSRF field"
    return match.group(1)


def post_form(
    client: TestClient, url: str, data: dict[str, str] | None = None, *, page: str = "/console/"
) -> Response:
    """Post a form as the browser would: with the CSRF token of `page`, not following the redirect."""
    form = {"csrf_token": csrf_of(client, page), **(data or {})}
    return client.post(url, data=form, follow_redirects=False)
