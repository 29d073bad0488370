"""On-air time: whole minutes since 2024-01-01T00:00Z, so that times fit 3-byte varints."""

EPOCH_UNIX = 1_704_067_200  # 2024-01-01T00:00:00Z
MAX_MINUTES = 0xFFFF_FFFF


def to_minutes(unix_seconds: float) -> int:
    """Unix time to on-air minutes, clamped to what a uint32 field can hold."""
    minutes = int((unix_seconds - EPOCH_UNIX) // 60)
    return min(max(minutes, 0), MAX_MINUTES)


def from_minutes(minutes: int) -> int:
    """On-air minutes to Unix seconds."""
    return EPOCH_UNIX + minutes * 60
