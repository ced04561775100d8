"""Citation metadata benchmark: own 文号, date and issuer against the official table.

Reads ``shared/corpus/html/meta/官方文件表.csv``, finds each row's saved page
(:func:`assistant.documents.official.files_of`), extracts the page's metadata as
ingest does, and prints the share of agreeing 文号, dates and issuers, every
mismatch, and the validity status of every document of the shared corpus.

    python bench/metadata.py [--shared ../shared] [--day 2026-12-02]
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter
from pathlib import Path

from assistant.documents.ingest import corpus_files, load_document
from assistant.documents.official import compare, files_of, read_official
from assistant.documents.readers import LoadError
from assistant.documents.validity import link_repeals

FIELDS = (("doc_number", "文号"), ("issued_on", "日期"), ("issuer", "发文机关"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).parents[2] / "shared")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args()
    corpus = args.shared / "corpus"
    rows = read_official(corpus / "html" / "meta" / "官方文件表.csv")
    files = files_of(rows, sorted((corpus / "html").glob("*.html")))
    print(f"{len(rows)} rows in the official table, {len(files)} matched to a saved page\n")
    agree: Counter[str] = Counter()
    compared: Counter[str] = Counter()
    mismatches = []
    for row, path in files.items():
        source = load_document(path, corpus).source
        found = compare(row, source)
        for name, label in FIELDS:
            agrees = getattr(found, name)
            if agrees is None:
                continue
            compared[name] += 1
            agree[name] += agrees
            if not agrees:
                want = {"doc_number": row.doc_number, "issued_on": row.published_on}
                official = want.get(name, row.issuer)
                mismatches.append((path.name, label, getattr(source, name), official))
    print(f"{'field':<8} {'agree':>6} {'of':>4} {'share':>7}")
    for name, label in FIELDS:
        share = agree[name] / compared[name] if compared[name] else 0.0
        print(f"{label:<8} {agree[name]:>6} {compared[name]:>4} {share:>7.1%}")
    print("\nmismatches (file | field | extracted | official table):")
    for mismatch in mismatches:
        print("  " + " | ".join(mismatch))
    documents = []
    for path in corpus_files(corpus):
        try:
            documents.append(load_document(path, corpus).info())
        except LoadError:
            continue
    print(f"\nvalidity on {args.day} of the {len(documents)} documents of {corpus}:")
    statuses = Counter()
    for document in link_repeals(documents):
        source = document.source
        status = source.validity(args.day)
        statuses[status] += 1
        if source.effective_on or source.expires_on or source.repealed_by:
            dates = f"{source.effective_on or '?'} → {source.expires_on or '—'}"
            print(f"  {status:<5} {dates:<26} {document.path} {source.repealed_by}")
    print("  " + ", ".join(f"{status}: {n}" for status, n in statuses.items()))


if __name__ == "__main__":
    main()
