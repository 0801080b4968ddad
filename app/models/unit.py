"""Units of the supply hierarchy: one table for every level.

`path` is the materialised path of ids ("/1/12/145/"), as in DHIS2: the subtree
of a unit is every row whose path starts with the unit's path. Ids never change,
so a rename or a new geothai release never rewrites paths; only moving a unit
to another parent does (app/commands/units.py)."""
import datetime
import enum

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import relationship


class UnitLevel(str, enum.Enum):
    CENTRAL = "central"
    PROVINCE = "province"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    LAO = "lao"
    END_UNIT = "end_unit"


# Levels whose rows come from the DOPA geocode list (geothai), never typed by hand.
OFFICIAL_LEVELS = {UnitLevel.CENTRAL, UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.SUBDISTRICT}

# Depth order, used for sorting and for the "which level may sit under which" rule.
LEVEL_ORDER = [
    UnitLevel.CENTRAL,
    UnitLevel.PROVINCE,
    UnitLevel.DISTRICT,
    UnitLevel.SUBDISTRICT,
    UnitLevel.LAO,
    UnitLevel.END_UNIT,
]

# Path comparisons must be byte-wise: PostgreSQL's default collations ignore
# punctuation such as "/", which would break prefix range scans.
PathString = String(255).with_variant(String(255, collation="C"), "postgresql")


class Unit(Model):
    __tablename__ = "unit"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name_th = Column(String(255), nullable=False)
    name_en = Column(String(255), nullable=True)
    level = Column(String(16), nullable=False, index=True)
    parent_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    path = Column(PathString, nullable=False, default="", index=True)
    active = Column(Boolean, nullable=False, default=True)
    # The unit whose deactivation switched this one off (itself when switched
    # off directly): reactivating that unit switches back on exactly these
    # (app/commands/unit_status.py). NULL while active.
    deactivated_by_id = Column(Integer, ForeignKey("unit.id"), nullable=True)
    # "geothai" for rows synced from the DOPA list, "manual" for LAOs and end units.
    source = Column(String(16), nullable=False, default="manual")
    # The first day the unit itself received stock (a counted receipt or a confirmed
    # shipment, dated), NULL: never. Kept by app/stock.post, the only writer of ledger
    # lines, so "holds stock" (app/queries/obligations.py) is a column, not a ledger probe
    # per unit; `obligations.recount_first_stock` recomputes it from the ledger.
    first_stock_on = Column(Date, nullable=True)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.utcnow)
    changed_on = Column(
        DateTime, nullable=False, default=datetime.datetime.utcnow, onupdate=datetime.datetime.utcnow
    )

    parent = relationship("Unit", remote_side=[id], foreign_keys=[parent_id], backref="children")

    __table_args__ = (
        Index("ix_unit_level_path", "level", "path"),
        # The unit picker's name and code prefix searches (app/queries/unit_search.py).
        # PostgreSQL serves LIKE 'prefix%' from a B-tree only with the pattern
        # operator class (its default collations do not compare byte-wise).
        Index("ix_unit_level_name", "level", "name_th", "path", "active", postgresql_ops={"name_th": "text_pattern_ops"}),
        Index("ix_unit_code_prefix", "code", postgresql_ops={"code": "text_pattern_ops"}),
        # Units switched off, by path (few): completeness subtracts their reports (app/queries/figures.py).
        Index("ix_unit_switched_off", "path", postgresql_where=text("active = false"), sqlite_where=text("active = 0")),
        # Units not holding stock (few once stock has gone out): completeness subtracts them from a
        # "holds stock" level's kept count (app/queries/figures.py), those never stocked ...
        Index("ix_unit_never_stocked", "level", "path", postgresql_where=text("first_stock_on IS NULL"),
              sqlite_where=text("first_stock_on IS NULL")),
        # ... and, on an earlier day, those first stocked after it.
        Index("ix_unit_first_stock_on", "level", "first_stock_on"),
    )

    @property
    def is_official(self) -> bool:
        return self.level in {lvl.value for lvl in OFFICIAL_LEVELS}

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1 if self.path else 0

    def __repr__(self) -> str:
        # Dropdowns and lists show this: the code tells same-named units apart.
        return f"{self.name_th} ({self.code})"
