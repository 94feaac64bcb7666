"""Who acts when no person does: the platform itself, carrying out what a person's decision
already settled (a credential for a record an assessor verified, a revocation that follows a
revoked record). Services that accept it say so; it is never a web or API caller."""

from __future__ import annotations


class Platform:
    """The platform acting on its own account. Not a user: it has no scope of its own, so a
    service must check for it explicitly (`actor is PLATFORM`)."""

    pk = None
    is_authenticated = False
    is_active = False
    is_superuser = False

    def __repr__(self) -> str:
        return "<the platform>"


PLATFORM = Platform()
