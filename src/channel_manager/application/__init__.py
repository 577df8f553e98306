"""Use cases: orchestrate the domain and the ports, own the transactions.

Each service takes its collaborators (a unit-of-work factory, a clock, an id generator, channel
ports) in its constructor; the container builds them. Every operation opens its own unit of
work, and every read or write is scoped to the calling organisation: another organisation's id
is answered with ``NotFound``, so its existence is not revealed either.
"""
