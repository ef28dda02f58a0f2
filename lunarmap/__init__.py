"""lunarmap: measure, compare and plan at the lunar south pole, correctly on the Moon sphere.

The library never imports Streamlit; ``dashboard.py`` is a thin shell over it.
"""

from .crs import LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE
from .errors import LunarmapError

__all__ = ["LONLAT_CODE", "MOON_RADIUS_M", "SOUTH_POLAR_CODE", "LunarmapError", "__version__"]

__version__ = "0.1.0"
