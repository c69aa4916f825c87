"""A demo shop with planted customer journeys: jejak's known-answer data set.

``simulate_shop`` draws latent stage progressions per person (channel-dependent advance
probabilities, exponential delays, guests who skip Subscribe), emits touchpoints in the
canonical schema from them, and returns the truth an analysis should recover.
"""

from jejak.simulate.shop import STAGES, TRANSITIONS, ShopPlan
from jejak.simulate.simulator import SimulatedShop, simulate_shop

__all__ = ["STAGES", "TRANSITIONS", "ShopPlan", "SimulatedShop", "simulate_shop"]
