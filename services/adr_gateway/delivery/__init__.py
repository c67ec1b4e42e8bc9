"""Getting each referral to its provider, reliably: the machinery the referral worker runs.

`referral_work` says which referral is due; the worker (`worker`) leases it (`leases`:
compare-and-set on the lease, so two workers never hold the same referral), re-reads the
referral aggregate (the truth), runs the use case that is due (prepare it, or deliver it:
`services.adr_gateway.use_cases.referral_delivery`), and gives the lease back, leaving the
schedule as the referral now stands. Delivery is at-least-once: a crash after the provider
got the case but before `Delivered` was recorded sends it again, with the same
`webhook-id`, which the provider uses to drop the duplicate.

The other modules are what those steps use: `provider_choice` (which provider gets the
case), `bundle_store` (the bundle's bytes, as sent), `retry_policy` (after a failed attempt:
when to try again, or when to give up) and `track_records` (what each provider did with
the cases it received).
"""
