"""Jittered, capped exponential backoff, so a fleet that lost the platform does not return in lockstep."""

import random


class Backoff:
    """Delays base·2ⁿ up to `cap`, each drawn from [delay/2, delay] ("equal jitter")."""

    def __init__(self, *, base: float, cap: float, rng: random.Random) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng
        self.attempt = 0

    def next(self) -> float:
        """The delay before the next attempt."""
        delay = min(self.cap, self.base * 2 ** min(self.attempt, 30))
        self.attempt += 1
        return self.rng.uniform(delay / 2, delay)

    def reset(self) -> None:
        """Start over after a success."""
        self.attempt = 0
