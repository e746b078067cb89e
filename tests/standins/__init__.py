"""Stand-ins for peers, test code named as such and never in an image: they speak the real streams and the real
HTTP APIs, nothing more.

- `model_host`: `StandinModelHost`, a real HTTP server speaking Ollama's and the OpenAI-compatible API, answering
  from a script (`python -m tests.standins.model_host --port 11434`);
- `demonstrator`: `Demonstrator`, plans read off the prompt's own lines, the demo cartridge's walkthrough from
  where the player stands (`--demonstrate`: a stand-in for a good model);
- `learner`: `StandInLearner`, answering every frame over the real streams.

The tests, the system tests and the bench (`make bench`) use them.
"""
