"""The one vocabulary (service_api/vocab.py): complete, consistent, and the chatbot's copy the same."""

from __future__ import annotations

import runpy
from pathlib import Path

from service_api import vocab
from service_api.cases.workflow import TRANSITIONS
from service_api.messages import TEMPLATES

BOT_VOCAB = Path(__file__).resolve().parents[2] / "bot" / "actions" / "vocab.py"


def test_the_bots_case_statuses_are_the_apis():
    bot = runpy.run_path(str(BOT_VOCAB))
    for name in ("CASE_STATUSES", "CLOSED_STATUSES", "OPEN_STATUSES", "REGISTERED_STATUSES"):
        assert tuple(bot[name]) == tuple(getattr(vocab, name)), name
    for status in vocab.Status:  # the bot's single names, e.g. CLOSED, which a rating needs
        assert bot[status.name] == status, status.name


def test_the_bots_ratings_and_source_are_the_apis():
    bot = runpy.run_path(str(BOT_VOCAB))
    assert bot["RATINGS"] == vocab.RATINGS
    assert list(bot["RATINGS"]) == [bot["SATISFIED"], bot["BASICALLY_SATISFIED"], bot["UNSATISFIED"]]
    assert bot["SOURCE_CHATBOT"] == vocab.Source.CHATBOT


def test_a_verified_case_is_open_until_it_is_closed():
    assert vocab.Status.VERIFIED in vocab.OPEN_STATUSES
    assert set(vocab.CLOSED_STATUSES) == {"closed", "rejected"}


def test_status_groups_split_every_status_and_every_status_has_a_label():
    assert set(vocab.OPEN_STATUSES) | set(vocab.CLOSED_STATUSES) == set(vocab.CASE_STATUSES)
    assert not set(vocab.OPEN_STATUSES) & set(vocab.CLOSED_STATUSES)
    assert set(vocab.HANDLED_STATUSES) <= set(vocab.CASE_STATUSES)
    assert set(vocab.STATUS_TEXT) == set(vocab.CASE_STATUSES)


def test_the_workflow_moves_only_between_known_statuses():
    for transition in TRANSITIONS.values():
        assert set(transition.sources) <= set(vocab.CASE_STATUSES), transition.action
        assert transition.target is None or transition.target in vocab.CASE_STATUSES, transition.action
    # A handled case (an outcome recorded) is the one that may be reopened.
    assert set(TRANSITIONS["reopen"].sources) == set(vocab.HANDLED_STATUSES)
    # A case whose matter still decides its department: waiting for triage, or for 派遣 (again).
    assert set(vocab.ROUTABLE_STATUSES) == {vocab.Status.RECEIVED, *TRANSITIONS["dispatch"].sources}


def test_every_notification_kind_has_a_text_and_a_label():
    for kind in vocab.Kind:
        assert kind in TEMPLATES, kind
        assert vocab.KIND_TEXT.get(kind), kind
    grouped = vocab.PROGRESS_KINDS | vocab.SURVEY_KINDS
    assert set(vocab.Kind) - grouped == {vocab.Kind.RATING_REVIEW, vocab.Kind.LOGIN_CODE}
    assert set(vocab.REMINDER_OF.values()) == set(vocab.SURVEY_REMINDER_KINDS)


def test_every_rating_has_a_label_in_the_order_residents_are_offered_them():
    assert list(vocab.RATINGS) == list(vocab.Satisfaction)


def test_cancellable_notifications_are_unsent_ones():
    assert set(vocab.CANCELLABLE_STATES) < set(vocab.UNSENT_STATES) < set(vocab.NOTIFICATION_STATES)
    assert vocab.NotificationState.SENDING not in vocab.CANCELLABLE_STATES  # already with the provider


def test_sources_and_channels_have_labels():
    assert set(vocab.SOURCES) <= set(vocab.SOURCE_TEXT)
    assert set(vocab.MESSAGE_CHANNELS) == set(vocab.MESSAGE_CHANNEL_TEXT)
    assert set(vocab.RATING_SOURCE_TEXT) <= set(vocab.SOURCES) | set(vocab.MESSAGE_CHANNELS)
