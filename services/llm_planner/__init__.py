"""The LLM planner service: turns plan requests into short button plans from a local or remote model."""
