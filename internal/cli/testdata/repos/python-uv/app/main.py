"""Inventory API (test fixture): FastAPI over PostgreSQL."""

import os

import psycopg
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/items/count")
def count_items() -> dict[str, int]:
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        (n,) = conn.execute("SELECT count(*) FROM items").fetchone()
    return {"count": n}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="0.0.0.0", port=8000)
