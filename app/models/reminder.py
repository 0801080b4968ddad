"""E-mail reminders already sent: one message per person (address) per day,
whatever how often `flask masklog remind` runs (app/commands/reminders.py)."""
import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String


class ReminderLog(Model):
    __tablename__ = "reminder_log"
    day = Column(Date, primary_key=True)
    email = Column(String(320), primary_key=True)  # lower-cased
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True)
    sent_on = Column(DateTime, nullable=False, default=datetime.datetime.utcnow)
