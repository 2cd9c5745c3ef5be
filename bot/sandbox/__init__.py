"""The sandbox: the real allybot against a Slack fake, with a web page to use it.

``allybot sandbox`` (and ``allybot serve`` when no Slack setting is present) starts
the embedded Slack fake (:mod:`bot.sandbox.slackfake`), the real Bolt app, scheduler
and outbox pointed at it, and a small web page on 127.0.0.1 that looks enough like
Slack to try the bot. Nothing is faked inside the bot: the page signs requests as
Slack does and renders whatever the app sent the fake.

Layout: ``clock`` (a movable clock), ``files`` (the sandbox's own database, key
and state files), ``cast`` (the seeded people and org chart), ``signer`` (requests
signed as Slack signs them), ``mrkdwn`` and ``blocks`` (rendering what the app
sent), ``workspace`` (what each person sees, rebuilt from the fake's record),
``forms`` (modal state and Slack's client-side checks), ``engine`` (the assembled
sandbox: fake, app, seeding, clock moves), ``web`` (the page) and ``server``
(start, serve, stop).
"""
