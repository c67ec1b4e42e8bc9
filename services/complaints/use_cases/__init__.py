"""What can be done to a complaint: the catalogue of the service's use cases.

Each is one function, given a typed command (`commands`) and only what it needs: the
application (the event store of complaints), the policy (regimes, eligibility thresholds),
and a `Caller` (who asks, the version they saw, what they want back). The HTTP routers in
`api/`, the gateway's feed (`adr_updates`) and the deadline scheduler only translate into
these calls. The rules themselves live in the domain (`libs/domain`): the complaint's
methods, `eligibility`, `adr_override`, the deadline regimes.

Intake (`intake`)
    open_complaint          open a complaint (its regime and variant must be known)
    acknowledge             tell the customer it was received, as the regime requires

Handling (`handling`)
    record_interaction      record a message, call, note or document
    change_flags            set or clear staff flags (legal, vulnerable customer, ...)
    escalate                move it up the firm's ladder, to the next or a named tier
    send_holding_reply      tell the customer why the final response needs more time,
                            as the regime requires (only then may it extend a deadline)

Offers (`offers`)
    make_offer              offer the customer redress
    respond_to_offer        record the customer's acceptance or rejection

Decisions (`decisions`)
    resolve                 decide it: upheld, partially upheld or not upheld
    issue_final_response    issue the final response letter the regime requires
    resolve_summarily       resolve early, within the regime's window, with the summary
                            resolution communication the regime requires

Appeals (`appeals`)
    lodge_appeal            record the customer's appeal against the decision
    decide_appeal           decide the appeal at a tier above the original decision

External ADR (`adr`)
    assess_adr_eligibility  whether it may go to ADR now, criterion by criterion
    refer_to_adr            refer it to a provider (or override, as a supervisor)
    record_adr_status       record a provider's status report (from the gateway's feed)
    record_adr_outcome      record a provider's decision (from the gateway's feed)

Life cycle (`lifecycle`)
    close                   close it (or withdraw it, from any status)
    reopen                  reopen a resolved or closed complaint

Deadlines (`deadlines`)
    record_deadline_alert   record that a firm deadline is close or missed (the scheduler)

Reading a complaint is the application's `complaint(id)` (with `history.point_in_time`
for a past version); lists and reports are read models (`readmodel.queries`,
`readmodel.reports`); its stored history is `history.queries`.
"""
