"""Population screening: every patient of a FHIR Bulk Data export through the one-patient path.

An edge, like ``interop`` and ``web``: it reads export files and writes report files, and
calls the core only through :mod:`allnav.interop.patient`. Modules:

- :mod:`~allnav.screening.patient`: one patient's lines in, one JSON record out (both engines);
- :mod:`~allnav.screening.embedded`: DuckDB groups the export, a process pool screens it;
- :mod:`~allnav.screening.spark`: the same on Apache Spark (the ``spark`` extra);
- :mod:`~allnav.screening.report`, :mod:`~allnav.screening.html`: the report files;
- :mod:`~allnav.screening.export`, :mod:`~allnav.screening.lines`: finding files, reading lines;
- :mod:`~allnav.screening.synth`: a synthetic export (``allnav synth bulk``).

See docs/screening.md.
"""
