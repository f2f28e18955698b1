"""Attacks on ``allnav serve`` and the CLI, one test each (table in docs/security.md)."""
