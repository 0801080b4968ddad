"""The yardstick for bench/submissions.py: a bare Flask endpoint doing one
INSERT on the same database, served by the same gunicorn configuration."""
import os

from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)


@app.post("/bare")
def bare():
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO bench_bare (note) VALUES ('x')"))
    return "ok"
