"""The local web workbench (`bibun serve`): a page and a JSON API over bibun.

``create_app()`` builds the FastAPI application; see docs/web.md for the endpoints,
the safety limits and how the page is tested in a real browser.
"""

from bibun.web.app import create_app

__all__ = ["create_app"]
