"""The JSON API and the page, one router per subject (FastAPI's "Bigger Applications")."""
