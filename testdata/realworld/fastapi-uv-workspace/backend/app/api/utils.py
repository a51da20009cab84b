from fastapi import APIRouter

router = APIRouter(prefix="/utils")


@router.get("/health-check/")
async def health_check() -> bool:
    return True
