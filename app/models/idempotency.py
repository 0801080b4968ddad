"""Idempotency keys of the REST API's writes (app/api/idempotency.py): the
first result of a write, kept under the key its client sent, so a retried
request gets that result back instead of a second document."""
import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text


class ApiIdempotencyKey(Model):
    __tablename__ = "api_idempotency_key"
    user_id = Column(Integer, ForeignKey("ab_user.id"), primary_key=True)  # keys are each user's own
    key = Column(String(255), primary_key=True)
    request_hash = Column(String(64), nullable=False)  # sha256 of method, path and body
    status_code = Column(Integer, nullable=True)  # null only inside the transaction that claimed it
    response = Column(Text, nullable=True)  # the JSON body answered the first time
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.utcnow, index=True)
