"""Convert Universal Dependencies trees to the ClearNLP style of spaCy's English models.

spaCy's en_core_web_* pipelines (and everything written against them: coreferee's English
rules, textacy, our own attribution rules) expect ClearNLP labels and structures: prepositions
head their objects, the copula heads the clause, names are head-final, conjuncts are chained.
UD English-EWT and GUM annotate the same sentences differently, so the training data is
rewritten here, one sentence at a time. See ../shared/reference/ud-to-clearnlp.md.

Only the standard library is used so that the rules can be unit-tested on hand-made trees.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from person_titles import TITLES as PERSON_TITLES

# Labels that change name only. Subtypes not listed fall back to their base label.
RELABEL = {
    "root": "ROOT",
    "obj": "dobj",
    "iobj": "dative",
    "nsubj:pass": "nsubjpass",
    "nsubj:outer": "nsubj",
    "csubj:pass": "csubjpass",
    "csubj:outer": "csubj",
    "aux:pass": "auxpass",
    "nmod:poss": "poss",
    "det:poss": "poss",
    "det:predet": "predet",
    "cc:preconj": "preconj",
    "compound:prt": "prt",
    "acl:relcl": "relcl",
    "advcl:relcl": "relcl",
    "obl:tmod": "npadvmod",
    "obl:npmod": "npadvmod",
    "obl:unmarked": "npadvmod",
    "nmod:tmod": "npadvmod",
    "nmod:npmod": "npadvmod",
    "nmod:unmarked": "npadvmod",
    "discourse": "intj",
    "vocative": "npadvmod",
    "list": "dep",
    "dislocated": "dep",
    "reparandum": "dep",
    "orphan": "dep",
    "goeswith": "dep",
    "flat": "compound",
    "flat:foreign": "compound",
    "flat:name": "compound",
    "compound:lvc": "compound",
    "expl:pv": "expl",
}

# ClearNLP's label set as en_core_web_sm 3.8 emits it; anything else becomes "dep".
CLEARNLP_LABELS = frozenset(
    "ROOT acl acomp advcl advmod agent amod appos attr aux auxpass case cc ccomp compound conj "
    "csubj csubjpass dative dep det dobj expl intj mark meta neg nmod npadvmod nsubj nsubjpass "
    "nummod oprd parataxis pcomp pobj poss preconj predet prep prt punct quantmod relcl xcomp".split()
)

# PTB tags outside en_core_web_sm's tag set, mapped to the nearest one it has.
TAG_MAP = {"GW": "XX", "VERB": "VB", "_": "XX"}

NOMINAL_UPOS = {"NOUN", "PROPN", "PRON", "NUM", "DET", "X", "SYM"}
# Dependents that belong to the clause rather than to the predicate nominal/adjective.
CLAUSAL_DEPS = {
    "nsubj",
    "nsubj:pass",
    "nsubj:outer",
    "csubj",
    "csubj:pass",
    "csubj:outer",
    "aux",
    "aux:pass",
    "mark",
    "advcl",
    "advcl:relcl",
    "obl",
    "obl:tmod",
    "obl:npmod",
    "obl:unmarked",
    "obl:agent",
    "punct",
    "cc",
    "expl",
    "parataxis",
    "discourse",
    "vocative",
    "ccomp",
    "dislocated",
    "reparandum",
    "list",
    "dep",
}
NEGATIONS = {"not", "n't", "never", "nt", "n’t"}
# Subordinators that stay `mark` even before a gerund ("while fighting" is still a clause).
CLAUSE_MARKERS = {
    "that",
    "if",
    "whether",
    "because",
    "while",
    "although",
    "though",
    "as",
    "when",
    "once",
    "unless",
    "until",
    "since",
    "so",
    "than",
    "whereas",
    "where",
}


@dataclass
class Token:
    """One word of a CoNLL-U sentence; ``head`` is 1-based, 0 for the root."""

    id: int
    form: str
    lemma: str
    upos: str
    xpos: str
    feats: str
    head: int
    deprel: str
    misc: str = "_"
    space_after: bool = True


@dataclass
class Sentence:
    tokens: list[Token]
    sent_id: str = ""
    doc_id: str = ""
    new_par: bool = False
    comments: list[str] = field(default_factory=list)

    def children(self, tok: Token) -> list[Token]:
        return [t for t in self.tokens if t.head == tok.id]

    def tok(self, i: int) -> Token:
        return self.tokens[i - 1]


# ---------------------------------------------------------------------------- reading


def read_conllu(lines: Iterable[str]) -> Iterator[Sentence]:
    """Yield sentences; multiword-token ranges and empty nodes are dropped (we train on words)."""
    tokens: list[Token] = []
    comments: list[str] = []
    doc_id = ""
    new_par = False
    no_space_ranges: set[int] = set()
    for raw in lines:
        line = raw.rstrip("\n")
        if not line:
            if tokens:
                yield _finish(tokens, comments, doc_id, new_par, no_space_ranges)
            tokens, comments, new_par, no_space_ranges = [], [], False, set()
            continue
        if line.startswith("#"):
            comments.append(line)
            if line.startswith("# newdoc"):
                m = re.search(r"id\s*=\s*(\S+)", line)
                doc_id = m.group(1) if m else line
                new_par = True
            elif line.startswith("# newpar"):
                new_par = True
            continue
        cols = line.split("\t")
        if "." in cols[0]:
            continue
        if "-" in cols[0]:
            # Words of one surface token ("do" + "n't") have no space between them, and the
            # token's SpaceAfter lives on the range line: carry it to its last word.
            first, last = (int(x) for x in cols[0].split("-"))
            no_space_ranges.update(range(first, last))
            if "SpaceAfter=No" in cols[9]:
                no_space_ranges.add(last)
            continue
        tokens.append(
            Token(
                id=int(cols[0]),
                form=cols[1],
                lemma=cols[2],
                upos=cols[3],
                xpos=cols[4],
                feats=cols[5],
                head=int(cols[6]),
                deprel=cols[7],
                misc=cols[9],
                space_after="SpaceAfter=No" not in cols[9],
            )
        )
    if tokens:
        yield _finish(tokens, comments, doc_id, new_par, no_space_ranges)


def _finish(tokens, comments, doc_id, new_par, no_space_ranges) -> Sentence:
    for t in tokens:
        if t.id in no_space_ranges:
            t.space_after = False
    sent_id = next((c.split("=", 1)[1].strip() for c in comments if c.startswith("# sent_id")), "")
    return Sentence(
        tokens=tokens, sent_id=sent_id, doc_id=doc_id, new_par=new_par, comments=comments
    )


# ---------------------------------------------------------------------------- conversion


def convert(sent: Sentence) -> Sentence:
    """Rewrite ``sent`` in place from UD to ClearNLP; returns it for chaining."""
    for t in sent.tokens:
        t.xpos = TAG_MAP.get(t.xpos, t.xpos)
    _flat_to_compound(sent)
    _copula_heads(sent)
    _fixed_chains(sent)
    _prepositions_head(sent)
    _gerund_prepositions(sent)
    _chain_coordination(sent)
    _relabel(sent)
    check_tree(sent)
    return sent


def _reattach(sent: Sentence, old: Token, new: Token, keep=lambda t: False) -> None:
    """Move ``old``'s dependents (except those ``keep`` selects, and ``new``) to ``new``."""
    for c in sent.children(old):
        if c is not new and not keep(c):
            c.head = new.id


def _promote(sent: Sentence, old: Token, new: Token, keep=lambda t: False) -> None:
    """``new`` takes ``old``'s place in the tree and ``old`` hangs under ``new``."""
    new.head, new.deprel = old.head, old.deprel
    _reattach(sent, old, new, keep)
    old.head = new.id


def _flat_to_compound(sent: Sentence) -> None:
    """UD names are head-first ("Igor" <-flat- "Konashenkov"); ClearNLP's are head-final."""
    for head in list(sent.tokens):
        flats = [c for c in sent.children(head) if c.deprel.startswith("flat") and c.id > head.id]
        if not flats:
            continue
        last = flats[-1]
        _promote(sent, head, last)
        head.deprel = "compound"
        for f in flats[:-1]:
            f.head, f.deprel = last.id, "compound"


def _copula_heads(sent: Sentence) -> None:
    for pred in list(sent.tokens):
        cops = [c for c in sent.children(pred) if c.deprel == "cop"]
        if not cops:
            continue
        be = cops[0]
        existential = any(c.deprel == "expl" for c in sent.children(pred))

        def stays(c: Token, be=be) -> bool:
            if c.deprel in ("advmod",) and c.id < be.id:
                return False
            if c.deprel == "advmod" and c.form.lower() in NEGATIONS:
                return False
            if c.deprel == "conj":
                # A coordinated clause (own subject or copula) belongs to the verb.
                return not any(g.deprel in ("nsubj", "nsubj:pass", "cop") for g in sent.children(c))
            return c.deprel not in CLAUSAL_DEPS

        _promote(sent, pred, be, keep=stays)
        has_case = any(c.deprel == "case" and c.xpos != "POS" for c in sent.children(pred))
        if has_case:
            pred.deprel = "obl"  # becomes prep/pobj below
        elif (
            pred.upos in ("ADJ", "VERB") or pred.xpos.startswith("JJ") or pred.xpos.startswith("VB")
        ):
            pred.deprel = "acomp"
        elif pred.upos == "ADV":
            pred.deprel = "advmod"
        else:
            pred.deprel = "attr"
        for other in cops[1:]:
            other.head, other.deprel = be.id, "aux"
        if existential:
            for c in sent.children(be):
                if c.deprel == "nsubj":
                    c.deprel = "attr"


def _fixed_chains(sent: Sentence) -> None:
    """ "according to", "because of": the second word becomes `prep` of the first.

    For multiword subordinators and adverbs ("as well as", "so that") ClearNLP keeps the
    words flat under the first; we relabel them by their part of speech.
    """
    for tok in sent.tokens:
        if tok.deprel != "fixed":
            continue
        head = sent.tok(tok.head)
        if head.deprel == "case" and tok.upos == "ADP":
            tok.deprel = "_fixed_prep"
        elif tok.upos == "ADP" or tok.xpos == "IN":
            tok.deprel = "prep"
        elif tok.upos == "ADV":
            tok.deprel = "advmod"
        elif tok.upos == "ADJ":
            tok.deprel = "amod"
        else:
            tok.deprel = "dep"


def _prepositions_head(sent: Sentence) -> None:
    """H -obl/nmod-> N -case-> P  becomes  H -prep-> P -pobj-> N."""
    for noun in list(sent.tokens):
        cases = [
            c
            for c in sent.children(noun)
            if c.deprel == "case" and c.xpos != "POS" and c.id < noun.id
        ]
        if not cases:
            continue
        label = noun.deprel
        agent = label == "obl:agent"
        first = cases[0]
        # Only the nominal's own prepositions move: its other dependents stay with it.
        first.head, first.deprel = noun.head, label
        if label in ("ROOT", "root"):
            first.deprel = "root"
        elif label.split(":")[0] in ("obl", "nmod") or label in ("acomp", "attr", "advmod"):
            first.deprel = "agent" if agent else "prep"
        # chain further case words ("out of", "from behind") and `fixed` words under P
        top = first
        for nxt in cases[1:]:
            nxt.head, nxt.deprel = top.id, "prep"
            top = nxt
        fixed_prep = [c for c in sent.children(top) if c.deprel == "_fixed_prep"]
        for fx in fixed_prep:
            fx.deprel = "prep"
            top = fx
        noun.head = top.id
        noun.deprel = "pcomp" if noun.xpos.startswith("VB") else "pobj"
        if first.deprel == "conj":
            # "in Raqqa and in Aleppo": the second preposition is the conjunct of the first.
            prev = sent.tok(first.head)
            if prev.deprel == "pobj" and prev.head:
                first.head = prev.head
    for t in sent.tokens:
        if t.deprel == "_fixed_prep":
            t.deprel = "prep"


def _gerund_prepositions(sent: Sentence) -> None:
    """ "after leaving", "by bombing": the preposition heads the clause as prep + pcomp."""
    for clause in list(sent.tokens):
        if clause.deprel not in (
            "advcl",
            "acl",
            "obl",
            "nmod",
            "pobj",
        ) or not clause.xpos.startswith("VB"):
            continue
        kids = sent.children(clause)
        if any(k.deprel in ("nsubj", "nsubj:pass", "csubj") for k in kids):
            continue
        marks = [
            k
            for k in kids
            if k.deprel in ("mark", "case")
            and k.xpos == "IN"
            and k.id < clause.id
            and k.form.lower() not in CLAUSE_MARKERS
        ]
        if not marks or clause.xpos != "VBG":
            continue
        p = marks[0]
        p.head, p.deprel = clause.head, "prep"
        clause.head, clause.deprel = p.id, "pcomp"


def _chain_coordination(sent: Sentence) -> None:
    """UD hangs every conjunct on the first and each cc on the conjunct after it;
    ClearNLP chains the conjuncts and hangs cc (and the comma) on the conjunct before."""
    for first in list(sent.tokens):
        conjs = sorted((c for c in sent.children(first) if c.deprel == "conj"), key=lambda t: t.id)
        if not conjs:
            continue
        prev = first
        for cj in conjs:
            if cj.id < prev.id:
                continue  # odd non-projective cases: leave alone
            cj.head = prev.id
            for c in sent.children(cj):
                if c.deprel in ("cc", "punct") and c.id < cj.id and c.id > prev.id:
                    c.head = prev.id
            prev = cj


def _relabel(sent: Sentence) -> None:
    ids = {t.id: t for t in sent.tokens}
    for t in sent.tokens:
        rel = t.deprel
        if rel in RELABEL:
            new = RELABEL[rel]
        elif rel in ("obl", "nmod") or rel.startswith("obl:") or rel.startswith("nmod:"):
            # no preposition left under it: a bare noun-phrase modifier
            head = ids.get(t.head)
            if (
                rel.startswith("nmod")
                and head is not None
                and head.upos in NOMINAL_UPOS
                and t.id < head.id
            ):
                new = "compound" if t.upos in ("NOUN", "PROPN") else "nmod"
            else:
                new = "npadvmod" if rel.startswith("obl") or t.upos != "PROPN" else "nmod"
        elif rel == "advmod" and t.form.lower() in NEGATIONS:
            new = "neg"
        elif rel == "mark" and t.xpos == "TO":
            new = "aux"
        elif rel == "xcomp":
            new = _xcomp_label(sent, t)
        elif rel == "case" and t.xpos != "POS":
            new = "prep"
        else:
            new = rel.split(":")[0]
        if new == "root":
            new = "ROOT"
        if new == "advmod" and ids.get(t.head) is not None and ids[t.head].xpos == "CD":
            new = "quantmod"
        t.deprel = new if new in CLEARNLP_LABELS else "dep"


def _xcomp_label(sent: Sentence, t: Token) -> str:
    if t.xpos.startswith("VB") or t.upos in ("VERB", "AUX"):
        return "xcomp"
    has_obj = any(
        c.deprel in ("obj", "dobj") for c in sent.tokens if c.head == t.head and c.id < t.id
    )
    if has_obj:
        return "oprd"
    if t.xpos.startswith("JJ") or t.upos == "ADJ":
        return "acomp"
    if t.upos in NOMINAL_UPOS:
        return "attr"
    return "xcomp"


class BadTree(ValueError):
    pass


def check_tree(sent: Sentence) -> None:
    """Every word reaches the single root without a cycle; raises BadTree otherwise."""
    n = len(sent.tokens)
    roots = [t for t in sent.tokens if t.head == 0]
    if len(roots) != 1:
        raise BadTree(f"{sent.sent_id}: {len(roots)} roots")
    for t in sent.tokens:
        seen = 0
        cur = t
        while cur.head != 0:
            if not 1 <= cur.head <= n:
                raise BadTree(f"{sent.sent_id}: head {cur.head} out of range")
            cur = sent.tok(cur.head)
            seen += 1
            if seen > n:
                raise BadTree(f"{sent.sent_id}: cycle at {t.id}")
    for t in sent.tokens:
        if t.head == 0:
            t.deprel = "ROOT"


# ---------------------------------------------------------------------------- entities

_ENTITY_OPEN = re.compile(r"\((\d+)-([a-z]+)[^()]*?(\))?(?=\(|\d+\)|$)")
_ENTITY_CLOSE = re.compile(r"(\d+)\)")

NATURAL_FEATURES = {
    "river",
    "mountain",
    "mountains",
    "mount",
    "sea",
    "ocean",
    "lake",
    "valley",
    "desert",
    "island",
    "islands",
    "gulf",
    "bay",
    "coast",
    "peninsula",
    "forest",
    "hills",
    "canyon",
    "strait",
    "channel",
    "basin",
    "plain",
    "plains",
    "falls",
    "glacier",
    "park",
    "harbour",
    "harbor",
    "swamp",
    "reef",
    "cape",
}
# OntoNotes FAC: what people built, named by its last word ("Piedmont Avenue", "Kaiser Building").
FACILITIES = {
    "street",
    "avenue",
    "road",
    "boulevard",
    "lane",
    "highway",
    "freeway",
    "square",
    "bridge",
    "airport",
    "station",
    "building",
    "tower",
    "towers",
    "hall",
    "center",
    "centre",
    "museum",
    "planetarium",
    "theater",
    "theatre",
    "stadium",
    "arena",
    "church",
    "cathedral",
    "mosque",
    "temple",
    "palace",
    "castle",
    "prison",
    "dam",
    "canal",
}
# OntoNotes LOC beyond natural features: continents and regions that are no polity.
REGIONS = {
    "africa",
    "europe",
    "asia",
    "antarctica",
    "oceania",
    "eurasia",
    "north america",
    "south america",
    "latin america",
    "central america",
    "middle east",
    "near east",
    "far east",
    "horn of africa",
    "sub-saharan africa",
    "scandinavia",
    "balkans",
    "caribbean",
    "siberia",
    "sahara",
    "pacific northwest",
    "midwest",
    "new england",
    "arctic",
    "antarctic",
}
# Census categories GUM files as person mentions; OntoNotes as NORP. Not in demonyms.txt,
# whose entity_ruler would tag every "white" and "black".
RACES = {"white", "black", "hispanic", "latino", "latina", "caucasian", "pacific islander"}


def read_demonyms() -> list[str]:
    """assets/demonyms.txt: the NORP names both the converter and the entity_ruler use."""
    path = Path(__file__).parents[1] / "assets" / "demonyms.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


DEMONYMS = {name.lower() for name in read_demonyms()}
GUM_TO_ONTONOTES = {"person": "PERSON", "organization": "ORG", "place": "GPE", "event": "EVENT"}


# Titles OntoNotes leaves outside PERSON names ("Sir Walter Elliot" -> "Walter Elliot").
TITLES = {
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "miss",
    "ms",
    "ms.",
    "sir",
    "lady",
    "lord",
    "dr",
    "dr.",
    "madame",
    "monsieur",
    "captain",
    "colonel",
    "admiral",
    "general",
    "major",
    "lieutenant",
    "sergeant",
    "professor",
    "prof.",
    "king",
    "queen",
    "prince",
    "princess",
    "duke",
    "duchess",
    "earl",
    "count",
    "countess",
    "baron",
    "uncle",
    "aunt",
    "father",
    "mother",
    "brother",
    "sister",
    "saint",
    "st.",
    "st",
    "rev.",
    "reverend",
    "judge",
    "president",
    "senator",
    "secretary",
    "director",
    "governor",
    "minister",
    "chairman",
    "chairwoman",
    "chief",
    "mayor",
    "ambassador",
    "commissioner",
    "chancellor",
    "premier",
    "administrator",
    "deputy",
    "vice",
    "pope",
    "bishop",
    "archbishop",
    "rabbi",
    "sheikh",
    "spokesman",
    "spokeswoman",
    "gen.",
    "gov.",
    "sen.",
    "rep.",
    "lt.",
    "col.",
    "maj.",
    "capt.",
    "sgt.",
    "doctor",
    "petitioner",
    "respondent",
    "appellant",
    "plaintiff",
    "defendant",
}
# The titles the pipeline's own rule drops from people's names at run time (person_titles.py)
# are titles here too, so the gold and the pipeline draw a name's edge in the same place.
TITLES |= {t for title in PERSON_TITLES for t in (title, title + ".")}
LITBANK_LABELS = {"PER": "PERSON", "GPE": "GPE", "LOC": "LOC", "ORG": "ORG", "FAC": "FAC"}
_NAME_GLUE = {"of", "'s", "de", "la", "le", "van", "von", "du", "-", "the", "and", "&"}


def gum_entities(sent: Sentence) -> list[tuple[int, int, str]]:
    """Named entities from GUM's ``Entity=`` brackets: (first id, last id, label), 1-based.

    GUM marks every mention ("the ministry" included); OntoNotes names only proper names, so
    keep spans whose syntactic head is a proper noun, trimmed to the name (``_name_part``).
    GUM's one ``place`` type splits as OntoNotes splits it: natural features and continents are
    LOC, streets and buildings FAC, the rest GPE; a ``person`` mention that names a people
    ("the French", "African Americans") is NORP.
    """
    stack: list[tuple[str, str, int]] = []
    spans: list[tuple[int, int, str]] = []
    for t in sent.tokens:
        ent = next((m[7:] for m in t.misc.split("|") if m.startswith("Entity=")), "")
        pos = 0
        while pos < len(ent):
            if ent[pos] == "(":
                m = _ENTITY_OPEN.match(ent, pos)
                if not m:
                    break
                if m.group(3):
                    spans.append((t.id, t.id, m.group(2)))
                else:
                    stack.append((m.group(1), m.group(2), t.id))
                pos = m.end()
            else:
                m = _ENTITY_CLOSE.match(ent, pos)
                if not m:
                    break
                for k in range(len(stack) - 1, -1, -1):
                    if stack[k][0] == m.group(1):
                        _, etype, start = stack.pop(k)
                        spans.append((start, t.id, etype))
                        break
                pos = m.end()
    out = []
    for start, end, etype in spans:
        label = GUM_TO_ONTONOTES.get(etype)
        if label is None:
            continue
        inside = range(start, end + 1)
        heads = [sent.tok(i) for i in inside if sent.tok(i).head not in inside]
        if len(heads) != 1:
            continue
        head = heads[0].id
        if heads[0].upos != "PROPN":
            # "nominee Ken Cuccinelli", "the music critic Louis Ehlert": UD hangs the name on
            # the role noun as `flat`, or as an `appos` right after it ("the prominent critic
            # Eduard Hanslick"); OntoNotes names the person all the same.
            flat = _name_on_role_noun(sent, heads[0], inside)
            if not flat or flat != list(range(flat[0], flat[-1] + 1)) or flat[0] != head + 1:
                continue
            start, end, head = flat[0], flat[-1], flat[-1]
            inside = range(start, end + 1)
        # A person's name never takes in a place or body named before it ("Governor of
        # Washington Chris Gregoire").
        foreign = set()
        if label == "PERSON":
            for s, e, kind in spans:
                if kind != "person" and start <= s and e <= end and not s <= head <= e:
                    foreign.update(range(s, e + 1))
        name = _name_part(sent, start, end, head, label, foreign)
        if name is None:
            continue
        start, end = name
        if not (sent.tok(start).form[:1].isupper() or sent.tok(start).form[:1].isdigit()):
            continue  # a pronunciation ("d(ə)ˈvɔːrʒɑːk") or a lower-case mention
        words = [sent.tok(i).form.lower() for i in range(start, end + 1)]
        if label == "PERSON" and (words[-1] in DEMONYMS or " ".join(words) in RACES):
            label = "NORP"
        elif label == "GPE":
            label = _place_label(words, [sent.tok(i).lemma.lower() for i in inside])
        out.append((start, end, label))
    # spaCy entities cannot overlap: keep the longest, then the earliest.
    out.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    chosen: list[tuple[int, int, str]] = []
    for s in out:
        if all(s[1] < c[0] or s[0] > c[1] for c in chosen):
            chosen.append(s)
    return sorted(chosen)


def _name_on_role_noun(sent: Sentence, role: Token, inside: range) -> list[int]:
    flat = [
        c.id
        for c in sent.children(role)
        if c.deprel.startswith("flat") and c.upos == "PROPN" and c.id in inside
    ]
    if flat:
        return flat
    appos = [
        c
        for c in sent.children(role)
        if c.deprel == "appos" and c.upos == "PROPN" and c.id == role.id + 1 and c.id in inside
    ]
    if not appos:
        return []
    rest = [c.id for c in sent.children(appos[0]) if c.deprel.startswith("flat") and c.id in inside]
    return sorted([appos[0].id, *rest])


def _place_label(name: list[str], lemmas: list[str]) -> str:
    if " ".join(name) in REGIONS or name[-1] in REGIONS:
        return "LOC"
    if any(lemma in NATURAL_FEATURES for lemma in lemmas):
        return "LOC"
    if name[-1] in FACILITIES:
        return "FAC"
    return "GPE"


def _capitalised(tok: Token) -> bool:
    return (
        tok.form[:1].isupper()
        or tok.form[:1].isdigit()  # "10th Street", "7 World Trade Center"
        or (tok.upos in ("PROPN", "NUM") and not tok.form[:1].isalpha())
    )


def _name_part(
    sent: Sentence,
    start: int,
    end: int,
    head: int,
    label: str = "",
    foreign: Collection[int] = (),
) -> tuple[int, int] | None:
    """Trim a GUM mention to the OntoNotes name inside it, or None if no name is left.

    GUM mentions are whole noun phrases ("Mr. Jones", "Dvořák's", "Randers in Jutland",
    "Rotus, who's a seasoned politician"); OntoNotes names are the capitalised run around the
    head, with glue words only between capitalised words ("University of Copenhagen"), and
    without titles ("the Secretary-General" names nobody), determiners or the possessive 's.
    A person or a place is never two joined by "and" ("Khartoum and Juba").
    """
    glue = _NAME_GLUE if label == "ORG" else _NAME_GLUE - {"and", "&"}
    first = head
    while (
        first - 1 >= start
        and first - 1 not in foreign
        and _capitalised(sent.tok(first - 1))
        and sent.tok(first - 1).upos != "DET"
    ):
        first -= 1
    last = head
    while last + 1 <= end:
        nxt = sent.tok(last + 1)
        if _capitalised(nxt) and nxt.upos != "PUNCT":
            last += 1
        elif (
            nxt.form.lower() in glue
            and nxt.form != "'s"
            and last + 2 <= end
            and _capitalised(sent.tok(last + 2))
        ):
            last += 2
        else:
            break
    # Titles belong to people's names only: "St. Louis" and "Imam Mosque" keep theirs.
    leading = (TITLES if label == "PERSON" else set()) | glue
    while first <= last and (
        sent.tok(first).form.lower() in leading or sent.tok(first).upos == "PUNCT"
    ):
        first += 1
    if first > last:
        return None
    # "a Libertarian", "an Englishman": one of a kind, not a name.
    if first == last and first - 1 >= start and sent.tok(first - 1).form.lower() in ("a", "an"):
        return None
    return first, last


def read_iob2(lines: Iterable[str]) -> Iterator[tuple[list[str], list[str], list[bool]]]:
    """UNER's IOB2 files: (words, tags, spaces) per sentence, tags mapped to OntoNotes labels.

    Spaces come from the sentence's ``# text =`` line, so the text a pipeline is scored on reads
    as written ("Hackney's", not "Hackney 's"); without that line every word is followed by one.
    """
    words: list[str] = []
    tags: list[str] = []
    text = ""
    for raw in [*lines, ""]:
        line = raw.rstrip("\n")
        if line.startswith("# text = "):
            text = line[len("# text = ") :]
            continue
        if line.startswith("#"):
            continue
        if not line.strip():
            if words:
                yield words, _ontonotes_tags(words, tags), _spaces(words, text)
            words, tags, text = [], [], ""
            continue
        cols = line.split("\t")
        words.append(cols[1])
        tags.append(cols[2])


def _spaces(words: list[str], text: str) -> list[bool]:
    spaces = [True] * len(words)
    pos = 0
    for i, word in enumerate(words):
        found = text.find(word, pos)
        if found < 0:
            return [True] * len(words)  # the text disagrees with the words: keep plain spacing
        pos = found + len(word)
        spaces[i] = pos < len(text) and text[pos].isspace()
    return spaces


def _ontonotes_tags(words: list[str], tags: list[str]) -> list[str]:
    out = list(tags)
    i = 0
    while i < len(tags):
        if tags[i] == "O" or "-" not in tags[i]:
            out[i] = "O"
            i += 1
            continue
        label = tags[i].split("-", 1)[1]
        j = i + 1
        while j < len(tags) and tags[j] == f"I-{label}":
            j += 1
        new = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORG"}.get(label)
        if new == "GPE" and any(w.lower() in NATURAL_FEATURES for w in words[i:j]):
            new = "LOC"
        for k in range(i, j):
            out[k] = "O" if new is None else ("B-" if k == i else "I-") + new
        i = j
    return out


def read_litbank_tsv(lines: Iterable[str]) -> Iterator[tuple[list[str], list[str]]]:
    """LitBank's entity TSV (token + one column per nesting layer) -> (words, IOB tags).

    LitBank marks every mention ("the wrathful skipper", "his cabin"); OntoNotes only names.
    Keep spans that start with a capitalised word once leading titles are dropped and whose
    words are all capitalised or name glue ("of", "'s").
    """
    words: list[str] = []
    layers: list[list[str]] = []
    for raw in [*lines, ""]:
        line = raw.rstrip("\n")
        if line.strip():
            cols = line.split("\t")
            words.append(cols[0])
            layers.append(cols[1:])
            continue
        if not words:
            continue
        spans = []
        for k in range(max(len(c) for c in layers)):
            col = [c[k] if k < len(c) else "O" for c in layers]
            i = 0
            while i < len(col):
                if col[i].startswith("B-"):
                    label = col[i][2:]
                    j = i + 1
                    while j < len(col) and col[j] == f"I-{label}":
                        j += 1
                    spans.append((i, j, label))
                    i = j
                else:
                    i += 1
        tags = ["O"] * len(words)
        chosen: list[tuple[int, int, str]] = []
        for i, j, label in sorted(spans, key=lambda s: s[0] - s[1]):
            new = LITBANK_LABELS.get(label)
            if new is None:
                continue
            while i < j and new == "PERSON" and words[i].lower() in TITLES:
                i += 1
            name = words[i:j]
            if not name or not name[0][:1].isupper() or not name[-1][:1].isupper():
                continue
            if not all(w[:1].isupper() or w.lower() in _NAME_GLUE for w in name):
                continue
            if all(c[1] <= i or c[0] >= j for c in chosen):
                chosen.append((i, j, new))
        for i, j, label in chosen:
            tags[i] = f"B-{label}"
            for m in range(i + 1, j):
                tags[m] = f"I-{label}"
        yield words, tags
        words, layers = [], []
