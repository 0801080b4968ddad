"""Who may create or change which user: the unit must be inside the actor's
subtree and every role must be one the actor may grant (app/roles.py). The same
checks serve the FAB user screens, the CLI and (later) bulk registration."""
from __future__ import annotations

import re
from typing import Iterable, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import scoping
from app.commands.passwords import check_password, hash_password
from app.errors import DomainError
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.phone import normalise_phone
from app.roles import grantable_role_names, misplaced_role_message, role_label

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._\-@]{1,127}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# FAB needs an email per user; people without one get a unique address that
# can never receive mail (.invalid is reserved, RFC 2606).
NO_EMAIL_DOMAIN = "no-email.masklog.invalid"


def email_or_placeholder(username: str, email: Optional[str]) -> str:
    """The email to store: the one given, or `<username>@no-email.masklog.invalid`."""
    return (email or "").strip() or f"{username}@{NO_EMAIL_DOMAIN}"


def given_email(email: Optional[str]) -> str:
    """The email a person gave: '' for the stored placeholder."""
    return "" if (email or "").endswith("@" + NO_EMAIL_DOMAIN) else (email or "")


def normalise_username(username: Optional[str]) -> str:
    """Usernames are compared without case and surrounding spaces."""
    return (username or "").strip().lower()


def can_manage_user(actor, user: MaskLogUser, roles: Optional[Iterable] = None) -> bool:
    """The actor may change this user: same subtree and only grantable roles."""
    grantable = set(grantable_role_names(actor))
    roles = user.roles if roles is None else roles
    return scoping.unit_in_scope(actor, user.unit) and all(r.name in grantable for r in roles)


def stored_role_names(session: Session, user_id: int) -> list:
    """Role names the user has in the database, ignoring unflushed edits."""
    from flask_appbuilder.security.sqla.models import Role, assoc_user_role

    with session.no_autoflush:
        return list(session.execute(
            select(Role.name).join(assoc_user_role, assoc_user_role.c.role_id == Role.id)
            .where(assoc_user_role.c.user_id == user_id)
        ).scalars())


def check_user(session: Session, actor, user: MaskLogUser, original_roles: Optional[list] = None) -> None:
    """Validate a user about to be written. `original_roles` are the role names
    the user had before this edit (None for a new user)."""
    # The user being checked must not be flushed half-valid by a lookup query.
    with session.no_autoflush:
        _check_user(session, actor, user, original_roles)


def _check_user(session: Session, actor, user: MaskLogUser, original_roles: Optional[list]) -> None:
    if original_roles is not None:
        grantable = set(grantable_role_names(actor))
        held = [name for name in original_roles if name not in grantable]
        if held:
            raise DomainError(
                _("You may not change a user who holds the role %(role)s.", role=role_label(held[0]))
            )
    user.username = normalise_username(user.username)
    if not USERNAME_PATTERN.match(user.username):
        raise DomainError(
            _("Username may only use English lower-case letters, digits and . _ - @ (2 to 128 characters).")
        )
    clash = session.query(MaskLogUser.id).filter(func.lower(MaskLogUser.username) == user.username)
    if user.id is not None:
        clash = clash.filter(MaskLogUser.id != user.id)
    if clash.first():
        raise DomainError(_("Username %(username)s is already taken.", username=user.username))
    user.email = email_or_placeholder(user.username, user.email).lower()
    if not EMAIL_PATTERN.match(user.email):
        raise DomainError(_("The email address %(email)s is not valid.", email=user.email))
    clash = session.query(MaskLogUser.id).filter(func.lower(MaskLogUser.email) == user.email)
    if user.id is not None:
        clash = clash.filter(MaskLogUser.id != user.id)
    if clash.first():
        raise DomainError(_("The email address %(email)s is already used by another user.", email=user.email))
    # The same phone rule as bulk import: digits only, a lost leading 0 given back.
    user.phone = normalise_phone(user.phone) or None
    user.first_name = (user.first_name or "").strip()
    user.last_name = (user.last_name or "").strip()
    if not user.first_name or not user.last_name:
        raise DomainError(_("Please enter the first and last name."))
    if user.unit is None:
        raise DomainError(_("Please choose the unit the user belongs to."))
    if not scoping.unit_in_scope(actor, user.unit):
        raise DomainError(_("The unit %(name)s is outside the area you manage.", name=user.unit.name_th))
    if not user.roles:
        raise DomainError(_("Please choose at least one role."))
    grantable = set(grantable_role_names(actor))
    for role in user.roles:
        if role.name not in grantable:
            raise DomainError(_("You may not grant the role %(role)s.", role=role_label(role.name)))
        misplaced = misplaced_role_message(role.name, user.unit.level)
        if misplaced is not None:
            raise DomainError(str(misplaced))


def create_user(session: Session, actor, *, username: str, first_name: str, last_name: str,
                email: Optional[str], unit: Unit, role_names: list, password: Optional[str] = None,
                position: Optional[str] = None, phone: Optional[str] = None) -> MaskLogUser:
    """Create a user (CLI, demo data, tests). Without a password the user
    activates the account with an activation link; a password given here
    meets the same rules as everywhere (app/commands/passwords.py). Does not
    commit."""
    if password is not None:
        check_password(username, password)
    sm = current_app.appbuilder.sm
    roles = []
    for name in role_names:
        role = sm.find_role(name)
        if role is None:
            raise DomainError(_("Unknown role %(role)s.", role=name))
        roles.append(role)
    user = MaskLogUser(username=username, first_name=first_name, last_name=last_name, email=email,
                       unit=unit, position=position, phone=phone, active=True)
    user.roles = roles
    try:
        check_user(session, actor, user)
    except DomainError:
        # Detach the rejected user from the roles' backrefs, or a later flush
        # would try to write it.
        user.roles = []
        if user in session:
            session.expunge(user)
        raise
    user.password = hash_password(password) if password else None
    session.add(user)
    session.flush()
    return user


AUDITED_FIELDS = ("username", "first_name", "last_name", "email", "position", "phone", "unit_id", "active")


def snapshot(user: MaskLogUser) -> dict:
    """The fields an administrator can change, as they are now."""
    values = {name: getattr(user, name) for name in AUDITED_FIELDS}
    values["roles"] = sorted(r.name for r in user.roles)
    return values


def change_summary(before_snapshot: dict, user: MaskLogUser) -> tuple:
    """(before, after) of what changed, for the audit trail."""
    now = snapshot(user)
    changed = [name for name in now if now[name] != before_snapshot.get(name)]
    return {name: before_snapshot.get(name) for name in changed}, {name: now[name] for name in changed}


def has_recorded_anything(session: Session, user_id: int) -> bool:
    """Whether the user's name stands on any record (then deactivate, never delete)."""
    from app.models.ledger import AuditEntry, LedgerLine

    recorded = session.execute(select(LedgerLine.id).where(LedgerLine.actor_id == user_id).limit(1)).first()
    acted = session.execute(select(AuditEntry.id).where(
        AuditEntry.actor_id == user_id,
        AuditEntry.action.notin_(["login", "login_failed", "activate"])).limit(1)).first()
    return bool(recorded or acted)


def blocked_sign_in(session: Session, username, password) -> Optional[tuple]:
    """(user, why in Thai) when a sign-in with the right password is refused
    because the account or its unit is switched off. None for anyone else (unknown username, wrong
    password, an allowed user): they get FAB's usual answer, so the message
    tells nothing to someone who does not know the password."""
    from werkzeug.security import check_password_hash

    name = normalise_username(username)
    if not name or not password:
        return None
    user = session.execute(select(MaskLogUser).where(func.lower(MaskLogUser.username) == name)).scalar_one_or_none()
    if user is None or user.is_active or not user.password or not check_password_hash(user.password, password):
        return None
    if not user.active:
        return user, _("Your account has been deactivated. Please contact your province administrator.")
    return user, _("Your unit %(unit)s has been switched off, so its accounts cannot sign in. "
                   "Please contact your province administrator.", unit=user.unit.name_th)
