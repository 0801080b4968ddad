"""The Google Form the provinces fill in parallel with MaskLog (letter, point
3), reconciled against the ledger (app/reconcile/):

- FormMapping: per province, which column of the form's export holds the
  unit, the date and each figure — chosen once from the file's own headers,
  remembered for the next upload;
- FormUnitChoice: per province, the unit a person picked for a typed name the
  matcher could not place alone, remembered for the next upload;
- FormUpload: an uploaded export, kept for the steps of one reconciliation
  (mapping, picking units, the result, creating documents) and its audit."""
import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, LargeBinary, String, Text


class FormMapping(Model):
    __tablename__ = "form_mapping"
    province_id = Column(Integer, ForeignKey("unit.id"), primary_key=True)
    mapping = Column(Text, nullable=False)  # JSON {role: header text}
    changed_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    changed_on = Column(DateTime, nullable=False, default=datetime.datetime.utcnow,
                        onupdate=datetime.datetime.utcnow)


class FormUnitChoice(Model):
    __tablename__ = "form_unit_choice"
    province_id = Column(Integer, ForeignKey("unit.id"), primary_key=True)
    typed = Column(String(255), primary_key=True)  # UnitMatcher.key of the typed name (and district)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    chosen_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    chosen_on = Column(DateTime, nullable=False, default=datetime.datetime.utcnow)


class FormUpload(Model):
    __tablename__ = "form_upload"
    id = Column(Integer, primary_key=True)
    province_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    filename = Column(String(255), nullable=False)
    data = Column(LargeBinary, nullable=False)
    uploaded_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    uploaded_on = Column(DateTime, nullable=False, default=datetime.datetime.utcnow)
