from quotes.records import Speaker, SpeakerRef
from quotes.speakers import SpeakerIndex, normalise


def person(name, title=None):
    return SpeakerRef(name=name, kind="person", title=title)


def org(name):
    return SpeakerRef(name=name, kind="organization")


def test_normalise_ignores_case_articles_possessives_demonyms_and_spelling():
    names = (
        "the Russian defence ministry", "Russia's defence ministry", "Russian Defense Ministry"
    )
    keys = {normalise(n) for n in names}
    assert len(keys) == 1


def test_titles_and_surnames_merge_into_one_person():
    index = SpeakerIndex([])
    a = index.resolve(person("Ivan Petrov", "Maj Gen"))
    b = index.resolve(person("Ivan Petrov", "Maj. Gen."))
    c = index.resolve(person("Petrov"))
    assert a is b is c
    assert a.name == "Ivan Petrov"
    assert a.titles == ["Maj Gen"]


def test_fuller_name_replaces_a_surname_only_speaker():
    index = SpeakerIndex([])
    short = index.resolve(person("Roe"))
    full = index.resolve(person("Jane Roe", "Senior Adviser"))
    assert short is full
    assert full.name == "Jane Roe" and full.aliases == ["Roe"]
    assert full.titles == ["Senior Adviser"]


def test_ambiguous_surname_makes_a_new_speaker():
    index = SpeakerIndex([Speaker("Jane Roe", "person", id=1), Speaker("Tom Roe", "person", id=2)])
    roe = index.resolve(person("Roe"))
    assert roe.id is None and roe.name == "Roe"


def test_organisation_variants_merge_but_a_bare_head_noun_does_not():
    index = SpeakerIndex([])
    full = index.resolve(org("Russian defence ministry"))
    assert index.resolve(org("the Russian Defense Ministry")) is full
    assert index.resolve(org("defence ministry")) is full
    assert index.resolve(org("ministry")) is not full


def test_groups_match_on_their_members():
    index = SpeakerIndex([])
    ref = SpeakerRef("Amnesty and Airwars", "group", members=("Amnesty", "Airwars"))
    group = index.resolve(ref)
    again = index.resolve(SpeakerRef("x", "group", members=("Airwars", "Amnesty")))
    assert group is again and group.kind == "group"


def test_changed_lists_new_and_updated_speakers_only():
    known = [Speaker("Ivan Petrov", "person", id=1), Speaker("Jane Roe", "person", id=2)]
    index = SpeakerIndex(known)
    index.resolve(person("Petrov"))
    assert index.changed() == []
    index.resolve(person("Ivan Petrov", "Gen"))
    new = index.resolve(org("Airwars"))
    assert [s.name for s in index.changed()] == ["Ivan Petrov", "Airwars"]
    assert new.id is None
    assert known[0].titles == []  # the caller's records are not modified


def test_a_full_name_with_a_stray_word_in_front_is_the_same_person():
    index = SpeakerIndex([])
    first = index.resolve(SpeakerRef("Syria Jan Roe", "person"))
    second = index.resolve(SpeakerRef("Jan Roe", "person"))
    assert first is second
    assert second.name == "Jan Roe"
    assert "Syria Jan Roe" in second.aliases
    # but two different people sharing a surname stay apart
    assert index.resolve(SpeakerRef("Ann Roe", "person")) is not second


def test_a_shorter_organisation_name_does_not_replace_the_fuller_one():
    index = SpeakerIndex([])
    full = index.resolve(SpeakerRef("Russian defence ministry", "organization"))
    assert index.resolve(SpeakerRef("defence ministry", "organization")) is full
    assert index.resolve(SpeakerRef("Russian ministry", "organization")) is full
    assert full.name == "Russian defence ministry"


def test_acronym_and_full_name_are_one_organisation_either_way_round():
    index = SpeakerIndex([])
    nations = index.resolve(org("United Nations"))
    assert index.resolve(org("U.N.")) is nations
    assert nations.name == "United Nations" and "U.N." in nations.aliases

    later = SpeakerIndex([])
    forces = later.resolve(org("SDF forces"))
    assert later.resolve(org("Syrian Democratic Forces")) is forces
    assert forces.name == "Syrian Democratic Forces"  # the full name wins
    assert later.resolve(org("SDF")) is forces


def test_acronym_shared_by_two_organisations_merges_with_neither():
    index = SpeakerIndex([])
    first = index.resolve(org("National Rifle Association"))
    second = index.resolve(org("Natural Resources Agency"))
    third = index.resolve(org("NRA"))
    assert third is not first and third is not second


def test_a_short_word_is_no_acronym_of_an_unrelated_organisation():
    index = SpeakerIndex([])
    red = index.resolve(org("Red Cross"))
    assert index.resolve(org("Regional Election Directorate")) is not red
    assert index.resolve(org("Army")) is not red


def test_generic_descriptions_and_names():
    from quotes.speakers import is_generic

    for generic in ("the company", "company", "the union", "Council", "coalition", "Officials",
                    "a spokesman", "Defence Ministry", "the Government", "local residents"):
        assert is_generic(generic), generic
    for name in ("Syrian activists", "Harbour Council", "US-led coalition", "UN", "G7",
                 "Ann Lee", "Amnesty International", "Russian defence ministry"):
        assert not is_generic(name), name


def test_a_generic_description_is_scoped_to_its_article():
    index = SpeakerIndex([])
    first = index.resolve(org("the company"), article_id=1)
    assert index.resolve(org("The Company"), article_id=1) is first
    other = index.resolve(org("the company"), article_id=2)
    assert other is not first and (first.article_id, other.article_id) == (1, 2)
    # a name is not scoped
    assert index.resolve(org("Acme Company"), article_id=1).article_id is None


def test_a_kind_met_in_another_article_is_another_speaker():
    index = SpeakerIndex([])
    jordan = index.resolve(person("Jordan"), article_id=1)
    assert index.resolve(org("Jordan"), article_id=1) is jordan  # one article: one speaker
    assert index.resolve(org("Jordan"), article_id=2) is not jordan


def test_overrides_come_before_the_rules():
    from quotes.records import SpeakerOverride

    known = [Speaker("Ann Lee", "person", id=1), Speaker("Bo Lee", "person", id=2)]
    merge = SpeakerOverride("merge", 1, "person", "Ann Lee", key=normalise("A. Lee"))
    split = SpeakerOverride("split", 2, "person", "Bo Lee", key="ann lee", source="b.txt",
                            from_id=1)
    index = SpeakerIndex(known, [merge, split])
    assert index.resolve(person("A. Lee"), article_id=1, source="a.txt").id == 1
    assert index.resolve(person("Ann Lee"), article_id=1, source="a.txt").id == 1
    assert index.resolve(person("Ann Lee"), article_id=2, source="b.txt").id == 2
    # a merge target that had been pruned comes back under its id
    gone = SpeakerIndex([], [merge])
    back = gone.resolve(person("A. Lee"), article_id=3, source="c.txt")
    assert (back.id, back.name) == (1, "Ann Lee")


def test_filed_speakers_resolve_as_a_scan_of_every_speaker_does():
    """Resolution looks only at the speakers filed under a name's last or first word or its
    initials (a 5 MB article's thousands of mentions each scanned every speaker). Every rule
    must pick what it picked when it scanned them all: the same speakers, ids and names, for
    mentions that merge by surname, fuller name, head noun, acronym, in several articles."""
    import random

    class Scanning(SpeakerIndex):
        def _filed(self, table, word):
            return list(self.speakers)

    people = ["Ivan Petrov", "Petrov", "Anna Petrov", "Jane Roe", "Roe", "Syria Jan Egeland",
              "Jan Egeland", "Egeland", "Tom Roe", "Maria Zakharova", "Zakharova"]
    orgs = ["Russian defence ministry", "defence ministry", "the Russian Defense Ministry",
            "United Nations", "U.N.", "UN", "Syrian Democratic Forces", "SDF forces", "SDF",
            "Harbour Council", "the council", "Amnesty International", "Amnesty", "ministry",
            "Organisation of the Petroleum Exporting Countries", "OPEC", "officials"]
    rng = random.Random(13)
    refs = []
    for _ in range(400):
        if rng.random() < 0.5:
            refs.append(person(rng.choice(people), rng.choice([None, "Gen", "Adviser"])))
        elif rng.random() < 0.9:
            refs.append(org(rng.choice(orgs)))
        else:
            members = tuple(rng.sample(["Amnesty", "Airwars", "UN"], 2))
            refs.append(SpeakerRef(" and ".join(members), "group", members=members))
    known = [Speaker("Jane Roe", "person", id=1), Speaker("UN", "organization", id=2)]
    results = []
    for index in (SpeakerIndex(list(known)), Scanning(list(known))):
        seen: dict[int, int] = {}
        got = []
        for n, ref in enumerate(refs):
            speaker = index.resolve(ref, article_id=n // 25, source=f"{n // 25}.txt")
            got.append((seen.setdefault(id(speaker), len(seen)), speaker.name, speaker.kind))
        results.append((got, [(s.name, s.kind, s.titles, s.aliases) for s in index.speakers]))
    assert results[0] == results[1]
    assert len(results[0][1]) > 10
