"""The `crystal-rl` command: starts the services as processes and reports on them.

It never imports a service's internals: services are separate processes that talk through Redis.
"""
