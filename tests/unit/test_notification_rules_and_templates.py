"""Rules and templates are configuration, checked before the service starts: a mistake is
refused with the rule, the template and the variable named, never left as a blank."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from services.notifications.bootstrap import ConfigurationError, check_configuration
from services.notifications.channels import load_channels
from services.notifications.rules import RulesError, parse_rules
from services.notifications.settings import HERE, NotificationsSettings
from services.notifications.templates import TemplateBook
from services.notifications.variables import sample_variables
from tests.support.processes import REPO

CHANNELS = {"email", "crm_webhook"}
ONE_RULE = """
[[rules]]
name = "acknowledgement"
on = "complaints.ComplaintReceived"
template = "acknowledgement"
to = "customer"
channel = "email"
"""


def settings_with(tmp_path: Path, rules: str, **templates: str) -> NotificationsSettings:
    """The packaged templates plus `templates` ({'name/locale/part': source}), and `rules`."""
    folder = tmp_path / "templates"
    shutil.copytree(HERE / "templates", folder)
    for path, source in templates.items():
        target = folder / f"{path}.j2"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source)
    (tmp_path / "rules.toml").write_text(rules)
    return NotificationsSettings(rules_file=tmp_path / "rules.toml", templates_dir=folder)


def check(settings: NotificationsSettings) -> None:
    check_configuration(settings, load_channels(settings))


def test_the_packaged_rules_and_templates_are_valid() -> None:
    settings = NotificationsSettings()
    rules, _ = check_configuration(settings, load_channels(settings))
    names = {rule.name for rule in rules.rules}
    assert {"acknowledgement", "satisfaction_survey", "check_in", "deadline_reminder"} <= names
    survey = next(r for r in rules.rules if r.name == "satisfaction_survey")
    assert survey.after.days == 7 and survey.survey
    assert survey.cancel_on == ("complaints.Reopened", "complaints.AppealLodged")


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("Dear {{ custmer.name }}", "custmer"),  # unknown top-level variable
        ("Dear {{ customer.nmae }}", "nmae"),  # unknown field of a known one
        ("Due {{ event.due_at }}", "due_at"),  # a field this event does not have
        ("Answer at {{ survey.url }}", "survey"),  # only survey rules get a link
    ],
)
def test_a_template_using_an_unknown_variable_stops_the_service_naming_it(
    tmp_path: Path, source: str, named: str
) -> None:
    settings = settings_with(tmp_path, ONE_RULE, **{"acknowledgement/en/body.txt": source})
    with pytest.raises(ConfigurationError) as refused:
        check(settings)
    message = str(refused.value)
    assert named in message
    assert "acknowledgement/en/body.txt.j2" in message


def test_every_locale_of_a_template_is_checked(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path,
        ONE_RULE,
        **{
            "acknowledgement/cy/subject.txt": "Cwyn {{ complaint.reference }}",
            "acknowledgement/cy/body.txt": "Annwyl {{ customer.enw }}",
        },
    )
    with pytest.raises(ConfigurationError, match=r"acknowledgement/cy/body.txt.j2.*enw"):
        check(settings)


def test_a_template_missing_its_default_locale_or_a_part_is_refused(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, ONE_RULE)
    (settings.templates_dir / "acknowledgement/en/subject.txt.j2").unlink()
    with pytest.raises(ConfigurationError, match=r"subject\.txt\.j2 is missing"):
        check(settings)
    (settings.templates_dir / "acknowledgement/en").rename(
        settings.templates_dir / "acknowledgement/fr"
    )
    with pytest.raises(ConfigurationError, match="no 'en' version"):
        check(settings)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("complaints.ComplaintReceived", "complaints.ComplaintRecieved"), "no event"),
        (("complaints.ComplaintReceived", "billing.Paid"), "no known feed"),
        (('channel = "email"', 'channel = "pigeon"'), "no channel 'pigeon'"),
        (('to = "customer"', 'to = "everyone"'), "'everyone' is not one of"),
        (('channel = "email"', 'channel = "email"\nafter = "a week"'), "not a duration"),
        (('channel = "email"', 'channel = "email"\ncancel_on = ["complaints.Nope"]'), "Nope"),
        (('channel = "email"', 'channel = "email"\nwhen = { colour = "red" }'), "colour"),
        (('channel = "email"', 'channel = "email"\nsurvey = true\nto2 = 1'), "unknown key"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_naming_the_rule_and_field(
    change: tuple[str, str], complaint: str
) -> None:
    text = ONE_RULE.replace(*change)
    with pytest.raises(RulesError) as refused:
        parse_rules(text, CHANNELS)
    assert "acknowledgement" in str(refused.value)
    assert complaint in str(refused.value)


def test_a_gateway_rule_must_name_an_event_that_says_which_complaint() -> None:
    text = ONE_RULE.replace("complaints.ComplaintReceived", "adr_gateway.Delivered")
    with pytest.raises(RulesError, match="does not say which complaint"):
        parse_rules(text, CHANNELS)


def test_a_configured_channel_that_cannot_send_stops_the_service(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, ONE_RULE.replace('"email"', '"crm_webhook"'))
    with pytest.raises(ConfigurationError, match="REDRESS_CRM_WEBHOOK_URL"):
        check(settings)


def test_when_and_unless_choose_which_events_a_rule_acts_on() -> None:
    text = (
        ONE_RULE.replace("complaints.ComplaintReceived", "complaints.ComplaintClosed")
        + 'unless = { reason = ["withdrawn", "duplicate"] }\n'
    )
    rules = parse_rules(text, CHANNELS)
    assert rules.triggered_by("complaints", "ComplaintClosed", {"reason": "resolved"})
    assert not rules.triggered_by("complaints", "ComplaintClosed", {"reason": "withdrawn"})
    assert not rules.triggered_by("complaints", "Reopened", {"reason": "resolved"})


def test_templates_render_text_and_escaped_html_and_fall_back_to_the_default_locale() -> None:
    settings = NotificationsSettings()
    rules, book = check_configuration(settings, load_channels(settings))
    rule = next(r for r in rules.rules if r.name == "acknowledgement")
    variables = sample_variables(rule, settings)
    variables["customer"]["name"] = "Ada <script>alert(1)</script>"
    locale = book.resolve_locale("acknowledgement", "en-GB")
    assert locale == "en"
    message = book.render("acknowledgement", locale, variables)
    assert message.subject == "We have received your complaint (CRM-1)"
    assert "Dear Ada <script>" in message.text  # plain text is not HTML
    assert message.html is not None and "&lt;script&gt;" in message.html
    assert "2 January 2025" in message.text


def test_the_service_refuses_to_start_and_says_which_variable(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path, ONE_RULE, **{"acknowledgement/en/body.txt": "{{ customer.nmae }}"}
    )
    started = subprocess.run(
        [sys.executable, "-m", "services.cli", "serve", "notifications", "--port", "1"],
        cwd=REPO,
        env={
            "PATH": "/usr/bin:/bin",
            "REDRESS_DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}",
            "REDRESS_RULES_FILE": str(settings.rules_file),
            "REDRESS_TEMPLATES_DIR": str(settings.templates_dir),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "notifications cannot start" in started.stderr
    assert "nmae" in started.stderr and "acknowledgement/en/body.txt.j2" in started.stderr
    assert not (tmp_path / "n.db").exists()  # refused before touching the database


def test_the_book_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="does not exist"):
        TemplateBook(tmp_path / "nowhere", "en")
