"""The clinical trial finder: ClinicalTrials.gov API v2 records, matched to a patient.

Pure parts (parsing, recognising eligibility criteria, matching, ranking) never do I/O;
the snapshot store (``store``), file import (``files``) and the live API client
(``ctgov_client``) are the adapters at the edge.
"""
