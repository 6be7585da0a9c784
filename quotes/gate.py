"""Where attribution can happen: the paragraphs the encoder and the attribution head run over.

The encoder is most of what the learned attribution model costs (issue 12: encoder and head at
most 60% of the rest of the pipeline), and a paragraph with no sign of a report gives the model
nothing to label. A paragraph counts when it holds a quotation mark or a quoted stretch
(:func:`quotes.marks.find_marked`), a cue word the rules know (:func:`quotes.cues.cue_lemma`,
or "according"), or a verb with a clausal complement (``ccomp`` or ``parataxis``: "X reckons the
plan will fail" with a verb no list holds). These are the signals the head already reads
(:func:`quotes.learned.rule_features`), so a gated-out paragraph is one where the rules and the
head's own rule inputs see nothing. Paragraphs are the unit because a report rarely runs over a
paragraph break (PolNeAR dev: 94% of attributions lie whole in paragraphs the gate keeps;
models/attribution/README.md).
"""

from __future__ import annotations

import numpy
from spacy.tokens import Doc

from .cues import cue_lemma
from .marks import find_marked

QUOTE_CHARS = "\"“”„«»'‘’"
# "X says the plan will fail": the reported clause hangs from the cue as ccomp, or as parataxis
# in "The plan, X says, will fail".
COMPLEMENTS = frozenset({"ccomp", "parataxis"})


def signals(doc: Doc) -> numpy.ndarray:
    """Per token: True where a report may be (a quotation mark or quoted word, a cue word, a
    verb with a clausal complement)."""
    found = numpy.zeros(len(doc), dtype=bool)
    if not len(doc):
        return found
    starts = doc.to_array("IDX").astype(numpy.int64)
    for m in find_marked(doc.text):
        lo, hi = numpy.searchsorted(starts, [m.start, m.end])
        found[lo:hi] = True
    # one look per distinct (word, lemma), not a Token object per token
    strings = doc.vocab.strings
    pairs = doc.to_array(["ORTH", "LEMMA"])
    keys, which = numpy.unique(pairs, axis=0, return_inverse=True)
    word = numpy.array(
        [_signal_word(strings[o], strings[lem] if lem else "") for o, lem in keys.tolist()],
        dtype=bool,
    )
    found |= word[which.reshape(-1)]
    deps = doc.to_array("DEP")
    clause = numpy.isin(deps, [strings.add(dep) for dep in COMPLEMENTS])
    heads = numpy.arange(len(doc)) + doc.to_array("HEAD").astype(numpy.int64)
    clause &= heads != numpy.arange(len(doc))
    found[heads[clause]] = True  # the verb whose clausal complement this is
    return found


def _signal_word(text: str, lemma: str) -> bool:
    return text in QUOTE_CHARS or text.lower() == "according" or bool(cue_lemma(text, lemma))


def paragraphs(doc: Doc) -> numpy.ndarray:
    """Per token, the number of its paragraph (a token holding a line break ends one)."""
    if not len(doc):
        return numpy.zeros(0, dtype=numpy.int64)
    # one look per distinct word, not a Token object per token
    words, which = numpy.unique(doc.to_array("ORTH"), return_inverse=True)
    strings = doc.vocab.strings
    ends = numpy.array(["\n" in strings[w] for w in words.tolist()], dtype=bool)[which]
    return numpy.concatenate([[0], numpy.cumsum(ends[:-1])])


def attribution_tokens(doc: Doc) -> numpy.ndarray:
    """Per token: True when its paragraph holds one of :func:`signals`."""
    if not len(doc):
        return numpy.zeros(0, dtype=bool)
    para = paragraphs(doc)
    live = numpy.zeros(para[-1] + 1, dtype=bool)
    live[para[signals(doc)]] = True
    return live[para]
