"""Attribute quotations to speakers (the ``quotes`` spaCy component is in :mod:`quotes.component`).

A speaker comes from the cue's subject (explicit), a pronoun followed through coreference
(pronoun), a common-noun phrase tied to an organisation named earlier (nominal), or the quote
before (continuation). When none of these gives a speaker, the quote keeps ``speaker=None``.
"""

from __future__ import annotations

import bisect
import re
import warnings
import weakref
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from spacy.attrs import ENT_IOB
from spacy.tokens import Doc, Token

from .cues import (
    DOCUMENT_NOUNS,
    FIRST_PERSON,
    GENERIC_ORG_NOUNS,
    HONORIFICS,
    NUMBER_WORDS,
    ORG_NAME_WORDS,
    ORG_NOUNS,
    ORG_PRONOUNS,
    PERSON_PRONOUNS,
    PLURAL_PRONOUNS,
    ROLE_NOUNS,
    category_of,
    gender_of,
)
from .doctools import doc_text
from .extract import Found, find_quotes
from .records import Quote, Span, SpeakerRef
from .reports import _is_passive

# Given a pronoun, the tokens it refers to (heads of the antecedent mentions), or [].
PronounResolver = Callable[[Token], list[Token]]

OPENING_MARKS = "\"“‘'"
CLOSING_MARKS = ("\"", "”")  # single marks double as apostrophes
CONFIDENCE = {
    "explicit": 0.9,
    "explicit_nearby": 0.75,  # the cue is beside the quote but the parse does not link them
    "pronoun": 0.8,
    "pronoun_fallback": 0.5,
    "nominal": 0.7,
    "nominal_generic": 0.55,
    "nominal_descriptive": 0.45,
    "continuation": 0.6,
}
# A cue only the tagger knew ("given an estimate") is a likelier misreading: its quote's
# confidence is scaled down, so `confidence > 0.5` keeps to what the word lists vouch for.
LEARNED_CUE_FACTOR = 0.6
ORG_LABELS = ("ORG", "GPE", "NORP", "FAC")
DETERMINERS = frozenset({"the", "a", "an"})
NAME_DEPS = {"compound", "amod", "nmod", "poss", "det", "nummod", "quantmod", "case", "punct"}
# How many sentences back the pronoun fallback looks for an antecedent.
FALLBACK_SENTENCES = 3

def coreferee_antecedents(token: Token) -> list[Token]:
    """Antecedents from coreferee's chains when the pipeline has coreferee, else []."""
    doc = token.doc
    if not Doc.has_extension("coref_chains") or doc._.coref_chains is None:
        return []
    try:
        return list(doc._.coref_chains.resolve(token) or [])
    except (IndexError, KeyError, AttributeError):
        return []


# Sentences before a pronoun's own that coreference reads when it runs around the pronoun:
# coreferee looks one sentence back (pipeline.COREF_ANAPHORA_SENTENCES). Measured against
# coreferee over whole articles on PolNeAR dev: one sentence back (and the pronoun's own up to
# its cue) changes 22 of 1,967 quotes and leaves every attribution figure as it was (F1 67.8);
# two change 8, for 1.5 times the coreference time.
COREF_WINDOW_SENTENCES = 1


class WindowedCoreference:
    """Coreference where attribution needs it: a coreference component (coreferee) run on
    the few sentences that end with a pronoun a cue makes its speaker, never over the whole
    article. Over whole articles coreferee was half the pipeline's time on PolNeAR dev, and
    the index only ever asks it about the subjects of cues that are pronouns.

    :meth:`prepare` is given a Doc's cue subjects before attribution: the windows of those
    that are pronouns (each pronoun's sentence and the ``sentences`` before it), merged where
    they overlap or touch, are annotated once each. Called with a pronoun, it returns that
    pronoun's antecedents (heads of mentions) as tokens of the pronoun's own Doc, as
    :func:`coreferee_antecedents` does for a Doc that coreferee annotated whole; a pronoun
    outside the prepared windows gets a window of its own.
    """

    def __init__(self, component: Callable[[Doc], Doc], sentences: int = COREF_WINDOW_SENTENCES):
        self.component = component
        self.sentences = sentences
        self._docs: weakref.WeakKeyDictionary[Doc, tuple] = weakref.WeakKeyDictionary()

    def _state(self, doc: Doc) -> tuple:
        """Sentence starts and windows of ``doc`` (and, once a window is copied, the Doc as
        an array)."""
        if doc not in self._docs:
            self._docs[doc] = ([sent.start for sent in doc.sents], [])
        state = self._docs[doc]
        return state[0], state[1]

    def _copy(self, doc: Doc, begin: int, end: int) -> Doc:
        """``doc[begin:end].as_doc()`` in time proportional to the window: spaCy's as_doc
        turns the whole Doc into an array and lists all its entities for every window, a
        pass over the article per pronoun. The array is made once per Doc here."""
        state = self._docs[doc]
        if len(state) == 2:
            attrs = doc._get_array_attrs()
            self._docs[doc] = state = (*state, attrs, doc.to_array(attrs))
        attrs, array = state[2], state[3]
        span = doc[begin:end]
        window = Doc(
            doc.vocab, words=[t.text for t in span], spaces=[bool(t.whitespace_) for t in span]
        )
        part = array[begin:end].copy()
        span._fix_dep_copy(attrs, part)  # heads outside the window, as as_doc rewires them
        if len(part) and ENT_IOB in attrs and part[0][attrs.index(ENT_IOB)] == 1:
            part[0][attrs.index(ENT_IOB)] = 3  # an entity cut at the start begins there
        window.from_array(attrs, part)
        window.tensor = doc.tensor[begin:end]
        window.user_hooks = doc.user_hooks
        window.user_span_hooks = doc.user_span_hooks
        window.user_token_hooks = doc.user_token_hooks
        return window

    def _window(self, starts: list[int], token: Token) -> tuple[int, int]:
        """Token range a pronoun needs: from the start of the sentence ``sentences`` before
        its own to the pronoun and its head (the cue), not the words the cue reports."""
        k = bisect.bisect_right(starts, token.i) - 1
        return starts[max(0, k - self.sentences)], max(token.i, token.head.i) + 1

    def prepare(self, doc: Doc, subjects: list[Token]) -> None:
        if not doc.has_annotation("DEP"):
            return
        starts, regions = self._state(doc)
        wanted = sorted({self._window(starts, t) for t in subjects if _is_pronoun(t)})
        merged: list[list[int]] = []
        for begin, end in wanted:
            if merged and begin <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([begin, end])
        regions.extend((begin, end, None) for begin, end in merged)

    def __call__(self, token: Token) -> list[Token]:
        doc = token.doc
        if not doc.has_annotation("DEP"):
            return []
        starts, regions = self._state(doc)
        begin, end = self._window(starts, token)
        n = next((n for n, r in enumerate(regions) if r[0] <= begin and end <= r[1]), None)
        if n is None:
            regions.append((begin, end, None))
            n = len(regions) - 1
        begin, end, window = regions[n]
        if window is None:
            with warnings.catch_warnings():
                # A window cut after its cue is now and then a parse coreferee cannot read;
                # it says so and skips it, and the pronoun falls back to the rules' choice
                # (the last speaker), as over a whole article it cannot read.
                warnings.filterwarnings("ignore", message="coreferee could not annotate")
                window = self.component(self._copy(doc, begin, end))
            regions[n] = (begin, end, window)
        found = coreferee_antecedents(window[token.i - begin])
        return [doc[begin + t.i] for t in found]


def _is_pronoun(token: Token) -> bool:
    """Would :meth:`Attributor.speaker_of` follow this subject as a pronoun?"""
    low = token.lower_
    if low in FIRST_PERSON:
        return False
    return token.tag_ in ("PRP", "PRP$") or low in PERSON_PRONOUNS.keys() | ORG_PRONOUNS | (
        PLURAL_PRONOUNS
    )


def no_antecedents(token: Token) -> list[Token]:
    """A resolver that knows no antecedents: pronouns fall back to the rules' heuristics."""
    return []


def quotes_in(
    doc: Doc,
    resolve_pronoun: PronounResolver = coreferee_antecedents,
    learned_cue_factor: float = LEARNED_CUE_FACTOR,
) -> list[Quote]:
    """The quotations in a parsed ``doc``, attributed, in text order."""
    found = find_quotes(doc)
    prepare = getattr(resolve_pronoun, "prepare", None)
    if prepare is not None:  # coreference around the cues whose speaker is a pronoun
        prepare(doc, [f.cue.subject for f in found if f.cue and f.cue.subject is not None])
    return Attributor(doc, resolve_pronoun, learned_cue_factor).run(found)


def _span(doc: Doc, start: int, end: int) -> Span:
    return Span(start, end, doc_text(doc)[start:end])


def _pronoun_kinds(pronoun: str) -> set[str]:
    if pronoun in PERSON_PRONOUNS:
        return {"person"}
    if pronoun in ORG_PRONOUNS:
        return {"organization"}
    return {"organization", "group", "person"}


def _words(text: str) -> list[str]:
    return re.findall(r"[\w-]+", text.lower())


def orgs_by_first_word(orgs: list) -> dict[str, set[str]]:
    """First word -> the names of several words that organisations ``orgs`` start with it.

    An entity may have no word characters at all (the recogniser took "›」" for one in
    "Il add Dr.\n\n›」"): it has no first word."""
    out: dict[str, set[str]] = {}
    for e in orgs:
        words = _words(e.text)
        if len(e) > 1 and words:
            out.setdefault(words[0], set()).add(e.text)
    return out


class Attributor:
    """Attributes one Doc's quotations in text order, remembering earlier speakers."""

    def __init__(
        self,
        doc: Doc,
        resolve_pronoun: PronounResolver,
        learned_cue_factor: float = LEARNED_CUE_FACTOR,
    ) -> None:
        self.doc = doc
        self.resolve_pronoun = resolve_pronoun
        self.learned_cue_factor = learned_cue_factor
        self.said: list[tuple[int, SpeakerRef]] = []  # (char offset, speaker) in text order
        # An entity the recogniser ran over a paragraph break is no one's name.
        ents = [e for e in doc.ents if "\n" not in e.text]
        self.orgs = [e for e in ents if e.label_ in ORG_LABELS]
        self.people = [e for e in ents if e.label_ == "PERSON"]
        self.org_starts = [e.start_char for e in self.orgs]
        self.sent_starts = [s.start_char for s in doc.sents] if doc.has_annotation("DEP") else [0]
        self.titled = self._titled_names()
        # Indexes built once per Doc, so that no lookup per quote scans the whole article.
        self.ent_at = {i: e for e in doc.ents for i in range(e.start, e.end)}
        self.person_at = {i: e for e in self.people for i in range(e.start, e.end)}
        self.org_at = {i: e for e in self.orgs for i in range(e.start, e.end)}
        self.titled_tails = {
            name[k + 1 :] for name in self.titled for k, ch in enumerate(name) if ch == " "
        }
        self.fullest_people: dict[str, list[str]] = {}  # last word -> first longest name
        for ent in self.people:
            titles = [t.i for t in ent if _is_titleword(t)]
            words = [t.text for t in ent if not titles or t.i > titles[-1]]
            if words and len(words) > len(self.fullest_people.get(words[-1], ())):
                self.fullest_people[words[-1]] = words
        self.orgs_by_first = orgs_by_first_word(self.orgs)
        self.surnames = {_words(e.text)[-1] for e in self.people if len(e) > 1 and _words(e.text)}

    def run(self, found: list[Found]) -> list[Quote]:
        self.contents = [(f.start, f.end) for f in found]
        self.subjects = self._subject_mentions()
        # Keys of the names said and subjects, kept as they grow rather than recomputed per
        # pronoun (a pass over every earlier quote, quadratic in article length).
        self.said_keys: set[str] = set()
        self.acted_keys = {_key(r.name) for _, r in self.subjects}
        self.said_starts: list[int] = []
        self.subject_starts = [start for start, _ in self.subjects]
        quotes: list[Quote] = []
        previous: tuple[Found, Quote] | None = None
        for f in found:
            quote = self.attribute(f, previous)
            quotes.append(quote)
            if quote.speaker is not None and quote.speaker.mention is not None:
                start = quote.speaker.mention.start
                # after any speaker at the same offset, as a stable sort would put it
                k = bisect.bisect_right(self.said_starts, start)
                self.said.insert(k, (start, quote.speaker))
                self.said_starts.insert(k, start)
                self.said_keys.add(_key(quote.speaker.name))
            previous = (f, quote)
        return quotes

    # --- one quotation -------------------------------------------------------------------

    def attribute(self, f: Found, previous: tuple[Found, Quote] | None) -> Quote:
        doc = self.doc
        cue_span = None
        if f.cue is not None:
            last = f.cue.last
            cue_span = _span(doc, f.cue.word.idx, last.idx + len(last.text))
        # An interrupted quotation ('"A," he said. "B."') is one quote in pieces: its content
        # is the first piece (so content.text == text[start:end] and never holds the cue) and
        # ``parts`` holds every piece.
        pieces = tuple(_span(doc, start, end) for start, end in f.parts)
        content = pieces[0] if pieces else _span(doc, f.start, f.end)
        quote = Quote(content, f.kind, cue_span, parts=pieces)
        quote.category = category_of(
            f.cue.lemma if f.cue is not None else None, direct=f.kind == "direct"
        )
        if quote.category == "speech" and f.kind != "direct" and f.cue and f.cue.object_only:
            # "The senator tweeted a photo of the crowd", "noted Bill Clinton's comments": a
            # thing done or a topic named, not words said (PolNeAR still counts them).
            quote.category = "other"
        ref, method, confidence = None, "none", 0.0
        if f.cue is not None and f.cue.subject is not None:
            ref, method, confidence = self.speaker_of(f.cue.subject, f)
            if method == "explicit" and not f.linked:
                confidence = CONFIDENCE["explicit_nearby"]
        elif f.cue is None and previous is not None and self._continues(f, *previous):
            ref = previous[1].speaker
            method, confidence = "continuation", CONFIDENCE["continuation"]
        if ref is not None:
            if f.cue is not None and f.cue.learned:
                confidence = round(confidence * self.learned_cue_factor, 2)
            quote.speaker, quote.method, quote.confidence = ref, method, confidence
            if (
                ref.mention is not None
                and f.marks  # an unquoted clause may hold its interrupting cue
                and not f.parts  # an interrupted quote's speaker stands between its pieces
                and f.start < ref.mention.start < f.end
                and not _between_marks(f, ref.mention.start)
            ):
                self._end_before_speaker(quote, ref.mention.start)
        else:
            subject = f.cue.subject if f.cue is not None else None
            # no subject, or a relative pronoun the parse left without its noun ("a 1995
            # story, which The Daily Caller unearthed", "a letter ... that says"): "which"
            # names nobody, the model's linked source may (PolNeAR dev: where they disagree
            # on such a quote the model was right 5 times, the rules once; attribution F1
            # 77.3 -> 77.4)
            source = None
            if subject is None or subject.tag_ in ("WP", "WDT"):
                source = self.model_source(f)
            if source is not None:
                ref, method, confidence = self.speaker_of(source, f)
                if ref is not None:
                    confidence = round(confidence * self.learned_cue_factor, 2)
                    quote.speaker, quote.method, quote.confidence = ref, method, confidence
                else:
                    quote.unresolved_mention = self.unresolved(source)
            elif subject is not None:
                quote.unresolved_mention = self.unresolved(subject)
        if quote.speaker is not None and quote.speaker.mention is not None:
            quote.speaker = replace(quote.speaker, mention=self._with_article(quote.speaker.mention))
        elif quote.unresolved_mention is not None:
            quote.unresolved_mention = self._with_article(quote.unresolved_mention)
        return quote

    def _with_article(self, mention: Span) -> Span:
        """The mention with the article that opens its noun phrase ("the Human Rights Council
        said", not "Human Rights Council"): the words in the text that name the speaker, as
        PolNeAR's annotators mark them. The speaker's name leaves the article out."""
        tokens = self.doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if tokens is None or tokens.start == 0:
            return mention
        before = self.doc[tokens.start - 1]
        if before.lower_ in DETERMINERS and before.dep_ == "det" and tokens.start <= before.head.i < tokens.end:
            return _span(self.doc, before.idx, mention.end)
        return mention

    def model_source(self, f: Found) -> Token | None:
        """Where the rules name no speaker (a quotation with no cue near it, a cue with no
        subject), the source the attribution model links to the same content, if any: 'Asked
        about the vote, the senator: "We will win."' (the rules' cue "Asked" has no subject;
        the model links the quotation to "the senator"). Never for a passive cue ("Iran has
        repeatedly been warned that ...": the one it is about is not its speaker). On PolNeAR
        dev 39 of the 146 matched quotes with a wrong source had no speaker mention while the
        model's link had the right one."""
        links = self.doc._.attribution_links if Doc.has_extension("attribution_links") else None
        if not links or (f.cue is not None and _is_passive(f.cue.word)):
            return None
        doc = self.doc
        for link in links:
            if link["source"] is None or link["cue"] is None:
                continue
            first, last = doc[link["content"][0]], doc[link["content"][1] - 1]
            start, end = first.idx, last.idx + len(last.text)
            inter = min(end, f.end) - max(start, f.start)
            if inter <= 0 or inter < 0.5 * min(end - start, f.end - f.start):
                continue
            source = doc[link["source"][0] : link["source"][1]]
            if f.start <= source.start_char < f.end:
                continue  # a speaker is never a word of what they are said to say
            return source.root
        return None

    def unresolved(self, token: Token) -> Span | None:
        """The subject phrase as written, for a source no rule could name."""
        if not token.text[:1].isalpha() or token.tag_ == "EX":
            return None
        if token.pos_ not in ("NOUN", "PROPN", "PRON", "NUM", "X", "ADJ"):
            return None
        first, last = self.mention_bounds(token)
        return _span(self.doc, self.doc[first].idx, self.doc[last].idx + len(self.doc[last]))

    def _end_before_speaker(self, quote: Quote, speaker_start: int) -> None:
        """What someone said never contains their own name: a misparse that swallowed
        '", Nicolas Davies' into the content ends it at the last closing mark before him."""
        text = doc_text(self.doc)
        start = quote.content.start
        close = max(text.rfind(mark, start, speaker_start) for mark in CLOSING_MARKS)
        if close > start:
            end = close + 1
            opened = text[start] in OPENING_MARKS
            quote.kind = "direct" if opened and quote.kind == "mixed" else quote.kind
        else:
            end = speaker_start
            while end > start and not (text[end - 1].isalnum() or text[end - 1] in "\"”’')"):
                end -= 1
        if end > start:
            quote.content = _span(self.doc, start, end)

    def _continues(self, f: Found, before: Found, quote: Quote) -> bool:
        """A cue-less quote opening its paragraph right after someone's quotation."""
        if quote.speaker is None or not f.marks or f.marks[0].open != f.start_of_paragraph:
            return False
        close = f.marks[-1].close
        newline = doc_text(self.doc).find("\n", close)
        if re.search(r"\w", doc_text(self.doc)[close : newline if newline != -1 else None]):
            return False  # text after the quote: its cue is there, even if unrecognised
        ends = [before.end, *(m.close for m in before.marks)]
        if before.cue is not None:
            ends.append(before.cue.last.idx + len(before.cue.last.text))
        if quote.speaker.mention is not None:
            ends.append(quote.speaker.mention.end)
        last = max(ends)
        tokens = self.doc.char_span(last - 1, last, alignment_mode="expand")
        end = tokens.sent.end_char if tokens is not None else last
        newline = doc_text(self.doc).find("\n", last)
        if newline != -1:
            end = min(end, newline)
        between = doc_text(self.doc)[end : f.marks[0].open]
        return not re.search(r"[\w]", between)

    def speaker_of(self, token: Token, f: Found) -> tuple[SpeakerRef | None, str, float]:
        low = token.lower_
        if not token.text[:1].isalpha():
            return None, "none", 0.0
        pronouns = PERSON_PRONOUNS.keys() | ORG_PRONOUNS | PLURAL_PRONOUNS
        if token.tag_ in ("PRP", "PRP$") or low in pronouns:
            if low in FIRST_PERSON:
                return None, "none", 0.0
            return self.pronoun(token, f)
        if token.tag_ in ("WP", "WDT") and token.head.dep_ == "relcl":
            # "Donald Trump, who ... said": the speaker is Trump; the mention stays "who",
            # the word the text makes the subject, as it stays "he" for a pronoun.
            ref, method, confidence = self.speaker_of(token.head.head, f)
            if ref is not None:
                ref = replace(ref, mention=_span(self.doc, token.idx, token.idx + len(token)))
            return ref, method, confidence
        conjuncts = [token, *(t for t in token.conjuncts if t.dep_ == "conj")]
        ends = sorted(t.i for t in conjuncts)
        # "Mitch McConnell, R-Ky., said": a party and state the parse took for a conjunct;
        # names in a group are joined by a conjunction ("Clinton and Kaine")
        joined = any(t.dep_ == "cc" for t in self.doc[ends[0] : ends[-1]])
        if joined and len(conjuncts) > 1 and all(
            t.ent_type_ or t.tag_ in ("NNP", "NNPS") for t in conjuncts
        ):
            refs = [self.named(t) for t in sorted(conjuncts, key=lambda t: t.i)]
            names = tuple(r.name for r in refs if r is not None)
            first = self.mention_bounds(conjuncts[0])[0]
            last = max(t.i for t in conjuncts)
            end = self.doc[last].idx + len(self.doc[last])
            mention = _span(self.doc, self.doc[first].idx, end)
            group = SpeakerRef(" and ".join(names), "group", mention=mention, members=names)
            return group, "explicit", CONFIDENCE["explicit"]
        # A capitalised label before a colon or after a signature dash is a name, whatever
        # its tag ("WALLACE: ...", "... ― Oscar P. Quintero").
        labelled = f.cue is not None and f.cue.lemma in (":", "—") and token.text[:1].isupper()
        # A lowercase word tagged as a proper noun ("months of airstrikes") is the tagger's
        # slip, not a name.
        proper = token.tag_ in ("NNP", "NNPS") and not token.text.islower()
        if token.ent_type_ or proper or labelled or _unknown_name(token):
            ref = self.named(token)
            return (ref, "explicit", CONFIDENCE["explicit"]) if ref else (None, "none", 0.0)
        return self.nominal(token)

    # --- names ---------------------------------------------------------------------------

    def mention_bounds(self, token: Token) -> tuple[int, int]:
        """Token range of the noun phrase headed by ``token``, without appositions."""
        first = token.i
        for child in reversed(list(token.lefts)):
            if child.dep_ not in NAME_DEPS or child.right_edge.i < first - 1:
                break
            first = child.left_edge.i
        last = token.i
        if token.ent_type_:
            ent = self.ent_at.get(token.i)
            if ent is not None:
                # An entity that runs past the phrase ("... force claimed") is the
                # recogniser's slip: the name stays inside the subject's own subtree.
                first = min(first, max(ent.start, token.left_edge.i))
                last = max(last, min(ent.end - 1, token.right_edge.i))
        for i in range(last, first - 1, -1):
            if "\n" in self.doc[i].text_with_ws and i < last:
                first = i + 1  # a mention never runs over a line break
                break
        while first < last and (
            self.doc[first].dep_ in ("det", "cc", "punct")
            or self.doc[first].is_punct
            or self.doc[first].is_space
            or self.doc[first].lower_ in DETERMINERS
        ):
            first += 1
        return first, last

    def named(self, token: Token) -> SpeakerRef | None:
        doc = self.doc
        first, last = self.mention_bounds(token)
        rank = _is_titleword(token) and token.lower_ not in ROLE_NOUNS
        if rank:
            # "said Maj. Gen. Igor Konashenkov" parsed with the rank as the subject.
            while last + 1 < len(doc) and (
                doc[last + 1].text[:1].isupper() or doc[last + 1].text == "."
            ):
                last += 1
            while doc[last].text == ".":
                last -= 1
        words = doc[first : last + 1]
        mention = _span(doc, words.start_char, words.end_char)
        person = rank or self._is_titled(token)
        organisation = (
            token.ent_type_ in ORG_LABELS
            or self._short_for_org(words.text)
            or not token.ent_type_
            and (
                token.lower_ in ORG_NOUNS
                or token.text.isupper()
                or any(t.lower_ in ORG_NAME_WORDS for t in words)
            )
        )
        if organisation and not person:
            name = self.fullest_org(words.text)
            return SpeakerRef(name=name, kind="organization", mention=mention)
        # The name is the run of proper nouns at the end of the phrase, minus honorifics.
        start = last
        person = self.person_at.get(token.i)
        if person is not None:
            # never before the mention, which stops at a line break the entity may run over
            start = max(person.start, min(self._name_start(token), last), first)
            # "Conservative leader Kemi Badenoch" with the recogniser's PERSON on "Badenoch"
            # alone: proper nouns outside any entity that the parse compounds into the name
            # belong to it.
            while (
                start > first
                and start > self._name_start(token)
                and not doc[start - 1].ent_type_
                and doc[start - 1].tag_ == "NNP"
            ):
                start -= 1
        else:
            while (
                start > first
                and (doc[start - 1].tag_ in ("NNP", "NNPS") or rank and doc[start - 1].is_title)
                and not _is_titleword(doc[start - 1])
            ):
                start -= 1
        # "Amnesty Senior Crisis Response Advisor Donatella Rovera": the name follows the
        # last title word, wherever the recogniser started the entity.
        for i in range(start, last):
            if _is_titleword(doc[i]):
                start = i + 1
        name = doc[start : last + 1].text
        title = doc[first:start].text.strip() or None
        return SpeakerRef(
            name=self.fullest_person(name), kind="person", title=title, mention=mention
        )

    def _name_start(self, token: Token) -> int:
        """First token of the proper-noun run ending at ``token`` ("Jan" for Egeland): words
        attached inside the name, so "Syria" in "adviser on Syria Jan Egeland" is not."""
        start = token.i
        while (
            start > 0
            and self.doc[start - 1].tag_ in ("NNP", "NNPS")
            and start - 1 < self.doc[start - 1].head.i <= token.i
        ):
            start -= 1
        while start < token.i and _is_titleword(self.doc[start]):
            start += 1
        return start

    def _name_run(self, token: Token) -> str:
        return self.doc[self._name_start(token) : token.i + 1].text

    def _titled_names(self) -> set[str]:
        """Names the article gives a person's title or role somewhere ("UN adviser Jan
        Egeland"): they are people wherever else they appear, whatever the recogniser says."""
        names = set()
        doc = self.doc
        for token in doc:
            if token.tag_ not in ("NNP", "NNPS") or token.dep_ == "compound":
                continue
            run = self._name_run(token)
            first = token.i - len(run.split()) + 1
            before = [t for t in token.lefts if t.dep_ in ("compound", "amod", "nmod")]
            words = [t for b in before for t in b.subtree]
            if any(_is_titleword(t) for t in words) and token.i - token.left_edge.i >= 2:
                names.add(run)
            # "adviser on Syria Jan Egeland": a role word shortly before, in the same phrase
            # (no verb or punctuation between), however the parser attached the two.
            elif len(run.split()) >= 2 and any(
                _is_titleword(t)
                and not any(u.is_punct or u.pos_ in ("VERB", "AUX") for u in doc[t.i + 1 : first])
                for t in doc[max(0, first - 6) : first]
            ):
                names.add(run)
        return names

    def _is_titled(self, token: Token) -> bool:
        """Is the name ending at ``token`` one the article gives a role, or the end of one
        ("Jan Egeland" of "Syria Jan Egeland")?"""
        run = self._name_run(token)
        return run in self.titled or (
            " " in run and run in self.titled_tails  # the end of a titled name
        )

    def fullest_person(self, name: str) -> str:
        """A surname alone takes the fullest name in the article ending with it."""
        if " " in name:
            return name
        words = self.fullest_people.get(name)
        return " ".join(words) if words and len(words) > len(name.split()) else name

    def fullest_org(self, name: str) -> str:
        """"Amnesty" takes "Amnesty International" when the article names just one such org."""
        words = _words(name)
        if len(words) != 1:
            return name
        longer = self.orgs_by_first.get(words[0], set())
        return next(iter(longer)) if len(longer) == 1 else name

    def _short_for_org(self, name: str) -> bool:
        """Is a one-word name the short form of an organisation the article names in full
        ("Amnesty" after "Amnesty International"), whatever the recogniser made of it here?
        Not when someone the article names in full has it for a surname."""
        words = _words(name)
        if len(words) != 1 or self.fullest_org(name) == name:
            return False
        return words[0] not in self.surnames

    # --- pronouns ------------------------------------------------------------------------

    def pronoun(self, token: Token, f: Found) -> tuple[SpeakerRef | None, str, float]:
        mention = _span(self.doc, token.idx, token.idx + len(token.text))
        kinds = _pronoun_kinds(token.lower_)
        antecedents = [t for t in self.resolve_pronoun(token) if t.i != token.i]
        # "The US is overplaying the significance of ..., it charged": a speaker does not
        # speak of itself in the third person, so a name inside the quote is not its "it".
        antecedents = [t for t in antecedents if not f.start <= t.idx < f.end]
        refs = [self.speaker_of(t, f)[0] for t in antecedents]
        # Coreference proposes, agreement disposes: "he" never stands for Syria.
        refs = [r for r in refs if r is not None and _agrees(r, token.lower_)]
        if len(refs) == 1 and refs[0].kind not in kinds:
            refs = []
        if len(refs) == 1 and token.lower_ in PERSON_PRONOUNS and not self._has_acted(
            antecedents, refs[0]
        ):
            # "such as Aleppo, ... he says": a he/she of a statement is someone the story has
            # shown speaking or acting, not any name the recogniser took for a person.
            refs = []
        last = self.last_speaker(token, kinds)
        if last is not None and not _agrees(last, token.lower_):
            last = None
        if len(refs) == 1:
            ref = refs[0]
            if last is not None and _key(last.name) != _key(ref.name):
                # News keeps quoting the person it just quoted: "'...,' X said. He said ...".
                # A chain that jumps to someone who has not spoken loses to that speaker.
                if _key(ref.name) not in self.said_keys:
                    return replace(last, mention=mention), "pronoun", CONFIDENCE["pronoun_fallback"]
            return replace(ref, mention=mention), "pronoun", CONFIDENCE["pronoun"]
        if len(refs) > 1:
            names = tuple(r.name for r in refs)
            group = SpeakerRef(" and ".join(names), "group", mention=mention, members=names)
            return group, "pronoun", CONFIDENCE["pronoun"]
        ref = last or self.recent(token, f)
        if ref is None:
            return None, "none", 0.0
        return replace(ref, mention=mention), "pronoun", CONFIDENCE["pronoun_fallback"]

    def _has_acted(self, antecedents: list[Token], ref: SpeakerRef) -> bool:
        key = _key(ref.name)
        return key in self.said_keys or key in self.acted_keys or any(
            t.dep_ in ("nsubj", "nsubjpass", "appos") for t in antecedents
        )

    def last_speaker(self, token: Token, kinds: set[str]) -> SpeakerRef | None:
        """The speaker of the latest quotation, if it ended in the last two sentences and a
        pronoun of this kind can stand for it."""
        k = bisect.bisect_left(self.said_starts, token.idx)  # said[:k] start before it
        if k == 0:
            return None
        start = self.said_starts[k - 1]
        ref = self.said[bisect.bisect_left(self.said_starts, start)][1]  # the first at it
        here = bisect.bisect_right(self.sent_starts, token.idx) - 1
        floor = self.sent_starts[max(0, here - 2)]
        return ref if start >= floor and ref.kind in kinds else None

    def recent(self, token: Token, f: Found) -> SpeakerRef | None:
        """The nearest earlier speaker or named subject the pronoun can stand for."""
        low = token.lower_
        if low in PERSON_PRONOUNS:
            kinds = {"person"}
        elif low in ORG_PRONOUNS:
            kinds = {"organization"}
        else:
            kinds = {"organization", "group"}
        excluded = self._objects(f)
        here = bisect.bisect_right(self.sent_starts, token.idx) - 1
        floor = self.sent_starts[max(0, here - FALLBACK_SENTENCES)]

        def fits(ref: SpeakerRef) -> bool:
            return ref.kind in kinds and _key(ref.name) not in excluded and _agrees(ref, low)

        # The latest fitting subject in the window, then (a speaker quoted earlier stays the
        # likeliest "he" of a news story for longer) the latest fitting speaker; read from the
        # pronoun backwards until one fits, never the whole article. At the same offset a
        # subject wins, and of two speakers the one said first.
        subject = None
        k = bisect.bisect_left(self.subject_starts, token.idx)
        for start, ref in reversed(self.subjects[bisect.bisect_left(self.subject_starts, floor) : k]):
            if fits(ref):
                subject = (start, ref)
                break
        said = None
        for i in range(bisect.bisect_left(self.said_starts, token.idx) - 1, -1, -1):
            start, ref = self.said[i]
            if said is not None and start < said[0]:
                break
            if fits(ref):
                said = (start, ref)
        if subject is not None and (said is None or subject[0] >= said[0]):
            return subject[1]
        return said[1] if said is not None else None

    def _objects(self, f: Found) -> set[str]:
        """Names the cue's objects mention: a pronoun subject cannot stand for them."""
        if f.cue is None:
            return set()
        names = set()
        for child in f.cue.word.children:
            objs = [child] if child.dep_ in ("dobj", "dative") else []
            if child.dep_ == "prep":
                objs = [c for c in child.children if c.dep_ == "pobj"]
            for obj in objs:
                first, last = self.mention_bounds(obj)
                names.add(_key(self.doc[first : last + 1].text))
                names.add(_key(obj.text))
        return names

    def _subject_mentions(self) -> list[tuple[int, SpeakerRef]]:
        """Named subjects outside quoted content, candidates for the pronoun fallback."""
        out = []
        starts = sorted(self.contents)
        for token in self.doc:
            named = token.ent_type_ in ORG_LABELS + ("PERSON",)
            if token.dep_ not in ("nsubj", "nsubjpass") or not named:
                continue
            k = bisect.bisect_right(starts, (token.idx, len(doc_text(self.doc)))) - 1
            if any(s <= token.idx < e for s, e in starts[max(0, k - 3) : k + 1]):
                continue
            ref = self.named(token)
            if ref is not None:
                out.append((token.idx, ref))
        return out

    # --- noun phrases --------------------------------------------------------------------

    def nominal(self, token: Token) -> tuple[SpeakerRef | None, str, float]:
        doc = self.doc
        first, last = self.mention_bounds(token)
        words = doc[first : last + 1]
        mention = _span(doc, words.start_char, words.end_char)
        head = token.lower_
        if head in DOCUMENT_NOUNS:
            return None, "none", 0.0
        modifiers = [
            t
            for t in words
            if t.i != token.i and t.dep_ not in ("det", "punct") and t.lower_ not in DETERMINERS
        ]
        count = next((NUMBER_WORDS[t.lower_] for t in modifiers if t.lower_ in NUMBER_WORDS), 0)
        if count and token.tag_ == "NNS":
            members = self.coordinated_orgs(first, count)
            if not members:
                groups = [r for i, r in self.said if i < token.idx and r.kind == "group"]
                sized = [r for r in groups if len(r.members) == count]
                members = list(sized[-1].members) if sized else []
            if members:
                group = SpeakerRef(" and ".join(members), "group", mention=mention,
                                   members=tuple(members))
                return group, "nominal", CONFIDENCE["nominal"]
            return None, "none", 0.0
        if head in ROLE_NOUNS:
            # "a Russian defence ministry spokesman" speaks for the ministry.
            body = [t for t in modifiers if t.lower_ not in ROLE_NOUNS]
            # A nationality speaks for no body: "Syrian activists" are not the "Syrian
            # Democratic Forces".
            speaks_for = body and (
                body[-1].lower_ in ORG_NOUNS
                or body[-1].ent_type_ in ORG_LABELS and body[-1].ent_type_ != "NORP"
            )
            if speaks_for:
                name = doc[body[0].i : body[-1].i + 1].text
                ref = SpeakerRef(self.fullest_org(name), "organization", mention=mention)
                return ref, "nominal", CONFIDENCE["nominal_generic"]
            if body:
                kind = "group" if token.tag_ == "NNS" else "person"
                name = doc[modifiers[0].i : token.i + 1].text
                return SpeakerRef(name, kind, mention=mention), "nominal", CONFIDENCE[
                    "nominal_descriptive"
                ]
            return None, "none", 0.0
        if head in ORG_NOUNS or _singular(head) in ORG_NOUNS:
            earlier = self.earlier_org(token, modifiers)
            if earlier is not None:
                return replace(earlier, mention=mention), "nominal", CONFIDENCE["nominal"]
            if head in GENERIC_ORG_NOUNS:
                recent = self.recent_org(token)
                if recent is not None:
                    return replace(recent, mention=mention), "nominal", CONFIDENCE[
                        "nominal_generic"
                    ]
                return None, "none", 0.0
            name = doc[modifiers[0].i if modifiers else token.i : token.i + 1].text
            return SpeakerRef(name, "organization", mention=mention), "nominal", CONFIDENCE[
                "nominal_descriptive"
            ]
        if modifiers and token.tag_ == "NNS":
            name = doc[modifiers[0].i : token.i + 1].text
            return SpeakerRef(name, "group", mention=mention), "nominal", CONFIDENCE[
                "nominal_descriptive"
            ]
        return None, "none", 0.0

    def earlier_org(self, token: Token, modifiers: list[Token]) -> SpeakerRef | None:
        """The nearest earlier organisation whose name has this head and these modifiers."""
        wanted = {_singular(token.lower_)} | {_key(t.text) for t in modifiers}
        pool = [(i, r) for i, r in self.said if i < token.idx and r.kind == "organization"]
        k = bisect.bisect_left(self.org_starts, token.idx)
        pool += [
            (e.start_char, SpeakerRef(e.text, "organization", mention=None))
            for e in self.orgs[:k]
        ]
        for _, ref in sorted(pool, key=lambda item: item[0], reverse=True):
            if wanted <= {_singular(w) for w in _words(ref.name)} | set(_words(ref.name)):
                return ref
        return None

    def recent_org(self, token: Token) -> SpeakerRef | None:
        pool = [(i, r) for i, r in self.said if i < token.idx and r.kind == "organization"]
        if pool:
            return max(pool, key=lambda item: item[0])[1]
        k = bisect.bisect_left(self.org_starts, token.idx)
        for ent in reversed(self.orgs[max(0, k - 3) : k]):
            if ent.label_ == "ORG":
                return SpeakerRef(self.fullest_org(ent.text), "organization")
        return None

    def coordinated_orgs(self, before: int, count: int) -> list[str]:
        """The latest "A and B" of organisations before a "the two groups" mention."""
        doc = self.doc
        if count == 2:
            # "Amnesty International and Airwars" as written, whatever the parse made of it.
            names = [e for e in doc.ents if e.end <= before and e.label_ in ("ORG", "PERSON", "NORP")]
            for a, b in reversed(list(zip(names, names[1:]))):
                if b.start == a.end + 1 and doc[a.end].lower_ in ("and", "&"):
                    return [self.fullest_org(a.text), self.fullest_org(b.text)]
        # Coordinated proper names in the parse, nearest first; places ("Syria and Iraq")
        # are not organisations that speak.
        for token in reversed(doc[max(0, before - 300) : before]):
            if token.dep_ != "conj" or token.tag_ not in ("NNP", "NNPS"):
                continue
            head = token.head
            if head.tag_ not in ("NNP", "NNPS") or head.dep_ == "conj":
                continue
            conjuncts = sorted([head, *head.conjuncts], key=lambda t: t.i)
            if all(t.ent_type_ in ("GPE", "LOC") for t in conjuncts):
                continue
            names = []
            for t in conjuncts:
                first, last = self.mention_bounds(t)
                name = doc[first : last + 1].text
                if name not in names:
                    names.append(name)
            if len(names) == count:
                return [self.fullest_org(n) for n in names]
        k = bisect.bisect_left(self.org_starts, self.doc[before].idx)
        for ent in reversed(self.orgs[:k]):
            conjuncts = [ent.root, *ent.root.conjuncts]
            names = []
            for t in sorted(conjuncts, key=lambda t: t.i):
                other = self.org_at.get(t.i)
                if other is not None and other.text not in names:
                    names.append(other.text)
            if len(names) == count:
                return [self.fullest_org(n) for n in names]
        return []


def _agrees(ref: SpeakerRef, pronoun: str) -> bool:
    """Can a "he" or "she" stand for the speaker? "Prime Minister Jane Morton spoke first.
    '"We will not give up," he said.'": he is not Jane Morton. Unknown genders agree."""
    wanted = PERSON_PRONOUNS.get(pronoun)
    if wanted is None or ref.kind != "person":
        return True
    gender = gender_of(ref.name, ref.title)
    return gender is None or gender == wanted


def _unknown_name(token: Token) -> bool:
    """A capitalised noun that no word list knows ("Ellery" tagged NN in a title-case
    headline) is a name the tagger missed; at the start of a sentence only when it is rare as
    an English word ("Ellery said", not "Critics said")."""
    low = token.lower_
    return (
        token.is_title
        and token.tag_ in ("NN", "NNS")
        and (token.i != token.sent.start or _rare_word(low))
        and not (low in ROLE_NOUNS or low in ORG_NOUNS or low in HONORIFICS)
        and not (low in DOCUMENT_NOUNS or _singular(low) in ORG_NOUNS)
    )


# Log probability under which a lowercase word is too rare in English to be a common noun.
RARE_WORD_LOGPROB = -14.0


def _rare_word(low: str) -> bool:
    probs = _word_probs()
    return probs is not None and probs.get(low, -99.0) < RARE_WORD_LOGPROB


@lru_cache(maxsize=1)
def _word_probs() -> dict[str, float] | None:
    """English word frequencies from spacy-lookups-data (a dependency), read on first use."""
    try:
        import gzip
        import json

        import spacy_lookups_data
    except ImportError:
        return None
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    if not path.exists():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return json.load(file)


def _between_marks(f: Found, offset: int) -> bool:
    """Is ``offset`` in the gap of an interrupted quote ('"A," X said. "B."')?"""
    return len(f.marks) > 1 and not any(m.open <= offset < m.close for m in f.marks)


def _is_titleword(token: Token) -> bool:
    low = token.lower_
    return low in HONORIFICS or low.rstrip(".") in HONORIFICS or low in ROLE_NOUNS


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _key(name: str) -> str:
    words = _words(name)
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)
