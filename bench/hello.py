"""The baseline of bench/page_speed.py: a bare Flask "hello" (gunicorn hello:app)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Hello."""
    return "Hello, World!"
