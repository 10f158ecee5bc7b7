"""The baseline for bench_api.py: a bare Flask hello-world under the same gunicorn settings."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.post("/hello")
def hello():
    return jsonify(hello="world"), 201
