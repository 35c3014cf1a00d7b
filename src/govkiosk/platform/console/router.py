"""Admin console (placeholder until the console lands)."""

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    """Add the console's pages and static files to `app`."""
