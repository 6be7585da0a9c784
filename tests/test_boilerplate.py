"""The boilerplate filter: calls to action go, reporters' sentences about the same things stay."""

import pytest

from quotes.ingest import boilerplate

SEEDS_BOILERPLATE = [
    "Continue reading for free",
    "We hope you're enjoying The Week's refreshingly open-minded journalism.",
    "Subscribe to The Week",
    "Sign up for The Week's Free Newsletters",
    "Subscribed to The Week? Register your account with the same email as your subscription.",
]
OTHER_BOILERPLATE = [
    "Read more: Harbour to reopen in spring",
    "READ MORE",
    "Already a subscriber? Sign in",
    "(Subscribe to our politics podcast.)",
    "For more, sign up for the What's Working newsletter.",
    "Enter your email address to get the newsletter in your inbox.",
    "Advertisement",
    "Subscribe to continue reading. “Unlock every story,” says Gazette Plus.",
]
NEWS = [
    '"Sign up now," the mayor urged residents at the launch.',
    "Subscription numbers rose 5 percent in the quarter, the company said.",
    "More than 2,000 people signed up for the scheme, officials said.",
    "The senator said she would register her objection on Tuesday.",
    "He told reporters: “You can read more about it in the report.”",
    "Voters who subscribe to the newsletter were surveyed, according to the poll.",
    "You can’t do that, she told the committee, adding that the account was false.",
    "Advertisements for the rally ran on three stations, the campaign said.",
    "Sign-in sheets showed 300 people attended, organisers said.",
    "Login details of 2,000 customers were stolen, the bank said.",
    "Register of Deeds Ann Lee said the office would close on Friday.",
    "Sign in sheets at the door showed a record turnout, according to the organisers.",
]


@pytest.mark.parametrize("line", SEEDS_BOILERPLATE + OTHER_BOILERPLATE)
def test_calls_to_action_are_boilerplate(line):
    assert boilerplate.is_boilerplate(line)


@pytest.mark.parametrize("line", NEWS)
def test_reporting_about_subscriptions_and_sign_ups_is_not(line):
    assert not boilerplate.is_boilerplate(line)
    assert boilerplate.ranges(line) == []


def test_a_call_to_action_ending_a_paragraph_goes_from_its_first_word():
    text = "Listen to our analysis of the debate above. Subscribe here.\nNext paragraph.\n"
    ((start, end),) = boilerplate.ranges(text)
    assert text[start:end] == "Subscribe here.\n"


def test_a_call_to_action_inside_a_quotation_stays():
    text = '"Vote early. Sign up for a postal ballot today," the clerk said.\n'
    assert boilerplate.ranges(text) == []


def test_ranges_cover_whole_lines_with_their_breaks():
    text = "Headline\r\nContinue reading for free\r\nBody text here.\rSign up\r"
    found = [text[s:e] for s, e in boilerplate.ranges(text)]
    assert found == ["Continue reading for free\r\n", "Sign up\r"]
