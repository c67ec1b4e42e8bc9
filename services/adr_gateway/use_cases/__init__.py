"""What can be done with the ADR gateway, one use case each: the gateway's application layer.

Each use case takes a typed command (or the referral it works on) and only what it needs
(the event store, the adapters, the track records, …); routers, the feed follower and the
referral worker translate to and from it.

Providers (`providers`), by administrators:
- `register_provider`: a new provider; its id made from its name if none is given, its
  webhook secret made by the gateway (and shown once) if none is given.
- `change_provider`: change some of a provider's fields: rotate its webhook secret, retire
  it (`active: false`), point it at a new adapter or address, change what it takes.
- `provider_with_record`, `providers_with_records`: providers with their track records.

Referrals (`referrals`):
- `open_referral`: the complaints service referred a complaint (`ReferredToAdr`, from its
  feed: `services.adr_gateway.intake`).
- `request_redelivery`: deliver a case again, after a dead letter or on request.
- `rank_candidates`: the providers ranked for a referral's case, with the reasons.

The worker's steps (`referral_delivery`, run by `services.adr_gateway.delivery.worker`):
- `prepare_referral`: read the complaint, choose the provider, build and keep the bundle.
- `deliver_referral`: one attempt to hand the case over, recorded as the retry policy says.

What a provider does with its own key (`provider_api`, issue 19):
- `list_providers_referrals`, `providers_referral`: the referrals given to the key's
  provider, and nothing else (another provider's is not found).
- `DocumentLink`: expiring links, sealed for the key that asked, to the bundle's files and
  the provider's uploads.
- `post_providers_message`, `answer_provider`: the provider writes (a message or a request
  for information); the firm answers.
- `upload_document`: a decision letter, checked and kept with its SHA-256.

What providers report (`provider_updates`):
- `record_provider_update`: a provider's webhook about one of its referrals (accepted,
  declined, session scheduled, settlement proposed, decision issued, closed), once verified
  by `services.adr_gateway.inbound`.
"""
