"""The dashboard: the live game, every number, the services and the streams, in one page.

`python -m services.dashboard` serves http://127.0.0.1:8080 (FastAPI + uvicorn). It reads every
stream without a consumer group (it never takes work from anyone) and the health keys, and writes
only to `control:{env}`, and only for a request carrying the token (`CRL_DASHBOARD_TOKEN`).

One reader loop per process (`live.Hub`) tails the streams, keeps bounded aggregates (numbers,
plot series, the exploration heat map) and fans decimated updates out to every page over one
Server-Sent Events connection each; the page is static files using only the JSON API.
"""
