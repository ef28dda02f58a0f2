"""lunarmap: measure, compare and plan at the lunar south pole, correctly on the Moon sphere.

The library never imports Streamlit; ``dashboard.py`` is a thin shell over it. Each module logs to its own
``logging.getLogger(__name__)``; the library configures no handlers (the application does), only the
``NullHandler`` below, so nothing is printed unless the application asks for it.
"""

import logging

from .crs import LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE
from .errors import LunarmapError

__all__ = ["LONLAT_CODE", "MOON_RADIUS_M", "SOUTH_POLAR_CODE", "LunarmapError", "__version__"]

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
