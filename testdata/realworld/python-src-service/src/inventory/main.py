import os

from flask import Flask, jsonify
from redis import Redis

app = Flask(__name__)
cache = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/stock/<sku>")
def stock(sku: str):
    return jsonify(sku=sku, count=int(cache.get(sku) or 0))


def main() -> None:
    port = int(os.environ.get("PORT", "8085"))
    app.run(host="0.0.0.0", port=port)


if __name__ == "__main__":
    main()
