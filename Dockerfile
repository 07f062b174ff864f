# ciliumdrift: a small non-root image for `ciliumdrift serve` (deploy/) and one-off checks.
#   docker build -t ciliumdrift .
#   docker run --rm -v ~/.kube:/kube:ro -e KUBECONFIG=/kube/config ciliumdrift live -f values.yaml
# Runs as UID 65532 with a read-only root filesystem: nothing is written outside /tmp
# (an emptyDir in deploy/deployment.yaml), and no .pyc files are written at run time.

FROM python:3.12-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY ciliumdrift ./ciliumdrift
# A virtualenv holds the package and its dependencies; the run stage copies it whole.
RUN python -m venv /opt/ciliumdrift \
 && /opt/ciliumdrift/bin/pip install --no-compile . \
 && /opt/ciliumdrift/bin/python -m compileall -q /opt/ciliumdrift/lib

FROM python:3.12-slim-bookworm
LABEL org.opencontainers.image.title="ciliumdrift" \
      org.opencontainers.image.description="Is the running Cilium datapath the one your config asks for?" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/ciliumdrift/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TMPDIR=/tmp
COPY --from=build /opt/ciliumdrift /opt/ciliumdrift
# nonroot as in distroless: no login shell, no home outside /tmp
RUN groupadd --system --gid 65532 nonroot \
 && useradd --system --uid 65532 --gid 65532 --home-dir /tmp --shell /usr/sbin/nologin nonroot
USER 65532:65532
EXPOSE 9876
ENTRYPOINT ["ciliumdrift"]
CMD ["serve"]
