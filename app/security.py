"""MaskLog's security manager: FAB's, with the user model that carries a unit,
scoped user screens, and roles from app/roles.py. Nothing else lives here: the
scoping rule is app/scoping.py, the user rules app/commands/users.py."""
from flask import abort, current_app, flash, g, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.forms import ResetPasswordForm
from flask_appbuilder.security.sqla.models import Role
from flask_appbuilder.security.views import (PermissionViewModelView, ResetMyPasswordView, ResetPasswordView,
                                             RoleModelView, UserDBModelView, UserGroupModelView,
                                             UserStatsChartView)
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, ValidationError

from app import sign_in_limits
from app.db.audit import record
from app.db.transaction import transaction
from app.errors import DomainError, SavedAtTheSameMoment
from app.commands.passwords import check_password, set_password
from app.commands.users import (can_manage_user, given_email, change_summary, check_user, has_recorded_anything,
                                normalise_username, snapshot, stored_role_names)
from app.extensions import db
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.scoping import unit_in_scope
from app.permissions import RESET_MY_PASSWORD_VIEW, RESET_PASSWORD_VIEW
from app.sign_in_limits import SignInLocked
from app.roles import ROLE_DEFINITIONS, grantable_role_names, role_label
from app.labels import ACCOUNT_STATUS_LABELS, BLANK, label
from app.thai import format_number, thai_datetime
from app.user_cache import load_signed_in_user
from app.fab.datamodel import ScopedSQLAInterface, current_actor
from app.fab.unit_picker import UnitPickerField
from app.views.helpers import ScopedViewMixin, yes_no
from app.views.sign_in import AuthDBView as MaskLogAuthDBView
from app.views.sign_in_locked import answer_locked_api_sign_in, register as register_sign_in_locked
from app.views.unlock import UnlockSignInMixin

_USER_FIELDS = ["first_name", "last_name", "username", "email", "position", "phone", "unit", "roles", "active"]


def _or_blank(value):
    return BLANK if value is None or value == "" else value


def _grantable_for_current_actor():
    return grantable_role_names(current_actor())


class MaskLogUserView(UnlockSignInMixin, ScopedViewMixin, UserDBModelView):
    datamodel = ScopedSQLAInterface(MaskLogUser)

    list_columns = ["username", "first_name", "last_name", "position", "unit", "roles", "account_status"]
    order_columns = ["username", "first_name", "last_name", "position"]
    # No "unit" filter: it would render a dropdown of every unit in scope.
    search_columns = ["username", "first_name", "last_name", "email", "position", "active", "last_login"]
    # No password: a person's password is chosen by that person, on the
    # activation page (app/commands/activation.py), like a bulk-registered one.
    add_columns = _USER_FIELDS
    # Email is optional as in bulk registration (check_user stores
    # <username>@no-email.masklog.invalid); FAB would make it required.
    # The unit is searched as one types, scoped and active only (app/fab/unit_picker.py;
    # a dropdown listed every unit in scope).
    add_form_extra_fields = edit_form_extra_fields = {
        "email": StringField(_l("Email"), widget=BS3TextFieldWidget(),
                             description=_l("Optional. Leave empty if the person has no email address.")),
        "unit": UnitPickerField(_l("Unit"), description=_l(
            "The user sees the data of this unit and of every unit below it.")),
    }
    edit_columns = _USER_FIELDS
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "unit", "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "position", "phone", "email"], "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "created_on", "created_by",
                                       "changed_on", "changed_by"], "expanded": False}),
    ]
    user_show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "unit", "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "position", "phone", "email"], "expanded": True}),
    ]
    label_columns = {
        **UserDBModelView.label_columns,
        "unit": _l("Unit"),
        "position": _l("Position"),
        "phone": _l("Phone"),
        "account_status": _l("Account"),
    }
    # Groups would hand out roles behind the grantable-roles rule: not offered.
    validators_columns = {}
    description_columns = {
        **UserDBModelView.description_columns,
        "username": _l("Used to sign in: English lower-case letters, digits and . _ - @"),
        "unit": _l("The user sees the data of this unit and of every unit below it."),
        "active": _l("Deactivate a user instead of deleting them."),
    }
    formatters_columns = {
        "roles": lambda roles: ", ".join(role_label(r.name) for r in roles) or BLANK,
        "active": yes_no,
        "account_status": lambda status: label(ACCOUNT_STATUS_LABELS, status),
        # A blank shows as "—" and a count never given as 0, never as "None".
        "email": lambda email: given_email(email) or BLANK,
        **{name: _or_blank for name in ("first_name", "last_name", "position", "phone", "unit",
                                        "created_by", "changed_by")},
        **{name: lambda count: format_number(count or 0) for name in ("login_count", "fail_login_count")},
        **{name: lambda at: thai_datetime(at) or BLANK for name in ("last_login", "created_on", "changed_on")},
    }
    _rel_filters = {"roles": [["name", FilterInFunction, _grantable_for_current_actor]]}
    add_form_query_rel_fields = _rel_filters
    edit_form_query_rel_fields = _rel_filters

    def _init_forms(self):
        """FAB lists a role by its stored (English) name: show its Thai label."""
        super()._init_forms()
        for form in (self.add_form, self.edit_form):
            form.roles.kwargs["get_label"] = lambda role: role_label(role.name)

    def prefill_form(self, form, pk):
        """The edit form shows the placeholder email of a person without one as empty."""
        form.email.data = given_email(form.email.data)

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        """`?role=<name>` pre-selects a role the actor may grant and `?unit=<id>`
        a unit (the province administrators page links "add an administrator" so)."""
        wanted = request.args.get("role")
        if request.method == "GET" and wanted in _grantable_for_current_actor():
            form.roles.data = [role for role in db.session.scalars(select(Role).where(Role.name == wanted))]
        # `?unit=<id>` shows that unit in the picker (still changeable); one
        # outside the actor's area is simply not filled in.
        unit_id = request.args.get("unit", type=int)
        if request.method == "GET" and unit_id is not None and "unit" in form:
            unit = db.session.get(Unit, unit_id)
            if unit is not None and unit_in_scope(current_actor(), unit):
                form.unit.data = unit
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    def pre_add(self, item):
        self.run_domain_check(check_user, db.session, current_actor(), item)
        # Not FAB's pre_add (it hashes the form's password): the new user has
        # no password (NULL) until they activate the account themselves.
        item.password = None
        # The audit entry needs the user's id: flush now, and FAB's own commit
        # right after writes the user and its audit entry in one transaction.
        self.run_domain_check(self._flush_new, item)
        record(db.session, current_actor(), "create", "user", item.id, item.unit_id,
               after={"username": item.username, "roles": sorted(r.name for r in item.roles),
                      "unit_id": item.unit_id})

    def post_add(self, item):
        sheet = url_for("RegistrationView.sheet", unit_id=item.unit_id, user=item.id)
        flash(Markup(escape(gettext(
            "%(name)s (%(username)s) has no password yet: print their activation sheet and hand it over; "
            "they choose their own password with it.", name=item.get_full_name(), username=item.username)))
            + Markup(' <a href="%s" target="_blank">%s</a>') % (sheet, gettext("Print the activation sheet")),
            "info")

    @staticmethod
    def _flush_new(item):
        try:
            db.session.add(item)
            db.session.flush()
        except IntegrityError as error:  # the same username or email saved at the same moment
            raise SavedAtTheSameMoment() from error

    def process_form(self, form, is_created):
        """FAB calls this before it copies the form onto the user: the last
        moment the user's stored values can be read for the audit trail."""
        pk = (request.view_args or {}).get("pk")
        if not is_created and pk is not None:
            user = self.datamodel.get(pk)
            g.user_before_edit = snapshot(user) if user is not None else None

    def pre_update(self, item):
        original_roles = stored_role_names(db.session, item.id)
        self.run_domain_check(check_user, db.session, current_actor(), item, original_roles)
        super().pre_update(item)
        # Written with the edit itself (FAB commits right after pre_update).
        before, after = change_summary(g.get("user_before_edit") or {}, item)
        record(db.session, current_actor(), "update", "user", item.id, item.unit_id, before=before, after=after)

    def pre_delete(self, item):
        if not can_manage_user(current_actor(), item):
            raise DomainError(gettext("You may not change this user."))
        if has_recorded_anything(db.session, item.id):
            raise DomainError(gettext("This user has recorded data; deactivate the account instead of deleting it."))
        record(db.session, current_actor(), "delete", "user", item.id, item.unit_id,
               before={"username": item.username})


class PasswordRules:
    """WTForms validator: the password rules (app/commands/passwords.py) for
    the user whose password the form sets; the Thai reason shows beside the field."""

    def __init__(self, user_of):
        self.user_of = user_of

    def __call__(self, form, field):
        try:
            check_password(self.user_of().username, field.data)
        except DomainError as error:
            raise ValidationError(str(error))


def _password_form(user_of):
    """FAB's reset form, with the password rules on its first field."""

    class PasswordForm(ResetPasswordForm):
        password = PasswordField(
            _l("Password"), widget=BS3PasswordFieldWidget(),
            description=_l("At least 8 characters, not containing the username, not a common password."),
            validators=[DataRequired(), PasswordRules(user_of)])

    return PasswordForm


def _reset_target():
    """The user an administrator's reset is for, if the actor may manage them."""
    user = db.session.get(MaskLogUser, request.args.get("pk", type=int) or 0)
    if user is None or not can_manage_user(current_actor(), user):
        abort(404)
    return user


class ScopedResetPasswordView(ResetPasswordView):
    """FAB's admin password reset takes the user id from the query string and
    checks nothing else: only users the actor may manage are accepted."""

    class_permission_name = RESET_PASSWORD_VIEW
    form = _password_form(_reset_target)

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        _reset_target()
        return super().this_form_get()

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        _reset_target()
        return super().this_form_post()

    def form_post(self, form):
        """Called by FAB once the form is valid: the same domain operation as
        every other place a password is set, audited, in one transaction."""
        with transaction():
            set_password(db.session, current_actor(), _reset_target(), form.password.data)
        flash(gettext("Password Changed"), "info")


def _signed_in_user():
    return db.session.get(MaskLogUser, g.user.id)


class MaskLogResetMyPasswordView(ResetMyPasswordView):
    """FAB's "reset my password", with the same password rules."""

    class_permission_name = RESET_MY_PASSWORD_VIEW  # FAB's name, which the roles grant
    form = _password_form(_signed_in_user)

    def form_post(self, form):
        with transaction():
            user = _signed_in_user()
            set_password(db.session, user, user, form.password.data)
        flash(gettext("Password Changed"), "info")


class _RoleName:
    """What FAB's builtin-role check reads of a role: its name."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


# FAB labels some columns of its security screens by their Python names
# ("Name", "Groups"): English in Thai mode. These give every column a label.
class MaskLogRoleView(RoleModelView):
    label_columns = {**RoleModelView.label_columns, "user": _l("Users"), "groups": _l("Groups")}


class MaskLogGroupView(UserGroupModelView):
    label_columns = {"name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
                     "users": _l("Users"), "roles": _l("Roles")}


class MaskLogPermissionViewView(PermissionViewModelView):
    label_columns = {**PermissionViewModelView.label_columns, "role": _l("Role")}


class MaskLogUserStatsView(UserStatsChartView):
    route_base = "/userstatschartview"  # FAB's address and permission name, kept
    class_permission_name = "UserStatsChartView"
    label_columns = {**UserStatsChartView.label_columns, **MaskLogUserView.label_columns, "groups": _l("Groups")}
    definitions = [
        {"label": _l("Login count"), "group": "username", "series": ["login_count"]},
        {"label": _l("Failed login count"), "group": "username", "series": ["fail_login_count"]},
    ]


class MaskLogSecurityManager(SecurityManager):
    user_model = MaskLogUser
    userdbmodelview = MaskLogUserView
    resetpasswordview = ScopedResetPasswordView
    resetmypasswordview = MaskLogResetMyPasswordView
    rolemodelview = MaskLogRoleView
    groupmodelview = MaskLogGroupView
    permissionviewmodelview = MaskLogPermissionViewView
    userstatschartview = MaskLogUserStatsView
    authdbview = MaskLogAuthDBView  # a Thai reason when the account or its unit is switched off

    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        # FAB hands every user view an unscoped datamodel; take it back.
        scoped = ScopedSQLAInterface(self.user_model)
        self.userdbmodelview.datamodel = scoped
        if self.userstatschartview:
            self.userstatschartview.datamodel = scoped

    def register_views(self):
        """FAB's views, and the answer to a locked sign-in. FAB's own limit
        (AUTH_RATE_LIMITED) stays off: it counted every attempt per address,
        so an office behind one address was shut out after ten sign-ins. The
        sign-in limits (app/sign_in_limits.py) live in auth_user_db, which the
        form login and the API login (POST /api/v1/security/login) both call."""
        super().register_views()
        sign_in_limits.for_app(current_app)  # its store is made once, before requests run in threads
        register_sign_in_locked(current_app)
        self._api_login_endpoint = f"{self.security_api.__name__}.login"
        view = current_app.view_functions.get(self._api_login_endpoint)
        if view is not None:
            current_app.view_functions[self._api_login_endpoint] = answer_locked_api_sign_in(view)
        self.limiter.request_filter(self._not_rate_limited)

    def _not_rate_limited(self) -> bool:
        """Requests flask-limiter may skip: all but those to views that declare
        limits (its check cost ~3% of a submission; it would look up and find
        no limit). MaskLog sets no application-wide limits; one added later
        would need this filter to go."""
        limited = getattr(self, "_rate_limited_blueprints", None)
        if limited is None:
            limited = self._rate_limited_blueprints = frozenset(
                view.blueprint.name for view in self.appbuilder.baseviews if getattr(view, "limits", None))
        return request.blueprint not in limited

    # ------------------------------------------------------------ sign-in audit
    def auth_user_db(self, username, password):
        """Usernames are stored lower-case and trimmed; people type them any way.
        A failed attempt on an unknown username is audited too. A locked
        username or address (app/sign_in_limits.py) is refused before the
        password is looked at, audited, and answered 429 (SignInLocked,
        app/views/sign_in_locked.py); only a failure is counted."""
        username = normalise_username(username)
        limits = sign_in_limits.for_app(current_app)
        counted_as = username
        if limits is not None and username and "@" in username and self.find_user(username=username) is None:
            # FAB also signs in by email: count those tries on the account's
            # username, or the email would be a second set of guesses.
            owner = self.find_user(email=username)
            counted_as = owner.username if owner is not None else username
        if limits is not None and username:
            try:
                limits.check(counted_as, request.remote_addr)
            except SignInLocked as locked:
                user = self.find_user(username=username)
                with transaction():
                    record(db.session, None, "login_refused", "user", getattr(user, "id", None),
                           getattr(user, "unit_id", None),
                           after={"username": username[:128], "ip": request.remote_addr})
                if request.endpoint == self._api_login_endpoint:
                    # FAB's API turns any exception into a 500 (@safe): the API
                    # login's wrapper (register_views) answers 429 from g instead.
                    g.sign_in_locked = locked
                    return None
                raise
        # Not activated yet (no password): refused and audited there, counted here.
        user = None if self._not_activated_yet(username) else super().auth_user_db(username, password)
        if user is None and username:
            if self.find_user(username=username) is None:
                with transaction():
                    self._audit_sign_in(False, None, username)
            if limits is not None:
                limits.record_failure(counted_as, request.remote_addr)
        return user

    # ------------------------------------------------------------ passwords
    # FAB's own ways to set a password (`flask fab reset-password`,
    # `flask fab create-admin` / `create-user`) meet the same rules; MaskLog's
    # screens and CLI go through app/commands/passwords.set_password.
    def reset_password(self, userid, password):
        user = self.get_user_by_id(userid)
        check_password(getattr(user, "username", None), password)
        super().reset_password(userid, password)

    def add_user(self, username, first_name, last_name, email, role=None, password="", hashed_password="",
                 **kwargs):
        if password:
            check_password(username, password)
        return super().add_user(username, first_name, last_name, email, role, password=password,
                                hashed_password=hashed_password, **kwargs)

    def _not_activated_yet(self, username) -> bool:
        """A user without a password (not activated) cannot sign in: FAB
        would compare the password with a NULL hash and fail with a 500.
        Audited as a failed sign-in."""
        user = self.find_user(username=username) if username else None
        if user is None or user.password:
            return False
        with transaction():
            self._audit_sign_in(False, user, username)
        return True

    def update_user_auth_stat(self, user, success=True):
        """FAB counts the attempt on the user and commits: the audit entry is
        written first, so both land in that one transaction."""
        self._audit_sign_in(success, user, user.username)
        super().update_user_auth_stat(user, success)

    def _audit_sign_in(self, success: bool, user, username):
        record(db.session, user if success else None, "login" if success else "login_failed", "user",
               getattr(user, "id", None), getattr(user, "unit_id", None),
               after={"username": (username or "")[:128], "ip": request.remote_addr})

    def get_user_roles(self, user):
        """A user's roles are its own roles only. FAB's groups would hand out
        roles around the grantable-roles rule (app/roles.py), so MaskLog does
        not count them."""
        if not user.is_authenticated:
            return [self.get_public_role()]
        return list(user.roles)

    @staticmethod
    def create_builtin_roles():
        return ROLE_DEFINITIONS

    def get_user_by_id(self, pk):
        """The signed-in user with roles and unit, from the per-process
        snapshot while it is fresh (app/user_cache.py), otherwise in one query
        (FAB would lazy-load each on first use)."""
        try:
            user_id = int(pk)
        except (TypeError, ValueError):
            return None
        return load_signed_in_user(self.session, user_id, current_app.config["USER_CACHE_SECONDS"],
                                   self._load_user_with_roles_and_unit)

    def _load_user_with_roles_and_unit(self, session, user_id):
        return session.execute(
            select(self.user_model).where(self.user_model.id == user_id)
            .options(joinedload(self.user_model.roles), joinedload(self.user_model.unit))
        ).unique().scalar_one_or_none()

    def has_access(self, permission_name, view_name):
        """Answer permission checks from the user's builtin roles, resolved once
        per request (FAB re-resolves the user and its roles on every check: a
        page with 20 menu entries paid for it 20 times). Anything unusual —
        no signed-in user, or a role defined in the database — goes to FAB."""
        roles = g.get("_masklog_role_names", False)
        if roles is False:
            user = self.current_user
            roles = None
            if user is not None and getattr(user, "is_active", False):
                names = [role.name for role in self.get_user_roles(user)]
                if all(name in self.builtin_roles for name in names):
                    roles = names
            g._masklog_role_names = roles
        if roles is None:
            return super().has_access(permission_name, view_name)
        cache = g.setdefault("_masklog_access", {})
        key = (permission_name, view_name)
        if key not in cache:
            cache[key] = any(self._has_access_builtin_roles(_RoleName(name), permission_name, view_name)
                             for name in roles)
        return cache[key]

    def create_jwt_manager(self, app):
        """FAB's JWT manager, answering a missing, malformed, expired or
        revoked token with 401 in the API's error shape (Flask-JWT-Extended
        says 422 for a malformed one: the client's token, not its request,
        is wrong)."""
        jwt_manager = super().create_jwt_manager(app)

        def not_signed_in(*_args):
            from app.api.errors import status_response

            return status_response(401)

        for loader in (jwt_manager.unauthorized_loader, jwt_manager.invalid_token_loader,
                       jwt_manager.expired_token_loader, jwt_manager.revoked_token_loader,
                       jwt_manager.needs_fresh_token_loader, jwt_manager.user_lookup_error_loader):
            loader(not_signed_in)
        return jwt_manager

    def is_item_public(self, permission_name, view_name):
        """FAB's REST decorator asks this before every API call, and FAB reads
        the Public role's permissions from the database each time (two
        queries, a quarter of an API write's cost). The Public role is a
        builtin role (app/roles.py): answer from its patterns in memory."""
        public = self.auth_role_public
        if public in self.builtin_roles:
            return self._has_access_builtin_roles(_RoleName(public), permission_name, view_name)
        return super().is_item_public(permission_name, view_name)

    def sync_roles(self) -> list:
        """Create missing roles (permissions live in code). Idempotent."""
        created = []
        for name in ROLE_DEFINITIONS:
            if self.find_role(name) is None:
                self.add_role(name, commit=False)
                created.append(name)
        return created
