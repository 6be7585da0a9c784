"""Load GUM's OntoNotes-scheme coreference (`coref/ontogum/conll`) for coreferee.

coreferee's own `ConllLoader` expects the 11+ column CoNLL-2012 files; GUM's
files have three columns (index, word, chain brackets), one document per file
and no sentence breaks. Sentence breaks and spacing are taken from UD GUM's
CoNLL-U files when the document is there with the same words, so that the
parser sees real sentences (headlines have no final punctuation).

Documents come back as coreferee's loaders return them: parsed by the pipeline,
passed through `rules_analyzer.initialize()`, and with each anaphor's true
antecedent marked `true_in_training` among its potential referreds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from coreferee.data_model import Mention
from coreferee.rules import RulesAnalyzer
from spacy.language import Language
from spacy.tokens import Doc, Span


@dataclass
class GumDocument:
    doc_id: str
    words: list[str]
    markers: list[str]
    spaces: list[bool] | None = None
    sent_starts: list[bool | None] | None = None
    has_ud_sentences: bool = field(default=False)


def read_gum_conll(path: str | Path) -> GumDocument:
    words: list[str] = []
    markers: list[str] = []
    for line in Path(path).read_text(encoding="utf8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        words.append(columns[1])
        markers.append(columns[-1].strip())
    return GumDocument(Path(path).stem, words, markers)


def is_placeholder(document: GumDocument) -> bool:
    """The reddit documents are distributed with words replaced by underscores."""
    return all(set(word) == {"_"} for word in document.words)


def read_ud_documents(
    conllu_paths: Iterable[str | Path],
) -> dict[str, tuple[list[str], list[bool], list[bool]]]:
    """Map each UD GUM document id to its (words, space after, sentence start) lists."""
    documents: dict[str, tuple[list[str], list[bool], list[bool]]] = {}
    current: tuple[list[str], list[bool], list[bool]] | None = None
    for path in conllu_paths:
        sentence_start = True
        for line in Path(path).read_text(encoding="utf8").splitlines():
            if line.startswith("# newdoc id"):
                current = ([], [], [])
                documents[line.split("=", 1)[1].strip()] = current
            elif not line.strip():
                sentence_start = True
            elif line.startswith("#") or current is None:
                continue
            else:
                columns = line.split("\t")
                if "-" in columns[0] or "." in columns[0]:
                    continue
                current[0].append(columns[1])
                current[1].append("SpaceAfter=No" not in columns[9])
                current[2].append(sentence_start)
                sentence_start = False
    return documents


def ud_test_doc_ids(conllu_path: str | Path) -> set[str]:
    return set(read_ud_documents([conllu_path]))


def attach_ud_layout(
    document: GumDocument, ud_documents: dict[str, tuple[list[str], list[bool], list[bool]]]
) -> None:
    ud = ud_documents.get(document.doc_id)
    if ud is None or ud[0] != document.words:
        return
    document.spaces = ud[1]
    # Only starts are fixed; leaving the rest unset lets the parser add breaks.
    document.sent_starts = [True if start else None for start in ud[2]]
    document.has_ud_sentences = True


def to_unparsed_doc(nlp: Language, document: GumDocument) -> Doc:
    spaces = document.spaces or [True] * len(document.words)
    # A few GUM files carry an empty word form; spaCy refuses empty tokens.
    words = [word or "_" for word in document.words]
    return Doc(
        nlp.vocab,
        words=words,
        spaces=spaces,
        sent_starts=document.sent_starts,
    )


def chain_spans(
    doc: Doc, markers: list[str], rules_analyzer: RulesAnalyzer
) -> dict[str, list[Span]]:
    """Read the bracketed chain columns into spans, keeping only the mentions
    coreferee can learn from (independent nouns and potential anaphors)."""
    open_starts: dict[str, list[int]] = {}
    chains: dict[str, list[Span]] = {}
    for index, marker in enumerate(markers):
        if marker in ("-", "_"):
            continue
        for part in marker.split("|"):
            chain_id = "".join(ch for ch in part if ch.isdigit())
            if part.startswith("("):
                open_starts.setdefault(chain_id, []).append(index)
            if part.endswith(")") and open_starts.get(chain_id):
                span = doc[open_starts[chain_id].pop() : index + 1]
                if rules_analyzer.is_independent_noun(
                    span.root
                ) or rules_analyzer.is_potential_anaphor(span.root):
                    chains.setdefault(chain_id, []).append(span)
    return chains


def mark_training_links(doc: Doc, markers: list[str], rules_analyzer: RulesAnalyzer) -> None:
    """Mark true antecedents as coreferee's ConllLoader does: each mention is the
    true referred of its chain neighbours, unless they already have one."""
    for chain in (c for c in chain_spans(doc, markers, rules_analyzer).values() if len(c) > 1):
        chain.sort(key=lambda span: span.start)
        for span_index, span in enumerate(chain):
            siblings = span.root._.coref_chains.temp_dependent_siblings
            include_dependent_siblings = len(siblings) > 0 and siblings[-1] in span
            working_referent = Mention(span.root, include_dependent_siblings)
            neighbours = []
            if span_index > 0:
                neighbours.append(chain[span_index - 1])
            if span_index < len(chain) - 1:
                neighbours.append(chain[span_index + 1])
            for neighbour in neighbours:
                chain_holder = neighbour.root._.coref_chains
                if not hasattr(chain_holder, "temp_potential_referreds"):
                    continue
                if Mention.number_of_training_mentions_marked_true(neighbour.root) > 0:
                    continue
                for mention in chain_holder.temp_potential_referreds:
                    if mention == working_referent:
                        mention.true_in_training = True


def load_gum(
    paths: Iterable[str | Path],
    nlp: Language,
    rules_analyzer: RulesAnalyzer,
    ud_conllu_paths: Iterable[str | Path] = (),
) -> list[Doc]:
    """Parse the GUM CoNLL files in *paths* (placeholders are skipped) and attach
    coreferee's training annotations. `doc.user_data["doc_id"]` names the file."""
    ud_documents = read_ud_documents(ud_conllu_paths)
    documents = [read_gum_conll(path) for path in paths]
    documents = [d for d in documents if d.words and not is_placeholder(d)]
    for document in documents:
        attach_ud_layout(document, ud_documents)
    docs = []
    unparsed = (to_unparsed_doc(nlp, document) for document in documents)
    for document, doc in zip(documents, nlp.pipe(unparsed)):
        rules_analyzer.initialize(doc)
        mark_training_links(doc, document.markers, rules_analyzer)
        doc.user_data["doc_id"] = document.doc_id
        docs.append(doc)
    return docs
