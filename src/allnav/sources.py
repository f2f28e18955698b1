"""Which addresses count as a primary source a clinician can check independently.

Every evidence item must name its primary source: a PMID or DOI (or PubMed Central
record) for a paper, the label on the FDA or DailyMed site for an approval, the
guideline body's own site for a guideline. News sites, document mirrors and
manufacturer marketing pages may be listed as ``also_see`` (context a reader may
want), never as the source of a number: a mirror can be altered, a news story can
round or misquote, and a marketing page selects what it shows.

Hosts are matched by suffix (``www.nejm.org`` matches ``nejm.org``). The lists are
data here, in one place, so that a reviewer can read exactly what is trusted.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: Regulators: the label or the approval notice itself.
REGULATOR_HOSTS = ("fda.gov", "dailymed.nlm.nih.gov", "ema.europa.eu")
#: Identifier resolvers and the NIH's own records of a paper.
RECORD_HOSTS = ("doi.org", "pubmed.ncbi.nlm.nih.gov", "pmc.ncbi.nlm.nih.gov")
#: Journals' own sites (the publisher's version of record).
PUBLISHER_HOSTS = (
    "ashpublications.org", "ashpublications.com", "ashpublications.net", "bloodjournal.org",
    "nejm.org", "thelancet.com", "jamanetwork.com", "ascopubs.org", "aacrjournals.org",
    "onlinelibrary.wiley.com", "nature.com", "haematologica.org", "tandfonline.com",
    "acpjournals.org", "academic.oup.com", "sciencedirect.com", "link.springer.com",
)
#: Guideline bodies and the publisher of the source patient page.
#: (The UKONS 24-hour triage toolkit is published on the UK Acute Oncology Society's hub.)
GUIDELINE_HOSTS = ("nccn.org", "who.int", "cancer.org", "idsociety.org", "asco.org", "ukons.org",
                   "ukacuteoncology.co.uk")
PRIMARY_HOSTS = REGULATOR_HOSTS + RECORD_HOSTS + PUBLISHER_HOSTS + GUIDELINE_HOSTS

#: Kinds of evidence that are papers: they need a PMID or DOI.
PAPER_KINDS = ("randomized-trial", "single-arm-trial", "registry", "cohort", "review")


def host(url: str) -> str:
    """The lower-case host of ``url`` (empty when it has none)."""
    return (urlsplit(url).hostname or "").lower()


def _matches(hostname: str, suffixes: tuple[str, ...]) -> bool:
    return any(hostname == s or hostname.endswith("." + s) for s in suffixes)


def is_primary_url(url: str) -> bool:
    """Whether ``url`` is on a regulator's, a record's, a journal's or a guideline body's site."""
    return _matches(host(url), PRIMARY_HOSTS)


def is_regulator_url(url: str) -> bool:
    """Whether ``url`` is the FDA's, DailyMed's or the EMA's own site."""
    return _matches(host(url), REGULATOR_HOSTS)


def source_problems(kind: str, url: str, pmid: str | None, doi: str | None) -> list[str]:
    """Why an evidence item's source is not a checkable primary source (empty when it is)."""
    problems: list[str] = []
    if not is_primary_url(url):
        problems.append(
            f"url '{host(url) or url}' is not a primary source (a journal, PubMed/DOI, the "
            "FDA/DailyMed label or the guideline body's site); move it to also_see and cite "
            "the primary source")
    if kind == "drug-label" and not is_regulator_url(url):
        problems.append("a drug label must be cited from the FDA or DailyMed site")
    return problems


def missing_identifier(kind: str, url: str, pmid: str | None, doi: str | None) -> bool:
    """A paper cited without a PMID, DOI or PubMed Central record (reported as a warning)."""
    return (kind in PAPER_KINDS and not pmid and not doi
            and not _matches(host(url), ("pmc.ncbi.nlm.nih.gov", "pubmed.ncbi.nlm.nih.gov",
                                          "doi.org")))
