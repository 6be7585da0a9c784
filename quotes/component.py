"""The ``quotes`` spaCy component: finds and attributes the quotations of each Doc.

Its output is plain data, so that a Doc keeps its quotes through ``Doc.to_bytes``, ``DocBin``
(with ``store_user_data=True``) and ``nlp.pipe(n_process=...)``, which ships Docs between
processes as bytes:

* ``doc._.quote_records``: one dict per quote (lists, strings and numbers, see
  :func:`quotes.records.quote_to_dict`), the stored form;
* ``doc._.quotes``: the same quotes as :class:`quotes.records.Quote` records, rebuilt from
  ``quote_records`` on each read (assigning a list of ``Quote`` stores their records);
* ``doc.spans[KEY]``, ``doc.spans[KEY + "_cue"]``, ``doc.spans[KEY + "_source"]``: each quote's
  content pieces, cue and source mention as token spans (expanded to whole tokens; the records
  keep the exact characters). ``span.id_`` is ``q<number>`` and ties the roles of one quote
  together; a content span's label is the quote's category, a source span's ``kb_id_`` the
  speaker's in-text name. ``DocBin`` keeps these even without user data.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan

from . import attribute, attribution_model, scorer
from .attribute import LEARNED_CUE_FACTOR, coreferee_antecedents, no_antecedents
from .records import Quote, Span, quote_from_dict, quote_to_dict

DEFAULT_SPANS_KEY = "quotes"


def _get_quotes(doc: Doc) -> list[Quote] | None:
    records = doc._.quote_records
    return None if records is None else [quote_from_dict(r) for r in records]


def _set_quotes(doc: Doc, quotes: list[Quote] | None) -> None:
    doc._.quote_records = None if quotes is None else [quote_to_dict(q) for q in quotes]


if not Doc.has_extension("quote_records"):
    Doc.set_extension("quote_records", default=None)
if not Doc.has_extension("quotes") or Doc.get_extension("quotes")[2] is None:
    Doc.set_extension("quotes", getter=_get_quotes, setter=_set_quotes, force=True)


@Language.factory(
    "quotes",
    requires=["token.dep", "token.tag", "token.ent_type", "doc.sents"],
    assigns=["doc._.quotes", "doc._.quote_records", "doc.spans"],
    default_config={
        "spans_key": DEFAULT_SPANS_KEY,
        "coreference": True,
        "learned_cue_factor": LEARNED_CUE_FACTOR,
        "coreference_component": None,
        "screen": True,
    },
)
def make_quotes(
    nlp: Language,
    name: str,
    spans_key: str,
    coreference: bool,
    learned_cue_factor: float,
    coreference_component: str | None,
    screen: bool,
) -> QuoteFinder:
    """``spans_key``: the ``doc.spans`` key of the contents (cues and sources under
    ``<key>_cue`` and ``<key>_source``). ``coreference``: follow coreferee's chains when the
    pipeline has them (else pronouns are resolved by the rules' own fallback).
    ``learned_cue_factor``: the confidence of a quote whose cue only the learned tagger
    recognised is scaled by this. ``coreference_component``: the name of a coreference
    component left out of the pipeline's main pass, run only around the pronouns that cues
    make speakers (:class:`quotes.attribute.WindowedCoreference`). ``screen``: drop the quotes
    the shipped screen (:mod:`quotes.scorer`) finds unlikely to be attributions, where the
    attribution model read the Doc."""
    finder = QuoteFinder(
        spans_key=spans_key,
        coreference=coreference,
        learned_cue_factor=learned_cue_factor,
        screen=screen,
    )
    if coreference and coreference_component is not None:
        finder.resolve_pronoun = attribute.WindowedCoreference(
            nlp.get_pipe(coreference_component)
        )
    return finder


class QuoteFinder:
    """Sets ``doc._.quote_records`` (and so ``doc._.quotes``) and the quote span groups."""

    def __init__(
        self,
        spans_key: str = DEFAULT_SPANS_KEY,
        coreference: bool = True,
        learned_cue_factor: float = LEARNED_CUE_FACTOR,
        screen: bool = True,
    ) -> None:
        self.spans_key = spans_key
        self.resolve_pronoun = coreferee_antecedents if coreference else no_antecedents
        self.learned_cue_factor = learned_cue_factor
        self.scorer = scorer.load() if screen else None

    def __call__(self, doc: Doc) -> Doc:
        quotes = attribute.quotes_in(doc, self.resolve_pronoun, self.learned_cue_factor)
        # the learned model's span boundaries, where it and the rules read the same report
        quotes = attribution_model.refine(doc, quotes)
        if self.scorer is not None and doc._.attribution_links is not None:
            # the screen reads the encoder's attribution model; the rules alone (or the older
            # CNN tagger, which links nothing) keep every quote
            quotes = self.scorer.screen(doc, quotes)
        doc._.attribution_probs = None  # read; 7 floats a token need not travel with the Doc
        doc._.quotes = quotes
        set_spans(doc, quotes, self.spans_key)
        return doc


def set_spans(doc: Doc, quotes: list[Quote], key: str = DEFAULT_SPANS_KEY) -> None:
    """The quotes' contents, cues and sources as span groups (see the module's docstring)."""
    contents, cues, sources = [], [], []
    for number, quote in enumerate(quotes):
        quote_id = f"q{number}"
        for piece in quote.pieces:
            contents.append(_token_span(doc, piece, quote.category, quote_id))
        cues.append(_token_span(doc, quote.cue, "cue", quote_id))
        mention = quote.mention
        name = quote.speaker.name if quote.speaker is not None else ""
        kind = quote.speaker.kind if quote.speaker is not None else "unknown"
        sources.append(_token_span(doc, mention, kind, quote_id, kb_id=name))
    doc.spans[key] = [s for s in contents if s is not None]
    doc.spans[f"{key}_cue"] = [s for s in cues if s is not None]
    doc.spans[f"{key}_source"] = [s for s in sources if s is not None]


def _token_span(
    doc: Doc, span: Span | None, label: str, quote_id: str, kb_id: str = ""
) -> SpacySpan | None:
    if span is None:
        return None
    tokens = doc.char_span(span.start, span.end, alignment_mode="expand")
    if tokens is None or not len(tokens):
        return None
    return SpacySpan(doc, tokens.start, tokens.end, label=label, kb_id=kb_id, span_id=quote_id)
