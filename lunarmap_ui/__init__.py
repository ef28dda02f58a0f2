"""Streamlit-specific parts of the lunarmap page: the deck.gl map component, static files, page sections.

Only this package and ``dashboard.py`` import Streamlit; the ``lunarmap`` library never does.
"""
