"""All models share flask_appbuilder.Model's metadata, which Alembic migrates."""
from app.models.unit import Unit, UnitLevel  # noqa: F401
from app.models.user import MaskLogUser  # noqa: F401
from app.models.ledger import (  # noqa: F401,E402
    Adjustment, Allocation, AllocationLine, AuditEntry, DailyCount, DailyCountLine, Distribution,
    DistributionLine, Item, LedgerLine, Receipt, RiskGroup, StockBalance,
)
from app.models.rollup import DailyReport, DailyRollup, ReportRollup, RiskGroupRollup  # noqa: F401,E402
from app.models.reminder import ReminderLog  # noqa: F401,E402
from app.models.obligation import ReportingException, ReportingRule  # noqa: F401,E402
from app.models.idempotency import ApiIdempotencyKey  # noqa: F401,E402
from app.models.form_import import FormMapping, FormUnitChoice, FormUpload  # noqa: F401,E402
