"""Edges that bring patient data in from other systems (FHIR R4 / mCODE).

An edge: it may import the core (facts, problems), never the reverse.
"""
