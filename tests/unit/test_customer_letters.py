"""What the customer's letters say, rendered by the packaged templates from the variables a
rule gives them: an acknowledgement is never too late to send and says when it is late; it
states the response timeframe of the complaint's regime; a final response greets once,
names what it encloses and, under `eu-adr`, the ADR entity; dates and money are written
the customer's way (Babel)."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from libs.domain.notification import Notification
from services.notifications.bootstrap import ConfigurationError, check_configuration
from services.notifications.channels import load_channels
from services.notifications.rendering import MessageRenderer
from services.notifications.rules import Rule, RulesError, parse_rules
from services.notifications.settings import HERE, NotificationsSettings
from services.notifications.templates import TemplateBook
from services.notifications.tokens import SurveyTokens
from services.notifications.variables import (
    SAMPLE_TEMPLATE_FACTS,
    case_reference,
    variables_for,
)

CHANNELS = {"email", "crm_webhook"}
SETTINGS = NotificationsSettings()
BOOK = TemplateBook(HERE / "templates", "en")
RULES = check_configuration(SETTINGS, load_channels(SETTINGS))[0]
RECEIVED = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)


def rule(name: str) -> Rule:
    return next(r for r in RULES.rules if r.name == name)


def words(text: str) -> str:
    return " ".join(text.split())


def render(
    rule_name: str,
    *,
    regime: str = "uk-fca-disp",
    data: dict[str, Any] | None = None,
    language: str | None = None,
    now: datetime = RECEIVED,
) -> tuple[str, str, list[str]]:
    """(subject, text, enclosures) of the message `rule_name` sends for a complaint."""
    chosen = rule(rule_name)
    facts = {
        **SAMPLE_TEMPLATE_FACTS,
        "customer": {"name": "Margaret Okafor", "email": "m@example.com", "language": language},
        "regime": regime,
        "reference": None,
        "received_at": RECEIVED.isoformat(),
    }
    late_at = RECEIVED + chosen.late_after if chosen.late_after else None
    variables = variables_for(
        chosen, facts, {"id": "e-1", "data": data or {}}, SETTINGS, late_at=late_at
    )
    locale = BOOK.resolve_locale(chosen.template, language)
    notification = Notification.schedule(
        complaint_id=facts["complaint_id"],
        rule=chosen.name,
        template=chosen.template,
        channel="email",
        audience="customer",
        recipient="m@example.com",
        locale=locale,
        variables=variables,
        send_at=RECEIVED,
        trigger_event_id="e-1",
        scheduled_at=RECEIVED,
    )
    renderer = MessageRenderer(BOOK, SurveyTokens(b"k" * 32), "https://n.example")
    message = renderer.render(notification, None, now)
    return message.subject, message.text, BOOK.enclosures(chosen.template, locale, variables)


# -- acknowledgements ---------------------------------------------------------------------------


def test_an_acknowledgement_rule_naming_expires_after_is_refused_at_load() -> None:
    with pytest.raises(RulesError) as refused:
        parse_rules(
            """
[[rules]]
name = "acknowledgement"
on = "complaints.ComplaintReceived"
template = "acknowledgement"
to = "customer"
channel = "email"
expires_after = "3d"
""",
            CHANNELS,
        )
    assert "rule 'acknowledgement'.expires_after" in str(refused.value)
    assert "late_after" in str(refused.value)


def test_the_packaged_acknowledgement_goes_late_rather_than_never() -> None:
    acknowledgement = rule("acknowledgement")
    assert acknowledgement.is_acknowledgement
    assert acknowledgement.expires_after is None
    assert acknowledgement.late_after == timedelta(days=3)


def test_an_acknowledgement_past_late_after_apologises_and_one_on_time_does_not() -> None:
    _, on_time, _ = render("acknowledgement", now=RECEIVED + timedelta(hours=1))
    _, late, _ = render("acknowledgement", now=RECEIVED + timedelta(days=4))
    assert "later than it should" not in words(on_time)
    assert "We are sorry that this acknowledgement reaches you later than it should have" in (
        words(late)
    )


@pytest.mark.parametrize(
    ("regime", "stated"),
    [
        # DISP 1.6.1R(1)(b)(ii) as amended from 1 June 2026, with DISP 1.6.2R: 8 weeks.
        ("uk-fca-disp", "final response within 8 weeks of receiving your complaint"),
        # DISP 1.6.1R(1)(b)(i) with DISP 1.6.2AR: 15 business days, 35 after a holding reply.
        ("uk-psd", "within 15 business days of receiving"),
        ("au-rg271", "response within 30 days of receiving your complaint"),
        ("us-cfpb", "response within 15 days of receiving your complaint"),
        ("default", "response within 30 days of receiving your complaint"),
    ],
)
def test_the_acknowledgement_states_the_regimes_response_timeframe(
    regime: str, stated: str
) -> None:
    _, text, _ = render("acknowledgement", regime=regime)
    assert stated in words(text)
    if regime == "uk-psd":
        assert "final response within 35 business days" in words(text)


def test_the_subject_names_the_case_not_a_uuid() -> None:
    subject, text, _ = render("acknowledgement")
    reference = case_reference(str(SAMPLE_TEMPLATE_FACTS["complaint_id"]), None)
    assert reference == "RD-00000000"
    assert subject == f"We have received your complaint ({reference})"
    assert f"Your reference: {reference}" in text
    assert case_reference("1a2b3c4d-0000-0000-0000-000000000000", None) == "RD-1A2B3C4D"
    assert case_reference("x", "CRM-1") == "CRM-1"


def test_welsh_acknowledgement_dates_are_welsh() -> None:
    subject, text, _ = render("acknowledgement", language="cy")
    assert subject.startswith("Rydym wedi cael eich cwyn")
    assert "2 Mehefin 2026" in words(text)
    assert "o fewn 8 wythnos" in words(text)


# -- final responses ----------------------------------------------------------------------------


def test_a_final_response_written_with_its_own_greeting_gets_no_second_one() -> None:
    _, text, _ = render("final_response_letter", data={"letter": "Dear Mrs Okafor,\n\nWe agree."})
    assert [line for line in text.splitlines() if line.startswith("Dear")] == ["Dear Mrs Okafor,"]
    _, bare, _ = render("final_response_letter", data={"letter": "We agree."})
    assert bare.startswith("Dear Margaret Okafor,")


@pytest.mark.parametrize("regime", ["uk-fca-disp", "uk-psd"])
def test_the_leaflet_a_uk_final_response_says_is_enclosed_is_enclosed(regime: str) -> None:
    _, text, enclosed = render("final_response_letter", regime=regime, data={"letter": "x"})
    assert "Its explanatory leaflet is enclosed" in words(text)
    assert enclosed == ["fos-leaflet.pdf"]  # DISP 1.6.2R(1)(d)
    attached = BOOK.enclosed("final_response", "en", {"complaint": {"regime": regime}, "event": {}})
    assert attached[0].content_type == "application/pdf"
    assert attached[0].data.startswith(b"%PDF")


def test_a_final_response_that_encloses_nothing_says_nothing_is_enclosed() -> None:
    _, text, enclosed = render("final_response_letter", regime="default", data={"letter": "x"})
    assert enclosed == [] and "enclosed" not in text


def test_the_eu_adr_letter_names_the_adr_entity_and_its_website() -> None:
    # Directive 2013/11/EU art. 13(3), with 13(1): the entity's name and website, and
    # whether the trader will use it.
    elements = {
        "adr_entity_name": "Centre de Médiation de la Consommation",
        "adr_entity_website": "https://www.cmc-mediation.example",
        "will_use_adr_entity": True,
        "durable_medium": True,
    }
    _, text, _ = render(
        "final_response_letter", regime="eu-adr", data={"letter": "x", "elements": elements}
    )
    assert (
        "The alternative dispute resolution (ADR) entity competent for it is Centre de "
        "Médiation de la Consommation (https://www.cmc-mediation.example)" in words(text)
    )
    assert "We will take part in its procedure" in words(text)


def test_the_outcome_e_mail_gives_the_award_in_the_customers_money_format() -> None:
    subject, text, _ = render(
        "adr_outcome",
        data={
            "outcome": "upheld",
            "summary": "The firm should refund the charge.",
            "award": {"amount": "1234.5", "currency": "GBP"},
            "binding": True,
        },
    )
    assert subject.startswith("The outcome of the independent review of your complaint")
    assert "Amount awarded to you: £1,234.50." in text
    assert "The decision is binding on us." in text


def test_a_template_enclosing_a_file_that_is_not_there_stops_the_service(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(HERE / "templates", folder)
    (folder / "_enclosures" / "fos-leaflet.pdf").unlink()
    settings = NotificationsSettings(templates_dir=folder)
    with pytest.raises(ConfigurationError) as refused:
        check_configuration(settings, load_channels(settings))
    assert "encloses 'fos-leaflet.pdf' under regime 'uk-fca-disp'" in str(refused.value)


def test_a_welsh_final_response_gives_the_rights_in_welsh_and_encloses_the_leaflet() -> None:
    subject, text, enclosed = render(
        "final_response_letter", language="cy", data={"letter": "Rydym yn cytuno."}
    )
    assert subject.startswith("Ein hymateb terfynol i'ch cwyn")
    assert text.startswith("Annwyl Margaret Okafor,")
    assert "Mae ei daflen esboniadol wedi'i hamgáu" in words(text)
    assert enclosed == ["fos-leaflet.pdf"]
    _, greeted, _ = render(
        "final_response_letter", language="cy", data={"letter": "Annwyl Mrs Okafor,\n\nIawn."}
    )
    assert [line for line in greeted.splitlines() if line.startswith("Annwyl")] == [
        "Annwyl Mrs Okafor,"
    ]


def test_what_an_event_says_is_escaped_in_the_html_part_even_inside_a_text_partial() -> None:
    variables = {
        "customer": {"name": "Ada"},
        "complaint": {"regime": "eu-adr", "case_reference": "RD-1"},
        "event": {
            "letter": "We agree.",
            "elements": {"adr_entity_name": "<script>x</script>", "adr_entity_website": "w"},
        },
        "firm": {"name": "F", "contact_email": "f@example.com"},
    }
    message = BOOK.render("final_response", "en", variables)
    assert message.html is not None
    assert "<script>" not in message.html
    assert "&lt;script&gt;x&lt;/script&gt;" in message.html
    assert "<script>x</script>" in message.text  # the text part is text


@pytest.mark.parametrize("rule_name", ["adr_referral_notice", "adr_provider_accepted"])
def test_referral_e_mails_give_the_case_reference_not_a_uuid(rule_name: str) -> None:
    subject, text, _ = render(
        rule_name,
        data={"referral_id": "5f0c1e9a-8d1b-4c2e-9f3a-0b1c2d3e4f5a", "reference": "x"},
    )
    assert "RD-00000000" in subject and "RD-00000000" in text
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", subject + text)


def test_every_customer_template_has_a_welsh_version() -> None:
    customer_templates = {r.template for r in RULES.rules if r.audience == "customer"}
    assert {t for t in customer_templates if "cy" not in BOOK.locales(t)} == set()
    _, text, _ = render(
        "adr_outcome",
        language="cy",
        data={"outcome": "upheld", "award": {"amount": "50", "currency": "GBP"}},
    )
    assert "Y swm a ddyfarnwyd i chi: £50.00." in text


def test_a_customers_dates_are_the_regimes_local_dates() -> None:
    """Received at 00:30 in London on 3 June 2026 (23:30 UTC on 2 June): "3 June 2026"."""
    chosen = rule("acknowledgement")
    facts = {
        **SAMPLE_TEMPLATE_FACTS,
        "regime": "uk-fca-disp",
        "received_at": "2026-06-02T23:30:00+00:00",
    }
    variables = variables_for(chosen, facts, {"id": "e-1", "data": {}}, SETTINGS)
    assert variables["complaint"]["timezone"] == "Europe/London"
    variables["notification"]["late"] = False
    text = BOOK.render("acknowledgement", "en", variables).text
    assert "We received it on 3 June 2026" in words(text)
