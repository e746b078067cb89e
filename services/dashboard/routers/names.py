"""`GET /api/names`: the names the page shows instead of numbers (species), fetched once by the page."""

from fastapi import APIRouter, Depends

from services.dashboard.deps import require_read
from shared.game.names import SPECIES_NAMES

router = APIRouter(prefix="/api", tags=["names"], dependencies=[Depends(require_read)])


@router.get("/names")
async def names() -> dict[str, list[str]]:
    """`species[i]` is species number i's name (index 0 is empty: no species)."""
    return {"species": list(SPECIES_NAMES)}
