"""Tests of the LLM planner service, from plan parsing to planners sharing and claiming requests."""
