"""The LLM planner service: turns plan requests into short button plans from a local or remote model.

Modules, one job each:
- `settings`: `PlannerSettings` (`CRL_*` variables, and the same names as flags).
- `prompt` + `prompts/*.md`: the chat built from a `PlanRequest`; the wording lives in the templates.
- `plan`: the `Plan` model, its JSON schema (legal buttons as an enum), and the strict parser.
- `backends/`: `ChatBackend` and its two APIs, `ollama` (`/api/chat`) and `openai_compat` (`/v1/chat/completions`).
- `resilience`: bounded retries with backoff, and the circuit breaker.
- `planner`: request → plan (one repair attempt), and the stale-request filter; no Redis.
- `stats`: counters and latency percentiles for the heartbeat.
- `service`: what a request comes to (group `planner` on `plan_requests`): plans and events published,
  the back end's state in the heartbeat.
- `app`: the wiring: the clients built from settings, the consumers run, a clean shutdown.

Running it:

    # Ollama on this machine (the default URL), after `ollama pull smollm2:1.7b`
    python -m services.llm_planner
    # Ollama on a GPU host, another model
    python -m services.llm_planner --llm-url http://gpu:11434 --llm-model qwen2.5:3b
    # llama.cpp server / vLLM / LM Studio (OpenAI-compatible; the URL ends in /v1)
    python -m services.llm_planner --llm-url http://gpu:8000/v1 --llm-model Qwen/Qwen2.5-1.5B-Instruct
    # a hosted OpenAI-compatible endpoint: the key only from the environment
    CRL_LLM_API_KEY=... python -m services.llm_planner --llm-url openai+https://api.example.com/v1 --llm-model m
"""
