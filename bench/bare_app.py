"""The yardstick for bench/submissions.py: a bare Flask endpoint doing one
INSERT on the same database, served by the same gunicorn configuration."""
import os

import sys

from flask import Flask
from sqlalchemy import create_engine, text

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from app.db.health import install_idle_ping  # noqa: E402  (the same pool checks as the app)

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
install_idle_ping(engine)


@app.post("/bare")
def bare():
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO bench_bare (note) VALUES ('x')"))
    return "ok"
