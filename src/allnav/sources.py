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

_UNREAD = ("no page read so far shows its PMID or DOI beside its title (the searches found "
           "the journal's abstract page, which shows neither)")


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
    """A paper cited without a PMID, DOI or PubMed Central record."""
    return (kind in PAPER_KINDS and not pmid and not doi
            and not _matches(host(url), ("pmc.ncbi.nlm.nih.gov", "pubmed.ncbi.nlm.nih.gov",
                                          "doi.org")))


#: Papers still cited by their journal's page only, each with why its PMID/DOI is not in the
#: registry yet. An identifier goes in only once it has been read beside the paper's title in
#: PubMed, Crossref or on the publisher's page - never recalled - so these wait for that. The
#: list may only shrink: the loader refuses a paper without an identifier that is not listed
#: here, and a listed paper that has gained one (remove it from the list then).
#: The journal page in ``url`` stays the primary source meanwhile (``allnav pathway lint``
#: lists these papers as a note).
PAPERS_AWAITING_IDENTIFIER: dict[str, str] = {
    "ev.fielding-2007": (
        "a repository record (christie.openrepository.com/handle/10541/71924) shows the title "
        "with a DOI cut off mid-string, so the full DOI was not read; no PubMed page was found"),
    "ev.gokbuget-2012-relapse": _UNREAD,
    "ev.alcantara-2017": (
        "the page read is a Cancer Discovery research-watch summary, not the JCO paper; its "
        "PMID/DOI were not found in any page that names the paper"),
    "ev.pace-5y-cml": (
        "the Blood abstract page and a reference list (Cortes JE et al., Blood 2018;132(4):"
        "393-404) were read, but neither shows the PMID or DOI"),
    "ev.gokbuget-2011-nelarabine": (
        "the Blood abstract page and the UKE research record (fis.uke.de) confirm the exact "
        "title and authors, but the part of either page that was read shows no PMID or DOI"),
    "ev.t-all-review-2022": _UNREAD,
    "ev.jsh-registry-hct-2022": _UNREAD,
    "ev.forman-rowe-2013": _UNREAD,
    "ev.cns-relapse-pui-2006": _UNREAD,
    "ev.hospice-seer-medicare": (
        "the Duke scholars record and the Blood abstract page confirm the title and authors, "
        "but the part read shows no PMID or DOI"),
}


def identifier_problem(item_id: str, kind: str, url: str, pmid: str | None,
                       doi: str | None) -> str | None:
    """Why an item's PMID/DOI status breaks the rule above (``None`` when it does not)."""
    missing = missing_identifier(kind, url, pmid, doi)
    if missing and item_id not in PAPERS_AWAITING_IDENTIFIER:
        return (f"a paper (kind '{kind}') needs its PMID or DOI: add pmid: or doi: as read "
                "beside its title in PubMed or on the publisher's page, or cite its PubMed, "
                "PubMed Central or doi.org record as url")
    if not missing and item_id in PAPERS_AWAITING_IDENTIFIER:
        return (f"'{item_id}' now has a PMID or DOI (or is no longer a paper): remove it from "
                "PAPERS_AWAITING_IDENTIFIER in allnav/sources.py")
    return None
