"""FAB's user, extended with the unit the user belongs to (and contact fields
the letter's registration sheet asks for)."""
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship


class MaskLogUser(User):
    __tablename__ = "ab_user"

    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    position = Column(String(128), nullable=True)
    phone = Column(String(32), nullable=True)

    # Bumped when an administrator reissues the activation link: older links stop working.
    activation_version = Column(Integer, nullable=False, default=0, server_default="0")

    unit = relationship("Unit", foreign_keys=[unit_id])

    @property
    def is_active(self) -> bool:
        """Signed in and allowed to work: the account is active and so is its
        unit (deactivating a unit blocks its users without touching their own
        flag, so reactivating it leaves users deactivated by hand deactivated)."""
        return bool(self.active) and (self.unit is None or bool(self.unit.active))

    @property
    def account_status(self) -> str:
        """What the user list says of the account (labels: app/labels.py)."""
        if not self.active:
            return "deactivated"
        if self.unit is not None and not self.unit.active:
            return "unit_switched_off"
        return "active" if self.password else "awaiting_activation"

    @property
    def is_activated(self) -> bool:
        return bool(self.password)
