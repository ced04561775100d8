"""智能提示 while a question is typed, and 猜你想问 under each reply.

:class:`Suggester` keeps the candidates of :mod:`.completions` — curated questions, the
log's hot questions of the last 30 days (:func:`assistant.records.hot.hot_questions`), the
indexed documents' titles — and refreshes them in the background every
:data:`REFRESH_SECONDS` (and when the index changes), so a keystroke never waits for the
database. ``GET /suggest?q=…`` (:func:`add_route`) serves the completions as JSON and
records nothing; :data:`SUGGEST_JS` shows them under the question box (↑/↓ to choose,
Enter or a click to ask, Esc to close).

:meth:`Suggester.related` picks up to three questions to ask next: curated and hot questions
about the same documents, then questions made from the cited documents' headings
(:mod:`assistant.answering.related`), never one the conversation already asked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from ..answering.curated import review
from ..answering.related import structure_questions
from ..records import Recorder
from ..records.curated import CuratedStore
from ..records.grouping import key
from ..records.hot import Hot, hot_questions
from ..types import Answer
from .admin import Library
from .completions import LIMIT, Completion, Completions, Kind, Pinyin

log = logging.getLogger(__name__)
REFRESH_SECONDS = 60.0
RELATED = 3  # questions offered under a reply
HOT_RELATED = 2  # of which at most this many are curated or hot questions
ROUTE = "/suggest"


class Suggester:
    """Completions and related questions for one app (see the module docstring).

    Args:
        library: The index whose titles and headings are offered.
        recorder: The log whose hot questions are offered (none when off).
        curated: The 人工审核答案 whose questions are offered (those served: not 需复核).
        refresh_seconds: How old the candidates may get before a refresh starts.
    """

    def __init__(
        self,
        library: Library,
        recorder: Recorder,
        curated: CuratedStore | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.library = library
        self.recorder = recorder
        self.curated = curated
        self.refresh_seconds = refresh_seconds
        self.hot: list[Hot] = []
        self.curated_docs: list[tuple[str, frozenset[str]]] = []  # question, cited documents
        self._completions = Completions()
        self._pinyin = Pinyin()
        self._refreshed = -float("inf")
        self._generation = ""
        self._refreshing = threading.Lock()
        self._structure: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def start(self) -> None:
        """Read the candidates in the background (the app's first keystrokes find them)."""
        threading.Thread(target=self.refresh, name="suggest-refresh", daemon=True).start()

    def complete(self, typed: str, limit: int = LIMIT) -> list[Completion]:
        """Completions of ``typed`` from the candidates as they are (a refresh that is due
        starts in the background)."""
        if self._stale():
            self.start()
        return self._completions.match(typed, limit)

    def refresh(self) -> None:
        """Read the candidates anew (at most one refresh at a time; a failing database
        keeps the hot questions it had)."""
        if not self._refreshing.acquire(blocking=False):
            return
        try:
            self._refreshed = time.monotonic()
            searcher = self.library.searcher
            generation = searcher.index.manifest.generation if searcher else ""
            titles = [d.source.title for d in searcher.index.documents] if searcher else []
            hot = self.hot
            if self.recorder.enabled:
                try:
                    hot = hot_questions(self.recorder.engine())
                except Exception as error:  # noqa: BLE001 - suggestions go on without the log
                    log.error("热门问题读取失败 hot questions unavailable: %s", error)
            documents = {d.path: d for d in searcher.index.documents} if searcher else {}
            served = [
                e for e in (self.curated.active() if self.curated else [])
                if not review(e, documents)
            ]  # fmt: skip
            curated = [e.question for e in served]
            candidates = [
                *(self._pinyin.candidate(q, Kind.CURATED) for q in curated),
                *(self._pinyin.candidate(h.question, Kind.HOT, h.count) for h in hot),
                *(self._pinyin.candidate(t, Kind.TITLE) for t in titles if t),
            ]
            self.hot, self._completions = hot, Completions(candidates)
            self.curated_docs = [
                (e.question, frozenset(c.doc for c in e.citations)) for e in served
            ]
            self._pinyin.keep(c.text for c in candidates)
            if generation != self._generation:
                self._structure.clear()  # the headings of the documents now indexed
            self._generation = generation
        finally:
            self._refreshing.release()

    def related(self, reply: Answer, asked: Sequence[str], limit: int = RELATED) -> list[str]:
        """Up to ``limit`` questions to ask after ``reply`` (none when nothing was found),
        none of them in ``asked`` (the conversation's questions, this one included)."""
        searcher = self.library.searcher
        if not reply.found or not reply.citations or searcher is None:
            return []
        docs = list(dict.fromkeys(hit.chunk.doc for hit in reply.citations))
        seen = {key(q) for q in [*asked, reply.question]}
        chosen: list[str] = []

        def offer(question: str) -> None:
            if len(chosen) < limit and key(question) not in seen:
                seen.add(key(question))
                chosen.append(question)

        cited = set(docs)
        asked_lately = [q for q, about in self.curated_docs if about & cited]
        asked_lately += [h.question for h in self.hot if h.docs & cited]
        for question in asked_lately:
            if len(chosen) >= HOT_RELATED:
                break
            offer(question)
        quoted = {label for hit in reply.citations for label in hit.chunk.section_path}
        generation = searcher.index.manifest.generation
        for doc in docs:
            headings = self._structure.get((generation, doc))
            if headings is None:
                headings = structure_questions(searcher.index, doc)
                self._structure[(generation, doc)] = headings
            for heading, question in headings:
                if heading not in quoted:  # the reply quotes that section already
                    offer(question)
        return chosen

    def _stale(self) -> bool:
        searcher = self.library.searcher
        generation = searcher.index.manifest.generation if searcher else ""
        old = time.monotonic() - self._refreshed > self.refresh_seconds
        return old or generation != self._generation


def add_route(app: Any, suggester: Suggester) -> None:
    """``GET /suggest?q=…`` on the FastAPI ``app``: ``{"suggestions": [{"text", "kind"}]}``."""

    @app.get(ROUTE)
    def suggest(q: str = "") -> dict[str, Any]:
        found = suggester.complete(q[:200])
        return {"suggestions": [{"text": c.text, "kind": c.kind} for c in found]}


SUGGEST_CSS = """
#suggestions {position: absolute; z-index: 1000; margin: 2px 0 0; box-sizing: border-box;
  padding: 4px 0; list-style: none; background: var(--background-fill-primary);
  border: 1px solid var(--border-color-primary); border-radius: 6px;
  box-shadow: 0 4px 12px rgba(0, 0, 0, 0.12)}
#suggestions li {padding: 6px 10px; cursor: pointer; display: flex; gap: 8px}
#suggestions li[aria-selected="true"], #suggestions li:hover {
  background: var(--background-fill-secondary)}
#suggestions .kind {color: var(--body-text-color-subdued); font-size: 0.85em; margin-left: auto}
"""

# Run on page load. The list is built with textContent only (a suggestion is text, never HTML).
SUGGEST_JS = """
() => {
  const box = () => document.querySelector("#question textarea, #question input");
  let list = null, items = [], active = -1, asked = 0, timer = null;
  const close = () => { if (list) list.remove(); list = null; items = []; active = -1; };
  const mark = () => items.forEach((item, i) => {
    item.setAttribute("aria-selected", String(i === active));
    if (i === active) box().setAttribute("aria-activedescendant", item.id);
  });
  const choose = (text) => {
    const input = box();
    close();
    input.value = text;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    setTimeout(() => document.querySelector("#send").click(), 0);
  };
  const show = (found) => {
    close();
    const input = box();
    if (!found.length || document.activeElement !== input) return;
    list = document.createElement("ul");
    list.id = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "智能提示");
    found.forEach((s, i) => {
      const item = document.createElement("li");
      item.id = "suggestion-" + i;
      item.setAttribute("role", "option");
      const text = document.createElement("span");
      text.textContent = s.text;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = s.kind;
      item.append(text, kind);
      item.addEventListener("mousedown", (e) => { e.preventDefault(); choose(s.text); });
      list.append(item);
      items.push(item);
    });
    input.setAttribute("aria-controls", "suggestions");
    const at = input.getBoundingClientRect();  // under the box (its block clips overflow)
    list.style.left = at.left + window.scrollX + "px";
    list.style.top = at.bottom + window.scrollY + "px";
    list.style.width = at.width + "px";
    document.body.append(list);
  };
  const lookup = () => {
    const input = box();
    const typed = input ? input.value.trim() : "";
    const mine = ++asked;
    if ([...typed].length < 2) { close(); return; }
    fetch("suggest?q=" + encodeURIComponent(typed))
      .then((r) => r.ok ? r.json() : {suggestions: []})
      .then((data) => { if (mine === asked) show(data.suggestions || []); })
      .catch(() => close());
  };
  document.addEventListener("input", (e) => {
    if (e.target !== box() || e.isComposing || !e.isTrusted) return;
    clearTimeout(timer);
    timer = setTimeout(lookup, 120);
  });
  document.addEventListener("compositionend", (e) => {
    if (e.target === box()) { clearTimeout(timer); timer = setTimeout(lookup, 120); }
  });
  document.addEventListener("keydown", (e) => {
    if (!list || e.target !== box() || e.isComposing) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      active = (active + step + items.length + 1) % (items.length + 1);
      if (active === items.length) active = -1;
      mark();
    } else if (e.key === "Enter" && !e.shiftKey && active >= 0) {
      e.preventDefault();
      e.stopImmediatePropagation();
      choose(items[active].firstChild.textContent);
    } else if (e.key === "Escape") {
      close();
    } else if (e.key === "Enter") {
      close();
    }
  }, true);
  document.addEventListener("focusout", (e) => { if (e.target === box()) close(); });
  document.addEventListener("click", (e) => { if (e.target.closest("#send")) close(); }, true);
}
"""
