"""Find quotations: quote marks (:mod:`quotes.marks`) and cues with their reports
(:mod:`quotes.reports`) combined into direct, mixed and indirect quotations.

The result is token-level ``Found`` records that :mod:`quotes.attribute` turns into ``Quote``
records. A quotation interrupted by its attribution ('"A," he said. "B."') is one ``Found`` whose
``parts`` are its pieces.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

from spacy.tokens import Doc

from .cues import AUXILIARY_FORMS, cue_lemma
from .doctools import (
    WORDS,
    char_range,
    crosses_sentence,
    doc_text,
    is_verb,
    looks_like_name,
    nounish,
    tokens_in,
    trim_tokens,
)
from .marks import Marked, find_marked, first_char, paragraph_spans, trim_chars
from .reports import MIN_LEARNED_WORDS, Cue, _addresses_reader, find_cues

# A quoted fragment this short with no cue is a scare quote or a title, not a quotation.
MAX_SCARE_WORDS = 4


@dataclass
class Found:
    """A quotation before attribution."""

    start: int
    end: int
    kind: str
    cue: Cue | None = None
    marks: list[Marked] = field(default_factory=list)
    # The pieces of a quotation interrupted by its attribution, as char ranges in text order
    # ('"A," he said. "B."' gives A and B); empty for a quote in one piece (``start:end``).
    parts: list[tuple[int, int]] = field(default_factory=list)
    # Too short to be a quotation on its own: kept only as the last piece of an interrupted
    # one ('"We will not give up," he said. "This is our home."').
    short: bool = False
    linked: bool = True  # the cue governs the quote in the parse (not just nearby)
    start_of_paragraph: int = -1  # offset of the first character of the quote's paragraph


# --- combining marks and cues --------------------------------------------------------------


def _separated(text: str, a: int, b: int) -> bool:
    """Is the stretch between a quote and its cue set off by punctuation (a direct quote)?"""
    return any(ch in ",:;—–" for ch in text[a:b]) if a < b else False


def _ends_set_off(text: str, m: Marked) -> bool:
    """'"... responsibility,’” Merkley said': the quote's own closing punctuation (inside any
    nested marks) sets it off from its cue."""
    tail = re.search(r"[^\w]*$", text[m.start : m.close]).group()
    return any(ch in ",:;—–?!" for ch in tail)


def _covers(text: str, outer: tuple[int, int], m: Marked) -> bool:
    """Does the quote make up the whole of a cue's reported clause?"""
    rest = text[outer[0] : m.open] + text[m.close : outer[1]]
    return not re.search(r"\w", re.sub(r"^\s*that\b", "", rest))


def find_quotes(doc: Doc) -> list[Found]:
    """Direct, mixed and indirect quotations in ``doc``, in text order."""
    text = doc_text(doc)
    marked = find_marked(text)
    # A report inside a quotation ('"They said we could go," she said') is part of the
    # quoted words, not a quotation of its own.
    spoken = [m for m in marked if len(re.findall(r"\w+", text[m.start : m.end])) > MAX_SCARE_WORDS]
    cues = [c for c in find_cues(doc) if not any(m.start <= c.word.idx < m.end for m in spoken)]
    paragraphs = paragraph_spans(text)
    para_starts = [first_char(text, s, e) for s, e in paragraphs]
    by_cue: dict[int, list[Marked]] = {}
    direct: list[Found] = []
    introduced: list[Found] = []  # quotations right after their cue (_introducing_cue)
    orphans: list[Marked] = []
    with_content = sorted(
        (c for c in cues if c.content), key=lambda c: c.content[1] - c.content[0]
    )
    for m in marked:
        intro = _introducing_cue(text, m, cues)
        if intro is not None:
            introduced.append(Found(m.start, m.end, "direct", intro, [m]))
            direct.append(introduced[-1])
            continue
        holder = next(
            (c for c in with_content if c.content[0] <= m.start and m.end <= c.content[1] + 1),
            None,
        )
        if holder is not None:
            cue_at = holder.word.idx
            gap = (m.close, cue_at) if cue_at >= m.close else (holder.last.idx + 1, m.open)
            if _covers(text, holder.content, m) and (
                _separated(text, *gap) or _ends_set_off(text, m) or holder.parenthetical
            ):
                direct.append(Found(m.start, m.end, "direct", holder, [m]))
            else:
                by_cue.setdefault(id(holder), []).append(m)
            continue
        cue, linked = _nearby_cue(doc, m, cues)
        if cue is None:
            cue = _cue_before_colon(doc, m, cues) or _colon_cue(doc, m) or _dash_cue(doc, m)
            linked = True
        if cue is not None:
            direct.append(Found(m.start, m.end, "direct", cue, [m], linked=linked))
        else:
            orphans.append(m)
    found = direct
    for cue in cues:
        if cue.content is None or any(f.cue is cue for f in direct):
            continue
        if any(
            f.cue is not cue and cue.content[0] <= f.start and f.end <= cue.content[1] + 1
            and f.cue.word.idx >= cue.content[0]
            for f in introduced
        ):
            # 'Vale scolded him: "The science is against you," she said.': the parse made
            # "said" report all that came before it; the quotation is "scolded"'s, and a
            # report never holds another cue with the quotation it introduces
            continue
        marks = by_cue.get(id(cue), [])
        if marks:
            start = min(cue.content[0], *(m.open for m in marks))
            end = max(cue.content[1], *(m.close for m in marks))
            found.append(Found(start, end, "mixed", cue, marks))
        else:
            found.append(Found(cue.content[0], cue.content[1], "indirect", cue))
    for m in orphans:
        short = _is_scare_quote(doc, m, para_starts)
        found.append(Found(m.start, m.end, "direct", None, [m], linked=False, short=short))
    found = _model_leads(doc, found)
    found = _outermost(doc, found)
    for f in found:
        k = bisect.bisect_right(para_starts, f.start) - 1
        f.start_of_paragraph = para_starts[k] if k >= 0 else 0
    found = _labelled_lines(doc, paragraphs, found)
    found += _headline(doc, paragraphs, found)
    found.sort(key=lambda f: (f.start, f.end))
    return _join_interrupted(text, found)


_QUOTE_EDGE = "\"“”‘’'"
_FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP", "MD"})


def _quoted(f: Found) -> bool:
    """A quotation the marks bound (in whole or in part), not a report the parse found."""
    return f.kind in ("direct", "mixed") or bool(f.marks)


def _outermost(doc: Doc, found: list[Found]) -> list[Found]:
    """Without the reports that lie inside another quote's reported words.

    "Aides said the mayor had told donors that the plan was dead": what the aides said holds
    what the mayor told donors; the mayor's words reach the reader only through the aides, so
    the index keeps one quote, by the aides. PolNeAR's annotators do the same (0.6% of train's
    contents lie inside another). A report stays when the attribution model reads its cue as a
    cue (it labels each token once: a cue inside a content ends that content, as in "Republicans
    said they were convinced and Democrats accused the GOP of ...", where the rules' clause ran
    on). PolNeAR dev attribution F1 73.1 -> 74.3, train's first 150 articles 70.4 -> 71.1
    (models/attribution/README.md, "Second round").
    """
    tags = doc._.attribution_iob if Doc.has_extension("attribution_iob") else None

    def nested(f: Found) -> bool:
        if f.cue is None or (tags and tags[f.cue.word.i].endswith("CUE")):
            return False
        return any(
            g is not f
            and g.start <= f.start
            and f.end <= g.end
            and g.end - g.start > f.end - f.start
            and g.start <= f.cue.word.idx < g.end
            for g in found
        )

    return [f for f in found if not nested(f)]


def _model_leads(doc: Doc, found: list[Found]) -> list[Found]:
    """The rules' quotes with the model's linked reports. Quotations stay the rules': the marks
    bound them and the rules join their pieces. A report the rules read without quote marks
    gives way to a report the model links over the same words to a cue the rules did not use:
    the model learnt from annotated news which verb reports which clause (PolNeAR dev:
    attribution F1 71.3 to 71.9; models/attribution/README.md, "The BiLSTM head"). A report
    only the rules read stays theirs. Without an attribution model, the rules' quotes
    unchanged.

    A short quotation with no cue near it ('The New Yorker put it in a lengthy expose: "the
    operator."') would be dropped as a scare quote; where the model links it to a cue and a
    source it is an attribution, and the model's report stands for it (PolNeAR dev attribution
    F1 75.5 -> 75.8, train's first 150 articles 73.2 -> 73.6)."""
    covering = [f for f in found if _quoted(f) and not f.short]
    reports = _model_reports(doc, found, covering=covering)
    kept = [
        f for f in found
        if _quoted(f) or not any(f.start < r.end and r.start < f.end for r in reports)
    ]
    return kept + reports


def _model_reports(
    doc: Doc, found: list[Found], covering: list[Found] | None = None
) -> list[Found]:
    """Reports the learned attribution model links to a cue and a source, none of whose words
    ``covering`` (default: all of ``found``) already holds ("The Daily Ledger has learned that
    ...", "Republicans are raising questions about ..."); nothing when the pipeline has no
    attribution model (quotes/attribution_model.py).

    A cue the rules already read may have the model's report too, and it stands for the rules'
    report over the same words: where the two disagree on what one cue reports ("Trump has
    responded with attacks on Machado, including Friday's tweets": the rules' clause or the
    model's), the model learnt PolNeAR's reading, and of two reports through one cue the
    screen keeps the likelier (``scorer.Scorer.kept``). The cue and its speaker stay the
    rules' reading (their subject rules know a role before a name, a passive's subject, a
    deny that withholds). Not where the rules' cue introduces a quotation, nor where it stands
    inside the clause it reports ("The latest launch, the ministry said, was its largest"):
    the model reads only the words before it. Until 2026-12-05 the rules' reading always won
    (models/attribution/README.md, "Fourth round")."""
    links = doc._.attribution_links if Doc.has_extension("attribution_links") else None
    if not links:
        return []
    taken = [(f.start, f.end) for f in (found if covering is None else covering)]
    rules_cues = {f.cue.word.i: f for f in found if f.cue is not None}
    text = doc_text(doc)
    out = []
    for link in links:
        if link["cue"] is None or link["source"] is None:
            continue  # a clause nobody is said to have said is more often the model's mistake
        read = [rules_cues[i] for i in range(*link["cue"]) if i in rules_cues]
        if any(_quoted(f) or f.start < f.cue.word.idx < f.end for f in read):
            # "The senator will make news, Kall said: '...'": a cue that introduces a quotation
            # reports the quotation, not the clause before it; one inside its clause, the
            # whole clause
            continue
        trimmed = trim_tokens(doc, link["content"][0], link["content"][1] - 1)
        if trimmed is None:
            continue
        start, end = char_range(doc[trimmed[0]], doc[trimmed[1]])
        # a quotation's words without its marks and the comma before its cue, as the marks
        # give it elsewhere ('"We will win," he said' -> We will win)
        while start < end and text[start] in _QUOTE_EDGE:
            start += 1
        while start < end and (text[end - 1] in _QUOTE_EDGE or text[end - 1] in ",;:"):
            end -= 1
        start, end = trim_chars(text, start, end)
        if any(start < e and s < end for s, e in taken):
            continue
        if len(WORDS.findall(text[start:end])) < MIN_LEARNED_WORDS:
            continue
        opened = start > 0 and text[start - 1] in _QUOTE_EDGE
        # "Another host had denounced the annexation", "the companies declared bankruptcy": a
        # noun phrase is what PolNeAR's annotators mark as the content of such verbs (dev
        # attribution F1 74.3 -> 74.5, train's first 150 articles 71.1 -> 72.0, when these
        # were kept), but it names a thing or a stance, not words said: no ``speech`` quote
        # ("The referee denied the visitors a goal")
        named = not opened and not any(t.tag_ in _FINITE_TAGS for t in tokens_in(doc, start, end))
        cue_span = doc[link["cue"][0] : link["cue"][1]]
        words = [t for t in cue_span if not (t.is_punct or t.is_space)]
        if not words:
            continue
        verbs = [t for t in words if t.pos_ in ("VERB", "NOUN") and t.lemma_ not in ("be", "have")]
        word = cue_span.root if cue_span.root in verbs else (verbs[0] if verbs else words[-1])
        source = doc[link["source"][0] : link["source"][1]]
        if _addresses_reader(doc, source.root, (start, end)):
            continue  # "We hope you're enjoying ...": the publisher to its reader
        lemma = cue_lemma(word.text, word.lemma_) or word.lemma_ or word.lower_
        if read:
            # the model's reading of what the cue reports; who reports it, and the cue's kind,
            # stay the rules' (a role before a name, a passive's subject, a deny that withholds)
            cue = replace(read[0].cue, content=(start, end), object_only=named)
        else:
            cue = Cue(word, lemma, words[-1], source.root, (start, end), learned=True,
                      object_only=named)
        kind = "direct" if opened else "indirect"
        out.append(Found(start, end, kind, cue, linked=True))
        taken.append((start, end))
    return out


MAX_HEADLINE_WORDS = 20


def _headline(doc: Doc, paragraphs: list[tuple[int, int]], found: list[Found]) -> list[Found]:
    """'Lindsey Graham Says Trump Could Address Clean Energy': a title in title case defeats
    the tagger and the parser, so its cue is read from the words alone. Only the article's
    first line, only when it is short and no quotation with a cue was found in it."""
    text = doc_text(doc)
    if sum(1 for lo, hi in paragraphs if text[lo:hi].strip()) < 2:
        return []  # a one-line text is a sentence, not a title over a story
    lo, hi = paragraphs[0]
    line = text[lo:hi]
    if not line.strip() or len(line.split()) > MAX_HEADLINE_WORDS:
        return []
    if any(f.start < hi and f.cue is not None for f in found):
        return []
    tokens = tokens_in(doc, lo, hi)
    for k, token in enumerate(tokens):
        lemma = cue_lemma(token.lower_)
        if lemma is None or lemma in ("quote",) or k == 0:
            continue
        source = [t for t in tokens[:k] if not t.is_punct]
        if any(t.text == ":" for t in tokens[:k]) or any(
            t.lower_ in NOT_SPEAKER_LABELS for t in source
        ):
            return []  # "Note: Comments have been edited": a label, not a speaker
        rest = tokens[k + 1 :]
        if rest and rest[0].lower_ in ("for", "on", "to", "that", "out"):
            rest = rest[1:]
        rest = [t for t in rest if not t.is_space]
        if not source or not source[0].text[:1].isupper() or len(rest) < 2:
            return []
        start, end = rest[0].idx, rest[-1].idx + len(rest[-1].text)
        while end > start and text[end - 1] in ".,;:":
            end -= 1
        cue = Cue(token, lemma, token, source[-1], (start, end), False)
        return [Found(start, end, "indirect", cue, [])]
    return []


# "PENCE: Well, the question ..." (a transcript) and "Pat Caddell: Democrat Voters Worried ..."
# (a headline): a short name and a colon open the paragraph and the rest of it is theirs.
_LABEL = re.compile(r"[^\S\n]*[\"“]?([A-Z][\w.'’\- ]{0,40}?)[^\S\n]*:[^\S\n]+(?=\S)")
# Labels that introduce something other than a speaker's words.
NOT_SPEAKER_LABELS = frozenset("""
    update updated note editor editors photo photos video watch read related source sources
    correction clarification disclosure warning caption credit credits image images pictured
    advertisement listen subscribe sign share follow tags filed topics posted see also more
    q a question answer transcript summary background bottom line
""".split())


def _labelled_lines(doc: Doc, paragraphs: list[tuple[int, int]], found: list[Found]) -> list[Found]:
    """``found`` with the labelled lines added; a quotation found in such a line without a
    cue gives way to the line."""
    text = doc_text(doc)
    out = list(found)
    for lo, hi in paragraphs:
        match = _LABEL.match(text, lo, hi)
        if match is None:
            continue
        label = match.group(1)
        words = label.split()
        if len(words) > 5 or any(w.lower().strip(".") in NOT_SPEAKER_LABELS for w in words):
            continue
        start, end = match.end(), hi
        while end > start and text[end - 1].isspace():
            end -= 1
        if len(re.findall(r"\w+", text[start:end])) < 3:
            continue
        if any(f.start < end and start < f.end and f.cue is not None for f in out):
            continue  # the line already has a quotation with a cue of its own
        tokens = tokens_in(doc, match.start(1), match.end(1))
        colon = tokens_in(doc, match.end(1), match.end())
        colon = [t for t in colon if t.text == ":"]
        if not tokens or not colon or not all(t.text[:1].isupper() or not t.is_alpha for t in tokens):
            continue
        heads = [t for t in tokens if nounish(t)] or tokens
        cue = Cue(colon[0], ":", colon[0], heads[-1], (start, end), False)
        out = [f for f in out if not (f.cue is None and lo <= f.start <= hi)]
        out.append(Found(start, end, "indirect", cue, []))
    return out


def _join_interrupted(text: str, found: list[Found]) -> list[Found]:
    """'"A," X said. "B."' is one quotation interrupted by its attribution, not two.

    The joined quote runs from A to B (the marks keep the pieces); a quote in a paragraph of
    its own stays separate and is attributed as a continuation.
    """
    out: list[Found] = []
    for f in found:
        before = out[-1] if out else None
        # A report of its own inside the gap ('"A," X said, emphasizing Y. "B."') stays a
        # quote of its own and does not stop A and B from joining.
        k = len(out) - 1
        while k > 0 and not out[k].marks and f.marks and out[k].start >= out[k - 1].end:
            k -= 1
        if k >= 0 and out[k].marks and all(
            not o.marks and out[k].end <= o.start and o.end <= (f.marks[0].open if f.marks else 0)
            for o in out[k + 1 :]
        ):
            before = out[k]
        if (
            before is not None
            and (f.cue is None or f.cue is before.cue)
            and f.marks
            and before.kind in ("direct", "mixed")
            and before.cue is not None
            and before.marks
            and before.cue.word.idx > before.marks[-1].close
        ):
            gap = text[before.marks[-1].close : f.marks[0].open]
            cue_in_gap = before.marks[-1].close <= before.cue.word.idx < f.marks[0].open
            if (
                cue_in_gap
                and "\n" not in gap
                and not crosses_sentence(gap[: before.cue.word.idx - before.marks[-1].close])
                and len(gap.split()) <= 40
                # A short piece continues the quotation only after the attribution's own
                # punctuation ('he said. "This is our home."'), never inside its clause
                # ('he said, calling it a "farce"').
                and (not f.short or re.search(r"[.,:;]\s*$", gap) is not None)
            ):
                before.parts = (before.parts or [(before.start, before.end)]) + (
                    f.parts or [(f.start, f.end)]
                )
                before.end = f.end
                before.marks = before.marks + f.marks
                continue
        if not f.short:
            out.append(f)
    return out


def _last_char_before(text: str, end: int, blanks: str | None = None) -> int:
    """Offset of the last character before ``end`` that is not blank (whitespace, or one of
    ``blanks``), or -1: ``len(text[:end].rstrip(blanks)) - 1`` without copying the text
    before ``end``, which per quote made long articles quadratic."""
    i = end - 1
    while i >= 0 and (text[i] in blanks if blanks is not None else text[i].isspace()):
        i -= 1
    return i


def _cue_before_colon(doc: Doc, m: Marked, cues: list[Cue]) -> Cue | None:
    """'Trump said:' closing one paragraph and the quotation opening the next: the colon hands
    the cue on across the break."""
    colon = _last_char_before(doc_text(doc), m.open)
    if colon < 0 or doc_text(doc)[colon] != ":":
        return None
    cue = next(
        (c for c in cues if 0 <= colon - (c.last.idx + len(c.last.text)) <= 1),
        None,
    )
    if cue is not None:
        return cue
    # "The New York Times reports:" with "reports" taken for a plural noun.
    before = tokens_in(doc, max(0, colon - 30), colon)
    word = before[-1] if before else None
    lemma = cue_lemma(word.text) if word is not None else None
    if word is not None and lemma is not None and word.i > 0:
        name = doc[word.i - 1]
        if looks_like_name(name):
            return Cue(word, lemma, word, name, None, False)
    return _clause_before_colon(doc, colon)


def _clause_before_colon(doc: Doc, colon: int) -> Cue | None:
    """'She then addressed the supporters again: "..."', 'Clinton released the following
    statement: "..."': a clause with a subject that a colon ends hands the quotation to its
    subject, whatever its verb; the verb is the cue."""
    marks = tokens_in(doc, colon, colon + 1)
    if not marks or marks[0].text != ":":
        return None
    verb = marks[0].head
    while verb.i > marks[0].i and verb.head.i != verb.i:
        verb = verb.head  # the parse may hang the colon on the quotation's own verb
    if verb.i > marks[0].i or not is_verb(verb) or verb.lower_ in AUXILIARY_FORMS:
        return None  # "The rules are simple:" introduces no one's words
    if "\n" in doc_text(doc)[verb.idx : colon]:
        return None
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and c.i < verb.i]
    if not subjects or subjects[0].tag_ in ("EX",) or subjects[0].lower_ in ("it", "this"):
        return None
    lemma = verb.lemma_.lower() or verb.lower_
    return Cue(verb, lemma, verb, subjects[-1], None, False)


def _colon_cue(doc: Doc, m: Marked) -> Cue | None:
    """'Caddell: "..."': a name and a colon introduce the quote, as in a transcript."""
    text = doc_text(doc)
    colon = _last_char_before(text, m.open, " \t")
    if colon < 0 or text[colon] != ":":
        return None
    tokens = doc.char_span(colon, colon + 1, alignment_mode="expand")
    if tokens is None or tokens[0].text != ":":
        return None
    colon = tokens[0]
    label = []
    for token in reversed(doc[max(0, colon.i - 6) : colon.i]):
        if token.is_space or "\n" in token.text or token.is_sent_end or token.text in ".!?":
            break
        label.append(token)
    else:
        if colon.i > 6:
            return None  # too long for a name
    label.reverse()
    if not label or not all(
        nounish(t) or t.tag_ in ("DT", "NNP", "HYPH") or t.text == "." for t in label
    ):
        return None
    speaker = next((t for t in reversed(label) if nounish(t)), None)
    if speaker is None or not (speaker.tag_ in ("NNP", "NNPS") or speaker.ent_type_):
        return None
    return Cue(colon, ":", colon, speaker, None, False)


_DASH_NAME = re.compile(r"[^\S\n]*(?:―|—|–|--)[^\S\n]*(?=[A-Z])([^\n]{2,60}?)[.\s]*(?:\n|$)")


def _dash_cue(doc: Doc, m: Marked) -> Cue | None:
    """'"..." ― Oscar P. Quintero': a name after a dash, alone on the rest of the line, signs
    the quote (as under readers' comments and epigraphs)."""
    match = _DASH_NAME.match(doc_text(doc), m.close)
    if match is None:
        return None
    name = tokens_in(doc, match.start(1), match.end(1))
    if not name or len(name) > 6 or not all(
        t.tag_ in ("NNP", "NNPS", "HYPH") or t.text == "." or t.is_title for t in name
    ):
        return None
    dash = [t for t in tokens_in(doc, m.close, match.start(1)) if not t.is_space]
    proper = [t for t in name if t.tag_ in ("NNP", "NNPS") or t.ent_type_]
    if not dash or not proper:
        return None
    return Cue(dash[0], "—", dash[-1], proper[-1], None, False)


# Between a cue and the quotation it introduces: a comma or a colon, or up to three words
# and a colon ('scolded him: "..."', 'told reporters on Monday: "..."'); a doubled
# apostrophe's first half lies before the mark's ``open``.
_INTRODUCES = re.compile(r"\s*(?:,|(?:\s*[\w'’.-]+){0,3}\s*:)\s*'?")


def _introducing_cue(text: str, m: Marked, cues: list[Cue]) -> Cue | None:
    """The cue a quotation follows with nothing but a comma or colon between ('O'Neill said,
    "Not going to go into that."'): the quotation is what it reports, whatever clause the
    parse gave the cue or whatever report runs over both ("Asked to describe the device that
    caused the explosion, O'Neill said, ..." made "describe" report all of it; "and, when
    questioned after the debate, asserting, ''Of course, I pay federal taxes.''" gave
    "asserting" the clause before it; 'McCaskill scolded him: "...," she said. "..."' gave "said"
    a report from "McCaskill")."""
    for cue in cues:
        end = cue.last.idx + len(cue.last.text)
        if end <= m.open and _INTRODUCES.fullmatch(text[end : m.open]):
            return cue
    return None


def _nearby_cue(doc: Doc, m: Marked, cues: list[Cue]) -> tuple[Cue | None, bool]:
    """A cue the parse links to the quote, or one beside it in the same sentence."""
    inside = tokens_in(doc, m.start, m.end)
    if not inside:
        return None, False
    lo, hi = inside[0].i, inside[-1].i
    para_lo = doc_text(doc).rfind("\n", 0, m.open) + 1
    para_hi = doc_text(doc).find("\n", m.close)
    para_hi = len(doc_text(doc)) if para_hi == -1 else para_hi
    # A quote's cue is in its paragraph, whatever sentences the parser ran together.
    near = [c for c in cues if para_lo <= c.word.idx < para_hi and not lo <= c.word.i <= hi]
    for cue in near:
        if cue.word.head.i in range(lo, hi + 1) or any(
            lo <= child.i <= hi for child in cue.word.children
        ):
            return cue, True
    if len(re.findall(r"\w+", doc_text(doc)[m.start : m.end])) <= MAX_SCARE_WORDS:
        return None, False
    for cue in near:
        # '"...," X said' or 'X said: "..."' with nothing but the speaker in between.
        if cue.word.i > hi:
            between = doc_text(doc)[m.close : cue.word.idx]
            set_off = (
                re.match(r"[\s\"”’']*[,—–]", doc_text(doc)[m.end : cue.word.idx]) is not None
                or doc_text(doc)[m.end - 1] in "?!"  # '"Who are they?" Trump said.'
            )
        else:
            between = doc_text(doc)[cue.last.idx + len(cue.last.text) : m.open]
            set_off = between.rstrip()[-1:] in (",", ":")
        # An apposition can stand between ('"...", X, author of ..., told RT').
        window = 25
        if cue.subject is None or not (
            min(cue.word.i, hi) <= cue.subject.i <= max(cue.word.i, lo)
        ):
            window = 8
        if set_off and len(between.split()) <= window and not crosses_sentence(between):
            return cue, False
    return None, False


def _is_scare_quote(doc: Doc, m: Marked, para_starts: list[int]) -> bool:
    words = re.findall(r"\w+", doc_text(doc)[m.start : m.end])
    if len(words) > MAX_SCARE_WORDS:
        return False
    # A short quote that is a whole paragraph ('"No."') is still a quotation.
    k = bisect.bisect_right(para_starts, m.open) - 1
    text = doc_text(doc)
    newline = text.find("\n", m.close)
    rest = text[m.close : newline if newline != -1 else None]
    return not (k >= 0 and para_starts[k] == m.open and not re.search(r"\w", rest))
