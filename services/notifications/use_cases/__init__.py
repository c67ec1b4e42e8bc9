"""Everything the notifications service does, one named use case each.

Each takes a typed command (a frozen dataclass) and only the parts of the service it needs;
the routers (services.notifications.api) translate HTTP to a command and the result back,
the follower and the dispatcher call the others. Rules of the business stay with the
aggregates (libs.domain.notification); these say which aggregate does what, when.

What upstream events do — `intake` (the followers call these, in their transaction):
- `Intake.complaint_event`: a complaints feed event opens or updates the case file,
  cancels the follow-ups it makes pointless (and withdraws their surveys), and schedules
  the notifications the rules ask for, with a survey where a rule offers one.
- `Intake.gateway_event`: the same for an ADR gateway event (an opened referral marks the
  case as having used ADR).

What the dispatcher does — `dispatch`:
- `dispatch_notification(DispatchNotification)`: a due notification is cancelled if too
  late (never an acknowledgement: it goes late, and says so), else rendered once, handed to
  its channel with its enclosures, and the attempt recorded (with when to try again); a
  delivered acknowledgement is then recorded on the complaint (`recording`).

What a customer does with their survey link — `surveys`:
- `show_survey(ShowSurvey)`: the survey behind a signed link and whether it takes an answer.
- `answer_survey(AnswerSurvey)`: records the one answer (score 1 to 5, optional comment).

What staff read — `reading`:
- `list_notifications(ListNotifications)`: notifications with their delivery attempts,
  a page at a time.
- `satisfaction_report(offered_from, offered_to, with_comments)`: what customers answered,
  overall and by category, tier reached and ADR use, for surveys offered in a period, with
  their comments for supervisors (keyword arguments, so no command).
"""
