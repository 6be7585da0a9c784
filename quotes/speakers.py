"""Merge mention-level speakers into one canonical speaker per real-world person or body.

Matching is on normalised names (case, punctuation, accents, a leading "the", possessives,
demonyms and British/American spellings do not count), then, for people, on a unique surname,
and for organisations on a unique fuller name with the same head noun ("defence ministry" inside
"Russian defence ministry") or on a unique acronym ("U.N." and "United Nations", "SDF forces"
and "Syrian Democratic Forces"). Anything ambiguous becomes a new speaker rather than a wrong
merge.

Across articles the same name is one speaker, with two exceptions. A generic description ("the
company", "the union", "Council", "officials"; see :func:`is_generic`) is a speaker only within
its article: "The company said ..." in two unrelated articles are two companies. And a name
met with a different kind (a person in one article, an organisation in another) is a different
speaker, unless both were met in the same article. An editor's merges and splits
(:class:`quotes.records.SpeakerOverride`) come before every rule, so re-indexing keeps them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache

from .cues import ORG_NAME_WORDS, ORG_NOUNS, ROLE_NOUNS
from .records import Speaker, SpeakerOverride, SpeakerRef

# Country adjectives that name the same state as the country ("Russian"/"Russia's" ministry).
DEMONYMS = {
    "russian": "russia", "american": "us", "british": "uk", "french": "france",
    "syrian": "syria", "iraqi": "iraq", "iranian": "iran", "turkish": "turkey",
    "german": "germany", "chinese": "china", "israeli": "israel", "ukrainian": "ukraine",
    "kurdish": "kurdistan", "saudi": "saudi arabia", "egyptian": "egypt",
}
COUNTRY_ALIASES = {"u.s.": "us", "usa": "us", "united states": "us", "u.k.": "uk"}
SPELLINGS = {
    "defense": "defence", "organization": "organisation", "center": "centre",
    "program": "programme", "labor": "labour", "counselor": "counsellor",
}


# Cached: every rule compares normalised names, and an article's mentions repeat a few names.
@lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """A matching key: "the Russian Defense Ministry" and "Russia's defence ministry" agree."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = text.lower().replace("’", "'")
    for alias, country in COUNTRY_ALIASES.items():
        text = re.sub(rf"(?<![\w.]){re.escape(alias)}(?![\w])", country, text)
    text = re.sub(r"'s\b|s'(?=\s|$)", "", text)
    words = re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.replace(".", ""))
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    words = [SPELLINGS.get(DEMONYMS.get(w, w), DEMONYMS.get(w, w)) for w in words]
    return " ".join(words)


def _same_full_name(a: str, b: str) -> bool:
    """Normalised person names of two or more words where one ends the other."""
    short, long = sorted((a.split(), b.split()), key=len)
    return len(short) >= 2 and short != long and long[-len(short) :] == short


# Words an acronym skips ("Organisation *of* the Petroleum Exporting Countries").
_ACRONYM_SKIPS = frozenset({"of", "the", "and", "for", "on", "in", "to"})


def _initials(key: str) -> str:
    words = [w for w in key.split() if w not in _ACRONYM_SKIPS]
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def _written_as_acronym(name: str) -> bool:
    """Does the name start with a word of two capitals or more ("U.N.", "SDF forces")?"""
    first = (name.split() or [""])[0]
    return sum(ch.isupper() for ch in first) >= 2


def _could_be_acronym(word: str) -> bool:
    return 2 <= len(word) <= 6 and word.isalpha()


# Nouns that describe a speaker without naming one: "The company said" in one article and in
# another are two companies. Capitalised, they are still descriptions ("Officials said",
# "Council said" in a local paper), so capitals alone do not make a name.
GENERIC_WORDS = ROLE_NOUNS | ORG_NOUNS | ORG_NAME_WORDS | frozenset("""
    people person man woman men women residents locals citizens voters students parents
    doctors nurses teachers police officers soldiers troops fighters rebels militants
    protesters demonstrators workers employees staff members lawmakers legislators senators
    governor mayor judge prosecutor prosecutors defendant family families friends neighbours
    neighbors victims survivors scientists critics supporters opponents observers insiders
    company companies firm firms manufacturer retailer operator owner owners board club team
    campaign newspaper paper magazine channel broadcaster station hospital school university
    church mosque city town village county state country nation region province district
    spokesmen spokeswomen chiefs heads ministers secretaries envoys ambassadors authors
    coalition union council forces government ministry
""".split())
# Capitalised modifiers that do not make a description a name ("Defence Ministry": whose?).
GENERIC_MODIFIERS = frozenset("""
    the a an local senior top former deputy chief defence defense foreign interior health
    finance justice state national federal central public general security education trade
    labour labor economy environment city town county regional district new
""".split())


def _singular_word(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def is_generic(name: str) -> bool:
    """Is ``name`` a description rather than a name ("the company", "Council", "officials")?

    A name has a word that is capitalised and not a generic noun or modifier ("Syrian
    activists", "Harbour Council", "US-led coalition"), an acronym ("UN") or a digit ("G7").
    """
    # "The company said ..." in two unrelated articles became one speaker "company".
    words = re.findall(r"\w[\w'’.&-]*", name)
    if not words:
        return True
    for word in words:
        core = word.strip(".'’-")
        if any(ch.isdigit() for ch in core) or sum(ch.isupper() for ch in core) >= 2:
            return False
        if core[:1].isupper():
            low = core.lower()
            if low in GENERIC_MODIFIERS or low in GENERIC_WORDS:
                continue
            if _singular_word(low) in GENERIC_WORDS:
                continue
            return False
    return True


def _title_key(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


class SpeakerIndex:
    """Canonical speakers, resolved one mention at a time; deterministic for a given order."""

    def __init__(
        self, known: list[Speaker], overrides: list[SpeakerOverride] | None = None
    ) -> None:
        self.speakers: list[Speaker] = []
        self._before: dict[int, tuple] = {}
        self._by_key: dict[str, list[Speaker]] = {}
        # Speakers by the last and the first word of their name and by its initials, for the
        # rules matching a surname, a head noun or an acronym, and the groups: scanning every
        # speaker for each mention made an article of thousands of quotes quadratic. A
        # speaker stays filed under its earlier names' words; each rule checks the name now.
        self._by_last: dict[str, dict[int, Speaker]] = {}
        self._by_first: dict[str, dict[int, Speaker]] = {}
        self._by_initials: dict[str, dict[int, Speaker]] = {}
        self._groups: list[Speaker] = []
        self._article: int | None = None
        self._here: dict[int, Speaker] = {}  # speakers resolved in the current article, by id()
        overrides = overrides or []
        # later overrides win over earlier ones for the same name
        self._merges = {(o.key, o.source): o for o in overrides if o.action == "merge"}
        self._splits = {(o.source, o.from_id): o for o in overrides if o.action == "split"}
        self._split_rules = [o for o in overrides if o.action == "split"]
        self._hidden: set[int] = set()  # split targets, in the article they were split in
        for speaker in known:
            copy = replace(speaker, titles=list(speaker.titles), aliases=list(speaker.aliases))
            self._before[id(copy)] = self._state(copy)
            self._add(copy)

    @staticmethod
    def _state(speaker: Speaker) -> tuple:
        return (speaker.name, speaker.kind, tuple(speaker.titles), tuple(speaker.aliases))

    def _add(self, speaker: Speaker) -> None:
        self.speakers.append(speaker)
        if speaker.kind == "group":
            self._groups.append(speaker)
        self._index(speaker)

    def _index(self, speaker: Speaker) -> None:
        for name in (speaker.name, *speaker.aliases):
            bucket = self._by_key.setdefault(normalise(name), [])
            if speaker not in bucket:
                bucket.append(speaker)
        key = normalise(speaker.name)
        words = key.split()
        if words:
            self._by_last.setdefault(words[-1], {})[id(speaker)] = speaker
            self._by_first.setdefault(words[0], {})[id(speaker)] = speaker
        if initials := _initials(key):
            self._by_initials.setdefault(initials, {})[id(speaker)] = speaker

    @staticmethod
    def _filed(table: dict[str, dict[int, Speaker]], word: str) -> list[Speaker]:
        return list(table.get(word, {}).values())

    def changed(self) -> list[Speaker]:
        """Speakers that are new or were modified since the index was built."""
        return [
            s
            for s in self.speakers
            if id(s) not in self._before or self._before[id(s)] != self._state(s)
        ]

    def resolve(
        self, ref: SpeakerRef, article_id: int | None = None, source: str | None = None
    ) -> Speaker:
        """The canonical speaker for ``ref``, met in article ``article_id`` (at ``source``).

        Without an article, generic descriptions are not scoped (as in ``quotes eval``, which
        resolves in memory).
        """
        if article_id != self._article:
            self._article, self._here = article_id, {}
            # In an article an editor split, the new speaker is reached only through the
            # split: "Lee" there must still find the speaker it was split from.
            self._hidden = {o.speaker_id for o in self._split_rules if o.source == source}
        key = normalise(ref.name)
        rule = self._merges.get((key, source)) or self._merges.get((key, None))
        match = self._by_id(rule.speaker_id, rule) if rule else self._match(ref)
        if match is None:
            match = self._split_of_pruned(key, source)
        if match is None:
            name = " and ".join(ref.members) if ref.kind == "group" and ref.members else ref.name
            generic = article_id is not None and not ref.members and is_generic(name)
            match = Speaker(name=name, kind=ref.kind, article_id=article_id if generic else None)
            self._add(match)
        split = self._splits.get((source, match.id)) if match.id is not None else None
        if split is not None:
            # The editor said this article's speaker is someone else.
            match = self._by_id(split.speaker_id, split)
        self._update(match, ref)
        self._here[id(match)] = match
        return match

    def _split_of_pruned(self, key: str, source: str | None) -> Speaker | None:
        """The split's speaker for a mention of the name split from ("Lee" or "Ann Lee"),
        once the speaker split from has gone (its last other quote was removed)."""
        if not any(rule.source == source for rule in self._split_rules):
            return None
        live = {s.id for s in self.speakers}
        for rule in self._split_rules:
            if rule.source != source or rule.from_id in live or not rule.key:
                continue
            words, theirs = key.split(), rule.key.split()
            if words and theirs[-len(words):] == words:
                return self._by_id(rule.speaker_id, rule)
        return None

    def _by_id(self, speaker_id: int, rule: SpeakerOverride) -> Speaker:
        """The speaker an override names, brought back under its id if it had been pruned."""
        for s in self.speakers:
            if s.id == speaker_id:
                return s
        speaker = Speaker(name=rule.name, kind=rule.kind, id=speaker_id)
        self._add(speaker)
        return speaker

    def _visible(self, speaker: Speaker) -> bool:
        """Generic descriptions from other articles are not candidates."""
        if speaker.id in self._hidden:
            return False
        return speaker.article_id is None or speaker.article_id == self._article

    def _match(self, ref: SpeakerRef) -> Speaker | None:
        if ref.kind == "group" and ref.members:
            members = sorted(normalise(m) for m in ref.members)
            for s in self._groups:
                if s.kind == "group" and sorted(
                    normalise(m) for m in re.split(r"\s+and\s+|,\s*", s.name)
                ) == members:
                    return s
            return None
        key = normalise(ref.name)
        if self._article is not None and is_generic(ref.name):
            # "The company said" names a company only within its article.
            scoped = [s for s in self._by_key.get(key, []) if s.article_id == self._article]
            same = [s for s in scoped if s.kind == ref.kind]
            return (same or scoped or [None])[0]
        # "Syrian activists" in two articles is one group (a group with no member names
        # matches on its name, as people and organisations do).
        exact = [s for s in self._by_key.get(key, []) if self._visible(s)]
        exact = [s for s in exact if s.kind != "group" or ref.kind == "group"]
        same_kind = [s for s in exact if s.kind == ref.kind]
        if same_kind:
            return same_kind[0]
        # The same name as another kind is the same speaker only within one article (the
        # recogniser called it both); across articles it is evidence of two speakers.
        here = [s for s in exact if id(s) in self._here or self._article is None]
        if here:
            return here[0]
        if ref.kind == "person":
            return self._person(key)
        if ref.kind == "organization":
            return self._organisation(key, ref.name)
        return None

    def _person(self, key: str) -> Speaker | None:
        words = key.split()
        if not words:
            return None
        # every rule below matches the last word (a surname, or one name ending the other)
        people = [
            s for s in self._filed(self._by_last, words[-1])
            if s.kind == "person" and self._visible(s)
        ]
        if len(words) == 1:
            # "Konashenkov" is the known person with that surname, when there is just one.
            hits = [s for s in people if normalise(s.name).split()[-1:] == words]
        else:
            # A fuller name for a known surname-only person ("Rovera" -> "Donatella Rovera"),
            # or the same full name with a word run into it ("Syria Jan Egeland").
            hits = [
                s
                for s in people
                if normalise(s.name) == words[-1] or _same_full_name(normalise(s.name), key)
            ]
        return hits[0] if len(hits) == 1 else None

    def _organisation(self, key: str, name: str) -> Speaker | None:
        words = key.split()
        by_acronym = self._acronym(words, _written_as_acronym(name))
        if by_acronym is not None:
            return by_acronym
        if len(words) < 2:
            return None  # "ministry" alone could be any ministry
        head, mine = words[-1], set(words)
        hits = []
        for s in self._filed(self._by_last, head):
            if s.kind != "organization" or not self._visible(s):
                continue
            theirs = normalise(s.name).split()
            if len(theirs) >= 2 and theirs[-1] == head and (
                mine <= set(theirs) or set(theirs) <= mine
            ):
                hits.append(s)
        return hits[0] if len(hits) == 1 else None

    def _acronym(self, words: list[str], acronym_written: bool = True) -> Speaker | None:
        """ "U.N." for a known "United Nations", "SDF forces" for "Syrian Democratic Forces",
        or a full name for a known acronym: one unique organisation whose initials agree."""
        def orgs(table: dict[str, dict[int, Speaker]], word: str) -> list[Speaker]:
            return [
                s for s in self._filed(table, word)
                if s.kind == "organization" and self._visible(s)
            ]

        hits = []
        if words and len(words) <= 2 and _could_be_acronym(words[0]) and acronym_written:
            rest = words[1:]
            hits = [
                s for s in orgs(self._by_initials, words[0])
                if _initials(normalise(s.name)) == words[0]
                and (not rest or normalise(s.name).split()[-1] == rest[0])
            ]
        if not hits and len(words) >= 2:
            initials = _initials(" ".join(words))
            hits = [
                s for s in orgs(self._by_first, initials)
                if initials
                and normalise(s.name).split() in ([initials], [initials, words[-1]])
                and _written_as_acronym(s.name)
            ]
        return hits[0] if len(hits) == 1 else None

    def _update(self, speaker: Speaker, ref: SpeakerRef) -> None:
        if ref.title and _title_key(ref.title) not in {_title_key(t) for t in speaker.titles}:
            speaker.titles.append(ref.title)
        if ref.kind == "group":
            return
        old, new = normalise(speaker.name), normalise(ref.name)
        if old == new:
            return
        person = speaker.kind == "person"
        if person and _same_full_name(old, new) and len(new.split()) < len(old.split()):
            # Two full names, one with a stray word in front: the plain one is the name.
            if speaker.name not in speaker.aliases:
                speaker.aliases.append(speaker.name)
            speaker.name = ref.name
        elif person and _same_full_name(old, new):
            if new not in {normalise(a) for a in speaker.aliases}:
                speaker.aliases.append(ref.name)
        elif len(new.split()) > len(old.split()) and set(old.split()) <= set(new.split()):
            # A fuller name replaces the shorter one, which stays as an alias.
            if speaker.name not in speaker.aliases:
                speaker.aliases.append(speaker.name)
            speaker.name = ref.name
        elif set(new.split()) <= set(old.split()):
            return  # "Petrov" for "Ivan Petrov" is no new name
        elif not person and _initials(new) == old.split()[0]:
            # The full name of an organisation first met as an acronym becomes its name.
            if speaker.name not in speaker.aliases:
                speaker.aliases.append(speaker.name)
            speaker.name = ref.name
        elif new not in {normalise(a) for a in speaker.aliases}:
            speaker.aliases.append(ref.name)
        self._index(speaker)
