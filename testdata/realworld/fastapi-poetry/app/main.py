from fastapi import FastAPI

from app.api.users import router
from app.core.config import settings

app = FastAPI(title="users")
app.include_router(router)


@app.get("/health")
async def health() -> dict:
    return {"status": "ok", "log_level": settings.log_level}
