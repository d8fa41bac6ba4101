# An integration of this repository on Ocean's runtime image (non-root, tini, a health check on
# /health/ready). Build the runtime image first (deploy/docker/build-base.sh), then, e.g.:
#   docker build -f deploy/docker/integration.Dockerfile -t ocean-fake integrations/fake
# A project made by `ocean new` carries its own Dockerfile, the same as this one.
ARG OCEAN_IMAGE=ocean-sail:0.1.0
FROM ${OCEAN_IMAGE}

# Dependencies first, so code edits do not reinstall them; Ocean itself is in the runtime image.
USER root
COPY pyproject.toml ./
RUN pip install --no-cache-dir --no-build-isolation . && rm -rf build ./*.egg-info
COPY . .
USER 10001:10001

# Port credentials and configuration come from the environment at run time.
CMD ["sail", "."]
