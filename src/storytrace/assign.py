"""Incremental stories: each new article joins the story it belongs to, or starts one.

One algorithm serves both the stream and the batch: articles are taken one
at a time, in publication order, against what the store has indexed so far.
Re-clustering a corpus is replaying it into an empty store (an in-memory
one for ``storytrace cluster``), so the batch and the incremental path give
the same stories by construction.

For one new article:

1. **Candidates** among the indexed articles: shared MinHash LSH bands,
   the nearest document vectors, and at least two shared rare names or
   numbers (rarity from the document frequencies counted so far).
2. **Verify** each candidate (:mod:`storytrace.verify`); corpus statistics
   are those of the indexed articles plus this one, exactly as a batch run
   that had read the same articles would see them.
3. **Link by average linkage**: a story the article matched is joined when
   the article's mean score against (a sample of) the story's members is
   >= 0.5. When it qualifies for two stories and those two stories are, on
   average, one story with each other, they merge; the store records why.
   Sentence vectors, four times the cost of the document vector, are made
   here and not at indexing: only for the articles of pairs that could be
   one story whatever their sentences say (:func:`~storytrace.verify.score_ceiling`
   >= 0.5) and for the versions of the stories they link with; they are
   stored as they are made. The decisions are those of making them all.
4. **Provenance** is recomputed for every story that changed, and the
   article's terms are indexed, all in one transaction.

When a run has assigned its articles, it **settles** the stories it
touched (:meth:`StoryAssigner.settle`): each of their versions is checked
again against everything indexed by then, and moves to the story it now
fits better. An article joins on the evidence of the articles before it;
the first versions of two events of one kind can look like one story
until more of each arrive, and the re-check undoes those early calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from time import perf_counter

import numpy as np

from storytrace.candidates import MAX_BUCKET, MIN_COSINE, NEIGHBOURS, linking_terms
from storytrace.cluster import LINK_SAMPLE, average_linkage
from storytrace.fingerprint import Embedder, Fingerprint, band_keys, with_sentence_vectors
from storytrace.model import Article, Derivation, Story, as_utc, story_id_for
from storytrace.neighbourhood import K as NEIGHBOURHOOD_K
from storytrace.neighbourhood import Neighbourhoods
from storytrace.provenance import build_story, derivations
from storytrace.store import SQLiteStore
from storytrace.store.codec import as_stored
from storytrace.verify import (
    Match,
    compare_fingerprints,
    content_terms,
    document_terms,
    score_at_gap,
    score_ceiling,
    untimed,
)

__all__ = ["CACHE_ARTICLES", "AssignReport", "StoryAssigner", "document_terms", "stored_idf"]

# A story joins, and two stories merge, at this mean same-story probability.
# Tried and not kept (ECB+ B-cubed, file order, 0.914 = P 0.935 / R 0.893):
# lowering a link's log-odds by 1 when each side is about a rare name the
# other never uses (Klitschko against Rahman, and against Thompson) gave
# 0.892 (P 0.949, R 0.842) when a lone article's lead names counted, and
# 0.914 (P 0.951, R 0.879) with stories of five versions or more on both
# sides: the same event's sub-groups also name people the others do not.
LINK_THRESHOLD = 0.5
# Rounds of re-checking a run's stories. A round can leave a version that
# fits better elsewhere because of a move made after it was checked; the
# cap bounds the cost (each round re-verifies every version checked).
SETTLE_ROUNDS = 4
# Stories with more versions than this are not re-checked version by version
# (nor re-split on a delete): each re-check verifies a version against its
# candidates, so a stream that adds one article to a large story would
# otherwise pay for the whole story on every call. Such a story can still
# take in a smaller one that is re-checked.
RECHECK_MAX_VERSIONS = 4 * LINK_SAMPLE
# A story of this many versions is a crowd: each version's nearest
# neighbours (:data:`storytrace.neighbourhood.K` of them) can all be the
# story's own, so whether two groups of its versions sit among the same
# articles is evidence of one event or two (:mod:`storytrace.neighbourhood`).
# The re-check reads its versions within their neighbourhoods and splits off
# groups that are then, on average, not one story (see
# StoryAssigner._crowd_parts). Smaller stories are not read so: around them
# the neighbours are the topic's other stories, and two events of one kind
# agree (the demo corpus, 2-5 versions a story: 0.93 on average).
CROWD_VERSIONS = NEIGHBOURHOOD_K + 1
# A group split off a crowd has at least this many versions; smaller groups
# go back to the part they fit best (a lone outlier is not a story of its own
# on its neighbourhood's word).
CROWD_PART = 3
# Names rarer than this (idf) link two articles through the term index.
MIN_RARE_IDF = 2.5
# Articles an assigner keeps in memory between assignments. A cached article
# (text, fingerprint with sentence vectors, term counts) costs about 100 KB
# (bench/stream_memory.py), so this holds a long stream near 500 MB; past
# it, articles are read from the store again, which changes no decision.
CACHE_ARTICLES = 5_000


def smoothed_idf(n: int, df: int) -> float:
    """``ln((N+1)/(df+1)) + 1``: the same smoothing as :func:`storytrace.verify.compute_idf`."""
    return math.log((n + 1) / (df + 1)) + 1.0


def stored_idf(store: SQLiteStore, terms: set[str]) -> dict[str, float]:
    """The idf of ``terms`` over the articles the store has indexed into stories."""
    n, df = store.doc_freqs(terms)
    return {t: smoothed_idf(n, df.get(t, 0)) for t in terms}


def name_idf(
    store: SQLiteStore, links: set[str], new_terms: set[str] | None = None
) -> tuple[int, dict[str, float]]:
    """The store's indexed-article count and the idf of the names among ``links``.

    ``new_terms``, the words of an article not indexed yet, are counted in
    as indexing it will count them, so its candidates are found with the
    statistics a batch run over the same articles would use.
    """
    names = {t[2:] for t in links if t[0] == "e"}
    n, df = store.doc_freqs(names)
    if new_terms is None:
        return n, {t: smoothed_idf(n, df.get(t, 0)) for t in names}
    return n, {t: smoothed_idf(n + 1, df.get(t, 0) + (t in new_terms)) for t in names}


def stored_candidates(
    store: SQLiteStore,
    model: str,
    fp: Fingerprint,
    links: set[str],
    name_idf: Mapping[str, float],
) -> set[str]:
    """Ids of stored articles worth verifying against ``fp``: the three kinds of candidates.

    Articles sharing an LSH band, the :data:`NEIGHBOURS` nearest document
    vectors among articles in stories, and articles sharing at least two
    rare linking terms (``links``, names rarer than :data:`MIN_RARE_IDF`
    by ``name_idf``, and numbers).
    """
    found = store.band_neighbours(band_keys(fp.minhash)) if len(fp.shingles5) else set()
    found |= store.nearest_indexed(model, fp.embedding, NEIGHBOURS, MIN_COSINE)
    rare = {t for t in links if t[0] == "n" or name_idf.get(t[2:], 0.0) >= MIN_RARE_IDF}
    shared = store.term_neighbours(rare, MAX_BUCKET)
    found |= {x for x, count in shared.items() if count >= 2}
    return found


def match_stored(
    store: SQLiteStore,
    embedder: Embedder | None,
    article: Article,
    fp: Fingerprint,
    *,
    timings: dict[str, float] | None = None,
) -> list[Match]:
    """Verify ``article`` against its candidates among the articles in stories; writes nothing.

    The same candidates and corpus statistics as :meth:`StoryAssigner.assign`
    (the article need not be stored). Sentence vectors missing on either
    side are made, in memory, only for pairs that could be one story; the
    other pairs keep the match made without them (``evidence.sentences_compared``
    false, their score a lower bound under 0.5). ``timings``, when given,
    receives the seconds spent finding candidates, loading them, making
    sentence vectors (``embed``) and verifying them.

    Returns:
        every verified candidate, highest score first (``a`` is ``article``).
    """
    start = perf_counter()
    model = embedder.name if embedder is not None else ""
    terms = document_terms(article)
    links = linking_terms(fp)
    _, idf_of_names = name_idf(store, links, terms)
    found = stored_candidates(store, model, fp, links, idf_of_names) - {article.id}
    indexed = sorted(store.story_ids_of(found))
    found_at = perf_counter()
    fps = store.get_fingerprints(indexed, model)
    others = [a for a in (store.get(x) for x in indexed) if a is not None and a.id in fps]
    idf = stored_idf(store, terms.union(*map(document_terms, others)))
    loaded_at = perf_counter()
    matches = [compare_fingerprints(article, o, fp, fps[o.id], idf=idf) for o in others]
    redo = [i for i, m in enumerate(matches) if _could_change(m, fp, fps[m.b])]
    embed_s = 0.0
    if embedder is not None and redo:
        embed_start = perf_counter()
        # Rounded as a store keeps them, so a match scores exactly as the
        # same pair does once the assigner has stored these vectors.
        query, *completed = map(as_stored, with_sentence_vectors(
            [fp, *(fps[others[i].id] for i in redo)], embedder))
        embed_s = perf_counter() - embed_start
        for i, other_fp in zip(redo, completed, strict=True):
            matches[i] = compare_fingerprints(article, others[i], query, other_fp, idf=idf)
    if timings is not None:
        timings["candidates"] = found_at - start
        timings["load"] = loaded_at - found_at
        timings["embed"] = embed_s
        timings["verify"] = perf_counter() - loaded_at - embed_s
    return sorted(matches, key=lambda m: (-m.score, m.b))


def _could_change(match: Match, fa: Fingerprint, fb: Fingerprint) -> bool:
    """Whether sentence vectors still to be made could make ``match``'s pair one story."""
    lacking = fa.lacks_sentence_vectors or fb.lacks_sentence_vectors
    return lacking and score_ceiling(match) >= LINK_THRESHOLD


class _Cache:
    """Articles, fingerprints and term counts read from the store, kept across assignments.

    Bounded: when it would grow past ``limit`` articles, all but the ones
    asked for are dropped, so a long stream holds at most that many in
    memory.
    """

    def __init__(
        self, store: SQLiteStore, embedder: Embedder | None, limit: int = CACHE_ARTICLES
    ) -> None:
        if limit < 1:
            raise ValueError(f"the article cache must hold at least one article, not {limit}")
        self.store, self.embedder, self.limit = store, embedder, limit
        self.model = embedder.name if embedder is not None else ""
        self.articles: dict[str, Article] = {}
        self.fps: dict[str, Fingerprint] = {}
        self.content: dict[str, dict[str, int]] = {}
        self.doc_terms: dict[str, set[str]] = {}

    def load(self, ids: Iterable[str]) -> None:
        wanted = list(dict.fromkeys(ids))
        missing = [x for x in wanted if x not in self.articles]
        if not missing:
            return
        if len(self.articles) + len(missing) > self.limit:
            keep = set(wanted)
            for table in (self.articles, self.fps, self.content, self.doc_terms):
                for x in [x for x in table if x not in keep]:
                    del table[x]
        fps = self.store.get_fingerprints(missing, self.model)
        for x in missing:
            art = self.store.get(x)
            if art is None or x not in fps:
                raise LookupError(f"{x}: not stored, or not fingerprinted with {self.model}")
            self.put(art, fps[x])

    def put(self, article: Article, fp: Fingerprint) -> None:
        self.articles[article.id], self.fps[article.id] = article, fp

    def with_sentences(self, ids: Sequence[str]) -> None:
        """Make and store the sentence vectors the articles ``ids`` lack (one batch)."""
        self.load(ids)
        lacking = [self.fps[x] for x in dict.fromkeys(ids) if self.fps[x].lacks_sentence_vectors]
        if self.embedder is None or not lacking:
            return
        self.store.put_sentence_vectors(with_sentence_vectors(lacking, self.embedder), self.model)
        # Read back, rounded as stored (float16), so that a restart, which
        # reads them from the store, scores every pair exactly as now.
        self.fps.update(self.store.get_fingerprints([fp.article_id for fp in lacking], self.model))

    def terms(self, x: str) -> dict[str, int]:
        if x not in self.content:
            self.content[x] = content_terms(self.articles[x].body)
        return self.content[x]

    def document_terms(self, x: str) -> set[str]:
        if x not in self.doc_terms:
            self.doc_terms[x] = document_terms(self.articles[x])
        return self.doc_terms[x]


@dataclass(slots=True)
class AssignReport:
    """What a run of :meth:`StoryAssigner.assign_all` did.

    ``assigned`` articles, of which ``started`` began a story and ``joined``
    joined one; ``merged`` stories merged into another (by an article that
    bridged them, or on re-checking); ``moved`` versions the re-check
    (:meth:`StoryAssigner.settle`) moved to another story; ``split`` stories
    the re-check split off a crowd that was two events.
    """

    assigned: int = 0
    started: int = 0
    joined: int = 0
    merged: int = 0
    moved: int = 0
    split: int = 0


class StoryAssigner:
    """Puts stored articles into stories, one at a time, against a store.

    Args:
        store: the store holding the articles, their fingerprints, and the stories.
        embedder: the embedder the fingerprints were made with (``None``:
            fingerprints without vectors); it makes the sentence vectors
            that verification needs and indexing left out.
        cache_articles: how many articles it keeps in memory between
            assignments (about 100 KB each); memory, not decisions.
        neighbourhoods: the neighbourhoods of a whole corpus known in
            advance (batch runs only, opt-in): pairs are then scored within
            it (:mod:`storytrace.neighbourhood`). A stream cannot have them:
            neighbourhoods of "the articles so far" read the topic, not the
            event, early on (ECB+ B-cubed fell from 0.871 to 0.828, measured
            before :meth:`settle` existed), and a whole-corpus neighbourhood
            would make a story depend on articles that arrive later.
    """

    def __init__(
        self,
        store: SQLiteStore,
        embedder: Embedder | None,
        *,
        cache_articles: int = CACHE_ARTICLES,
        neighbourhoods: Neighbourhoods | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.model = embedder.name if embedder is not None else ""
        self.neighbourhoods = neighbourhoods
        self._cache = _Cache(store, embedder, cache_articles)

    # -- the stream -----------------------------------------------------------

    def assign_all(
        self, on_progress: Callable[[int, int], None] | None = None
    ) -> AssignReport:
        """Assign every stored article that is in no story yet, oldest first."""
        report = AssignReport()
        pending = self.store.unassigned()
        touched: set[str] = set()
        for done, article_id in enumerate(pending, 1):
            kind = self.assign(article_id)
            touched.add(self.store.story_ids_of([article_id])[article_id])
            report.assigned += 1
            report.started += kind == "started"
            report.joined += kind in ("joined", "merged")
            report.merged += kind == "merged"
            if on_progress is not None:
                on_progress(done, len(pending))
        if touched:
            moved, merged, split = self.settle(touched)
            report.moved, report.merged, report.split = moved, report.merged + merged, split
        return report

    def assign(self, article_id: str) -> str:
        """Put one stored, fingerprinted article into its story.

        Returns:
            ``"started"`` (a new story), ``"joined"`` or ``"merged"`` (it
            joined a story and bridged it with another).
        """
        store = self.store
        self._cache.load([article_id])
        article, fp = self._cache.articles[article_id], self._cache.fps[article_id]
        terms = self._cache.document_terms(article_id)
        links = linking_terms(fp)
        n, idf_of_names = name_idf(store, links, terms)
        candidates = stored_candidates(store, self.model, fp, links, idf_of_names) - {article_id}
        story_of = store.story_ids_of(candidates)
        candidates = {c for c in candidates if c in story_of}  # only indexed articles

        # Corpus statistics as a batch run over the same articles would see
        # them: the indexed ones plus this one.
        pairs = _PairScorer(
            self._cache, n_docs=n + 1, new_id=article_id, neighbourhoods=self.neighbourhoods
        )
        matches = [pairs.match(c) for c in pairs.plausible(sorted(candidates))]
        hit = {story_of[m.b] for m in matches if m.same_story}
        linkage = {sid: pairs.linkage(store.get_story(sid)) for sid in sorted(hit)}
        joinable = sorted(
            (sid for sid, score in linkage.items() if score >= LINK_THRESHOLD),
            key=lambda sid: (-linkage[sid], sid),
        )
        events: list[tuple[str, str, str | None, str | None, str]] = []
        removed: list[str] = []
        previous: Story | None = None
        if not joinable:
            story_id = _new_story_id(store, article.id)
            members = [article.id]
            kind = "started"
            events.append((story_id, "started", article.id, None, "no indexed story matched"))
        else:
            story_id = joinable[0]
            previous = _story(store, story_id)
            members = [m.article_id for m in previous.members] + [article.id]
            kind = "joined"
            events.append(
                (story_id, "joined", article.id, None,
                 f"mean score {linkage[story_id]:.3f} against its versions")
            )
            for other in joinable[1:]:
                other_members = [m.article_id for m in _story(store, other).members]
                between = self._between(pairs, members, other_members)
                if between >= LINK_THRESHOLD:
                    keep, gone = _survivor(story_id, len(members), other, len(other_members))
                    story_id, members = keep, members + other_members
                    previous = None  # a merged story is verified afresh
                    removed.append(gone)
                    kind = "merged"
                    events.append(
                        (keep, "merged", article.id, gone,
                         f"the new article bridges them; mean score between them {between:.3f}")
                    )
        story = pairs.build(story_id, members, previous=previous)
        store.save_stories(
            [story], removed=removed, events=events, indexed=[(article.id, terms, links)]
        )
        return kind

    def settle(self, story_ids: Iterable[str]) -> tuple[int, int, int]:
        """Check the stories ``story_ids`` again, now that later articles are indexed too.

        An article joined its story on the evidence of the articles before
        it, so early calls are made on little: the first reports of two
        events of one kind can look like one story until more of each
        arrive. Each round of the re-check does two things, with the same
        rule as joining (a mean score of at least :data:`LINK_THRESHOLD`
        against a sample of :data:`LINK_SAMPLE` versions):

        1. every version of the stories moves to the story it now fits
           best, when that fit is above both the threshold and its fit with
           its own story's other versions (the candidate stories are those
           of its candidates, found as in :meth:`assign`, that it matches);
        2. two of those stories merge when their versions are, on average,
           one story with each other.

        Stories of more than :data:`RECHECK_MAX_VERSIONS` versions are not
        re-checked version by version (cost). Rounds repeat while something
        changes (at most :data:`SETTLE_ROUNDS`), with the corpus statistics
        of everything indexed. Then every changed story gets its provenance
        again and the store records each move and merge, all in one
        transaction. The result depends only on the store and
        ``story_ids``, so a batch replay and the stream settle alike.

        Returns:
            the versions moved, the stories merged away and the stories split off.
        """
        scorer = _PairScorer(self._cache, n_docs=self.store.doc_freqs(())[0],
                             neighbourhoods=self.neighbourhoods, keep_matches=False)
        grouping = _Regrouping(self.store)
        checked = sorted(set(story_ids))
        found_of: dict[str, list[str]] = {}
        for _ in range(SETTLE_ROUNDS):
            touching: dict[str, set[str]] = {}
            changes = 0
            for story_id in checked:
                if len(grouping.versions(story_id)) > RECHECK_MAX_VERSIONS:
                    continue
                for x in list(grouping.versions(story_id)):
                    here = grouping.story_of[x]
                    hits = self._stories_matched(scorer, x, grouping, found_of)
                    touching.setdefault(here, set()).update(hits - {here})
                    story = grouping.versions(here)
                    own = [y for y in story if y != x][:LINK_SAMPLE]
                    fit_here = scorer.mean_score(x, own, story)
                    best, fit_best = None, max(fit_here, LINK_THRESHOLD)
                    for other in sorted(hits - {here}):
                        fit = scorer.mean_score(x, grouping.versions(other)[:LINK_SAMPLE], story)
                        if fit > fit_best:  # strictly: on a tie it stays
                            best, fit_best = other, fit
                    if best is not None:
                        grouping.move(x, best, f"mean score {fit_best:.3f} against its versions, "
                                               f"{fit_here:.3f} against those of the story it left")
                        changes += 1
            for story_id in sorted(touching):
                for other in sorted(touching[story_id]):
                    a, b = grouping.versions(story_id), grouping.versions(other)
                    if not a or not b:  # emptied by a move or merged away
                        continue
                    between = self._between(scorer, a, b)
                    if between >= LINK_THRESHOLD:
                        keep, gone = _survivor(story_id, len(a), other, len(b))
                        grouping.merge(keep, gone, f"on re-checking, mean score {between:.3f} "
                                                   "between them")
                        changes += 1
            if not changes:
                break
            checked = sorted(s for s in {*checked, *grouping.changed} if grouping.versions(s))
        self._split_crowds(scorer, grouping, sorted({*checked, *grouping.changed}))
        if not grouping.events:
            return 0, 0, 0
        stories, removed = [], []
        for story_id in sorted(grouping.changed):
            if grouping.versions(story_id):
                previous = self.store.get_story(story_id)
                stories.append(scorer.build(story_id, grouping.versions(story_id),
                                            previous=previous))
            else:
                removed.append(story_id)
        self.store.save_stories(stories, removed=removed, events=grouping.events)
        kinds = [event[1] for event in grouping.events]
        return kinds.count("moved"), kinds.count("merged"), kinds.count("split")

    def _split_crowds(
        self, scorer: _PairScorer, grouping: _Regrouping, story_ids: Sequence[str]
    ) -> None:
        """Split each crowd among ``story_ids`` that its neighbourhoods read as two events or more.

        Articles join one at a time, so the first reports of two events of
        one kind (Klitschko against Rahman, and four years later against
        Thompson) can found one story, which then takes in both events'
        reports: no other story is there for them to move to, and the pair
        scores across the two events average about 0.5. Once the story is a
        crowd (:data:`CROWD_VERSIONS`), each event's reports have their own
        nearest neighbours, and the pairs read within them tell the events
        apart (ECB+ same-topic pairs: AUC 0.947 against 0.857 for the cosine).
        Not done when the whole run was already read within a corpus's
        neighbourhoods, nor without document vectors. ``scorer`` is the
        re-check's (its corpus statistics).
        """
        if not self._reads_crowds():
            return
        for story_id in story_ids:
            versions = grouping.versions(story_id)
            if not CROWD_VERSIONS <= len(versions) <= RECHECK_MAX_VERSIONS:
                continue
            parts = self._crowd_parts(scorer, versions)
            if len(parts) < 2:
                continue
            new_ids: list[str] = []
            for part in parts[1:]:
                new_ids.append(_new_story_id(self.store, part[0], [*grouping.members, *new_ids]))
            grouping.split(story_id, parts[1:], new_ids,
                           "read within its versions' neighbourhoods, it is "
                           f"{len(parts)} stories")

    def _reads_crowds(self) -> bool:
        """Whether crowds are read within their own neighbourhoods (see :meth:`_split_crowds`)."""
        return self.neighbourhoods is None and self.embedder is not None

    def _crowd_scorer(self, scorer: _PairScorer, versions: Sequence[str]) -> _PairScorer:
        """A scorer like ``scorer`` that reads each pair within its neighbourhood: the
        :data:`~storytrace.neighbourhood.K` nearest indexed articles of each of ``versions``."""
        cache = self._cache
        cache.load(versions)
        around = set(versions)
        for x in versions:
            around |= self.store.nearest_indexed(
                self.model, cache.fps[x].embedding, NEIGHBOURHOOD_K + 1, -1.0)
        known = sorted(around)
        cache.load(known)
        # A version without a document vector has no neighbourhood: its
        # pairs are then scored as read alone.
        ids = [x for x in known if cache.fps[x].embedding is not None]
        hoods = Neighbourhoods(ids, np.stack([cache.fps[x].embedding for x in ids])
                               if ids else np.zeros((0, 1), np.float32))
        return _PairScorer(cache, n_docs=scorer.n_docs, new_id=scorer.new_id,
                           neighbourhoods=hoods, keep_matches=False)

    def _between(self, scorer: _PairScorer, a: Sequence[str], b: Sequence[str]) -> float:
        """Mean score between two stories about to merge.

        When together they would be a crowd, the lower of that and the mean
        read within their neighbourhoods, as :meth:`_split_crowds` reads a
        crowd: a merge the re-check would undo is not made. The
        neighbourhoods may keep two stories apart, never join them: around
        a corpus of one topic (Clough's answers to one question) every
        version's neighbours are the topic, and read within them the
        independent answers would join the source's story (Clough F1 0.919
        -> 0.864, measured 2026-12-08).
        """
        between = scorer.group_linkage(a, b)
        if between >= LINK_THRESHOLD and self._reads_crowds() and (
                len(a) + len(b) >= CROWD_VERSIONS):
            crowd = self._crowd_scorer(scorer, [*a[:LINK_SAMPLE], *b[:LINK_SAMPLE]])
            between = min(between, crowd.group_linkage(a, b))
        return between

    def _crowd_parts(self, base: _PairScorer, versions: Sequence[str]) -> list[list[str]]:
        """The versions of one crowd grouped as their neighbourhoods read them, largest first.

        Every pair is scored with its neighbourhood agreement
        (:data:`~storytrace.verify.CONTEXT_WEIGHTS`), the neighbourhoods being
        each version's nearest indexed articles, and the versions regrouped
        by the same average linkage as a delete re-splits a story with.
        Groups of fewer than :data:`CROWD_PART` versions rejoin the part they
        fit best; with fewer than two parts the story stays whole. ``base``
        gives the corpus statistics.
        """
        scorer = self._crowd_scorer(base, versions)
        scorer.load(list(versions), sentences=True)
        matches = [scorer.pair(x, y) for i, x in enumerate(versions) for y in versions[i + 1:]]
        groups = average_linkage(list(versions), matches, scorer.score_ids)
        parts = sorted((g for g in groups if len(g) >= CROWD_PART), key=len, reverse=True)
        if len(parts) < 2:
            return [list(versions)]
        for group in groups:
            if len(group) < CROWD_PART:
                for x in group:
                    best = max(parts, key=lambda part: scorer.mean_score(x, part[:LINK_SAMPLE]))
                    best.append(x)
        return parts

    def _stories_matched(
        self, scorer: _PairScorer, x: str, grouping: _Regrouping, found_of: dict[str, list[str]]
    ) -> set[str]:
        """The stories of the candidates of ``x`` (as :meth:`assign` finds them) it matches.

        ``found_of`` keeps each article's candidates across the rounds of one
        re-check: the index does not change until the re-check writes.
        """
        if x not in found_of:
            scorer.load([x])
            fp = self._cache.fps[x]
            links = linking_terms(fp)
            _, idf_of_names = name_idf(self.store, links)
            found_of[x] = sorted(
                stored_candidates(self.store, self.model, fp, links, idf_of_names) - {x})
        found = found_of[x]
        grouping.read(found)
        found = [y for y in found if y in grouping.story_of]
        return {grouping.story_of[y] for y in scorer.matching(x, found)}

    # -- deleting -------------------------------------------------------------

    def remove(self, article_id: str) -> list[Story]:
        """Delete an article and update its story: provenance again, split where it was a bridge.

        Returns:
            the stories that now hold its former story's remaining versions.
        """
        store = self.store
        article = store.get(article_id)
        if article is None:
            return []
        story_id = store.story_ids_of([article_id]).get(article_id)
        if story_id is not None:
            store.forget_terms(document_terms(article))
        store.delete(article_id)
        if story_id is None:
            return []
        remaining = [m.article_id for m in _story(store, story_id).members]
        if not remaining:
            store.save_stories([], removed=[story_id], events=[
                (story_id, "emptied", article_id, None, "its last version was deleted")])
            return []
        self._cache = _Cache(store, self.embedder, self._cache.limit)
        scorer = _PairScorer(
            self._cache, n_docs=store.doc_freqs(())[0], neighbourhoods=self.neighbourhoods
        )
        groups = [remaining]
        if len(remaining) <= RECHECK_MAX_VERSIONS:  # bigger stories are not re-split (cost)
            scorer.load(remaining, sentences=True)
            matches = [
                scorer.pair(x, y) for i, x in enumerate(remaining) for y in remaining[i + 1 :]
            ]
            groups = average_linkage(remaining, matches, scorer.score_ids)
        ids = [story_id]
        for g in groups[1:]:
            ids.append(_new_story_id(store, g[0], taken=ids))
        stories = [scorer.build(sid, g) for sid, g in zip(ids, groups, strict=True)]
        events = [(story_id, "removed", article_id, None, "the article was deleted")]
        events += [(s.id, "split", article_id, story_id,
                    "its link to the rest went with the deleted article") for s in stories[1:]]
        store.save_stories(stories, events=events)
        return stories

    # -- reading ----------------------------------------------------------------

    def derivation_graph(self, story: Story) -> list[Derivation]:
        """Who copied, cut or rewrote whom inside one story (see :func:`derivations`)."""
        ids = [m.article_id for m in story.members]
        scorer = _PairScorer(
            self._cache, n_docs=self.store.doc_freqs(())[0], neighbourhoods=self.neighbourhoods
        )
        scorer.load(ids, sentences=True)
        return derivations([scorer.article(x) for x in ids], lambda a, b: scorer.pair(a.id, b.id))


def _new_story_id(store: SQLiteStore, founder: str, taken: Sequence[str] = ()) -> str:
    """An id for a story ``founder`` starts that no stored story (nor ``taken``) has."""
    attempt = 0
    while (sid := story_id_for(founder, attempt)) in taken or store.get_story(sid) is not None:
        attempt += 1
    return sid


def _survivor(a: str, size_a: int, b: str, size_b: int) -> tuple[str, str]:
    """Which id a merged story keeps, and which goes: the larger story's (smaller id on a tie)."""
    if size_a > size_b or (size_a == size_b and a < b):
        return a, b
    return b, a


def _story(store: SQLiteStore, story_id: str) -> Story:
    story = store.get_story(story_id)
    if story is None:
        raise LookupError(f"story {story_id} vanished from the store")
    return story


def _when(
    published: datetime | None, span: tuple[datetime, datetime] | None
) -> tuple[datetime, datetime] | None:
    """When a version ran: its own publication time, else its story's span."""
    if published is not None:
        moment = as_utc(published)
        return moment, moment
    return span


class _Regrouping:
    """Story membership as a re-check changes it: the store's, with the changes laid over.

    Stories are read from the store when first asked for; :meth:`move` and
    :meth:`merge` change only this view and log the store events that say
    why, to be written together at the end.
    """

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.members: dict[str, list[str]] = {}
        self.story_of: dict[str, str] = {}
        self.changed: set[str] = set()
        self.events: list[tuple[str, str, str | None, str | None, str]] = []

    def read(self, article_ids: Iterable[str]) -> None:
        """Know the stories of ``article_ids`` (those in a story)."""
        unknown = [x for x in article_ids if x not in self.story_of]
        for story_id in sorted(set(self.store.story_ids_of(unknown).values())):
            self.versions(story_id)

    def versions(self, story_id: str) -> list[str]:
        """The story's versions now, the original first (empty once it is gone)."""
        if story_id not in self.members:
            story = self.store.get_story(story_id)
            self.members[story_id] = [m.article_id for m in story.members] if story else []
            self.story_of.update((x, story_id) for x in self.members[story_id])
        return self.members[story_id]

    def move(self, x: str, to: str, reason: str) -> None:
        source = self.story_of[x]
        self.members[source].remove(x)
        self.members[to].append(x)
        self.story_of[x] = to
        self.changed.update((source, to))
        # Both stories say it: the one it joined, and the one it left.
        self.events.append((to, "moved", x, source, reason))
        self.events.append((source, "left", x, to, reason))
        if not self.members[source]:
            self.events.append((source, "emptied", None, None, "its last version moved"))

    def split(
        self, story_id: str, parts: Sequence[Sequence[str]], new_ids: Sequence[str], reason: str
    ) -> None:
        """Move each of ``parts`` (versions of ``story_id``) out into a new story of ``new_ids``."""
        for part, new_id in zip(parts, new_ids, strict=True):
            self.members[new_id] = []
            for x in part:
                self.members[story_id].remove(x)
                self.members[new_id].append(x)
                self.story_of[x] = new_id
            self.changed.update((story_id, new_id))
            self.events.append((new_id, "split", None, story_id, reason))

    def merge(self, keep: str, gone: str, reason: str) -> None:
        for x in self.members[gone]:
            self.story_of[x] = keep
        self.members[keep] += self.members[gone]
        self.members[gone] = []
        self.changed.update((keep, gone))
        self.events.append((keep, "merged", None, gone, reason))


class _PairScorer:
    """Verified scores among stored articles (and one new one), each pair computed once.

    The idf of every word of every article it touches is fetched from the
    store's counts as articles are loaded, so scores use exact corpus
    statistics: ``n_docs`` articles, with the new article (not yet indexed)
    counted in. Every verdict (score, one story or not) is kept; the whole
    :class:`Match` (evidence, aligned sentences) only with ``keep_matches``,
    since a re-check of a long run makes tens of thousands of pairs and
    needs only their verdicts (the matches took ~100 KB per article on a
    generated 2,000-article stream).
    """

    def __init__(
        self,
        cache: _Cache,
        *,
        n_docs: int,
        new_id: str | None = None,
        neighbourhoods: Neighbourhoods | None = None,
        keep_matches: bool = True,
    ) -> None:
        self.loaded = cache
        self.n_docs = n_docs
        self.new_id = new_id
        self.neighbourhoods = neighbourhoods
        self.keep_matches = keep_matches
        self.idf: dict[str, float] = {}
        self.matches: dict[tuple[str, str], Match] = {}
        self.verdicts: dict[tuple[str, str], tuple[float, bool]] = {}
        # Pairs scored with no time gap that one could have (see in_stories).
        self.untimed: set[tuple[str, str]] = set()
        self._seen: set[str] = set()

    def article(self, x: str) -> Article:
        return self.loaded.articles[x]

    def load(self, ids: Sequence[str], *, sentences: bool = False) -> None:
        """Load articles and the idf of their words (and their sentence vectors, if asked)."""
        self.loaded.load(ids)
        if sentences:
            self.loaded.with_sentences(ids)
        fresh = [x for x in ids if x not in self._seen]
        if not fresh:
            return
        self._seen.update(fresh)
        idf = self.idf
        words = {w for x in fresh for w in self.loaded.document_terms(x) if w not in idf}
        if not words:
            return
        _, df = self.loaded.store.doc_freqs(words)
        new_terms = self.loaded.document_terms(self.new_id) if self.new_id else set()
        for t in words:
            self.idf[t] = smoothed_idf(self.n_docs, df.get(t, 0) + (t in new_terms))

    def _compare(self, x: str, y: str) -> Match:
        c = self.loaded
        hood = self.neighbourhoods.agreement(x, y) if self.neighbourhoods else None
        return compare_fingerprints(
            c.articles[x], c.articles[y], c.fps[x], c.fps[y],
            idf=self.idf, terms_a=c.terms(x), terms_b=c.terms(y), neighbourhood=hood,
        )

    def pair(self, x: str, y: str) -> Match:
        """The match of ``x`` with ``y`` (in that order), sentence vectors made.

        Verified once when matches are kept, on every call otherwise.
        """
        if (x, y) in self.matches:
            return self.matches[(x, y)]
        self.load([x, y], sentences=True)
        match = self._compare(x, y)
        self._record(x, y, match)
        return match

    def _record(self, x: str, y: str, match: Match) -> None:
        """Keep the final verdict on ``(x, y)`` (and its match, if matches are kept)."""
        self.verdicts[(x, y)] = (match.score, match.same_story)
        if untimed(match):
            self.untimed.update(((x, y), (y, x)))
        if self.keep_matches:
            self.matches[(x, y)] = match

    def match(self, other: str) -> Match:
        """The new article against one stored article."""
        assert self.new_id is not None
        return self.pair(self.new_id, other)

    def plausible(self, others: Sequence[str], base: str | None = None) -> list[str]:
        """Those of ``others`` that could be one story with ``base`` (default: the new article).

        Each pair is verified first with the sentence vectors at hand; the
        ones that could reach the link line once sentence vectors are made
        (:func:`score_ceiling`) get them, all in one batch.
        """
        new = base if base is not None else self.new_id
        assert new is not None
        self.load([new, *others])
        fps = self.loaded.fps
        out = []
        for other in others:
            rough = self._compare(new, other)
            if _could_change(rough, fps[new], fps[other]):
                out.append(other)
            else:  # nothing left to make: this is the match
                self._record(new, other, rough)
                if rough.score >= LINK_THRESHOLD:
                    out.append(other)
        if out:
            self.load([new, *out], sentences=True)
        return out

    def matching(self, x: str, others: Sequence[str]) -> list[str]:
        """Those of ``others`` that ``x`` matches as one story."""
        # Every kept verdict is final (made with sentence vectors, or
        # unable to reach the link line with them), so only fresh pairs
        # need the rough first pass.
        self.plausible([y for y in others if self._known(x, y) is None], base=x)
        return [y for y in others if self.verdict(x, y)[1]]

    def _known(self, x: str, y: str) -> tuple[float, bool] | None:
        return self.verdicts.get((x, y)) or self.verdicts.get((y, x))

    def verdict(self, x: str, y: str) -> tuple[float, bool]:
        """Score and same-story verdict of ``x`` and ``y``, in whichever order first made."""
        known = self._known(x, y)
        if known is None:
            match = self.pair(x, y)
            known = (match.score, match.same_story)
        return known

    def mean_score(self, x: str, others: Sequence[str], x_in: Sequence[str] = ()) -> float:
        """Mean score of ``x`` against ``others`` (0 when there are none), each pair
        :meth:`in_stories`: ``others`` as a sample of one story, ``x`` as a version of
        the story whose versions are ``x_in`` (a sample of it is read)."""
        if not others:
            return 0.0
        x_in = x_in[:LINK_SAMPLE]
        self.load([*x_in, x, *others])
        x_span, others_span = self.span(x_in), self.span(others)
        self.load([x, *others], sentences=True)  # keeps these if the cache is full
        return sum(self.in_stories(x, y, x_span, others_span) for y in others) / len(others)

    def score_ids(self, x: str, y: str) -> float:
        return self.verdict(x, y)[0]

    def span(self, ids: Sequence[str]) -> tuple[datetime, datetime] | None:
        """The first and last publication times of the versions ``ids`` (``None``: undated)."""
        times = [as_utc(t) for x in ids if (t := self.article(x).published) is not None]
        return (min(times), max(times)) if times else None

    def in_stories(
        self,
        x: str,
        y: str,
        x_span: tuple[datetime, datetime] | None,
        y_span: tuple[datetime, datetime] | None,
    ) -> float:
        """The score of ``x`` and ``y`` as versions of stories whose versions ran over
        ``x_span`` and ``y_span``.

        A version with no publication time (nor dateline) reports its story's
        event, so it is read as published when its story ran: an undated
        rewrite of a February fire is three weeks from a March fire, as its
        dated versions are. Without this, the one pair of two stories that
        lacks a date is the one that looks like the same story, and it
        carries a later event of the same kind into the earlier story. The
        pair's own score, and its verdict, stay as verified.
        """
        score = self.score_ids(x, y)
        if (x, y) not in self.untimed:
            return score
        x_when = _when(self.article(x).published, x_span)
        y_when = _when(self.article(y).published, y_span)
        if x_when is None or y_when is None:
            return score
        gap = max(x_when[0] - y_when[1], y_when[0] - x_when[1]).total_seconds() / 86400.0
        return score_at_gap(score, max(gap, 0.0))

    def linkage(self, story: Story | None) -> float:
        """Mean score of the new article against (a sample of) a story's versions."""
        if story is None or self.new_id is None:
            return 0.0
        sample = [m.article_id for m in story.members][:LINK_SAMPLE]
        return self.mean_score(self.new_id, sample)

    def group_linkage(self, a: Sequence[str], b: Sequence[str]) -> float:
        """Mean score between samples of two stories, each pair :meth:`in_stories`."""
        a, b = a[:LINK_SAMPLE], b[:LINK_SAMPLE]
        self.load([*a, *b], sentences=True)
        a_span, b_span = self.span(a), self.span(b)
        scores = [self.in_stories(x, y, a_span, b_span) for x in a for y in b]
        return sum(scores) / len(scores) if scores else 0.0

    def build(
        self, story_id: str, members: Sequence[str], previous: Story | None = None
    ) -> Story:
        """The story record of ``members``: likely original, relations to it, headline."""
        self.load(members, sentences=len(members) > 1)  # a lone version is compared with none
        story = build_story([self.article(x) for x in members],
                            lambda x, y: self.pair(x.id, y.id), previous=previous)
        return Story(id=story_id, headline=story.headline, original=story.original,
                     members=story.members, claimed_original=story.claimed_original)

