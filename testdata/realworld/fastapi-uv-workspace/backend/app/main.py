from fastapi import FastAPI

from app.api.utils import router as utils_router
from app.core.config import settings

app = FastAPI(title=settings.PROJECT_NAME)
app.include_router(utils_router, prefix=settings.API_V1_STR)
