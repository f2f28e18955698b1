"""The web edge: the CDS Hooks service, the JSON API and (later) the web pages.

Start it with ``allnav serve``; build it in tests with
:func:`allnav.web.app.create_app`.
"""
