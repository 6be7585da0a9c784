"""The UD -> ClearNLP converter on hand-made trees (no corpus text)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "models" / "scripts"))

from ud2clearnlp import (  # noqa: E402
    BadTree,
    convert,
    gum_entities,
    read_conllu,
    read_iob2,
)


def tree(rows: str):
    """Rows of 'form upos xpos head deprel [misc]' -> a converted-ready Sentence."""
    lines = []
    for i, row in enumerate(rows.strip().splitlines(), 1):
        form, upos, xpos, head, deprel, *misc = row.split()
        lines.append(
            "\t".join(
                [
                    str(i),
                    form,
                    form.lower(),
                    upos,
                    xpos,
                    "_",
                    head,
                    deprel,
                    "_",
                    misc[0] if misc else "_",
                ]
            )
        )
    return next(read_conllu(lines + [""]))


def arcs(sent):
    """(word, label, head word) for every word; the root's head is itself."""
    return [(t.form, t.deprel, sent.tok(t.head).form if t.head else t.form) for t in sent.tokens]


def test_names_become_head_final_compounds():
    s = convert(
        tree("""
        Gen PROPN NNP 2 compound
        Igor PROPN NNP 4 nsubj
        Konashenkov PROPN NNP 2 flat
        said VERB VBD 0 root
    """)
    )
    assert arcs(s) == [
        ("Gen", "compound", "Konashenkov"),
        ("Igor", "compound", "Konashenkov"),
        ("Konashenkov", "nsubj", "said"),
        ("said", "ROOT", "said"),
    ]


def test_preposition_heads_its_object():
    s = convert(
        tree("""
        fighting NOUN NN 0 root
        in ADP IN 3 case
        Raqqa PROPN NNP 1 nmod
    """)
    )
    assert arcs(s)[1:] == [("in", "prep", "fighting"), ("Raqqa", "pobj", "in")]


def test_passive_agent_and_subject():
    s = convert(
        tree("""
        city NOUN NN 3 nsubj:pass
        was AUX VBD 3 aux:pass
        bombed VERB VBN 0 root
        by ADP IN 5 case
        jets NOUN NNS 3 obl:agent
    """)
    )
    assert arcs(s) == [
        ("city", "nsubjpass", "bombed"),
        ("was", "auxpass", "bombed"),
        ("bombed", "ROOT", "bombed"),
        ("by", "agent", "bombed"),
        ("jets", "pobj", "by"),
    ]


def test_according_to_chains_two_prepositions():
    s = convert(
        tree("""
        according VERB VBG 3 case
        to ADP IN 1 fixed
        Bali PROPN NNP 5 obl
        ,  PUNCT , 5 punct
        fell VERB VBD 0 root
    """)
    )
    assert arcs(s) == [
        ("according", "prep", "fell"),
        ("to", "prep", "according"),
        ("Bali", "pobj", "to"),
        (",", "punct", "fell"),
        ("fell", "ROOT", "fell"),
    ]


def test_copula_heads_clause_with_attr_and_acomp():
    s = convert(
        tree("""
        Raqqa PROPN NNP 3 nsubj
        is AUX VBZ 3 cop
        ruins NOUN NNS 0 root
    """)
    )
    assert arcs(s) == [("Raqqa", "nsubj", "is"), ("is", "ROOT", "is"), ("ruins", "attr", "is")]
    s = convert(
        tree("""
        it PRON PRP 4 nsubj
        was AUX VBD 4 cop
        not PART RB 4 advmod
        safe ADJ JJ 0 root
    """)
    )
    assert arcs(s) == [
        ("it", "nsubj", "was"),
        ("was", "ROOT", "was"),
        ("not", "neg", "was"),
        ("safe", "acomp", "was"),
    ]


def test_prepositional_predicate_and_existential():
    s = convert(
        tree("""
        He PRON PRP 4 nsubj
        is AUX VBZ 4 cop
        in ADP IN 4 case
        Raqqa PROPN NNP 0 root
    """)
    )
    assert arcs(s) == [
        ("He", "nsubj", "is"),
        ("is", "ROOT", "is"),
        ("in", "prep", "is"),
        ("Raqqa", "pobj", "in"),
    ]
    s = convert(
        tree("""
        There PRON EX 2 expl
        is VERB VBZ 0 root
        hope NOUN NN 2 nsubj
    """)
    )
    # Not a copula in UD ("is" is the root already) but the subject is ClearNLP's attr.
    assert arcs(s)[2] == ("hope", "nsubj", "is")
    s = convert(
        tree("""
        There PRON EX 3 expl
        is AUX VBZ 3 cop
        hope NOUN NN 0 root
    """)
    )
    assert arcs(s) == [("There", "expl", "is"), ("is", "ROOT", "is"), ("hope", "attr", "is")]


def test_coordination_is_chained_and_cc_hangs_on_previous_conjunct():
    s = convert(
        tree("""
        Kurdish ADJ JJ 0 root
        , PUNCT , 3 punct
        Arab ADJ JJ 1 conj
        and CCONJ CC 5 cc
        Syrian ADJ JJ 1 conj
    """)
    )
    assert arcs(s) == [
        ("Kurdish", "ROOT", "Kurdish"),
        (",", "punct", "Kurdish"),
        ("Arab", "conj", "Kurdish"),
        ("and", "cc", "Arab"),
        ("Syrian", "conj", "Arab"),
    ]


def test_relabels():
    s = convert(
        tree("""
        They PRON PRP 2 nsubj
        gave VERB VBD 0 root
        him PRON PRP 2 iobj
        aid NOUN NN 2 obj
        last ADJ JJ 6 amod
        week NOUN NN 2 obl:tmod
        to PART TO 8 mark
        help VERB VB 2 advcl
    """)
    )
    labels = [t.deprel for t in s.tokens]
    assert labels == ["nsubj", "ROOT", "dative", "dobj", "amod", "npadvmod", "aux", "advcl"]


def test_gerund_after_preposition_is_pcomp():
    s = convert(
        tree("""
        accused VERB VBN 0 root
        of SCONJ IN 3 mark
        bombing VERB VBG 1 advcl
        Aleppo PROPN NNP 3 obj
    """)
    )
    assert arcs(s)[1:3] == [("of", "prep", "accused"), ("bombing", "pcomp", "of")]


def test_every_label_is_in_clearnlp_set_and_tree_is_checked():
    s = convert(
        tree("""
        uh INTJ UH 2 discourse
        yes INTJ UH 0 root
        yes INTJ UH 2 reparandum
    """)
    )
    assert [t.deprel for t in s.tokens] == ["intj", "ROOT", "dep"]
    bad = tree("""
        a X X 2 dep
        b X X 1 dep
    """)
    with pytest.raises(BadTree):
        convert(bad)


def test_gum_entities_keep_proper_names_only():
    s = tree("""
        The DET DT 3 det Entity=(1-organization-new-x-cf1-1-coref
        Russian ADJ JJ 3 amod _
        ministry NOUN NN 5 nsubj Entity=1)
        Konashenkov PROPN NNP 5 nsubj Entity=(2-person-new-x-cf1-1-coref)
        said VERB VBD 0 root _
        in ADP IN 8 case _
        the DET DT 8 det Entity=(3-place-new-x-cf1-1-coref
        Euphrates PROPN NNP 9 compound _
        River PROPN NNP 5 obl Entity=3)
        Raqqa PROPN NNP 5 obl Entity=(4-place-new-x-cf1-1-coref-Raqqa)
    """)
    # "the Russian ministry" has a common-noun head: not an OntoNotes name.
    ents = gum_entities(s)
    assert (4, 4, "PERSON") in ents
    assert (10, 10, "GPE") in ents
    assert (8, 9, "LOC") in ents  # determiner dropped, natural feature -> LOC
    assert not any(e[0] == 1 for e in ents)


def test_uner_tags_map_to_ontonotes():
    lines = [
        "1\tJan\tB-PER\t-\t-",
        "2\tEgeland\tI-PER\t-\t-",
        "3\tin\tO\t-\t-",
        "4\tTampa\tB-LOC\t-\t-",
        "5\tBay\tI-LOC\t-\t-",
        "6\tOslo\tB-LOC\t-\t-",
        "",
    ]
    words, tags, spaces = next(read_iob2(lines))
    assert tags == ["B-PERSON", "I-PERSON", "O", "B-LOC", "I-LOC", "B-GPE"]
    assert all(spaces)


def test_uner_spacing_follows_the_sentence_text():
    lines = [
        "# text = Hackney's burgers, really.",
        "1\tHackney\tB-ORG\t-\t-",
        "2\t's\tO\t-\t-",
        "3\tburgers\tO\t-\t-",
        "4\t,\tO\t-\t-",
        "5\treally\tO\t-\t-",
        "6\t.\tO\t-\t-",
        "",
    ]
    words, tags, spaces = next(read_iob2(lines))
    assert spaces == [False, True, False, True, False, False]
    assert tags[0] == "B-ORG"


def test_multiword_token_space_after_moves_to_last_word():
    lines = [
        "1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No",
        "1\tdo\tdo\tAUX\tVBP\t_\t3\taux\t_\t_",
        "2\tn't\tnot\tPART\tRB\t_\t3\tadvmod\t_\t_",
        "3\tgo\tgo\tVERB\tVB\t_\t0\troot\t_\t_",
        "",
    ]
    s = convert(next(read_conllu(lines)))
    assert [t.space_after for t in s.tokens] == [False, False, True]
    assert [t.deprel for t in s.tokens] == ["aux", "neg", "ROOT"]


def test_gum_mentions_are_trimmed_to_the_name():
    s = tree("""
        Mr. PROPN NNP 2 compound Entity=(1-person-new-x-cf1-1-coref
        Jones PROPN NNP 3 nsubj Entity=1)
        met VERB VBD 0 root _
        Rotus PROPN NNP 3 obj Entity=(2-person-new-x-cf1-1-coref
        , PUNCT , 8 punct _
        who PRON WP 8 nsubj _
        's AUX VBZ 8 cop _
        politician NOUN NN 4 acl:relcl Entity=2)
        at ADP IN 10 case _
        University PROPN NNP 3 obl Entity=(3-organization-new-x-cf1-1-coref
        of ADP IN 12 case _
        Copenhagen PROPN NNP 10 nmod _
        in ADP IN 14 case _
        Paris PROPN NNP 10 nmod Entity=3)
    """)
    ents = gum_entities(s)
    assert (2, 2, "PERSON") in ents  # "Mr." is a title, not part of the name
    assert (4, 4, "PERSON") in ents  # the relative clause is not part of the name
    assert (10, 12, "ORG") in ents  # "University of Copenhagen", not "... in Paris"


def test_gum_places_split_into_gpe_loc_and_fac():
    s = tree("""
        Europe PROPN NNP 3 nsubj Entity=(1-place-new-x-cf1-1-coref)
        and CCONJ CC 3 cc _
        Oakland PROPN NNP 0 root Entity=(2-place-new-x-cf1-1-coref)
        on ADP IN 6 case _
        10th ADJ JJ 6 amod Entity=(3-place-new-x-cf1-1-coref
        Street PROPN NNP 3 obl Entity=3)
        Khartoum PROPN NNP 3 obl Entity=(4-place-new-x-cf1-1-coref
        and CCONJ CC 9 cc _
        Juba PROPN NNP 7 conj Entity=4)
    """)
    ents = gum_entities(s)
    assert (1, 1, "LOC") in ents  # a continent is no polity
    assert (3, 3, "GPE") in ents
    assert (5, 6, "FAC") in ents  # the ordinal belongs to the street's name
    assert (7, 7, "GPE") in ents  # two places joined by "and" are two names
    assert not any(e[1] == 9 and e[0] == 7 for e in ents)


def test_gum_people_groups_and_titles():
    s = tree("""
        the DET DT 2 det Entity=(1-person-new-x-cf1-1-coref
        French PROPN NNPS 5 nsubj Entity=1)
        and CCONJ CC 4 cc _
        Governor PROPN NNP 8 compound Entity=(2-person-new-x-cf1-1-coref
        of ADP IN 6 case _
        Washington PROPN NNP 4 nmod Entity=(3-place-new-x-cf1-1-coref)
        Chris PROPN NNP 8 compound _
        Gregoire PROPN NNP 2 conj Entity=2)
        met VERB VBD 0 root _
        the DET DT 13 det Entity=(4-person-new-x-cf1-1-coref
        Secretary PROPN NNP 13 compound _
        - PUNCT HYPH 13 punct _
        General PROPN NNP 9 obj Entity=4)
        and CCONJ CC 16 cc _
        a DET DT 16 det Entity=(5-person-new-x-cf1-1-coref
        Libertarian PROPN NNP 13 conj Entity=5)
    """)
    ents = gum_entities(s)
    assert (2, 2, "NORP") in ents  # a people, not a person
    assert (7, 8, "PERSON") in ents  # the place in the title stays out of the name
    assert (6, 6, "GPE") in ents
    assert not any(e[1] == 13 for e in ents)  # "Secretary-General" names nobody
    assert not any(e[1] == 16 for e in ents)  # "a Libertarian" is one of many


def test_gum_names_hung_on_a_role_noun_and_odd_mentions():
    s = tree("""
        governor NOUN NN 4 nsubj Entity=(1-person-new-x-cf1-1-coref
        Bob PROPN NNP 1 flat _
        McDonnell PROPN NNP 1 flat Entity=1)
        thanked VERB VBD 0 root _
        the DET DT 6 det Entity=(2-person-new-x-cf1-1-coref
        Petitioner PROPN NNP 4 obj Entity=2)
        and CCONJ CC 8 cc _
        Hispanic PROPN NNP 6 conj Entity=(3-person-new-x-cf1-1-coref)
        ( PUNCT -LRB- 10 punct _
        d(ə)ˈvɔːk PROPN NNP 4 dep Entity=(4-person-new-x-cf1-1-coref)
    """)
    ents = gum_entities(s)
    assert (2, 3, "PERSON") in ents  # the role noun stays out
    assert not any(e[0] == 6 for e in ents)  # a party to a case, not a name
    assert (8, 8, "NORP") in ents
    assert not any(e[0] == 10 for e in ents)  # a pronunciation


def test_gum_name_in_apposition_right_after_a_role_noun():
    s = tree("""
        the DET DT 3 det Entity=(1-person-new-x-cf1-1-coref
        prominent ADJ JJ 3 amod _
        critic NOUN NN 7 nsubj _
        Eduard PROPN NNP 3 appos _
        Hanslick PROPN NNP 4 flat Entity=1)
        , PUNCT , 7 punct _
        came VERB VBD 0 root _
        with ADP IN 11 case _
        the DET DT 11 det Entity=(2-person-new-x-cf1-1-coref
        critic NOUN NN 11 compound _
        friend NOUN NN 7 obl _
        , PUNCT , 13 punct _
        Ann PROPN NNP 11 appos Entity=2)
    """)
    ents = gum_entities(s)
    assert (4, 5, "PERSON") in ents
    # a name after a comma is an apposition of the whole mention, not the role noun's name
    assert not any(e[0] == 13 for e in ents)


def test_paragraph_breaks_become_whitespace_tokens_in_running_text():
    from collections import Counter

    import spacy
    from convert_corpora import PARAGRAPH_BREAK, to_docs

    def sentence(doc_line: str, words: list[str]) -> list[str]:
        rows = [doc_line] if doc_line else []
        for i, w in enumerate(words, 1):
            head, rel = ("0", "root") if i == 1 else ("1", "punct" if w == "." else "obj")
            rows.append(
                f"{i}\t{w}\t{w.lower()}\t_\t{'.' if w == '.' else 'VB'}\t_\t{head}\t{rel}\t_\t_"
            )
        return rows + [""]

    lines = (
        sentence("# newdoc id = a", ["Call", "him", "."])
        + sentence("", ["See", "it", "."])
        + sentence("# newpar", ["Take", "them", "."])
        + sentence("# newdoc id = b", ["Go", "home", "."])
    )
    docs = to_docs(spacy.blank("en").vocab, list(read_conllu(lines)), False, Counter())
    assert len(docs) == 2  # a document boundary never gets a break, it starts a new Doc
    first = docs[0]
    assert first.text == f"Call him . See it .{PARAGRAPH_BREAK}Take them ."
    brk = first[6]
    assert (brk.text, brk.tag_, brk.pos_, brk.dep_, brk.head.text) == (
        PARAGRAPH_BREAK,
        "_SP",
        "SPACE",
        "dep",
        ".",
    )
    # the sentence after the break keeps its own tree, shifted past the break
    assert [(t.text, t.head.text) for t in first[7:]] == [
        ("Take", "Take"),
        ("them", "Take"),
        (".", "Take"),
    ]
    assert first[7].is_sent_start and docs[1].text == "Go home ."


def test_titles_are_dropped_from_people_only():
    s = tree("""
        Congresswoman PROPN NNP 3 compound Entity=(1-person-new-x-cf1-1-coref
        Karen PROPN NNP 3 compound _
        Bass PROPN NNP 4 nsubj Entity=1)
        visited VERB VBD 0 root _
        St. PROPN NNP 6 compound Entity=(2-place-new-x-cf1-1-coref
        Louis PROPN NNP 4 obj Entity=2)
        and CCONJ CC 9 cc _
        General PROPN NNP 9 compound Entity=(3-organization-new-x-cf1-1-coref
        Motors PROPN NNPS 6 conj Entity=3)
    """)
    ents = gum_entities(s)
    assert (2, 3, "PERSON") in ents
    assert (5, 6, "GPE") in ents
    assert (8, 9, "ORG") in ents
